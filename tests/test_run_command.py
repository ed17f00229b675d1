"""`sensus-bot run` as a real process: reaches the Bot API, answers, stops on SIGTERM."""

import asyncio
import os
import signal
import sys
from pathlib import Path

from tests.fake_telegram import FakeTelegram


async def wait_until(condition, seconds: float = 20.0) -> None:
    """Poll a condition of the fake server's state."""
    async with asyncio.timeout(seconds):
        while not condition():
            await asyncio.sleep(0.05)


async def test_run_polls_the_configured_api_and_answers(telegram: FakeTelegram, tmp_path: Path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "SENSUS_"))}
    env |= {
        "TELEGRAM_BOT_TOKEN": telegram.token,
        "TELEGRAM_API_URL": telegram.url,
        "SENSUS_DB": str(tmp_path / "sensus.db"),
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot.cli",
        "run",
        env=env,
        cwd=tmp_path,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        await wait_until(lambda: telegram.polls > 0)
        assert "getMe" in [c.method for c in telegram.calls]
        person = {"id": 77, "is_bot": False, "first_name": "Sari", "language_code": "id"}
        await telegram.push(telegram.api.incoming_message(person, "/start"))
        await wait_until(lambda: any(c.method == "sendMessage" for c in telegram.calls))
        assert "Choose your language" in telegram.api.chat_messages(77)[-1]["text"]
    finally:
        process.send_signal(signal.SIGTERM)
        async with asyncio.timeout(10):
            _, stderr = await process.communicate()
    assert process.returncode == 0, stderr.decode()
    assert telegram.token not in stderr.decode()
