"""`sensus-bot run` as a real process: reaches the Bot API, answers, stops on SIGTERM."""

import asyncio
import signal
from pathlib import Path

from tests.fake_telegram import FakeTelegram
from tests.harness import eventually, start_bot_process


async def test_run_polls_the_configured_api_and_answers(telegram: FakeTelegram, tmp_path: Path):
    process = await start_bot_process(telegram.url, tmp_path / "sensus.db", SENSUS_LOG_LEVEL="INFO")
    try:
        await eventually(lambda: telegram.polls > 0)
        assert "getMe" in [c.method for c in telegram.calls]
        person = {"id": 77, "is_bot": False, "first_name": "Sari", "language_code": "id"}
        await telegram.push(telegram.api.incoming_message(person, "/start"))
        await eventually(lambda: any(c.method == "sendMessage" for c in telegram.calls))
        assert "Choose your language" in telegram.api.chat_messages(77)[-1]["text"]
    finally:
        process.send_signal(signal.SIGTERM)
        async with asyncio.timeout(10):
            _, stderr = await process.communicate()
    assert process.returncode == 0, stderr.decode()
    assert telegram.token not in stderr.decode()
