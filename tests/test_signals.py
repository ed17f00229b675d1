"""What operators watch: /metrics and /healthz of the running bot, read over HTTP as
Prometheus and a load balancer would, while people talk to it."""

import asyncio
import json
import signal
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from prometheus_client.parser import text_string_to_metric_families

from bot.app import SIGNALS_KEY, build_application, running
from bot.config import Settings
from bot.signals import Listen
from offline.fake_telegram import FakeTelegram
from offline.processes import free_port, port_open, start_bot_process
from storage.engine import setting
from tests.harness import RunningBot, eventually, ready, run_cli

Figures = dict[tuple[str, tuple[tuple[str, str], ...]], float]


@asynccontextmanager
async def bot_with_signals(
    telegram: FakeTelegram, settings: Settings
) -> AsyncIterator[tuple[RunningBot, str]]:
    """The real application polling the fake, with /healthz and /metrics on a free port."""
    application = build_application(settings, signals=Listen("127.0.0.1", 0))
    bot = RunningBot(telegram, application)
    async with running(application, poll=True):
        yield bot, application.bot_data[SIGNALS_KEY].url


async def get(url: str) -> tuple[int, str, str]:
    """Status, content type and body of a GET."""
    async with aiohttp.ClientSession() as web, web.get(url) as answer:
        return answer.status, answer.content_type, await answer.text()


async def figures(base: str) -> Figures:
    """Every sample /metrics shows, by name and labels."""
    status, content_type, text = await get(f"{base}/metrics")
    assert status == 200 and content_type == "text/plain"
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def value(found: Figures, name: str, **labels: str) -> float:
    return found[(name, tuple(sorted(labels.items())))]


def sends(telegram: FakeTelegram) -> int:
    """Messages the fake accepted (an injected refusal is not recorded as a call)."""
    return len([c for c in telegram.calls if c.method == "sendMessage"])


async def health(base: str) -> tuple[int, dict[str, Any]]:
    async with aiohttp.ClientSession() as web, web.get(f"{base}/healthz") as answer:
        return answer.status, await answer.json()


async def test_metrics_count_updates_answers_sends_and_telegram_refusals(
    telegram: FakeTelegram, settings: Settings
):
    async with bot_with_signals(telegram, settings) as (bot, base):
        before = await figures(base)
        assert value(before, "sensus_faq_outcomes_total", outcome="answer") == 0
        assert value(before, "sensus_telegram_refusals_total", kind="429") == 0
        assert value(before, "sensus_sender_leader") == 1
        person = bot.person(501)
        await ready(person)  # /start, then a button
        await person.send("kapan sensus online dibuka?")
        await person.send("halo")
        found = await figures(base)
        assert value(found, "sensus_updates_total", kind="message") == 3
        assert value(found, "sensus_updates_total", kind="callback_query") == 1
        assert value(found, "sensus_reply_seconds_count") == 4
        assert 0 < value(found, "sensus_reply_seconds_sum") < 4 * 10
        assert value(found, "sensus_faq_outcomes_total", outcome="answer") == 1
        assert value(found, "sensus_faq_outcomes_total", outcome="chat") == 1
        assert value(found, "sensus_messages_sent_total") == sends(telegram)

        telegram.fail("sendMessage", 429, "Too Many Requests: retry after 1", retry_after=1)
        telegram.fail("sendMessage", 403, "Forbidden: bot was blocked by the user")
        await person.send("apa itu sensus?")
        await person.send("apa itu sensus?")
        after = await figures(base)
        assert value(after, "sensus_telegram_refusals_total", kind="429") == 1
        assert value(after, "sensus_telegram_refusals_total", kind="403") == 1
        assert value(after, "sensus_telegram_refusals_total", kind="5xx") == 0
        assert value(after, "sensus_messages_sent_total") == sends(telegram)  # refusals not


async def test_outbox_depth_shows_a_broadcast_queued_for_tomorrow(
    telegram: FakeTelegram, settings: Settings, tmp_path: Path
):
    async with bot_with_signals(telegram, settings) as (bot, base):
        for user_id in (601, 602, 603):
            await ready(bot.person(user_id))
        empty = await figures(base)
        assert value(empty, "sensus_outbox_pending", due="later") == 0
        text = tmp_path / "news.txt"
        text.write_text("Info sensus: petugas datang besok.", encoding="utf-8")
        tomorrow = (datetime.now(UTC) + timedelta(days=1)).isoformat(timespec="minutes")
        env = {"SENSUS_DB": setting(settings.database)}
        args = ("broadcast", "--text-file", str(text), "--to", "all", "--at", tomorrow, "--yes")
        await asyncio.to_thread(run_cli, *args, env=env)
        queued = await figures(base)
        assert value(queued, "sensus_outbox_pending", due="later") == 3
        assert value(queued, "sensus_outbox_pending", due="now") == 0


@pytest.mark.sqlite_only
async def test_healthz_is_503_once_the_database_file_is_gone(
    telegram: FakeTelegram, settings: Settings
):
    async with bot_with_signals(telegram, settings) as (bot, base):
        status, body = await health(base)
        assert status == 200, body
        assert body["database_reachable"] and body["sender_leader_known"]
        assert body["last_update_age_seconds"] is None  # nothing processed yet
        await ready(bot.person(701))
        status, body = await health(base)
        assert status == 200 and 0 <= body["last_update_age_seconds"] < 5
        db = settings.database
        assert isinstance(db, Path)
        for file in db.parent.glob(f"{db.name}*"):
            file.unlink()
        status, body = await health(base)
        assert status == 503
        assert body["healthy"] is False and body["database_reachable"] is False
        assert any("deleted or replaced" in problem for problem in body["problems"])


async def test_run_serves_the_signals_in_webhook_mode_logs_json_and_stops_with_the_bot(
    telegram: FakeTelegram, tmp_path: Path
):
    metrics_port, hook_port = free_port(), free_port()
    process = await start_bot_process(
        telegram.url,
        tmp_path / "sensus.db",
        "--webhook",
        "https://sensus.example.id/hook",
        "--listen",
        f"127.0.0.1:{hook_port}",
        "--metrics",
        f"127.0.0.1:{metrics_port}",
        SENSUS_LOG_FORMAT="json",
        SENSUS_LOG_LEVEL="INFO",
    )
    base = f"http://127.0.0.1:{metrics_port}"
    try:
        await eventually(lambda: port_open(metrics_port), seconds=30)

        async def healthy() -> bool:  # the port opens early in the start, before the sender
            status, _ = await health(base)
            return status == 200

        await eventually(healthy, seconds=10)
        assert value(await figures(base), "sensus_sender_leader") == 1
    finally:
        process.send_signal(signal.SIGTERM)
        async with asyncio.timeout(10):
            _, stderr = await process.communicate()
    assert process.returncode == 0, stderr.decode()
    assert not port_open(metrics_port)
    logged = [json.loads(line) for line in stderr.decode().splitlines()]
    assert f"health and metrics at {base}/healthz and /metrics" in [e["message"] for e in logged]
    assert {e["logger"] for e in logged} >= {"bot.signals", "bot.app"}


def test_a_bad_metrics_address_is_one_line(tmp_path: Path):
    env = {"TELEGRAM_BOT_TOKEN": "1:x", "SENSUS_DB": str(tmp_path / "s.db")}
    result = run_cli("run", "--metrics", "9090", env=env, check=False)
    assert result.returncode == 2
    assert result.stderr == (
        "sensus-bot: error: --metrics: expected HOST:PORT such as 127.0.0.1:8443, not '9090'\n"
    )


async def test_a_metrics_port_in_use_stops_run_in_one_line(telegram: FakeTelegram, tmp_path: Path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        env = {
            "TELEGRAM_BOT_TOKEN": telegram.token,
            "TELEGRAM_API_URL": telegram.url,
            "SENSUS_DB": str(tmp_path / "sensus.db"),
        }
        args = ("run", "--metrics", f"127.0.0.1:{port}")
        result = await asyncio.to_thread(run_cli, *args, env=env, check=False, timeout=30)
    assert result.returncode == 2
    assert result.stderr == (
        f"sensus-bot: error: --metrics: cannot listen on 127.0.0.1:{port}: Address already in use\n"
    )
    assert not any(c.method == "getUpdates" for c in telegram.calls)
