"""The repository: the only code that writes SQL, on one aiosqlite connection."""

import asyncio
import contextlib
import os
import sqlite3
from collections.abc import AsyncIterator, Iterable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from importlib import resources
from pathlib import Path
from typing import Any

import aiosqlite

from bot.domain.broadcasts import phase_of, steered_status
from bot.domain.identity import mask_private
from bot.domain.retention import Retention
from storage.helpdesk import HelpdeskStore
from storage.inbox import InboxStore
from storage.statistics import StatisticsStore

# last_seen is refreshed at most this often, so a chatty user costs one write an hour.
LAST_SEEN_RESOLUTION = timedelta(hours=1)

# Every insert into the outbox ends with this: a message a recipient already has is not
# added twice, but one withdrawn before it was sent (cancelled by an opt-out or a switched-off
# reminder, held back while the person blocked the bot) is queued again with its new time.
# A sent (or failed, or dropped) message is never queued again.
REQUEUE_WITHDRAWN = (
    "ON CONFLICT (chat_id, dedupe_key) DO UPDATE SET status = 'pending',"
    " content = excluded.content, not_before = excluded.not_before,"
    " expires_at = excluded.expires_at, attempts = 0, last_error = NULL"
    " WHERE outbox.status IN ('cancelled', 'blocked')"
)


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
    blocked: bool = False
    zone: str | None = None


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
class OutboxRow:
    """A message the sender has claimed."""

    id: int
    chat_id: int
    user_id: int | None
    cause: str
    content: str
    attempts: int


@dataclass(frozen=True)
class CalendarRevision:
    """A calendar stored by staff."""

    id: int
    source: str
    body: str
    created_by: str
    applied_at: datetime | None


@dataclass(frozen=True)
class Role:
    """A staff member or an RT head (with their area)."""

    user_id: int
    role: str
    area: str | None
    region: str | None


@dataclass(frozen=True)
class Group:
    """A community group the bot was added to."""

    chat_id: int
    title: str
    status: str
    rt_user_id: int | None
    area: str | None


@dataclass(frozen=True)
class Invitation:
    """An RT invitation not used yet; ``ref`` (the start of its code's hash) names it."""

    ref: str
    area: str
    expires_at: datetime


INVITATION_REF = 12  # hex digits of the code's hash that name an invitation (and audit it)


@dataclass(frozen=True)
class Broadcast:
    """A staff broadcast: texts per language, audience, and figures by outbox status."""

    id: int
    author: str
    audience: str
    status: str
    not_before: float
    texts: dict[str, str]
    figures: dict[str, int]

    def text(self, lang: str) -> str:
        """The text in a language, falling back to Indonesian."""
        return text_in(self.texts, lang)

    @property
    def phase(self) -> str:
        """draft, queued, paused, cancelled or finished (bot.domain.broadcasts)."""
        return phase_of(self.status, self.figures)


@dataclass(frozen=True)
class Steered:
    """What pause, resume or cancel did: whether it applied, and the broadcast's phase now."""

    applied: bool
    phase: str


# Per action: the outbox statuses it takes (an SQL list) and the status they get.
STEERED_ROWS = {
    "pause": ("'pending'", "paused"),
    "resume": ("'paused'", "pending"),
    "cancel": ("'pending', 'paused'", "cancelled"),
}


def text_in(texts: Mapping[str, str], lang: str) -> str:
    """A broadcast text in a language, falling back to Indonesian (always written)."""
    return texts.get(lang) or texts["id"]


@dataclass(frozen=True)
class GuideProgress:
    """A user's place in the guide."""

    step: str
    awaiting_check: str | None
    updated_at: datetime


def create_private(path: Path) -> None:
    """Create ``path`` (or narrow an existing one, and its -wal/-shm) to mode 0600: the owner
    alone may read it. SQLite gives the -wal and -shm files it creates the database's mode."""
    os.close(os.open(path, os.O_CREAT | os.O_RDONLY, 0o600))
    for file in (path, path.with_name(f"{path.name}-wal"), path.with_name(f"{path.name}-shm")):
        with contextlib.suppress(FileNotFoundError, PermissionError):  # not ours to change
            file.chmod(0o600)


def migrations() -> list[tuple[int, str]]:
    """The numbered migration scripts shipped with the bot, in order."""
    folder = resources.files("storage.migrations")
    scripts = []
    for entry in folder.iterdir():
        if entry.name.endswith(".sql"):
            scripts.append((int(entry.name.split("_", 1)[0]), entry.read_text(encoding="utf-8")))
    return sorted(scripts)


class Repository(HelpdeskStore, InboxStore, StatisticsStore):
    """Everything the bot keeps, in domain terms; open with ``await Repository.open(path)``."""

    def __init__(self, connection: aiosqlite.Connection) -> None:
        self._db = connection
        # One statement or transaction at a time on the one connection: a transaction never
        # interleaves with another coroutine's statements, and "database is locked" cannot
        # happen in-process.
        self._lock = asyncio.Lock()

    @classmethod
    async def open(cls, path: Path, zone: tzinfo = UTC) -> "Repository":
        """Open (creating if needed) and migrate the database at ``path``; figures per day
        count days in ``zone``."""
        if not await asyncio.to_thread(path.parent.is_dir):
            # Checked first: a failed aiosqlite.connect leaves its thread behind.
            raise StorageError(f"cannot open database {path}: folder {path.parent} does not exist")
        try:
            await asyncio.to_thread(create_private, path)
            connection = await aiosqlite.connect(path, isolation_level=None)
        except (sqlite3.Error, OSError) as error:
            raise StorageError(f"cannot open database {path}: {error}") from None
        repository = cls(connection)
        repository.zone = zone
        try:
            connection.row_factory = aiosqlite.Row
            await connection.execute("PRAGMA journal_mode=WAL")
            await connection.execute("PRAGMA synchronous=NORMAL")
            await connection.execute("PRAGMA foreign_keys=ON")
            await connection.execute("PRAGMA busy_timeout=5000")
            # Deleted and overwritten text (a person's data after /hapusdata, a scrubbed error)
            # is zeroed in the file, not left in free space for anyone reading the file.
            await connection.execute("PRAGMA secure_delete=ON")
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
        async with self._lock:
            await self._db.close()

    async def backup(self, target: Path) -> None:
        """Copy the database to ``target`` with SQLite's online backup API, consistent even
        while a running bot writes; written beside the target, checked, then renamed."""
        partial = target.with_name(target.name + ".part")
        partial.unlink(missing_ok=True)
        try:
            await asyncio.to_thread(create_private, partial)
            async with aiosqlite.connect(partial) as copy:
                async with self._lock:
                    await self._db.backup(copy)
                rows = await copy.execute_fetchall("PRAGMA integrity_check")
                await copy.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
            if [tuple(r) for r in rows] != [("ok",)]:
                raise StorageError(f"the copy in {partial} failed SQLite's integrity check")
            partial.replace(target)
        except (sqlite3.Error, OSError) as error:
            raise StorageError(f"cannot write backup {target}: {error}") from None
        finally:
            partial.unlink(missing_ok=True)

    async def damage(self) -> str | None:
        """SQLite's quick_check: None when the file is intact, else its first finding."""
        try:
            rows = await self._all("PRAGMA quick_check")
        except sqlite3.DatabaseError as error:
            return str(error)
        # Each finding may span lines under a "*** in database main ***" heading.
        lines = [line for r in rows for line in str(r[0]).splitlines()]
        findings = [line for line in lines if line and not line.startswith("***")]
        return None if findings == ["ok"] else (findings or lines)[0]

    async def schema_version(self) -> int:
        """The migration version the database is at."""
        row = await self._one("PRAGMA user_version")
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
                async with self._lock:
                    await self._db.executescript(
                        f"BEGIN IMMEDIATE;\n{script}\nPRAGMA user_version = {version};\nCOMMIT;"
                    )

    @asynccontextmanager
    async def _transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        async with self._lock:
            await self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
                await self._db.execute("COMMIT")
            except BaseException:
                # SQLite may have rolled back already (disk full, I/O error): a second
                # ROLLBACK would fail and hide the first error.
                if self._db.in_transaction:
                    await self._db.execute("ROLLBACK")
                raise

    async def _write(self, sql: str, params: Iterable[Any] = ()) -> int:
        """Run one write statement; return the number of rows it changed."""
        async with self._lock:
            cursor = await self._db.execute(sql, tuple(params))
            return cursor.rowcount

    async def _all(self, sql: str, params: Iterable[Any] = ()) -> list[aiosqlite.Row]:
        """Run a query and fetch every row in one step on the connection's thread.

        A cursor left half-read while another statement writes gives undefined rows in
        SQLite, so reads never span two calls, and wait for a transaction to finish.
        """
        async with self._lock:
            return list(await self._db.execute_fetchall(sql, tuple(params)))

    async def _one(self, sql: str, params: Iterable[Any] = ()) -> aiosqlite.Row | None:
        rows = await self._all(sql, params)
        return rows[0] if rows else None

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
            async with self._transaction() as db:
                created = list(
                    await db.execute_fetchall(
                        "INSERT INTO users (user_id, lang, first_seen, last_seen)"
                        " VALUES (?, ?, ?, ?) ON CONFLICT (user_id) DO UPDATE"
                        " SET last_seen = excluded.last_seen RETURNING *",
                        (user_id, lang_guess, stamp, stamp),
                    )
                )
                await self._count_active(db, now)
            return _user(created[0])
        new_day = self.local_day(now) != self.local_day(user.last_seen)
        if now - user.last_seen >= LAST_SEEN_RESOLUTION or new_day:
            async with self._transaction() as db:
                await db.execute(
                    "UPDATE users SET last_seen = ? WHERE user_id = ?", (now.isoformat(), user_id)
                )
                if new_day:
                    await self._count_active(db, now)
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
            await db.execute("DELETE FROM outbox WHERE user_id = ?", (user_id,))
            await db.execute("DELETE FROM roles WHERE user_id = ?", (user_id,))
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
        """Keep a question the bot could not answer confidently, with every secret and long
        number masked."""
        await self._write(
            "INSERT INTO unanswered_questions (asked_at, lang, text, outcome, best_topic, score)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (now.isoformat(), lang, mask_private(text), outcome, best_topic, score),
        )

    async def unanswered(self, limit: int = 100) -> list[UnansweredQuestion]:
        """The most recent unanswered questions, newest first."""
        rows = await self._all(
            "SELECT * FROM unanswered_questions ORDER BY id DESC LIMIT ?", (limit,)
        )
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
        rows = await self._all(
            "SELECT topic, SUM(helpful), SUM(1 - helpful) FROM faq_feedback GROUP BY topic"
        )
        return {r[0]: (int(r[1]), int(r[2])) for r in rows}

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
        async with self._transaction() as db:
            await db.execute(
                "INSERT INTO guide_progress (user_id, step, updated_at) VALUES (?, ?, ?)"
                " ON CONFLICT (user_id) DO UPDATE SET step = excluded.step,"
                " awaiting_check = NULL, updated_at = excluded.updated_at",
                (user_id, step, now.isoformat()),
            )
            await db.execute(  # the funnel in /statistik
                "INSERT OR IGNORE INTO guide_reached (user_id, step, reached_at) VALUES (?, ?, ?)",
                (user_id, step, now.timestamp()),
            )

    async def set_awaiting_check(self, user_id: int, kind: str | None) -> None:
        """Remember that the next number the user types is a NIK or KK to check (or not)."""
        await self._write(
            "UPDATE guide_progress SET awaiting_check = ? WHERE user_id = ?", (kind, user_id)
        )

    async def finish_guide(self, user_id: int) -> None:
        """Forget the user's place in the guide."""
        await self._write("DELETE FROM guide_progress WHERE user_id = ?", (user_id,))

    # Subscriptions

    async def subscriptions(self, user_id: int) -> set[str]:
        """The reminder groups the user subscribed to."""
        rows = await self._all("SELECT grp FROM subscriptions WHERE user_id = ?", (user_id,))
        return {row[0] for row in rows}

    async def subscribe(self, user_id: int, group: str) -> None:
        """Subscribe to a reminder group (and undo an earlier opt-out)."""
        async with self._transaction() as db:
            await db.execute("UPDATE users SET opted_out = 0 WHERE user_id = ?", (user_id,))
            await db.execute(
                "INSERT OR IGNORE INTO subscriptions (user_id, grp) VALUES (?, ?)", (user_id, group)
            )

    async def unsubscribe(self, user_id: int, group: str, contents: list[str]) -> None:
        """Leave a reminder group and cancel its pending reminders (their content refs)."""
        async with self._transaction() as db:
            await db.execute(
                "DELETE FROM subscriptions WHERE user_id = ? AND grp = ?", (user_id, group)
            )
            await _cancel_pending(db, "user_id = ?", [user_id], contents)

    async def set_region(self, user_id: int, region: str, zone: str) -> None:
        """Record the user's regency/city and its time zone."""
        await self._write(
            "UPDATE users SET region = ?, zone = ? WHERE user_id = ?", (region, zone, user_id)
        )

    async def opt_out(self, user_id: int) -> int:
        """Stop everything sent on the bot's own initiative; return cancelled messages."""
        async with self._transaction() as db:
            await db.execute("UPDATE users SET opted_out = 1 WHERE user_id = ?", (user_id,))
            await db.execute("DELETE FROM subscriptions WHERE user_id = ?", (user_id,))
            return await _cancel_pending(db, "user_id = ?", [user_id], None)

    async def set_blocked(self, user_id: int, blocked: bool) -> None:
        """Mark a user who blocked (or unblocked) the bot; cancel what waits for them."""
        async with self._transaction() as db:
            await db.execute(
                "UPDATE users SET blocked = ? WHERE user_id = ?", (int(blocked), user_id)
            )
            if blocked:
                await _cancel_pending(db, "user_id = ?", [user_id], None, status="blocked")

    async def count_subscribers(self) -> int:
        """People who get reminders (subscribed, not opted out, not blocked)."""
        row = await self._one(
            "SELECT COUNT(DISTINCT s.user_id) FROM subscriptions s JOIN users u USING (user_id)"
            " WHERE u.opted_out = 0 AND u.blocked = 0"
        )
        return int(row[0]) if row else 0

    # Outbox

    async def plan(
        self,
        key: str,
        content: str,
        group: str,
        not_before_by_zone: Mapping[str | None, float],
        expires_at: float,
        user_id: int | None = None,
    ) -> int:
        """Queue one reminder occurrence for every subscriber of ``group`` (set-based).

        ``not_before_by_zone`` gives the send time per user zone (None: users without a
        zone); a zone missing from it is not planned (too late or no longer relevant).
        Subscribers who opted out or blocked the bot are left out; an occurrence a user
        already has is never added twice, one withdrawn before sending is queued again.
        """
        planned = 0
        async with self._transaction() as db:
            for zone, not_before in not_before_by_zone.items():
                zone_test = "u.zone IS NULL" if zone is None else "u.zone = ?"
                params: list[Any] = [key, content, not_before, expires_at, group]
                params += [] if zone is None else [zone]
                only_user = ""
                if user_id is not None:
                    only_user = " AND u.user_id = ?"
                    params.append(user_id)
                cursor = await db.execute(
                    "INSERT INTO outbox"
                    " (chat_id, user_id, cause, dedupe_key, content, not_before, expires_at)"
                    " SELECT u.user_id, u.user_id, 'reminder', ?, ?, ?, ? FROM users u"
                    " JOIN subscriptions s ON s.user_id = u.user_id AND s.grp = ?"
                    f" WHERE u.opted_out = 0 AND u.blocked = 0 AND {zone_test}{only_user}"
                    f" {REQUEUE_WITHDRAWN}",
                    params,
                )
                planned += cursor.rowcount
        return planned

    async def cancel_reminders_except(self, keys: set[str], user_id: int | None = None) -> int:
        """Cancel pending reminders whose occurrence is not in ``keys`` (a revised calendar)."""
        marks = ",".join("?" * len(keys)) or "''"
        where = f"cause = 'reminder' AND dedupe_key NOT IN ({marks})"
        params: list[Any] = list(keys)
        if user_id is not None:
            where += " AND user_id = ?"
            params.append(user_id)
        async with self._transaction() as db:
            return await _cancel_pending(db, where, params, None)

    async def forget_pending_reminders(self, user_id: int) -> None:
        """Remove a user's unsent reminders, to plan them again (new zone or groups)."""
        await self._write(
            "DELETE FROM outbox WHERE user_id = ? AND cause = 'reminder' AND status = 'pending'",
            (user_id,),
        )

    async def enqueue(
        self,
        chat_id: int,
        user_id: int | None,
        cause: str,
        key: str,
        content: str,
        not_before: float,
        expires_at: float | None = None,
    ) -> bool:
        """Queue one message; False when that recipient already has this key."""
        cursor_count = await self._write(
            "INSERT INTO outbox"
            " (chat_id, user_id, cause, dedupe_key, content, not_before, expires_at)"
            f" VALUES (?, ?, ?, ?, ?, ?, ?) {REQUEUE_WITHDRAWN}",
            (chat_id, user_id, cause, key, content, not_before, expires_at),
        )
        return cursor_count > 0

    async def enqueue_to_users(
        self,
        user_where: str,
        params: list[Any],
        cause: str,
        key: str,
        content: str,
        not_before: float,
    ) -> int:
        """Queue one message to every user matching a condition (set-based)."""
        return await self._write(
            "INSERT INTO outbox"
            " (chat_id, user_id, cause, dedupe_key, content, not_before)"
            " SELECT u.user_id, u.user_id, ?, ?, ?, ? FROM users u WHERE u.opted_out = 0"
            f" AND u.blocked = 0 AND ({user_where}) {REQUEUE_WITHDRAWN}",
            [cause, key, content, not_before, *params],
        )

    async def requeue_in_flight(self) -> int:
        """At start-up: messages claimed but not confirmed go back to the queue."""
        return await self._write("UPDATE outbox SET status = 'pending' WHERE status = 'sending'")

    async def release(self, row_ids: list[int]) -> None:
        """Claimed messages that were not sent go back to the queue."""
        async with self._lock:
            await self._db.executemany(
                "UPDATE outbox SET status = 'pending' WHERE id = ? AND status = 'sending'",
                [(row_id,) for row_id in row_ids],
            )

    async def claim_due(self, now: float, limit: int) -> list[OutboxRow]:
        """Drop expired messages, then claim up to ``limit`` due ones for sending."""
        async with self._transaction() as db:
            await db.execute(
                "UPDATE outbox SET status = 'dropped' WHERE status = 'pending'"
                " AND expires_at IS NOT NULL AND expires_at <= ?",
                (now,),
            )
            rows = await db.execute_fetchall(
                "UPDATE outbox SET status = 'sending', attempts = attempts + 1 WHERE id IN"
                " (SELECT id FROM outbox WHERE status = 'pending' AND not_before <= ?"
                "  ORDER BY not_before, id LIMIT ?)"
                " RETURNING id, chat_id, user_id, cause, content, attempts",
                (now, limit),
            )
        return sorted((OutboxRow(*row) for row in rows), key=lambda r: r.id)

    async def next_due(self) -> float | None:
        """When the earliest pending message is due."""
        row = await self._one("SELECT MIN(not_before) FROM outbox WHERE status = 'pending'")
        return float(row[0]) if row and row[0] is not None else None

    async def mark_sent(self, row_ids: list[int], now: float) -> None:
        """Record messages Telegram accepted."""
        async with self._lock:
            await self._db.executemany(
                "UPDATE outbox SET status = 'sent', sent_at = ?, last_error = NULL WHERE id = ?",
                [(now, row_id) for row_id in row_ids],
            )

    async def mark_failed(self, row_id: int, error: str, status: str = "failed") -> None:
        """Record a message that will not be sent (failed, blocked, dropped)."""
        await self._write(
            "UPDATE outbox SET status = ?, last_error = ? WHERE id = ?", (status, error, row_id)
        )

    async def retry_later(
        self, row_id: int, not_before: float, error: str | None, count: bool = True
    ) -> None:
        """Put a claimed message back in the queue; ``count=False``: not a failed attempt."""
        await self._write(
            "UPDATE outbox SET status = 'pending', not_before = ?, last_error = ?,"
            " attempts = attempts - ? WHERE id = ?",
            (not_before, error, 0 if count else 1, row_id),
        )

    async def scrub_errors(self, secret: str) -> int:
        """Remove ``secret`` (the bot token) from stored error texts, such as an older version
        kept; return how many rows changed."""
        changed = await self._write(
            "UPDATE outbox SET last_error = replace(last_error, ?, '[token]')"
            " WHERE instr(last_error, ?) > 0",
            (secret, secret),
        )
        if changed:  # the old texts leave the -wal and the database file too
            await self._write("PRAGMA wal_checkpoint(TRUNCATE)")
        return changed

    async def migrate_chat(self, old_chat_id: int, new_chat_id: int) -> None:
        """A group became a supergroup: its new id everywhere, for unsent messages too."""
        async with self._transaction() as db:
            await db.execute(
                "UPDATE OR IGNORE outbox SET chat_id = ? WHERE chat_id = ?"
                " AND status IN ('pending', 'sending')",
                (new_chat_id, old_chat_id),
            )
            await db.execute(
                "UPDATE OR IGNORE groups SET chat_id = ? WHERE chat_id = ?",
                (new_chat_id, old_chat_id),
            )
            await db.execute(
                "UPDATE helpdesk SET chat_id = ? WHERE chat_id = ?", (new_chat_id, old_chat_id)
            )

    async def outbox_status(self, cause: str | None = None) -> dict[str, int]:
        """How many messages are in each status."""
        where, params = ("WHERE cause = ?", (cause,)) if cause else ("", ())
        rows = await self._all(
            f"SELECT status, COUNT(*) FROM outbox {where} GROUP BY status", params
        )
        return {row[0]: int(row[1]) for row in rows}

    # Calendar revisions

    async def add_calendar_revision(
        self, source: str, body: str, created_by: str, now: datetime, applied: bool
    ) -> int:
        """Store a calendar (applied at once, or as a draft to confirm)."""
        async with self._lock:
            cursor = await self._db.execute(
                "INSERT INTO calendar_revisions (created_at, created_by, source, body, applied_at)"
                " VALUES (?, ?, ?, ?, ?)",
                (now.isoformat(), created_by, source, body, now.isoformat() if applied else None),
            )
            return int(cursor.lastrowid or 0)

    async def apply_calendar_revision(self, revision_id: int, now: datetime) -> None:
        """Put a stored draft in force."""
        await self._write(
            "UPDATE calendar_revisions SET applied_at = ? WHERE id = ?",
            (now.isoformat(), revision_id),
        )

    async def calendar_revision(self, revision_id: int) -> CalendarRevision | None:
        """A stored calendar by id."""
        row = await self._one("SELECT * FROM calendar_revisions WHERE id = ?", (revision_id,))
        return _revision(row) if row else None

    async def active_calendar_revision(self) -> CalendarRevision | None:
        """The calendar in force, if staff applied one."""
        row = await self._one(
            "SELECT * FROM calendar_revisions WHERE applied_at IS NOT NULL"
            " ORDER BY applied_at DESC, id DESC LIMIT 1"
        )
        return _revision(row) if row else None

    # Roles, invitations, groups

    async def roles(self, user_id: int) -> dict[str, Role]:
        """The user's roles by name."""
        rows = await self._all("SELECT * FROM roles WHERE user_id = ?", (user_id,))
        return {r["role"]: Role(r["user_id"], r["role"], r["area"], r["region"]) for r in rows}

    async def staff(self) -> list[int]:
        """Every staff member's user id."""
        rows = await self._all("SELECT user_id FROM roles WHERE role = 'staff' ORDER BY user_id")
        return [int(r[0]) for r in rows]

    async def grant_role(
        self,
        user_id: int,
        role: str,
        actor: int,
        now: datetime,
        area: str | None = None,
        region: str | None = None,
    ) -> None:
        """Give a role (replacing the same role's area) and audit it."""
        async with self._transaction() as db:
            await db.execute(
                "INSERT OR REPLACE INTO roles (user_id, role, area, region, granted_by, granted_at)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (user_id, role, area, region, actor, now.isoformat()),
            )
            await _audit(db, now, actor, f"grant-{role}", str(user_id), area)

    async def revoke_role(self, user_id: int, role: str, actor: int, now: datetime) -> bool:
        """Take a role away and audit it; False if the user did not have it."""
        async with self._transaction() as db:
            cursor = await db.execute(
                "DELETE FROM roles WHERE user_id = ? AND role = ?", (user_id, role)
            )
            if cursor.rowcount:
                await _audit(db, now, actor, f"revoke-{role}", str(user_id), None)
            return cursor.rowcount > 0

    async def audit_trail(self, limit: int = 50) -> list[tuple[str, int, str, str | None]]:
        """Recent role changes: (when, who, what, target)."""
        rows = await self._all(
            "SELECT at, actor, action, target FROM role_audit ORDER BY id DESC LIMIT ?", (limit,)
        )
        return [(r[0], int(r[1]), r[2], r[3]) for r in rows]

    async def add_invitation(
        self, code_hash: str, area: str, region: str, actor: int, now: datetime, expires: datetime
    ) -> None:
        """Store an RT invitation (only the code's hash) and audit it."""
        async with self._transaction() as db:
            await db.execute(
                "INSERT INTO rt_invitations (code_hash, area, region, created_by, created_at,"
                " expires_at) VALUES (?, ?, ?, ?, ?, ?)",
                (code_hash, area, region, actor, now.isoformat(), expires.isoformat()),
            )
            await _audit(db, now, actor, "invite-rt", code_hash[:INVITATION_REF], area)

    async def redeem_invitation(self, code_hash: str, user_id: int, now: datetime) -> Role | None:
        """Use an unused, unexpired invitation: the user becomes RT head of its area."""
        async with self._transaction() as db:
            rows = await db.execute_fetchall(
                "UPDATE rt_invitations SET used_by = ?, used_at = ? WHERE code_hash = ?"
                " AND used_by IS NULL AND expires_at > ? RETURNING area, region, created_by",
                (user_id, now.isoformat(), code_hash, now.isoformat()),
            )
            found = list(rows)
            if not found:
                return None
            area, region, inviter = found[0]
            await db.execute(
                "INSERT OR REPLACE INTO roles (user_id, role, area, region, granted_by, granted_at)"
                " VALUES (?, 'rt', ?, ?, ?, ?)",
                (user_id, area, region, inviter, now.isoformat()),
            )
            await _audit(db, now, user_id, "join-rt", code_hash[:INVITATION_REF], area)
            return Role(user_id, "rt", area, region)

    async def save_group(self, chat_id: int, title: str, status: str, now: datetime) -> None:
        """Register a group the bot is in (or record that it left or gained rights)."""
        await self._write(
            "INSERT INTO groups (chat_id, title, status, added_at) VALUES (?, ?, ?, ?)"
            " ON CONFLICT (chat_id) DO UPDATE SET title = excluded.title, status = excluded.status",
            (chat_id, title, status, now.isoformat()),
        )

    async def group(self, chat_id: int) -> Group | None:
        """A registered group."""
        row = await self._one("SELECT * FROM groups WHERE chat_id = ?", (chat_id,))
        return _group(row) if row else None

    async def link_group(
        self, chat_id: int, rt: Role, actor: int, now: datetime, replacing: int | None
    ) -> bool:
        """Link a group to an RT head's area if it is still linked to ``replacing`` (None: to
        nobody), and audit it; False if the link changed meanwhile."""
        async with self._transaction() as db:
            cursor = await db.execute(
                "UPDATE groups SET rt_user_id = ?, area = ? WHERE chat_id = ? AND rt_user_id IS ?",
                (rt.user_id, rt.area, chat_id, replacing),
            )
            if cursor.rowcount:
                await _audit(db, now, actor, "link-group", str(chat_id), rt.area)
            return cursor.rowcount > 0

    async def rt_heads(self) -> list[Role]:
        """Every RT head, by area."""
        rows = await self._all("SELECT * FROM roles WHERE role = 'rt' ORDER BY area, user_id")
        return [Role(r["user_id"], r["role"], r["area"], r["region"]) for r in rows]

    async def remove_rt_head(self, user_id: int, actor: int, now: datetime) -> list[int] | None:
        """Take the RT-head role away, unlink their groups (until a new head links them) and
        cancel their announcements not sent yet; audited. The unlinked group ids, or None if
        the user was no RT head."""
        async with self._transaction() as db:
            cursor = await db.execute(
                "DELETE FROM roles WHERE user_id = ? AND role = 'rt'", (user_id,)
            )
            if not cursor.rowcount:
                return None
            await _audit(db, now, actor, "revoke-rt", str(user_id), None)
            rows = await db.execute_fetchall(
                "UPDATE groups SET rt_user_id = NULL, area = NULL WHERE rt_user_id = ?"
                " RETURNING chat_id",
                (user_id,),
            )
            groups = sorted(int(r[0]) for r in rows)
            for chat_id in groups:
                await _audit(db, now, actor, "unlink-group", str(chat_id), str(user_id))
            await _cancel_pending(
                db,
                "cause = 'announcement' AND content IN"
                " (SELECT 'announcement:' || id FROM announcements WHERE author = ?)",
                [user_id],
                None,
            )
            return groups

    async def open_invitations(self, now: datetime) -> list[Invitation]:
        """RT invitations neither used nor expired, oldest first."""
        rows = await self._all(
            "SELECT code_hash, area, expires_at FROM rt_invitations"
            " WHERE used_by IS NULL AND expires_at > ? ORDER BY created_at",
            (now.isoformat(),),
        )
        return [Invitation(r[0][:INVITATION_REF], r[1], datetime.fromisoformat(r[2])) for r in rows]

    async def withdraw_invitation(self, ref: str, actor: int, now: datetime) -> str:
        """Withdraw an unused invitation (its link stops working); audited. "withdrawn",
        "used" (remove the RT head instead) or "unknown"."""
        async with self._transaction() as db:
            rows = list(
                await db.execute_fetchall(
                    "SELECT code_hash, area, used_by FROM rt_invitations"
                    " WHERE substr(code_hash, 1, ?) = ?",
                    (INVITATION_REF, ref),
                )
            )
            if len(rows) != 1 or len(ref) != INVITATION_REF:
                return "unknown"
            code_hash, area, used_by = rows[0]
            if used_by is not None:
                return "used"
            await db.execute("DELETE FROM rt_invitations WHERE code_hash = ?", (code_hash,))
            await _audit(db, now, actor, "withdraw-rt-invite", ref, area)
            return "withdrawn"

    async def linked_groups(self, rt_user_id: int) -> list[Group]:
        """The groups an RT head linked that the bot is still in."""
        rows = await self._all(
            "SELECT * FROM groups WHERE rt_user_id = ? AND status != 'left' ORDER BY chat_id",
            (rt_user_id,),
        )
        return [_group(r) for r in rows]

    async def add_announcement(self, author: int, text: str, now: datetime) -> int:
        """Store an announcement's text; the outbox refers to it."""
        async with self._lock:
            cursor = await self._db.execute(
                "INSERT INTO announcements (author, text, created_at) VALUES (?, ?, ?)",
                (author, text, now.isoformat()),
            )
            return int(cursor.lastrowid or 0)

    # Broadcasts

    async def create_broadcast(
        self, author: str, texts: Mapping[str, str], audience: str, not_before: float, now: datetime
    ) -> int:
        """Store a draft broadcast with its texts per language."""
        async with self._transaction() as db:
            cursor = await db.execute(
                "INSERT INTO broadcasts (author, created_at, audience, not_before)"
                " VALUES (?, ?, ?, ?)",
                (author, now.isoformat(), audience, not_before),
            )
            broadcast_id = int(cursor.lastrowid or 0)
            await db.executemany(
                "INSERT INTO broadcast_texts (broadcast_id, lang, text) VALUES (?, ?, ?)",
                [(broadcast_id, lang, text) for lang, text in texts.items()],
            )
            return broadcast_id

    async def set_broadcast_audience(self, broadcast_id: int, audience: str) -> None:
        """Choose the audience of a draft."""
        await self._write(
            "UPDATE broadcasts SET audience = ? WHERE id = ? AND status = 'draft'",
            (audience, broadcast_id),
        )

    async def set_broadcast_text(self, broadcast_id: int, lang: str, text: str) -> bool:
        """Add or replace a draft's text in one language; False if it is no longer a draft."""
        async with self._transaction() as db:
            rows = await db.execute_fetchall(
                "SELECT 1 FROM broadcasts WHERE id = ? AND status = 'draft'", (broadcast_id,)
            )
            if not list(rows):
                return False
            await db.execute(
                "INSERT OR REPLACE INTO broadcast_texts (broadcast_id, lang, text)"
                " VALUES (?, ?, ?)",
                (broadcast_id, lang, text),
            )
            return True

    async def set_broadcast_time(self, broadcast_id: int, not_before: float) -> None:
        """Set when a draft may start sending."""
        await self._write(
            "UPDATE broadcasts SET not_before = ? WHERE id = ? AND status = 'draft'",
            (not_before, broadcast_id),
        )

    async def broadcasts_for_rt(self, limit: int = 5) -> list[Broadcast]:
        """The latest staff broadcasts meant for RT heads or their groups, newest first."""
        rows = await self._all(
            "SELECT id FROM broadcasts WHERE audience IN ('rt-heads', 'rt-groups')"
            " AND status NOT IN ('draft', 'cancelled') ORDER BY id DESC LIMIT ?",
            (limit,),
        )
        return await self._broadcasts(rows)

    async def _broadcasts(self, id_rows: Iterable[Any]) -> list[Broadcast]:
        found = [await self.broadcast(int(r[0])) for r in id_rows]
        return [b for b in found if b is not None]

    async def broadcast_texts(self, broadcast_id: int) -> dict[str, str]:
        """A broadcast's texts by language (empty if there is no such broadcast)."""
        rows = await self._all(
            "SELECT lang, text FROM broadcast_texts WHERE broadcast_id = ?", (broadcast_id,)
        )
        return {row[0]: row[1] for row in rows}

    async def broadcast(self, broadcast_id: int) -> Broadcast | None:
        """A broadcast with its texts and its figures from the outbox."""
        row = await self._one("SELECT * FROM broadcasts WHERE id = ?", (broadcast_id,))
        if row is None:
            return None
        figures = await self._all(
            "SELECT status, COUNT(*) FROM outbox WHERE cause = 'broadcast' AND dedupe_key = ?"
            " GROUP BY status",
            (f"broadcast:{broadcast_id}",),
        )
        return Broadcast(
            id=row["id"],
            author=row["author"],
            audience=row["audience"],
            status=row["status"],
            not_before=row["not_before"],
            texts=await self.broadcast_texts(broadcast_id),
            figures={f[0]: int(f[1]) for f in figures},
        )

    async def recent_broadcasts(self, limit: int = 10) -> list[Broadcast]:
        """The latest broadcasts, newest first."""
        rows = await self._all("SELECT id FROM broadcasts ORDER BY id DESC LIMIT ?", (limit,))
        return await self._broadcasts(rows)

    async def count_audience(self, condition: str, params: list[Any], groups: bool) -> int:
        """How many people (or linked groups) a broadcast would reach."""
        if groups:
            row = await self._one(
                "SELECT COUNT(*) FROM groups WHERE rt_user_id IS NOT NULL AND status != 'left'"
            )
        else:
            row = await self._one(
                "SELECT COUNT(*) FROM users u WHERE u.opted_out = 0 AND u.blocked = 0"
                f" AND ({condition})",
                params,
            )
        return int(row[0]) if row else 0

    async def queue_broadcast(
        self, broadcast_id: int, condition: str, params: list[Any], groups: bool
    ) -> int:
        """Queue a draft for its audience (set-based, once per recipient); return the count."""
        key = f"broadcast:{broadcast_id}"
        async with self._transaction() as db:
            rows = await db.execute_fetchall(
                "UPDATE broadcasts SET status = 'queued' WHERE id = ? AND status = 'draft'"
                " RETURNING not_before",
                (broadcast_id,),
            )
            found = list(rows)
            if not found:
                return 0
            not_before = found[0][0]
            if groups:
                cursor = await db.execute(
                    "INSERT INTO outbox (chat_id, cause, dedupe_key, content, not_before)"
                    " SELECT chat_id, 'broadcast', ?, ?, ? FROM groups"
                    f" WHERE rt_user_id IS NOT NULL AND status != 'left' {REQUEUE_WITHDRAWN}",
                    (key, key, not_before),
                )
            else:
                cursor = await db.execute(
                    "INSERT INTO outbox"
                    " (chat_id, user_id, cause, dedupe_key, content, not_before)"
                    " SELECT u.user_id, u.user_id, 'broadcast', ?, ?, ? FROM users u"
                    f" WHERE u.opted_out = 0 AND u.blocked = 0 AND ({condition})"
                    f" {REQUEUE_WITHDRAWN}",
                    [key, key, not_before, *params],
                )
            return cursor.rowcount

    async def steer_broadcast(self, broadcast_id: int, action: str) -> "Steered | None":
        """Pause, resume or cancel what of a broadcast is not sent yet, if its phase allows
        (bot.domain.broadcasts); None if there is no such broadcast."""
        key = f"broadcast:{broadcast_id}"
        async with self._transaction() as db:
            rows = list(
                await db.execute_fetchall(
                    "SELECT status FROM broadcasts WHERE id = ?", (broadcast_id,)
                )
            )
            if not rows:
                return None
            figures = await db.execute_fetchall(
                "SELECT status, COUNT(*) FROM outbox WHERE dedupe_key = ? GROUP BY status", (key,)
            )
            phase = phase_of(rows[0][0], {f[0]: int(f[1]) for f in figures})
            status = steered_status(phase, action)
            if status is None:
                return Steered(False, phase)
            before, after = STEERED_ROWS[action]
            await db.execute(
                "UPDATE broadcasts SET status = ? WHERE id = ?", (status, broadcast_id)
            )
            await db.execute(
                f"UPDATE outbox SET status = ? WHERE dedupe_key = ? AND status IN ({before})",
                (after, key),
            )
            return Steered(True, status)

    async def announcement_author(self, announcement_id: int) -> int | None:
        """Who wrote an announcement."""
        row = await self._one("SELECT author FROM announcements WHERE id = ?", (announcement_id,))
        return int(row[0]) if row else None

    async def announcement(self, announcement_id: int) -> str | None:
        """An announcement's text."""
        row = await self._one("SELECT text FROM announcements WHERE id = ?", (announcement_id,))
        return str(row[0]) if row else None

    # Retention

    async def prune(self, now: datetime, keep: Retention) -> dict[str, int]:
        """Delete what is older than ``keep`` allows and no longer needed; counts by kind.

        Never pruned: unsent messages, the finished rows of a broadcast or announcement that
        still has unsent ones (its figures count them), reminders whose event is not over
        (so they are never planned and sent again), and calendar notices (their rows are
        what keeps a revision from being announced twice).
        """

        def before(age: timedelta) -> str:
            return (now - age).isoformat()

        outbox_cutoff = (now - keep.outbox).timestamp()
        pruned = {}
        async with self._transaction() as db:
            statements = {
                "unanswered questions": (
                    "DELETE FROM unanswered_questions WHERE julianday(asked_at) < julianday(?)",
                    [before(keep.unanswered)],
                ),
                "outbox messages": (
                    "DELETE FROM outbox WHERE status IN"
                    " ('sent', 'failed', 'blocked', 'dropped', 'cancelled')"
                    " AND COALESCE(sent_at, not_before) < ?"
                    " AND (cause IN ('broadcast', 'announcement') OR expires_at < ?)"
                    " AND dedupe_key NOT IN (SELECT dedupe_key FROM outbox"
                    "  WHERE status IN ('pending', 'sending', 'paused'))",
                    [outbox_cutoff, now.timestamp()],
                ),
                "broadcast texts": (
                    "DELETE FROM broadcast_texts WHERE broadcast_id IN (SELECT id FROM broadcasts"
                    " WHERE status = 'draft' AND julianday(created_at) < julianday(?))",
                    [before(keep.drafts)],
                ),
                "broadcast drafts": (
                    "DELETE FROM broadcasts WHERE status = 'draft'"
                    " AND julianday(created_at) < julianday(?)",
                    [before(keep.drafts)],
                ),
                "announcement previews": (
                    "DELETE FROM announcements WHERE julianday(created_at) < julianday(?)"
                    " AND NOT EXISTS (SELECT 1 FROM outbox"
                    "  WHERE dedupe_key = 'announcement:' || announcements.id)",
                    [before(keep.drafts)],
                ),
                "RT invitations": (
                    "DELETE FROM rt_invitations WHERE julianday(expires_at) < julianday(?)",
                    [before(keep.invitations)],
                ),
                "audit rows": (
                    "DELETE FROM role_audit WHERE julianday(at) < julianday(?)",
                    [before(keep.audit)],
                ),
            }
            for kind, (sql, params) in statements.items():
                cursor = await db.execute(sql, params)
                pruned[kind] = cursor.rowcount
        return pruned


async def _cancel_pending(
    db: aiosqlite.Connection,
    where: str,
    params: list[Any],
    contents: list[str] | None,
    status: str = "cancelled",
) -> int:
    if contents is not None:
        if not contents:
            return 0
        where += f" AND content IN ({','.join('?' * len(contents))})"
        params = [*params, *contents]
    cursor = await db.execute(
        f"UPDATE outbox SET status = ? WHERE status = 'pending' AND {where}", [status, *params]
    )
    return cursor.rowcount


async def _audit(
    db: aiosqlite.Connection,
    now: datetime,
    actor: int,
    action: str,
    target: str,
    detail: str | None,
) -> None:
    await db.execute(
        "INSERT INTO role_audit (at, actor, action, target, detail) VALUES (?, ?, ?, ?, ?)",
        (now.isoformat(), actor, action, target, detail),
    )


def _group(row: aiosqlite.Row) -> Group:
    return Group(row["chat_id"], row["title"], row["status"], row["rt_user_id"], row["area"])


def _revision(row: aiosqlite.Row) -> CalendarRevision:
    applied = row["applied_at"]
    return CalendarRevision(
        id=row["id"],
        source=row["source"],
        body=row["body"],
        created_by=row["created_by"],
        applied_at=datetime.fromisoformat(applied) if applied else None,
    )


def _user(row: aiosqlite.Row) -> User:
    return User(
        user_id=row["user_id"],
        lang=row["lang"],
        lang_chosen=bool(row["lang_chosen"]),
        region=row["region"],
        first_seen=datetime.fromisoformat(row["first_seen"]),
        last_seen=datetime.fromisoformat(row["last_seen"]),
        opted_out=bool(row["opted_out"]),
        blocked=bool(row["blocked"]),
        zone=row["zone"],
    )
