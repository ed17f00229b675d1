"""Updates of one chat run in order; different chats run concurrently."""

import asyncio

from telegram import Chat, Message, Update

from bot.processing import ChatOrderedUpdateProcessor


def update(update_id: int, chat_id: int) -> Update:
    chat = Chat(chat_id, "private")
    return Update(update_id, message=Message(update_id, None, chat))  # type: ignore[arg-type]


async def test_same_chat_in_order_other_chats_concurrently():
    processor = ChatOrderedUpdateProcessor(16)
    log: list[str] = []
    slow_started = asyncio.Event()

    async def step(name: str, delay: float) -> None:
        log.append(f"start {name}")
        if name == "a1":
            slow_started.set()
        await asyncio.sleep(delay)
        log.append(f"end {name}")

    tasks = [asyncio.create_task(processor.process_update(update(1, 1), step("a1", 0.2)))]
    await slow_started.wait()
    tasks.append(asyncio.create_task(processor.process_update(update(2, 1), step("a2", 0))))
    tasks.append(asyncio.create_task(processor.process_update(update(3, 2), step("b1", 0))))
    await asyncio.gather(*tasks)
    assert log.index("end b1") < log.index("end a1")  # chat 2 was not held up by chat 1
    assert log.index("end a1") < log.index("start a2")  # chat 1 stayed in order
