"""The bot as a child process against a Bot API URL, and a database seeded for it."""

import asyncio
import os
import socket
import sys
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path

from bot.domain.audience import Audience
from bot.outbox import content
from bot.outbox.content import pack
from offline.fake_telegram import TOKEN
from storage import Repository
from storage.engine import Location, setting


async def start_bot_process(
    api_url: str, db: Location, *args: str, **settings: str
) -> asyncio.subprocess.Process:
    """``sensus-bot run ARGS`` in a child process against ``api_url`` with ``db`` and
    ``settings`` (SENSUS_* names); stderr is piped, for the test to show on failure."""
    env = clean_env() | {"TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_URL": api_url}
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot.cli",
        "run",
        *args,
        env=env | {"SENSUS_DB": setting(db), "SENSUS_LOG_LEVEL": "WARNING"} | settings,
        cwd=db.parent if isinstance(db, Path) else None,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )


async def seed_broadcast(db: Location, people: Iterable[int], groups: Iterable[int] = ()) -> None:
    """A database where ``people`` (Indonesian readers) and ``groups`` are queued for one
    broadcast, as a staff member's confirmed /siaran leaves it."""
    repo = await Repository.open(db)
    now = datetime.now(UTC)
    for user_id in people:
        await repo.seen_user(user_id, "id", now)
    broadcast = await repo.create_broadcast("staff", {"id": "Info sensus"}, "all", 0.0, now)
    await repo.queue_broadcast(broadcast, Audience("all"))
    key = pack(content.Broadcast(broadcast))
    for chat_id in groups:
        await repo.enqueue(chat_id, None, "broadcast", key, key, 0.0)
    await repo.close()


def clean_env() -> dict[str, str]:
    """This machine's environment without any bot settings."""
    return {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "SENSUS_"))}


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def port_open(port: int) -> bool:
    """Whether something accepts connections on the port."""
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0
