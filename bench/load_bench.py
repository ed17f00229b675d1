"""Load benchmark (issue #7): updates/s against a bare echo bot in the same run, offer-to-
reply latency at steady rates up to 200 updates/s (and with people flooding), the bot's
memory with 100,000 users in the database, and the two HTTP backends' send rates.

Run: .venv/bin/python -m bench.load_bench [--quick]
Every bot runs as its own process (``sensus-bot run`` or ``bench/echo_bot.py``) polling the
fake Bot API, itself in another process, over HTTP on loopback.
"""

import asyncio
import json
import os
import signal
import sys
import tempfile
import time
from collections import defaultdict
from itertools import cycle
from pathlib import Path
from typing import Any

import aiohttp
from telegram import Bot
from telegram.request import BaseRequest, HTTPXRequest

from bench.machine import describe
from bench.outbox_bench import ROOT, FakeProcess, seed_subscribers
from bot.http import AiohttpRequest
from offline.fake_telegram import TOKEN
from offline.processes import clean_env, start_bot_process

QUESTIONS = [json.loads(line)["q"] for line in (ROOT / "bench/faq-holdout.jsonl").open()]


def question(user_id: int, text: str, message_id: int) -> dict[str, Any]:
    """A private message from ``user_id``."""
    person = {"id": user_id, "is_bot": False, "first_name": "Warga", "language_code": "id"}
    chat = {"id": user_id, "type": "private", "first_name": "Warga"}
    message = {"message_id": message_id, "date": int(time.time()), "chat": chat, "text": text}
    return {"message": message | {"from": person}}


async def offer(
    web: aiohttp.ClientSession, fake: FakeProcess, updates: list[dict[str, Any]]
) -> float:
    """Queue updates at the fake; when they were queued (its monotonic clock)."""
    async with web.post(f"{fake.url}/_fake/updates", json=updates) as answer:
        return float((await answer.json())["offered_at"])


class Replies:
    """The send times per chat, fetched from the fake a slice at a time."""

    def __init__(self, fake: FakeProcess) -> None:
        self.fake, self.seen, self.times = fake, 0, defaultdict[int, list[float]](list)

    def refresh(self) -> None:
        """Fetch the sends made since the last refresh."""
        stats = self.fake.stats(self.seen)
        self.seen = stats["calls"]
        for chat_id, at in stats["sends"]:
            self.times[chat_id].append(at)

    async def wait(self, chats: set[int], each: int) -> dict[int, list[float]]:
        """Until every chat has ``each`` replies (two minutes at most)."""
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            await asyncio.to_thread(self.refresh)
            if all(len(self.times[c]) >= each for c in chats):
                return {c: self.times[c] for c in chats}
            await asyncio.sleep(0.25)
        raise TimeoutError(f"{sum(len(self.times[c]) for c in chats)} replies only")


def cpu_seconds(pid: int) -> float:
    """The CPU time (user and system) a process used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def throughput(
    web: aiohttp.ClientSession,
    fake: FakeProcess,
    replies: Replies,
    first_user: int,
    users: int,
    each: int,
    pid: int,
) -> tuple[float, float]:
    """Updates per second: ``users`` × ``each`` questions queued at once, until every reply;
    and the CPU milliseconds per update the bot (process ``pid``) used meanwhile, which the
    machine's other load changes much less than the rate."""
    asked = cycle(QUESTIONS)
    batch = [
        question(first_user + u, next(asked), n + 1) for n in range(each) for u in range(users)
    ]
    chats = set(range(first_user, first_user + users))
    cpu = cpu_seconds(pid)
    started = await offer(web, fake, batch)
    found = await replies.wait(chats, each)
    finished = max(at for times in found.values() for at in times)
    used = cpu_seconds(pid) - cpu
    return round(len(batch) / (finished - started), 1), round(used / len(batch) * 1000, 3)


async def steady_latency(
    web: aiohttp.ClientSession,
    fake: FakeProcess,
    replies: Replies,
    first_user: int,
    count: int,
    rate: float,
    flooders: int = 0,
) -> dict[str, float]:
    """Offer-to-reply times of ``count`` people asking once, offered at ``rate`` per second,
    while ``flooders`` people each send 10 messages a second (their chats start at
    ``first_user + count``)."""
    asked = cycle(QUESTIONS)
    offered: dict[int, float] = {}
    start = time.monotonic()
    flood_every = max(1, round(rate / 10))  # one message per flooder every 1/10 s
    for n in range(count):
        await asyncio.sleep(max(0.0, start + n / rate - time.monotonic()))
        batch = [question(first_user + n, next(asked), 1)]
        if flooders and n % flood_every == 0:
            batch += [
                question(first_user + count + f, "kapan sensus online", n + 2)
                for f in range(flooders)
            ]
        offered[first_user + n] = await offer(web, fake, batch)
    found = await replies.wait(set(offered), 1)
    latencies = sorted(found[chat][0] - at for chat, at in offered.items())
    return {
        "updates_per_s": rate,
        "people": count,
        "flooders": flooders,
        "p50_ms": round(latencies[len(latencies) // 2] * 1000, 1),
        "p99_ms": round(latencies[int(len(latencies) * 0.99)] * 1000, 1),
    }


def memory_of(pid: int) -> dict[str, float]:
    """Resident memory now and at its peak, in MiB."""
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            fields[name] = round(int(value.split()[0]) / 1024, 1)
    return {"rss_mib": fields["VmRSS"], "peak_rss_mib": fields["VmHWM"]}


async def start_echo(concurrent: bool, url: str) -> asyncio.subprocess.Process:
    """The bare echo bot in its own process."""
    flags = ["--concurrent"] if concurrent else []
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bench.echo_bot", url, *flags, env=clean_env(), cwd=ROOT
    )


async def stop(process: asyncio.subprocess.Process) -> None:
    """SIGTERM, then wait for the exit."""
    process.send_signal(signal.SIGTERM)
    await process.wait()


async def client_rate(request: BaseRequest, count: int) -> float:
    """Sends per second through python-telegram-bot with one HTTP backend, 16 at a time."""
    fake = FakeProcess(limits=False)
    limit = asyncio.Semaphore(16)
    async with Bot(TOKEN, base_url=f"{fake.url}/bot{{token}}", request=request) as bot:

        async def one(n: int) -> None:
            async with limit:
                await bot.send_message(100_000 + n, "Pengingat <b>sensus</b>")

        started = time.perf_counter()
        await asyncio.gather(*(one(n) for n in range(count)))
        rate = count / (time.perf_counter() - started)
    fake.close()
    return round(rate, 1)


async def main() -> None:
    """Print the figures as JSON."""
    quick = "--quick" in sys.argv
    fake = FakeProcess(limits=False)
    replies = Replies(fake)
    results: dict[str, Any] = {"machine": describe()}
    sends = 500 if quick else 3000
    results["sends_per_s_httpx"] = await client_rate(HTTPXRequest(connection_pool_size=256), sends)
    results["sends_per_s_aiohttp"] = await client_rate(AiohttpRequest(connections=64), sends)
    async with aiohttp.ClientSession() as web:
        await measure(web, fake, replies, results, quick)
    fake.close()
    print(json.dumps(results, indent=2))


async def measure(
    web: aiohttp.ClientSession,
    fake: FakeProcess,
    replies: Replies,
    results: dict[str, Any],
    quick: bool,
) -> None:
    """Run every measurement into ``results``; each bot gets fresh people (chat ids)."""
    users, each = (200, 5) if quick else (1000, 5)
    residents = 10_000 if quick else 100_000
    people = 300 if quick else 1000
    rates = (100.0, 150.0, 200.0)
    first = iter(range(1_000_000, 100_000_000, 100_000))
    with tempfile.TemporaryDirectory() as folder:
        db = Path(folder) / "load.db"
        await seed_subscribers(db, residents)
        bot = await start_bot_process(fake.url, db, SENSUS_QUIET_HOURS="off")
        await throughput(web, fake, replies, next(first), 20, 1, bot.pid)  # warm up: caches
        rate, cpu = await throughput(web, fake, replies, next(first), users, each, bot.pid)
        results["sensus_bot_updates_per_s"] = rate
        results["sensus_bot_cpu_ms_per_update"] = cpu
        results["sensus_bot_latency"] = [
            await steady_latency(web, fake, replies, next(first), people, rate) for rate in rates
        ]
        results["sensus_bot_latency_with_5_flooding"] = await steady_latency(
            web, fake, replies, next(first), people, 100.0, flooders=5
        )
        results["memory"] = memory_of(bot.pid) | {"users_in_database": residents}
        await stop(bot)
    for concurrent in (False, True):
        name = "echo_concurrent" if concurrent else "echo_sequential"
        echo = await start_echo(concurrent, fake.url)
        await throughput(web, fake, replies, next(first), 10, 1, echo.pid)
        rate, cpu = await throughput(web, fake, replies, next(first), users, each, echo.pid)
        results[f"{name}_updates_per_s"] = rate
        results[f"{name}_cpu_ms_per_update"] = cpu
        if concurrent:
            results[f"{name}_latency"] = [
                await steady_latency(web, fake, replies, next(first), people, rate)
                for rate in rates
            ]
        await stop(echo)
    best = max(results["echo_sequential_updates_per_s"], results["echo_concurrent_updates_per_s"])
    results["fraction_of_best_echo"] = round(results["sensus_bot_updates_per_s"] / best, 3)
    # The same comparison in CPU: the sequential echo bot's CPU per update over the bot's.
    results["cpu_fraction_of_echo"] = round(
        results["echo_sequential_cpu_ms_per_update"] / results["sensus_bot_cpu_ms_per_update"], 3
    )


if __name__ == "__main__":
    asyncio.run(main())
