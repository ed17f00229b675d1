"""Outbox benchmark: planning a reminder wave, the sender's sustained rate, due-to-sent lag.

Run: .venv/bin/python -m bench.outbox_bench [--quick]
The sender runs with a real python-telegram-bot Bot over HTTP against the fake Bot API,
which answers 429 whenever Telegram's limits are exceeded.
"""

import asyncio
import json
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import UTC, datetime
from datetime import time as clock_time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from telegram import Bot
from telegram.request import BaseRequest, HTTPXRequest

from bench.machine import describe
from bot.domain.calendar import load_calendar, shipped_calendar_path
from bot.domain.reminders import occurrences, send_time
from bot.http import AiohttpRequest
from bot.outbox.planning import plan_reminders
from bot.outbox.sender import Sender
from offline.fake_telegram import TOKEN
from offline.processes import seed_broadcast, start_bot_process
from storage import Repository
from storage.bulk import insert_rows
from storage.repository import OutboxRow

ROOT = Path(__file__).resolve().parent.parent
QUIET = (clock_time(21), clock_time(7))
WITA = ZoneInfo("Asia/Makassar")


async def seed_subscribers(path: Path, count: int) -> None:
    """Create users and subscriptions quickly (set-based, outside the bot)."""
    repo = await Repository.open(path)  # migrations
    await repo.close()
    stamp = datetime(2019, 12, 1, tzinfo=UTC).isoformat()
    zones = ["Asia/Makassar", "Asia/Jakarta", "Asia/Jayapura", None]
    insert_rows(
        path,
        "users",
        ("user_id", "lang", "first_seen", "last_seen", "zone"),
        ((i, "id", stamp, stamp, zones[i % 4]) for i in range(1, count + 1)),
    )
    insert_rows(
        path,
        "subscriptions",
        ("user_id", "grp"),
        ((i, g) for i in range(1, count + 1) for g in ("token", "opening", "closing", "field")),
    )


async def planning(count: int) -> dict[str, Any]:
    """Seconds to plan one reminder occurrence, and the whole calendar, for ``count`` people."""
    calendar = load_calendar(shipped_calendar_path("sp2020"))
    now = datetime(2019, 12, 1, tzinfo=UTC)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "plan.db"
        await seed_subscribers(path, count)
        repo = await Repository.open(path)
        closing = next(o for o in occurrences(calendar) if o.reminder.id == "online-closing-1d")
        by_zone: dict[str | None, float] = {}
        for zone in ("Asia/Jakarta", "Asia/Makassar", "Asia/Jayapura", None):
            moment = send_time(closing, ZoneInfo(zone) if zone else WITA, QUIET, now)
            assert moment is not None
            by_zone[zone] = moment.timestamp()
        started = time.perf_counter()
        one = await repo.plan(
            closing.key,
            "reminder:online-closing-1d",
            "closing",
            by_zone,
            closing.expires.timestamp(),
        )
        one_wave = time.perf_counter() - started
        started = time.perf_counter()
        report = await plan_reminders(repo, calendar, now, QUIET, WITA)
        whole = time.perf_counter() - started
        await repo.close()
    return {
        "subscribers": count,
        "one_wave_rows": one,
        "one_wave_s": round(one_wave, 2),
        "whole_calendar_rows": report.planned + one,
        "whole_calendar_s": round(whole, 2),
    }


class FakeProcess:
    """The fake Bot API in its own process (so it does not share the sender's core)."""

    def __init__(self, limits: bool = True, faults: bool = False) -> None:
        flags = (["--limits"] if limits else []) + (["--faults"] if faults else [])
        args = [sys.executable, "-m", "offline.fake_telegram", *flags]
        self.process = subprocess.Popen(args, stdout=subprocess.PIPE, text=True, cwd=ROOT)
        assert self.process.stdout is not None
        self.url = self.process.stdout.readline().strip()

    def stats(self, start: int = 0) -> dict[str, Any]:
        """What the fake saw: 429 answers and each send's chat and monotonic time (of the
        calls from number ``start`` on), and how many calls there were."""
        with urllib.request.urlopen(f"{self.url}/_fake/stats?from={start}") as answer:
            return dict(json.load(answer))

    def close(self) -> None:
        """Stop the process."""
        self.process.kill()
        self.process.wait()


async def pengingat(row: OutboxRow) -> str:
    """A reminder's text (the benchmark measures sending, not rendering)."""
    return "Pengingat sensus"


async def info(row: OutboxRow) -> str:
    """A broadcast's text."""
    return "Info sensus"


def new_bot(url: str, request: BaseRequest | None = None) -> Bot:
    """A Bot with the HTTP backend the bot uses (aiohttp), or the one given."""
    backend = request or AiohttpRequest(connections=64)
    return Bot(TOKEN, base_url=f"{url}/bot{{token}}", request=backend)


async def sending(rate: float, paid: bool, count: int, spread: float = 0.0) -> dict[str, Any]:
    """Send ``count`` messages to distinct chats; ``spread`` > 0 staggers their due times."""
    fake = FakeProcess()
    with tempfile.TemporaryDirectory() as folder:
        repo = await Repository.open(Path(folder) / "send.db")
        start = time.time() + 1.0
        due = {}
        for n in range(count):
            chat_id = 100_000 + n
            due[chat_id] = start + (spread * n / count if spread else 0.0)
            await repo.enqueue(chat_id, None, "bench", "b", "bench:x", due[chat_id])
        async with new_bot(fake.url) as bot:
            sender = Sender(bot, repo, time.time, rate, pengingat, paid_broadcast=paid)
            await sender.start()
            while (await repo.outbox_status()).get("sent", 0) < count:
                await asyncio.sleep(0.2)
            await sender.stop()
        await repo.close()
    stats = fake.stats()
    fake.close()
    sends = stats["sends"]
    result: dict[str, Any] = {
        "configured_rate": rate,
        "paid_broadcast": paid,
        "messages": count,
        "flood_429": stats["flood_hits"],
    }
    if spread:
        offset = time.time() - time.monotonic()
        lags = sorted(at + offset - due[chat_id] for chat_id, at in sends)
        result["lag_p50_s"] = round(lags[len(lags) // 2], 3)
        result["lag_p99_s"] = round(lags[int(len(lags) * 0.99)], 3)
    else:
        sustained = (len(sends) - 1) / (sends[-1][1] - sends[0][1])
        result["sustained_rate"] = round(sustained, 1)
        result["fraction_of_configured"] = round(sustained / rate, 3)
    return result


async def faulty_broadcast(count: int, rate: float) -> dict[str, Any]:
    """A broadcast to ``count`` people and three groups under limits and faults."""
    fake = FakeProcess(faults=True)
    groups = {-3000 - n: -1_003_000 - n for n in range(3)}
    with tempfile.TemporaryDirectory() as folder:
        repo = await Repository.open(Path(folder) / "faults.db")
        now = time.time()
        people = range(100_000, 100_000 + count)
        for chat_id in [*people, *groups]:
            await repo.enqueue(chat_id, None, "bench", "b", "bench:x", now)
        started = time.monotonic()
        async with new_bot(fake.url) as bot:
            sender = Sender(bot, repo, time.time, rate, info, paid_broadcast=True)
            await sender.start()
            while True:
                figures = await repo.outbox_status()
                if figures.get("pending", 0) + figures.get("sending", 0) == 0:
                    break
                await asyncio.sleep(0.5)
            await sender.stop()
        elapsed = time.monotonic() - started
        await repo.close()
    stats = fake.stats()
    fake.close()
    delivered = [chat_id for chat_id, _ in stats["sends"]]
    blocked = {p for p in people if p % 100 == 0}
    deliverable = {*people} - blocked | set(groups.values())
    return {
        "recipients": count + len(groups),
        "outbox": figures,
        "delivered_once": len(set(delivered)) == len(delivered),
        "every_deliverable_delivered": deliverable <= set(delivered),
        "blocked_marked": figures.get("blocked", 0) == len(blocked),
        "seconds": round(elapsed, 1),
        "flood_429": stats["flood_hits"],
    }


async def broadcast_killed_mid_way(count: int, rate: float) -> dict[str, Any]:
    """The real bot process sends a broadcast under faults; kill -9 half-way, restart."""
    fake = FakeProcess(faults=True)
    groups = {-3000 - n: -1_003_000 - n for n in range(3)}
    people = range(100_000, 100_000 + count)
    settings = {"SENSUS_PAID_BROADCAST": "on", "SENSUS_SEND_RATE": str(rate)}
    with tempfile.TemporaryDirectory() as folder:
        db = Path(folder) / "crash.db"
        await seed_broadcast(db, people, groups)
        started = time.monotonic()
        first = await start_bot_process(fake.url, db, **settings)
        while len(fake.stats()["sends"]) < count // 2:
            await asyncio.sleep(0.2)
        first.kill()
        await first.wait()
        at_kill, killed_after = len(fake.stats()["sends"]), time.monotonic() - started
        second = await start_bot_process(fake.url, db, **settings)
        repo = await Repository.open(db)
        while True:
            figures = await repo.outbox_status()
            if figures.get("pending", 0) + figures.get("sending", 0) == 0:
                break
            await asyncio.sleep(0.5)
        elapsed = time.monotonic() - started
        await repo.close()
        second.send_signal(signal.SIGTERM)
        await second.wait()
    delivered = [chat_id for chat_id, _ in fake.stats()["sends"]]
    fake.close()
    blocked = {p for p in people if p % 100 == 0}
    deliverable = {*people} - blocked | set(groups.values())
    return {
        "recipients": count + len(groups),
        "sent_before_kill": at_kill,
        "outbox": figures,
        "every_deliverable_delivered": deliverable <= set(delivered),
        "sent_twice": len(delivered) - len(set(delivered)),
        "blocked_marked": figures.get("blocked", 0) == len(blocked),
        "seconds_to_kill": round(killed_after, 1),
        "seconds_including_restart": round(elapsed, 1),
    }


async def bare_loop(count: int, request: BaseRequest) -> float:
    """Messages per second of a plain ``await bot.send_message`` loop, the ceiling here."""
    fake = FakeProcess(limits=False)
    async with new_bot(fake.url, request) as bot:
        started = time.perf_counter()
        for n in range(count):
            await bot.send_message(200_000 + n, "Pengingat sensus", allow_paid_broadcast=True)
        rate = count / (time.perf_counter() - started)
    fake.close()
    return round(rate, 1)


async def main() -> None:
    """Print the figures as JSON."""
    quick = "--quick" in sys.argv
    results = {
        "machine": describe(),
        "planning": await planning(10_000 if quick else 100_000),
        "rate_30": await sending(30.0, False, 150 if quick else 600),
        "rate_500_paid": await sending(500.0, True, 1000 if quick else 5000),
        "rate_1000_paid": await sending(1000.0, True, 1000 if quick else 5000),
        "bare_ptb_loop_rate_httpx": await bare_loop(
            1000 if quick else 3000, HTTPXRequest(connection_pool_size=256)
        ),
        "bare_ptb_loop_rate_aiohttp": await bare_loop(
            1000 if quick else 3000, AiohttpRequest(connections=64)
        ),
        "broadcast_under_faults": await faulty_broadcast(1000 if quick else 10_000, 500.0),
        "broadcast_killed_mid_way": await broadcast_killed_mid_way(
            1000 if quick else 10_000, 500.0
        ),
        "lag_under_limit": await sending(30.0, False, 200 if quick else 400, spread=20.0),
    }
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    asyncio.run(main())
