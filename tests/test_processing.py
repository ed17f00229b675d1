"""Updates of one chat run in order; different chats run concurrently; each update at most once."""

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from telegram import Chat, Message, Update

from bot.domain.clock import FixedClock
from bot.domain.retention import Retention
from bot.processing import ChatOrderedUpdateProcessor
from storage import Repository
from storage.engine import Location

NOW = datetime(2020, 3, 10, 2, 0, tzinfo=UTC)


def update(update_id: int, chat_id: int) -> Update:
    chat = Chat(chat_id, "private")
    return Update(update_id, message=Message(update_id, None, chat))  # type: ignore[arg-type]


@pytest.fixture
async def repo(db_path: Location) -> AsyncIterator[Repository]:
    repository = await Repository.open(db_path)
    yield repository
    await repository.close()


async def test_same_chat_in_order_other_chats_concurrently(repo: Repository):
    processor = ChatOrderedUpdateProcessor(lambda: repo, FixedClock(NOW), 16)
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


async def test_an_update_delivered_twice_is_processed_once(repo: Repository):
    processor = ChatOrderedUpdateProcessor(lambda: repo, FixedClock(NOW), 16)
    runs: list[int] = []

    async def handle(update_id: int) -> None:
        await asyncio.sleep(0.05)
        runs.append(update_id)

    # The same update twice at once (two deliveries), then once more later.
    await asyncio.gather(*(processor.process_update(update(7, 1), handle(7)) for _ in range(2)))
    await processor.process_update(update(7, 1), handle(7))
    await processor.process_update(update(8, 1), handle(8))
    assert runs == [7, 8]


async def test_an_update_that_failed_midway_is_processed_when_delivered_again(repo: Repository):
    processor = ChatOrderedUpdateProcessor(lambda: repo, FixedClock(NOW), 16)
    runs: list[str] = []

    async def dies() -> None:
        runs.append("first try")
        raise RuntimeError("the worker went away")

    async def works() -> None:
        runs.append("second try")

    with pytest.raises(RuntimeError):
        await processor.process_update(update(9, 1), dies())
    await processor.process_update(update(9, 1), works())
    assert runs == ["first try", "second try"]


async def test_processed_update_ids_are_forgotten_after_a_day(repo: Repository):
    await repo.record_update(1, NOW - timedelta(hours=25))
    await repo.record_update(2, NOW - timedelta(hours=23))
    pruned = await repo.prune(NOW, Retention())
    assert pruned["processed update ids"] == 1
    assert not await repo.update_processed(1)
    assert await repo.update_processed(2)
