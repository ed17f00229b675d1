"""The repository: the only code that writes SQL, on one aiosqlite connection."""

import asyncio
import sqlite3
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from importlib import resources
from pathlib import Path
from typing import Any

import aiosqlite

from bot.domain.privacy import mask_identity_numbers

# last_seen is refreshed at most this often, so a chatty user costs one write an hour.
LAST_SEEN_RESOLUTION = timedelta(hours=1)


class StorageError(Exception):
    """The database cannot be used; ``str()`` is a one-line explanation."""


@dataclass(frozen=True)
class User:
    """A person the bot talks to in private chat."""

    user_id: int
    lang: str
    lang_chosen: bool
    region: str | None
    first_seen: datetime
    last_seen: datetime
    opted_out: bool


@dataclass(frozen=True)
class UnansweredQuestion:
    """A question kept for staff review."""

    asked_at: datetime
    lang: str
    text: str
    outcome: str
    best_topic: str | None
    score: float


@dataclass(frozen=True)
class GuideProgress:
    """A user's place in the guide."""

    step: str
    awaiting_check: str | None
    updated_at: datetime


def migrations() -> list[tuple[int, str]]:
    """The numbered migration scripts shipped with the bot, in order."""
    folder = resources.files("storage.migrations")
    scripts = []
    for entry in folder.iterdir():
        if entry.name.endswith(".sql"):
            scripts.append((int(entry.name.split("_", 1)[0]), entry.read_text(encoding="utf-8")))
    return sorted(scripts)


class Repository:
    """Everything the bot keeps, in domain terms; open with ``await Repository.open(path)``."""

    def __init__(self, connection: aiosqlite.Connection) -> None:
        self._db = connection
        # One writer at a time on the one connection: a transaction never interleaves with
        # another coroutine's statements, so "database is locked" cannot happen in-process.
        self._write_lock = asyncio.Lock()

    @classmethod
    async def open(cls, path: Path) -> "Repository":
        """Open (creating if needed) and migrate the database at ``path``."""
        try:
            connection = await aiosqlite.connect(path, isolation_level=None)
        except sqlite3.Error as error:
            raise StorageError(f"cannot open database {path}: {error}") from None
        repository = cls(connection)
        try:
            connection.row_factory = aiosqlite.Row
            await connection.execute("PRAGMA journal_mode=WAL")
            await connection.execute("PRAGMA synchronous=NORMAL")
            await connection.execute("PRAGMA foreign_keys=ON")
            await connection.execute("PRAGMA busy_timeout=5000")
            await repository._migrate()
        except sqlite3.DatabaseError as error:
            await connection.close()
            raise StorageError(f"cannot use database {path}: {error}") from None
        except StorageError as error:
            await connection.close()
            raise StorageError(f"cannot use database {path}: {error}") from None
        return repository

    async def close(self) -> None:
        """Close the connection (after any write in progress)."""
        async with self._write_lock:
            await self._db.close()

    async def schema_version(self) -> int:
        """The migration version the database is at."""
        async with self._db.execute("PRAGMA user_version") as cursor:
            row = await cursor.fetchone()
        return int(row[0]) if row else 0

    async def _migrate(self) -> None:
        current = await self.schema_version()
        scripts = migrations()
        latest = scripts[-1][0]
        if current > latest:
            raise StorageError(
                f"its schema version {current} is newer than this sensus-bot knows ({latest}); "
                "upgrade sensus-bot"
            )
        for version, script in scripts:
            if version > current:
                async with self._write_lock:
                    await self._db.executescript(
                        f"BEGIN IMMEDIATE;\n{script}\nPRAGMA user_version = {version};\nCOMMIT;"
                    )

    @asynccontextmanager
    async def _transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        async with self._write_lock:
            await self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                await self._db.execute("ROLLBACK")
                raise
            await self._db.execute("COMMIT")

    async def _write(self, sql: str, params: Iterable[Any] = ()) -> int:
        """Run one write statement; return the number of rows it changed."""
        async with self._write_lock:
            cursor = await self._db.execute(sql, tuple(params))
            return cursor.rowcount

    async def _one(self, sql: str, params: Iterable[Any] = ()) -> aiosqlite.Row | None:
        async with self._db.execute(sql, tuple(params)) as cursor:
            return await cursor.fetchone()

    # Users

    async def get_user(self, user_id: int) -> User | None:
        """The stored user, or None."""
        row = await self._one("SELECT * FROM users WHERE user_id = ?", (user_id,))
        return _user(row) if row else None

    async def seen_user(self, user_id: int, lang_guess: str, now: datetime) -> User:
        """Return the user, creating them on first contact and refreshing last_seen."""
        user = await self.get_user(user_id)
        if user is None:
            stamp = now.isoformat()
            await self._write(
                "INSERT INTO users (user_id, lang, first_seen, last_seen) VALUES (?, ?, ?, ?)"
                " ON CONFLICT (user_id) DO NOTHING",
                (user_id, lang_guess, stamp, stamp),
            )
            created = await self.get_user(user_id)
            assert created is not None
            return created
        if now - user.last_seen >= LAST_SEEN_RESOLUTION:
            await self._write(
                "UPDATE users SET last_seen = ? WHERE user_id = ?", (now.isoformat(), user_id)
            )
        return user

    async def set_language(self, user_id: int, lang: str) -> None:
        """Record the language the user chose."""
        await self._write(
            "UPDATE users SET lang = ?, lang_chosen = 1 WHERE user_id = ?", (lang, user_id)
        )

    async def delete_user(self, user_id: int) -> bool:
        """Delete everything kept about the user; True if there was anything."""
        async with self._transaction() as db:
            await db.execute("DELETE FROM faq_feedback WHERE user_id = ?", (user_id,))
            await db.execute("DELETE FROM guide_progress WHERE user_id = ?", (user_id,))
            cursor = await db.execute("DELETE FROM users WHERE user_id = ?", (user_id,))
            return cursor.rowcount > 0

    async def count_users(self) -> int:
        """How many users are stored."""
        row = await self._one("SELECT COUNT(*) FROM users")
        return int(row[0]) if row else 0

    # FAQ

    async def record_unanswered(
        self,
        text: str,
        lang: str,
        outcome: str,
        best_topic: str | None,
        score: float,
        now: datetime,
    ) -> None:
        """Keep a question the bot could not answer confidently (identity numbers masked)."""
        await self._write(
            "INSERT INTO unanswered_questions (asked_at, lang, text, outcome, best_topic, score)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (now.isoformat(), lang, mask_identity_numbers(text), outcome, best_topic, score),
        )

    async def unanswered(self, limit: int = 100) -> list[UnansweredQuestion]:
        """The most recent unanswered questions, newest first."""
        async with self._db.execute(
            "SELECT * FROM unanswered_questions ORDER BY id DESC LIMIT ?", (limit,)
        ) as cursor:
            rows = await cursor.fetchall()
        return [
            UnansweredQuestion(
                asked_at=datetime.fromisoformat(r["asked_at"]),
                lang=r["lang"],
                text=r["text"],
                outcome=r["outcome"],
                best_topic=r["best_topic"],
                score=r["score"],
            )
            for r in rows
        ]

    async def record_feedback(self, user_id: int, topic: str, helpful: bool, now: datetime) -> None:
        """Store a user's 👍/👎 on a topic's answer (a later vote replaces an earlier one)."""
        await self._write(
            "INSERT INTO faq_feedback (user_id, topic, helpful, voted_at) VALUES (?, ?, ?, ?)"
            " ON CONFLICT (user_id, topic) DO UPDATE SET helpful = excluded.helpful,"
            " voted_at = excluded.voted_at",
            (user_id, topic, int(helpful), now.isoformat()),
        )

    async def feedback_given(self, user_id: int) -> int:
        """How many answers the user rated."""
        row = await self._one("SELECT COUNT(*) FROM faq_feedback WHERE user_id = ?", (user_id,))
        return int(row[0]) if row else 0

    async def feedback_counts(self) -> dict[str, tuple[int, int]]:
        """Per topic: (👍 count, 👎 count)."""
        async with self._db.execute(
            "SELECT topic, SUM(helpful), SUM(1 - helpful) FROM faq_feedback GROUP BY topic"
        ) as cursor:
            return {r[0]: (int(r[1]), int(r[2])) for r in await cursor.fetchall()}

    # Guide

    async def guide_progress(self, user_id: int) -> GuideProgress | None:
        """Where the user is in the guide, if they started it."""
        row = await self._one("SELECT * FROM guide_progress WHERE user_id = ?", (user_id,))
        if row is None:
            return None
        return GuideProgress(
            row["step"], row["awaiting_check"], datetime.fromisoformat(row["updated_at"])
        )

    async def save_guide_step(self, user_id: int, step: str, now: datetime) -> None:
        """Record the step the user is on (and forget any pending number check)."""
        await self._write(
            "INSERT INTO guide_progress (user_id, step, updated_at) VALUES (?, ?, ?)"
            " ON CONFLICT (user_id) DO UPDATE SET step = excluded.step,"
            " awaiting_check = NULL, updated_at = excluded.updated_at",
            (user_id, step, now.isoformat()),
        )

    async def set_awaiting_check(self, user_id: int, kind: str | None) -> None:
        """Remember that the next number the user types is a NIK or KK to check (or not)."""
        await self._write(
            "UPDATE guide_progress SET awaiting_check = ? WHERE user_id = ?", (kind, user_id)
        )

    async def finish_guide(self, user_id: int) -> None:
        """Forget the user's place in the guide."""
        await self._write("DELETE FROM guide_progress WHERE user_id = ?", (user_id,))


def _user(row: aiosqlite.Row) -> User:
    return User(
        user_id=row["user_id"],
        lang=row["lang"],
        lang_chosen=bool(row["lang_chosen"]),
        region=row["region"],
        first_seen=datetime.fromisoformat(row["first_seen"]),
        last_seen=datetime.fromisoformat(row["last_seen"]),
        opted_out=bool(row["opted_out"]),
    )
