"""Webhook workers benchmark (issue #17): updates/s and reply latency with 1, 2 and 3 webhook
workers on one PostgreSQL database against one SQLite process, side by side in one run.

Run: .venv/bin/python -m bench.workers_bench [--quick] [--only ENGINE:WORKERS:POOL]
(PostgreSQL: SENSUS_BENCH_POSTGRES, default postgresql://postgres@127.0.0.1:5432/test; each
run gets a schema of its own.)

The benchmark plays Telegram and nginx: it POSTs each update to a worker in turn with the
secret header, at most 40 calls at once (Telegram's default max_connections), each chat's
next update only after the previous one was answered. A worker answers once the update has
been processed, reply sent, so the time to the answer is the reply latency. Every worker and
the fake Bot API run as processes of their own on this machine.
"""

import asyncio
import itertools
import json
import os
import secrets
import signal
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any
from urllib.parse import quote

import aiohttp
import psycopg
from psycopg import sql

from bench.load_bench import QUESTIONS, question
from bench.machine import describe
from bench.outbox_bench import FakeProcess
from offline.processes import free_port, port_open, start_bot_process
from storage.engine import Location, PostgresUrl

SERVER = os.environ.get("SENSUS_BENCH_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")
SECRET = "bench-workers-secret"
PUBLIC = "https://sensus.example.id/telegram/hook"
TELEGRAM_CONNECTIONS = 40  # calls Telegram makes at once by default
SETTINGS = {
    "SENSUS_WEBHOOK_SECRET": SECRET,
    "SENSUS_QUIET_HOURS": "off",
    "SENSUS_FLOOD_LIMIT": "off",
    "SENSUS_LOG_LEVEL": "ERROR",
}
update_ids = itertools.count(1)
chat_ids = itertools.count(1_000_000)


@asynccontextmanager
async def database(engine: str) -> AsyncIterator[Location]:
    """A fresh database: an SQLite file, or a PostgreSQL schema of its own (dropped after)."""
    if engine == "sqlite":
        with tempfile.TemporaryDirectory() as folder:
            yield Path(folder) / "bench.db"
        return
    schema = f"bench_{secrets.token_hex(6)}"
    with psycopg.connect(SERVER, autocommit=True) as db:
        db.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(schema)))
    try:
        joiner = "&" if "?" in SERVER else "?"
        yield PostgresUrl(f"{SERVER}{joiner}options={quote(f'-csearch_path={schema}')}")
    finally:
        with psycopg.connect(SERVER, autocommit=True) as db:
            db.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(sql.Identifier(schema)))


@asynccontextmanager
async def workers(fake_url: str, db: Location, count: int, pool: int) -> AsyncIterator[list[str]]:
    """``count`` webhook workers on ``db`` (``pool`` connections each on PostgreSQL); their
    webhook URLs."""
    ports = [free_port() for _ in range(count)]
    processes = []
    for port in ports:
        args = ("--webhook", PUBLIC, "--listen", f"127.0.0.1:{port}")
        settings = SETTINGS | {"SENSUS_DB_POOL_SIZE": str(pool)}
        processes.append(await start_bot_process(fake_url, db, *args, **settings))
        if count > 1:
            await wait_for_port(port)  # one at a time: the first migrates the schema
    try:
        for port in ports:
            await wait_for_port(port)
        yield [f"http://127.0.0.1:{port}/telegram/hook" for port in ports]
    finally:
        for process in processes:
            process.send_signal(signal.SIGTERM)
        for process in processes:
            await process.communicate()


async def wait_for_port(port: int) -> None:
    """Until a worker listens on ``port`` (a minute at most)."""
    async with asyncio.timeout(60):
        while not port_open(port):
            await asyncio.sleep(0.1)


async def push(web: aiohttp.ClientSession, url: str, update: dict[str, Any]) -> float:
    """POST one update as Telegram does; seconds until the worker answered 200."""
    started = time.monotonic()
    headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
    async with web.post(url, json=update, headers=headers) as answer:
        if answer.status != 200:
            raise RuntimeError(f"worker answered {answer.status}")
    return time.monotonic() - started


async def rush(
    web: aiohttp.ClientSession, urls: list[str], chats: int, each: int
) -> dict[str, float]:
    """``chats`` people ask ``each`` questions as fast as the workers answer: updates/s and
    the latency of each answer."""
    asked = itertools.cycle(QUESTIONS)
    turn = itertools.cycle(urls)  # nginx's round robin
    calls = asyncio.Semaphore(TELEGRAM_CONNECTIONS)
    latencies: list[float] = []

    async def person(chat_id: int) -> None:
        for n in range(each):
            update = {"update_id": next(update_ids)} | question(chat_id, next(asked), n + 1)
            async with calls:
                latencies.append(await push(web, next(turn), update))

    started = time.monotonic()
    await asyncio.gather(*(person(next(chat_ids)) for _ in range(chats)))
    elapsed = time.monotonic() - started
    latencies.sort()
    return {
        "updates": len(latencies),
        "updates_per_s": round(len(latencies) / elapsed, 1),
        "p50_ms": round(latencies[len(latencies) // 2] * 1000, 1),
        "p99_ms": round(latencies[int(len(latencies) * 0.99)] * 1000, 1),
    }


async def steady(
    web: aiohttp.ClientSession, urls: list[str], rate: float, count: int
) -> dict[str, float]:
    """``count`` people asking once each, offered at ``rate`` per second: reply latency."""
    asked = itertools.cycle(QUESTIONS)
    turn = itertools.cycle(urls)
    start = time.monotonic()
    pushes = []
    for n in range(count):
        await asyncio.sleep(max(0.0, start + n / rate - time.monotonic()))
        update = {"update_id": next(update_ids)} | question(next(chat_ids), next(asked), 1)
        pushes.append(asyncio.create_task(push(web, next(turn), update)))
    latencies = sorted(await asyncio.gather(*pushes))
    return {
        "updates_per_s": rate,
        "p50_ms": round(latencies[len(latencies) // 2] * 1000, 1),
        "p99_ms": round(latencies[int(len(latencies) * 0.99)] * 1000, 1),
    }


async def measure(engine: str, count: int, pool: int, quick: bool) -> dict[str, Any]:
    """One configuration: ``count`` workers on ``engine``, ``pool`` connections each."""
    fake = FakeProcess(limits=False)
    chats, each = (150, 3) if quick else (600, 4)
    rate, steady_count = (20.0, 200) if quick else (30.0, 600)
    try:
        async with (
            database(engine) as db,
            workers(fake.url, db, count, pool) as urls,
            aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=120)) as web,
        ):
            await rush(web, urls, 20, 1)  # warm up: connections, caches
            return {
                "engine": engine,
                "workers": count,
                "pool": pool if engine == "postgresql" else None,
                "rush": await rush(web, urls, chats, each),
                "steady": await steady(web, urls, rate, steady_count),
            }
    finally:
        fake.close()


async def main() -> None:
    """Print the figures as JSON."""
    quick = "--quick" in sys.argv
    results: dict[str, Any] = {"machine": describe(), "runs": []}
    # SENSUS_DB_POOL_SIZE 5 is the default; a worker runs twice that many chats at once.
    runs = [("sqlite", 1, 5), ("postgresql", 1, 5), ("postgresql", 2, 5), ("postgresql", 3, 5)]
    runs.append(("postgresql", 1, 20))  # one worker allowed 40 chats at once, as Telegram sends
    if len(sys.argv) > 2 and sys.argv[1] == "--only":  # e.g. --only postgresql:1:20
        engine, workers_, pool_ = sys.argv[2].split(":")
        runs = [(engine, int(workers_), int(pool_))]
    for engine, count, pool in runs:
        results["runs"].append(await measure(engine, count, pool, quick))
    if results["runs"][0]["engine"] == "sqlite":
        sqlite = results["runs"][0]["rush"]["updates_per_s"]
        for run in results["runs"]:
            run["rush_vs_sqlite"] = round(run["rush"]["updates_per_s"] / sqlite, 2)
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    asyncio.run(main())
