"""The two database engines behind the repository: SQLite (one aiosqlite connection and one
lock) and PostgreSQL (a psycopg pool). Every part writes one SQL dialect with ``?``
placeholders; where the engines must differ, the difference is a method here, once."""

import asyncio
import os
import re
import sqlite3
from abc import ABC, abstractmethod
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import aiosqlite
import psycopg
from psycopg.rows import RowMaker
from psycopg_pool import AsyncConnectionPool

from storage.coordination import (
    LEADER_HELD,
    AdvisoryChatTurns,
    AdvisoryLeadership,
    ChatTurns,
    Leadership,
)

# What a failing statement raises on either engine: locked, disk full, I/O, a lost server.
DatabaseError = (sqlite3.Error, psycopg.Error)


class Row(tuple[Any, ...]):
    """A result row, read by index (``row[0]``) or by column name (``row["lang"]``)."""

    _names: dict[str, int]

    def __new__(cls, values: Iterable[Any], names: dict[str, int]) -> "Row":
        row = super().__new__(cls, values)
        row._names = names
        return row

    def __getitem__(self, key: Any) -> Any:
        if isinstance(key, str):
            return super().__getitem__(self._names[key])
        return super().__getitem__(key)


@dataclass(frozen=True)
class PostgresUrl:
    """A PostgreSQL database (``postgresql://…``); printed with its password masked."""

    url: str = field(repr=False)

    def __str__(self) -> str:
        return mask_password(self.url)

    def __repr__(self) -> str:
        return f"PostgresUrl({str(self)!r})"


# Where the bot keeps its data: an SQLite file, or a PostgreSQL database.
Location = Path | PostgresUrl


def location(value: str) -> Location:
    """``SENSUS_DB`` read: a ``postgresql://`` (or ``postgres://``) URL, else a file path."""
    if value.startswith(("postgresql://", "postgres://")):
        return PostgresUrl(value)
    return Path(value)


def setting(where: Location) -> str:
    """``where`` as ``SENSUS_DB`` spells it (the password unmasked: for a child's settings)."""
    return where.url if isinstance(where, PostgresUrl) else str(where)


def exists(where: Location) -> bool:
    """Whether the database may hold data already: an SQLite file that exists, or any
    PostgreSQL database (reading it creates nothing but the schema)."""
    return isinstance(where, PostgresUrl) or where.is_file()


def mask_password(url: str) -> str:
    """The URL with any password replaced by ``***`` (in the user part and in the query)."""
    parts = urlsplit(url)
    netloc = parts.netloc
    if "@" in netloc:
        user, host = netloc.rsplit("@", 1)
        if ":" in user:
            user = user.split(":", 1)[0] + ":***"
        netloc = f"{user}@{host}"
    query = re.sub(r"(?i)(password=)[^&]*", r"\1***", parts.query)
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))


class Sql(ABC):
    """Statements on one connection, or on the engine (each statement on its own)."""

    @abstractmethod
    async def all(self, sql: str, params: Iterable[Any] = ()) -> list[Row]:
        """Every row of a statement (a query, or a write with RETURNING)."""

    async def one(self, sql: str, params: Iterable[Any] = ()) -> Row | None:
        """The first row, or None."""
        rows = await self.all(sql, params)
        return rows[0] if rows else None

    @abstractmethod
    async def write(self, sql: str, params: Iterable[Any] = ()) -> int:
        """Run one write statement; the number of rows it changed."""

    @abstractmethod
    async def write_many(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        """Run one write statement once per parameter row."""


class Engine(Sql):
    """A database engine: statements, transactions, migrations, and the engine's dialect."""

    name: str

    @abstractmethod
    def transaction(self) -> AbstractAsyncContextManager[Sql]:
        """One transaction: every statement on the yielded connection commits together."""

    async def quick_all(self, sql: str, params: Iterable[Any] = ()) -> list[Row]:
        """``all()`` for a statement that finds its few rows by key (microseconds of work),
        which an engine may run in a cheaper way; the same rows, errors and guarantees."""
        return await self.all(sql, params)

    async def quick_write(self, sql: str, params: Iterable[Any] = ()) -> int:
        """``write()`` for a statement that inserts a row or changes a few found by key
        (see quick_all)."""
        return await self.write(sql, params)

    @abstractmethod
    async def close(self) -> None:
        """Close the connection(s), after any write in progress."""

    @abstractmethod
    async def schema_version(self) -> int:
        """The migration version the database is at."""

    @abstractmethod
    async def migrate(self, scripts: list[tuple[int, str]]) -> None:
        """Apply the scripts newer than the database's version, each with its version."""

    @abstractmethod
    async def damage(self) -> str | None:
        """None when the database is intact, else what is wrong in one line."""

    async def ping(self) -> None:
        """Raise unless the database answers a query."""
        await self.one("SELECT 1")

    async def after_scrub(self) -> None:
        """Overwritten texts leave every copy the engine keeps of them."""

    # Coordination between processes (storage/coordination.py).

    @abstractmethod
    def chat_turn(self, key: str) -> AbstractAsyncContextManager[None]:
        """Hold a chat's turn while the block runs: one update of a chat at a time."""

    @abstractmethod
    def leadership(self) -> Leadership:
        """This process's claim to lead the sender."""

    @abstractmethod
    async def leader_known(self) -> bool:
        """Whether some process (this one or another) leads the sender now."""

    # The dialect: what the engines spell differently.

    @abstractmethod
    def instant(self, iso_text: str) -> str:
        """An expression comparing ISO 8601 texts (any offsets) as moments."""

    @abstractmethod
    def day_of_text(self, iso_text: str, offset_seconds: int) -> str:
        """The ``YYYY-MM-DD`` day of an ISO 8601 text, in a zone ``offset_seconds`` east."""

    @abstractmethod
    def day_of_epoch(self, seconds: str, offset_seconds: int) -> str:
        """The ``YYYY-MM-DD`` day of epoch seconds, in a zone ``offset_seconds`` east."""

    # After a SELECT in a transaction: the rows stay as read until it ends (SQLite: every
    # transaction is exclusive already).
    for_update = ""
    # After a claiming subquery: rows another worker is claiming are left to it.
    skip_locked = ""


# SQLite: one connection, one lock.

BUSY_TIMEOUT_MS = 5000  # how long a statement waits for another process's write lock


class _SqliteConnection(Sql):
    """Statements on the aiosqlite connection; the caller holds the lock."""

    def __init__(self, db: aiosqlite.Connection) -> None:
        self.db = db

    async def all(self, sql: str, params: Iterable[Any] = ()) -> list[Row]:
        # Fetched in one step on the connection's thread: a cursor left half-read while
        # another statement writes gives undefined rows in SQLite.
        return list(await self.db.execute_fetchall(sql, tuple(params)))  # type: ignore[arg-type]

    async def write(self, sql: str, params: Iterable[Any] = ()) -> int:
        cursor = await self.db.execute(sql, tuple(params))
        return cursor.rowcount

    async def write_many(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        await self.db.executemany(sql, [tuple(r) for r in rows])


def _sqlite_row(cursor: sqlite3.Cursor, values: tuple[Any, ...]) -> Row:
    names = {column[0]: i for i, column in enumerate(cursor.description)}
    return Row(values, names)


class SqliteEngine(Engine):
    """One aiosqlite connection; one statement or transaction at a time on it, so a
    transaction never interleaves with another coroutine's statements and "database is
    locked" cannot happen in-process.

    Statements by key (quick_all, quick_write: the few an update runs) skip aiosqlite's
    thread and run on the same sqlite3 connection on the event loop's thread, still one at
    a time under the lock: they take microseconds, and each hop to the thread and back costs
    about 50 µs of CPU and two thread switches (under a rush, the largest part of the
    bot's database time). Nothing is left to wait on the event loop's thread: a quick write
    that finds the database locked by another process goes to the thread, which waits."""

    name = "sqlite"

    def __init__(
        self,
        db: aiosqlite.Connection,
        raw: sqlite3.Connection,
        path: Path,
        file_id: tuple[int, int],
    ) -> None:
        db.row_factory = _sqlite_row  # type: ignore[assignment]
        self.db = db
        self.raw = raw  # the connection aiosqlite runs on (opened with check_same_thread off)
        self.path = path
        self.file_id = file_id  # (device, inode) of the file opened
        self.lock = asyncio.Lock()
        self._connection = _SqliteConnection(db)
        self._turns = ChatTurns()

    async def configure(self) -> None:
        """The connection's settings, before anything else runs on it."""
        await self.db.execute("PRAGMA journal_mode=WAL")
        await self.db.execute("PRAGMA synchronous=NORMAL")
        await self.db.execute("PRAGMA foreign_keys=ON")
        await self.db.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        # Deleted and overwritten text (a person's data after /hapusdata, a scrubbed error)
        # is zeroed in the file, not left in free space for anyone reading the file.
        await self.db.execute("PRAGMA secure_delete=ON")

    async def all(self, sql: str, params: Iterable[Any] = ()) -> list[Row]:
        async with self.lock:
            return await self._connection.all(sql, params)

    async def write(self, sql: str, params: Iterable[Any] = ()) -> int:
        async with self.lock:
            return await self._connection.write(sql, params)

    async def write_many(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        async with self.lock:
            await self._connection.write_many(sql, rows)

    async def quick_all(self, sql: str, params: Iterable[Any] = ()) -> list[Row]:
        async with self.lock:
            # WAL: a read never waits for another process's lock.
            return self.raw.execute(sql, tuple(params)).fetchall()

    async def quick_write(self, sql: str, params: Iterable[Any] = ()) -> int:
        values = tuple(params)
        async with self.lock:
            # Another process (a CLI command) may hold the write lock: fail at once here
            # rather than wait on the event loop, and wait on aiosqlite's thread instead.
            self.raw.execute("PRAGMA busy_timeout=0")
            try:
                return self.raw.execute(sql, values).rowcount
            except sqlite3.OperationalError as error:
                if error.sqlite_errorcode & 0xFF != sqlite3.SQLITE_BUSY:  # any SQLITE_BUSY_*
                    raise
            finally:
                self.raw.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
            return await self._connection.write(sql, values)  # nothing was written

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Sql]:
        async with self.lock:
            await self.db.execute("BEGIN IMMEDIATE")
            try:
                yield self._connection
                await self.db.execute("COMMIT")
            except BaseException:
                # SQLite may have rolled back already (disk full, I/O error): a second
                # ROLLBACK would fail and hide the first error.
                if self.db.in_transaction:
                    await self.db.execute("ROLLBACK")
                raise

    async def close(self) -> None:
        async with self.lock:
            await self.db.close()

    async def schema_version(self) -> int:
        row = await self.one("PRAGMA user_version")
        return int(row[0]) if row else 0

    async def migrate(self, scripts: list[tuple[int, str]]) -> None:
        current = await self.schema_version()
        for version, script in scripts:
            if version > current:
                async with self.lock:
                    await self.db.executescript(
                        f"BEGIN IMMEDIATE;\n{script}\nPRAGMA user_version = {version};\nCOMMIT;"
                    )

    async def damage(self) -> str | None:
        """SQLite's quick_check: None when the file is intact, else its first finding."""
        try:
            rows = await self.all("PRAGMA quick_check")
        except sqlite3.DatabaseError as error:
            return str(error)
        # Each finding may span lines under a "*** in database main ***" heading.
        lines = [line for r in rows for line in str(r[0]).splitlines()]
        findings = [line for line in lines if line and not line.startswith("***")]
        return None if findings == ["ok"] else (findings or lines)[0]

    async def ping(self) -> None:
        """Raise unless the database answers and its file is still the one opened."""
        await self.one("SELECT COUNT(*) FROM sqlite_master")
        try:
            found = await asyncio.to_thread(os.stat, self.path)
        except OSError:
            found = None
        if found is None or (found.st_dev, found.st_ino) != self.file_id:
            raise sqlite3.OperationalError(
                f"{self.path} was deleted or replaced while the bot runs"
            )

    async def after_scrub(self) -> None:
        await self.write("PRAGMA wal_checkpoint(TRUNCATE)")  # out of the -wal file too

    def chat_turn(self, key: str) -> AbstractAsyncContextManager[None]:
        return self._turns.turn(key)  # one process per database: its own locks suffice

    def leadership(self) -> Leadership:
        return Leadership()  # one process per database: it always leads

    async def leader_known(self) -> bool:
        return True  # the one process leads whenever its sender runs

    def instant(self, iso_text: str) -> str:
        return f"julianday({iso_text})"

    def day_of_text(self, iso_text: str, offset_seconds: int) -> str:
        return f"date({iso_text}, '{offset_seconds:+d} seconds')"

    def day_of_epoch(self, seconds: str, offset_seconds: int) -> str:
        return f"date({seconds} + {offset_seconds:d}, 'unixepoch')"


# PostgreSQL: a pool of connections; each statement or transaction takes one.


@lru_cache(maxsize=1024)
def _pyformat(sql: str) -> str:
    """``?`` placeholders as psycopg's ``%s`` (a literal ``%`` doubled)."""
    return sql.replace("%", "%%").replace("?", "%s")


def _without_nul(params: Iterable[Any]) -> tuple[Any, ...]:
    """PostgreSQL text cannot hold NUL (SQLite's can): a NUL in a text is left out, so a
    group title or message with one (never meant by a person) is stored, not refused."""
    return tuple(p.replace("\x00", "") if isinstance(p, str) and "\x00" in p else p for p in params)


class _PostgresConnection(Sql):
    """Statements on one pooled connection."""

    def __init__(self, db: psycopg.AsyncConnection[Row]) -> None:
        self.db = db

    async def all(self, sql: str, params: Iterable[Any] = ()) -> list[Row]:
        cursor = await self.db.execute(_pyformat(sql), _without_nul(params))
        return await cursor.fetchall() if cursor.description else []

    async def write(self, sql: str, params: Iterable[Any] = ()) -> int:
        cursor = await self.db.execute(_pyformat(sql), _without_nul(params))
        return cursor.rowcount

    async def write_many(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        async with self.db.cursor() as cursor:
            await cursor.executemany(_pyformat(sql), [_without_nul(r) for r in rows])


def _postgres_row(cursor: Any) -> RowMaker[Row]:
    names = {column.name: i for i, column in enumerate(cursor.description or ())}
    return lambda values: Row(values, names)


# Migrations take this transaction-scoped lock, one per schema: workers starting together
# apply each script once, and tests in schemas of their own never wait for each other.
MIGRATION_LOCK = "SELECT pg_advisory_xact_lock(hashtext(current_schema() || '/sensus-migrations'))"


class PostgresEngine(Engine):
    """A psycopg pool; statements outside a transaction commit on their own."""

    name = "postgresql"
    for_update = " FOR UPDATE"
    skip_locked = " FOR UPDATE SKIP LOCKED"

    def __init__(
        self, pool: AsyncConnectionPool[psycopg.AsyncConnection[Row]], url: PostgresUrl
    ) -> None:
        self.pool = pool
        self.url = url
        # An update holds its chat's lock on one connection and queries on the pool: twice
        # the pool's size in chats at once keeps both busy.
        self._turns = AdvisoryChatTurns(url.url, connections=2 * pool.max_size)

    @classmethod
    async def connect(cls, url: PostgresUrl, pool_size: int) -> "PostgresEngine":
        """Open a pool of up to ``pool_size`` connections; psycopg.Error if the server
        cannot be reached or refuses."""
        # One connection first: its error names what is wrong (the pool only times out).
        first = await psycopg.AsyncConnection.connect(url.url, connect_timeout=10)
        await first.close()
        pool: AsyncConnectionPool[psycopg.AsyncConnection[Row]] = AsyncConnectionPool(
            url.url,
            min_size=1,
            max_size=max(pool_size, 1),
            kwargs={"autocommit": True, "row_factory": _postgres_row},
            open=False,
        )
        await pool.open(wait=True, timeout=30)
        engine = cls(pool, url)
        try:
            await engine._turns.open()
        except BaseException:
            await pool.close()
            raise
        return engine

    async def all(self, sql: str, params: Iterable[Any] = ()) -> list[Row]:
        async with self.pool.connection() as db:
            return await _PostgresConnection(db).all(sql, params)

    async def write(self, sql: str, params: Iterable[Any] = ()) -> int:
        async with self.pool.connection() as db:
            return await _PostgresConnection(db).write(sql, params)

    async def write_many(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        async with self.pool.connection() as db, db.transaction():
            await _PostgresConnection(db).write_many(sql, rows)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Sql]:
        async with self.pool.connection() as db, db.transaction():
            yield _PostgresConnection(db)

    async def close(self) -> None:
        await self._turns.close()
        await self.pool.close()

    def chat_turn(self, key: str) -> AbstractAsyncContextManager[None]:
        return self._turns.turn(key)

    def leadership(self) -> Leadership:
        return AdvisoryLeadership(self.url.url)

    async def leader_known(self) -> bool:
        row = await self.one(LEADER_HELD)
        return bool(row and row[0])

    async def schema_version(self) -> int:
        async with self.pool.connection() as db:
            return await _schema_version(db)

    async def migrate(self, scripts: list[tuple[int, str]]) -> None:
        async with self.pool.connection() as db, db.transaction():
            await db.execute(MIGRATION_LOCK)
            await db.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
            current = await _schema_version(db)
            if current > scripts[-1][0]:
                return  # refused by the caller, which read the version before
            for version, script in scripts:
                if version > current:
                    await db.execute(script.encode("utf-8"))  # several statements: no params
            if scripts[-1][0] > current:
                await db.execute("DELETE FROM schema_version")
                await db.execute("INSERT INTO schema_version VALUES (%s)", (scripts[-1][0],))

    async def damage(self) -> str | None:
        """PostgreSQL checks its own pages; a database that answers is intact to the bot."""
        try:
            await self.all("SELECT 1")
        except psycopg.Error as error:
            return one_line(error)
        return None

    def instant(self, iso_text: str) -> str:
        return f"CAST({iso_text} AS timestamptz)"

    def day_of_text(self, iso_text: str, offset_seconds: int) -> str:
        return (
            f"to_char(CAST({iso_text} AS timestamptz) AT TIME ZONE 'UTC'"
            f" + interval '{offset_seconds:d} seconds', 'YYYY-MM-DD')"
        )

    def day_of_epoch(self, seconds: str, offset_seconds: int) -> str:
        moment = f"to_timestamp({seconds} + {offset_seconds:d}) AT TIME ZONE 'UTC'"
        return f"to_char({moment}, 'YYYY-MM-DD')"


async def _schema_version(db: psycopg.AsyncConnection[Row]) -> int:
    exists = await db.execute("SELECT to_regclass('schema_version') IS NOT NULL")
    found = await exists.fetchone()
    if not found or not found[0]:
        return 0
    cursor = await db.execute("SELECT max(version) FROM schema_version")
    row = await cursor.fetchone()
    return int(row[0]) if row and row[0] is not None else 0


def one_line(error: BaseException) -> str:
    """An error's message on one line (psycopg's span several)."""
    return " ".join(str(error).split()) or type(error).__name__
