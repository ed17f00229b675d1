"""Several `sensus-bot run --webhook` workers on one PostgreSQL database, as real processes.

The test plays Telegram and nginx: it pushes each update to a worker of its choice with the
secret header and, like Telegram, pushes it again (to another worker) until one answers 200.
Each chat's replies must arrive in order, each update answered once, and the one sender must
survive the death of the worker that leads it.
"""

import asyncio
import itertools
import random
import signal
import time
from collections.abc import AsyncIterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp
import psycopg
import pytest

from bot.app import CHANGE_POLL
from offline.fake_telegram import FakeTelegram, Limits
from offline.processes import free_port, port_open, start_bot_process
from storage import Repository
from storage.engine import Location, PostgresUrl
from tests.conftest import ADMIN_ID
from tests.harness import ROOT, RunningBot, eventually, ready, run_cli, texts_to
from tests.test_inbox import MISSED  # a question the shipped examples cannot answer
from tests.test_signals import figures, health, value

SECRET = "workers-s3cret"
PUBLIC = "https://sensus.example.id/telegram/hook"
# Commands whose replies differ from each other, so the order of the replies shows the order
# in which the updates were processed.
CONVERSATION = ("/start", "/bantuan", "/jadwal")
SETTINGS = {
    "SENSUS_WEBHOOK_SECRET": SECRET,
    "SENSUS_NOW": "2020-03-10T10:00+08:00",  # the same replies for every chat
    "SENSUS_QUIET_HOURS": "off",
    "SENSUS_FLOOD_LIMIT": "off",
}
SETTINGS_NOW = datetime(2020, 3, 10, 2, 0, tzinfo=UTC)
update_ids = itertools.count(10_000)


class Worker:
    """One worker process and its webhook port; its stderr is collected as it comes."""

    def __init__(self, process: asyncio.subprocess.Process, port: int) -> None:
        self.process = process
        self.port = port
        self.url = f"http://127.0.0.1:{port}/telegram/hook"
        self.log = bytearray()
        self.unacknowledged = 0  # calls under way, not answered yet
        self._reader = asyncio.create_task(self._collect())

    async def _collect(self) -> None:
        assert self.process.stderr is not None
        while chunk := await self.process.stderr.read(4096):
            self.log += chunk

    @property
    def alive(self) -> bool:
        return self.process.returncode is None

    async def post(self, web: aiohttp.ClientSession, update: dict[str, Any]) -> int | None:
        """Push one update; the answer's status, None if the connection failed."""
        headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
        self.unacknowledged += 1
        try:
            async with web.post(self.url, json=update, headers=headers) as answer:
                return answer.status
        except aiohttp.ClientError:
            return None
        finally:
            self.unacknowledged -= 1

    def kill(self) -> None:
        """kill -9: no clean-up of any kind."""
        self.process.send_signal(signal.SIGKILL)

    async def stopped(self) -> str:
        """Wait for the exit; its log."""
        async with asyncio.timeout(30):
            await self.process.wait()
            await self._reader
        return self.log.decode(errors="replace")


@pytest.fixture
async def workers(telegram: FakeTelegram, postgres_url: PostgresUrl) -> AsyncIterator[list[Worker]]:
    """Three workers on one fresh schema, serving the webhook."""
    started = []
    for _ in range(3):
        port = free_port()
        listen = f"127.0.0.1:{port}"
        process = await start_bot_process(
            telegram.url, postgres_url, "--webhook", PUBLIC, "--listen", listen, **SETTINGS
        )
        started.append(Worker(process, port))
    try:
        await eventually(lambda: all(port_open(w.port) for w in started), 60)
        yield started
    finally:
        for worker in started:
            if worker.alive:
                worker.process.send_signal(signal.SIGTERM)
        for worker in started:
            log = await worker.stopped()
            killed = worker.process.returncode == -signal.SIGKILL
            assert killed or worker.process.returncode == 0, log
            assert SECRET not in log and telegram.token not in log


def person(chat_id: int) -> dict[str, Any]:
    return {"id": chat_id, "is_bot": False, "first_name": "Warga", "language_code": "id"}


async def deliver(
    web: aiohttp.ClientSession,
    workers: Sequence[Worker],
    update: dict[str, Any],
    rng: random.Random,
    twice: bool = False,
) -> None:
    """Push until a worker answers 200, as Telegram does (nginx picks the worker); ``twice``:
    the first push goes to two workers at once."""
    if twice:
        pair = rng.sample([w for w in workers if w.alive], 2)
        statuses = await asyncio.gather(*(w.post(web, update) for w in pair))
        if 200 in statuses:
            return
    for _ in range(50):
        alive = [w for w in workers if w.alive]
        if await rng.choice(alive).post(web, update) == 200:
            return
        await asyncio.sleep(0.1)  # Telegram waits before retrying too
    raise AssertionError(f"no worker accepted update {update['update_id']}")


async def converse(
    telegram: FakeTelegram,
    web: aiohttp.ClientSession,
    workers: Sequence[Worker],
    chat_id: int,
    rng: random.Random,
    twice: bool = False,
) -> None:
    """One chat's updates, each pushed once the previous one was acknowledged."""
    for text in CONVERSATION:
        update = {"update_id": next(update_ids)} | telegram.api.incoming_message(
            person(chat_id), text
        )
        await deliver(web, workers, update, rng, twice)


async def expected_replies(
    telegram: FakeTelegram, web: aiohttp.ClientSession, workers: Sequence[Worker]
) -> list[str]:
    """The replies one chat gets when nothing else happens (all through one worker)."""
    await converse(telegram, web, workers[:1], 1, random.Random(0))
    expected = texts_to(telegram, 1)
    assert len(expected) == len(set(expected)) >= len(CONVERSATION)  # distinct: order shows
    return expected


async def test_200_chats_on_three_workers_keep_order_and_are_answered_once(
    telegram: FakeTelegram, workers: list[Worker]
):
    rng = random.Random(17)
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=120)) as web:
        expected = await expected_replies(telegram, web, workers)
        chats = range(1001, 1201)
        # Every tenth chat's updates reach two workers at once (a retry racing the original).
        await asyncio.gather(
            *(converse(telegram, web, workers, c, rng, twice=c % 10 == 0) for c in chats)
        )
    wrong = {c: texts_to(telegram, c) for c in chats if texts_to(telegram, c) != expected}
    assert wrong == {}, f"{len(wrong)} chats differ, e.g. {next(iter(wrong.items()))}"
    assert all(w.alive for w in workers)


def without_repeats(texts: list[str]) -> list[str]:
    """The texts with a text repeated right after itself dropped."""
    return [t for i, t in enumerate(texts) if i == 0 or texts[i - 1] != t]


async def test_a_worker_killed_mid_load_loses_nothing(
    telegram: FakeTelegram, workers: list[Worker]
):
    rng = random.Random(18)
    doomed = workers[2]
    in_flight_at_kill = 0

    async def kill_midway() -> None:
        nonlocal in_flight_at_kill
        await eventually(lambda: len(telegram.calls) > 150, 60)
        await eventually(lambda: doomed.unacknowledged > 0, 60)
        in_flight_at_kill = doomed.unacknowledged
        doomed.kill()

    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=120)) as web:
        expected = await expected_replies(telegram, web, workers)
        chats = range(2001, 2151)
        await asyncio.gather(
            kill_midway(), *(converse(telegram, web, workers, c, rng) for c in chats)
        )
    await doomed.process.wait()
    got = {c: texts_to(telegram, c) for c in chats}
    # An update the dying worker had answered but not recorded is answered again: at most
    # those it was working on when it died.
    assert {c: r for c, r in got.items() if without_repeats(r) != expected} == {}
    repeated = sum(len(r) - len(without_repeats(r)) for r in got.values())
    assert repeated <= in_flight_at_kill
    assert workers[0].alive and workers[1].alive


def leader_pid(url: PostgresUrl, pids: set[int]) -> int | None:
    """The worker holding the sender's lock, as an operator finds it (the lock connection is
    named after the worker's pid)."""
    with psycopg.connect(url.url, autocommit=True) as db:
        rows = db.execute(
            "SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid"
            " WHERE l.locktype = 'advisory' AND l.granted"
            " AND a.application_name LIKE 'sensus-bot % sender'"
        ).fetchall()
    holders = {int(name.split()[1]) for (name,) in rows} & pids
    return holders.pop() if holders else None


def cut_sender_connection(url: PostgresUrl, pid: int) -> None:
    """End the worker's sender-lock connection from the server side, as a failover or a lost
    network does; the worker itself goes on running."""
    with psycopg.connect(url.url, autocommit=True) as db:
        db.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = %s",
            (f"sensus-bot {pid} sender",),
        )


@pytest.mark.parametrize("death", ["kill -9", "lost connection"])
async def test_a_new_leader_sends_within_5_s_when_the_leader_dies_mid_broadcast(
    telegram: FakeTelegram,
    workers: list[Worker],
    postgres_url: PostgresUrl,
    tmp_path: Path,
    death: str,
):
    people = range(5001, 5301)
    repo = await Repository.open(postgres_url)
    for user_id in people:
        await repo.seen_user(user_id, "id", SETTINGS_NOW)
    await repo.close()
    telegram.limits = Limits()  # 30 messages a second: about 10 s for 300 people
    text = tmp_path / "siaran.txt"
    text.write_text("Sensus Penduduk Online dibuka sampai 31 Maret.", encoding="utf-8")
    env = {key: SETTINGS[key] for key in ("SENSUS_NOW", "SENSUS_QUIET_HOURS")}
    env["SENSUS_DB"] = postgres_url.url
    queued = await asyncio.to_thread(
        run_cli, "broadcast", "--text-file", str(text), "--to", "all", "--yes", env=env
    )
    assert "300" in queued.stdout, queued.stdout + queued.stderr

    def sends() -> list[Any]:
        return [c for c in telegram.calls if c.method == "sendMessage"]

    await eventually(lambda: len(sends()) >= 100, 60)
    pids = {w.process.pid for w in workers}
    leader = leader_pid(postgres_url, pids)
    assert leader is not None
    [dying] = [w for w in workers if w.process.pid == leader]
    if death == "kill -9":
        dying.kill()
        await dying.process.wait()
    else:
        cut_sender_connection(postgres_url, leader)
    died_at = time.monotonic()
    await eventually(lambda: {c.chat_id for c in sends()} >= set(people), 60)
    # Sends of the old leader may still land just after its end; a new leader's come later.
    resumed = min(c.at for c in sends() if c.at > died_at + 0.5)
    assert resumed - died_at <= 5.0
    duplicates = len(sends()) - len({c.chat_id for c in sends()})
    assert duplicates <= 20  # one claim batch at most
    assert leader_pid(postgres_url, pids) is not None
    if death == "lost connection":
        await eventually(lambda: b"lost the lead of the sender" in dying.log, 10)
        assert dying.alive  # and it goes on handling updates


# Shared state another process changes reaches a running bot within seconds (both engines).


async def test_what_another_process_changes_reaches_the_running_bot_within_seconds(
    bot: RunningBot, db_path: Location
):
    resident = bot.person(8601)
    await ready(resident)
    await resident.send(MISSED)
    assert bot.services.faq.match(MISSED).topic != "add-remove-member"
    calendar_before = bot.services.calendar_revision
    other = await Repository.open(db_path)  # another worker, or `sensus-bot calendar apply`
    try:
        [question] = [q for q in await other.pending_questions() if q.text == MISSED]
        assert await other.decide([question.id], "add-remove-member", ADMIN_ID, SETTINGS_NOW)
        body = (ROOT / "bot" / "calendars" / "sp2020-revisi.toml").read_text(encoding="utf-8")
        revision = await other.add_calendar_revision(
            "sp2020-revisi.toml", body, "cli", SETTINGS_NOW, applied=True
        )
    finally:
        await other.close()
    assert revision != calendar_before
    await eventually(lambda: bot.services.calendar_revision == revision, CHANGE_POLL + 3)
    await eventually(lambda: bot.services.faq.match(MISSED).topic == "add-remove-member", 30)


async def test_each_workers_healthz_knows_the_one_leader_and_metrics_name_it(
    workers: list[Worker], postgres_url: PostgresUrl
):
    bases = [f"http://127.0.0.1:{w.port}" for w in workers]  # the webhook port serves both

    async def leaders() -> list[float]:
        return [value(await figures(base), "sensus_sender_leader") for base in bases]

    async def one_leads() -> bool:
        return sorted(await leaders()) == [0, 0, 1]

    await eventually(one_leads, 30)
    for base in bases:  # a standby is healthy too: some worker sends
        status, body = await health(base)
        assert status == 200 and body["sender_leader_known"], body
    pids = [w.process.pid for w in workers]
    [dying] = [w for w, led in zip(workers, await leaders(), strict=True) if led == 1]
    assert leader_pid(postgres_url, set(pids)) == dying.process.pid
    dying.kill()
    await dying.process.wait()
    bases = [f"http://127.0.0.1:{w.port}" for w in workers if w.alive]

    async def taken_over() -> bool:
        return sorted(await leaders()) == [0, 1]

    await eventually(taken_over, 10)
