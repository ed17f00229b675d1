"""`sensus-bot run --webhook` on SQLite as a real process: Telegram's calls are answered after
their update was processed, a re-delivered update is not processed again, strangers get 403."""

import asyncio
import signal
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from offline.fake_telegram import FakeTelegram
from offline.processes import free_port, port_open, start_bot_process
from tests.harness import eventually, texts_to

SECRET = "s3cret-token"
PUBLIC = "https://sensus.example.id/telegram/hook"  # a reverse proxy forwards to --listen


class Worker:
    """A webhook worker as Telegram (through nginx) sees it."""

    def __init__(self, process: asyncio.subprocess.Process, port: int) -> None:
        self.process = process
        self.url = f"http://127.0.0.1:{port}/telegram/hook"
        self.web = aiohttp.ClientSession()

    async def post(self, body: Any, secret: str | None = SECRET) -> int:
        """POST a body as Telegram would; the answer's status."""
        headers = {"X-Telegram-Bot-Api-Secret-Token": secret} if secret else {}
        if isinstance(body, bytes):
            answer = await self.web.post(self.url, data=body, headers=headers)
        else:
            answer = await self.web.post(self.url, json=body, headers=headers)
        async with answer:
            return answer.status


@pytest.fixture
async def worker(telegram: FakeTelegram, tmp_path: Path) -> AsyncIterator[Worker]:
    port = free_port()
    process = await start_bot_process(
        telegram.url,
        tmp_path / "sensus.db",
        "--webhook",
        PUBLIC,
        "--listen",
        f"127.0.0.1:{port}",
        SENSUS_WEBHOOK_SECRET=SECRET,
    )
    worker = Worker(process, port)
    try:
        await eventually(lambda: bool(telegram.api.webhook) and port_open(port), 20)
        yield worker
    finally:
        await worker.web.close()
        if process.returncode is None:
            process.kill()
            await process.wait()


async def test_telegram_is_pointed_at_the_public_url_with_the_secret(
    telegram: FakeTelegram, worker: Worker
):
    assert telegram.api.webhook["url"] == PUBLIC
    assert telegram.api.webhook["secret_token"] == SECRET
    assert {"message", "callback_query", "my_chat_member"} <= set(
        telegram.api.webhook["allowed_updates"]
    )


async def test_the_answer_comes_after_the_reply_and_a_redelivery_is_not_answered_again(
    telegram: FakeTelegram, worker: Worker
):
    person = {"id": 78, "is_bot": False, "first_name": "Yosef", "language_code": "id"}
    update = {"update_id": 501} | telegram.api.incoming_message(person, "/start")
    assert await worker.post(update) == 200
    # 200 means processed: the reply is out before the answer, nothing to wait for.
    assert len(texts_to(telegram, 78)) == 1 and "Pilih bahasa" in texts_to(telegram, 78)[0]
    assert await worker.post(update) == 200  # Telegram re-delivers (it saw no answer in time)
    assert len(texts_to(telegram, 78)) == 1
    again = {"update_id": 502} | telegram.api.incoming_message(person, "/start")
    assert await worker.post(again) == 200
    assert len(texts_to(telegram, 78)) == 2


async def test_calls_without_the_secret_or_with_a_bad_body_are_refused(
    telegram: FakeTelegram, worker: Worker
):
    person = {"id": 79, "is_bot": False, "first_name": "Maria", "language_code": "id"}
    update = {"update_id": 601} | telegram.api.incoming_message(person, "/start")
    assert await worker.post(update, secret=None) == 403
    assert await worker.post(update, secret="guessed") == 403
    bodies: list[Any] = [b"not json", b"[1, 2]", {"update_id": "x"}, {"message": {}}, b"\xff\xfe"]
    for body in bodies:
        assert await worker.post(body) == 400
    assert texts_to(telegram, 79) == []
    assert await worker.post(update) == 200  # still serving
    assert len(texts_to(telegram, 79)) == 1


async def test_sigterm_finishes_the_update_in_flight_and_exits_0(
    telegram: FakeTelegram, worker: Worker
):
    telegram.fail("sendMessage", 502, "Bad Gateway", delay=1.0)  # a slow first try
    person = {"id": 80, "is_bot": False, "first_name": "Agus", "language_code": "id"}
    update = {"update_id": 701} | telegram.api.incoming_message(person, "/start")
    answer = asyncio.create_task(worker.post(update))
    await eventually(lambda: not telegram.faults["sendMessage"])  # the reply is on its way
    worker.process.send_signal(signal.SIGTERM)
    assert await answer == 200
    assert len(texts_to(telegram, 80)) == 1  # after the failed reply, the apology went out
    async with asyncio.timeout(15):
        _, stderr = await worker.process.communicate()
    assert worker.process.returncode == 0, stderr.decode()
    assert SECRET not in stderr.decode()
    assert telegram.api.webhook["url"] == PUBLIC  # other workers still serve it


async def test_a_webhook_telegram_refuses_stops_the_start_in_one_line(
    telegram: FakeTelegram, tmp_path: Path
):
    telegram.fail("setWebhook", 400, "Bad Request: bad webhook: Failed to resolve host")
    listen = f"127.0.0.1:{free_port()}"
    process = await start_bot_process(
        telegram.url, tmp_path / "sensus.db", "--webhook", PUBLIC, "--listen", listen
    )
    async with asyncio.timeout(60):
        _, stderr = await process.communicate()
    assert process.returncode == 2
    assert stderr.decode().splitlines() == [
        "sensus-bot: error: --webhook: Telegram refused it: Bad webhook: failed to resolve host"
    ]
