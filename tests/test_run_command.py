"""`sensus-bot run` as a real process: reaches the Bot API, answers, stops on SIGTERM."""

import asyncio
import signal
import socket
from pathlib import Path

import aiohttp

from tests.fake_telegram import FakeTelegram
from tests.harness import eventually, run_cli, start_bot_process


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


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def test_webhook_mode_answers_only_calls_with_the_secret(telegram: FakeTelegram, tmp_path):
    port = free_port()
    public = "https://sensus.example.id/telegram/hook"  # a reverse proxy forwards to --listen
    listen = f"127.0.0.1:{port}"
    process = await start_bot_process(
        telegram.url,
        tmp_path / "sensus.db",
        "--webhook",
        public,
        "--listen",
        listen,
        SENSUS_WEBHOOK_SECRET="s3cret-token",
    )
    try:
        await eventually(lambda: bool(telegram.api.webhook))
        assert telegram.api.webhook["url"] == public
        assert telegram.api.webhook["secret_token"] == "s3cret-token"
        person = {"id": 78, "is_bot": False, "first_name": "Yosef", "language_code": "id"}
        update = {"update_id": 1} | telegram.api.incoming_message(person, "/start")
        async with aiohttp.ClientSession() as web:
            url = f"http://{listen}/telegram/hook"
            await eventually(lambda: port_open(port))
            for secret in (None, "guessed"):
                headers = {"X-Telegram-Bot-Api-Secret-Token": secret} if secret else {}
                async with web.post(url, json=update, headers=headers) as answer:
                    assert answer.status == 403
            headers = {"X-Telegram-Bot-Api-Secret-Token": "s3cret-token"}
            async with web.post(url, json=update, headers=headers) as answer:
                assert answer.status == 200
        await eventually(lambda: any(c.method == "sendMessage" for c in telegram.calls))
        await asyncio.sleep(0.3)
        sent = [c for c in telegram.calls if c.method == "sendMessage"]
        assert len(sent) == 1 and "Pilih bahasa" in str(sent[0].params["text"])
    finally:
        process.send_signal(signal.SIGTERM)
        async with asyncio.timeout(10):
            _, stderr = await process.communicate()
    assert process.returncode == 0, stderr.decode()
    assert "s3cret-token" not in stderr.decode()


def port_open(port: int) -> bool:
    """Whether something accepts connections on the port."""
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


def test_webhook_options_are_checked_in_plain_words(tmp_path):
    env = {"TELEGRAM_BOT_TOKEN": "1:x", "SENSUS_DB": str(tmp_path / "s.db")}
    for args, message in [
        (["--webhook", "https://a.id/hook"], "--webhook URL and --listen HOST:PORT go together"),
        (["--webhook", "http://a.id/hook", "--listen", "0.0.0.0:8443"], "only calls https"),
        (["--webhook", "https://a.id/hook", "--listen", "8443"], "expected HOST:PORT"),
    ]:
        result = run_cli("run", *args, env=env, check=False)
        assert result.returncode == 2 and message in result.stderr, result.stderr
