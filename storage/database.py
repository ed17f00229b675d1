"""The database: opening, migrations, backup, checks, and the SQL primitives."""

import asyncio
import contextlib
import os
import sqlite3
from collections.abc import Iterable, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import UTC, tzinfo
from importlib import resources
from pathlib import Path
from typing import Any, Self

import aiosqlite
import psycopg

from storage.engine import (
    DatabaseError,
    Engine,
    Location,
    PostgresEngine,
    PostgresUrl,
    Row,
    Sql,
    SqliteEngine,
    one_line,
)
from storage.queries import SqlAccess


class StorageError(Exception):
    """The database cannot be used; ``str()`` is a one-line explanation."""


def create_private(path: Path) -> None:
    """Create ``path`` (or narrow an existing one, and its -wal/-shm) to mode 0600: the owner
    alone may read it. SQLite gives the -wal and -shm files it creates the database's mode."""
    os.close(os.open(path, os.O_CREAT | os.O_RDONLY, 0o600))
    for file in (path, path.with_name(f"{path.name}-wal"), path.with_name(f"{path.name}-shm")):
        with contextlib.suppress(FileNotFoundError, PermissionError):  # not ours to change
            file.chmod(0o600)


def migrations(engine: str = "sqlite") -> list[tuple[int, str]]:
    """The numbered migration scripts shipped with the bot for ``engine`` (``sqlite`` or
    ``postgresql``), in order: the same numbers and schema on both."""
    package = "storage.migrations" if engine == "sqlite" else f"storage.migrations.{engine}"
    folder = resources.files(package)
    scripts = []
    for entry in folder.iterdir():
        if entry.name.endswith(".sql"):
            scripts.append((int(entry.name.split("_", 1)[0]), entry.read_text(encoding="utf-8")))
    return sorted(scripts)


class Database(SqlAccess):
    """The database (part of Repository): an SQLite file or a PostgreSQL database."""

    zone: tzinfo

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    @classmethod
    async def open(cls, where: Location, zone: tzinfo = UTC, pool_size: int = 5) -> Self:
        """Open (creating if needed) and migrate the database at ``where``; figures per day
        count days in ``zone``. On PostgreSQL up to ``pool_size`` connections."""
        engine = await (
            _open_postgres(where, pool_size)
            if isinstance(where, PostgresUrl)
            else _open_sqlite(where)
        )
        repository = cls(engine)
        repository.zone = zone
        try:
            await repository._migrate()
        except DatabaseError as error:
            await engine.close()
            raise StorageError(f"cannot use database {where}: {one_line(error)}") from None
        except StorageError as error:
            await engine.close()
            raise StorageError(f"cannot use database {where}: {error}") from None
        return repository

    async def close(self) -> None:
        """Close the connection(s) (after any write in progress)."""
        await self._engine.close()

    async def backup(self, target: Path) -> None:
        """Copy the database to ``target`` with SQLite's online backup API, consistent even
        while a running bot writes; written beside the target, checked, then renamed."""
        if not isinstance(self._engine, SqliteEngine):
            raise StorageError("backup copies SQLite files; use pg_dump for PostgreSQL")
        partial = target.with_name(target.name + ".part")
        partial.unlink(missing_ok=True)
        try:
            await asyncio.to_thread(create_private, partial)
            async with aiosqlite.connect(partial) as copy:
                async with self._engine.lock:
                    await self._engine.db.backup(copy)
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
        """None when the database is intact (SQLite's quick_check), else its first finding."""
        return await self._engine.damage()

    async def ping(self) -> None:
        """Raise unless the database answers (on SQLite: and its file is still the one open,
        since a file deleted or replaced under the running bot would lose every later write)."""
        await self._engine.ping()

    async def schema_version(self) -> int:
        """The migration version the database is at."""
        return await self._engine.schema_version()

    async def _migrate(self) -> None:
        current = await self.schema_version()
        scripts = migrations(self._engine.name)
        latest = scripts[-1][0]
        if current > latest:
            raise StorageError(
                f"its schema version {current} is newer than this sensus-bot knows ({latest}); "
                "upgrade sensus-bot"
            )
        await self._engine.migrate(scripts)

    def _transaction(self) -> AbstractAsyncContextManager[Sql]:
        return self._engine.transaction()

    async def _write(self, sql: str, params: Iterable[Any] = ()) -> int:
        """Run one write statement; return the number of rows it changed."""
        return await self._engine.write(sql, params)

    async def _write_many(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        """Run one write statement once per parameter row."""
        await self._engine.write_many(sql, rows)

    async def _all(self, sql: str, params: Iterable[Any] = ()) -> list[Row]:
        """Run a query and fetch every row (SQLite: in one step, after any transaction)."""
        return await self._engine.all(sql, params)

    async def _one(self, sql: str, params: Iterable[Any] = ()) -> Row | None:
        return await self._engine.one(sql, params)

    async def _quick_one(self, sql: str, params: Iterable[Any] = ()) -> Row | None:
        """The first row of a query by key (Engine.quick_all), or None."""
        rows = await self._engine.quick_all(sql, params)
        return rows[0] if rows else None

    async def _quick_write(self, sql: str, params: Iterable[Any] = ()) -> int:
        """Run one write statement by key (Engine.quick_write); the rows it changed."""
        return await self._engine.quick_write(sql, params)


async def _open_sqlite(path: Path) -> SqliteEngine:
    if not await asyncio.to_thread(path.parent.is_dir):
        # Checked first: a failed aiosqlite.connect leaves its thread behind.
        raise StorageError(f"cannot open database {path}: folder {path.parent} does not exist")
    try:
        await asyncio.to_thread(create_private, path)
        opened = await asyncio.to_thread(os.stat, path)
        # check_same_thread off: quick statements use it on the event loop's thread (one at
        # a time with aiosqlite's, under the engine's lock).
        raw = await asyncio.to_thread(
            sqlite3.connect, path, isolation_level=None, check_same_thread=False
        )
        connection = await aiosqlite.Connection(lambda: raw, 64)
    except (sqlite3.Error, OSError) as error:
        raise StorageError(f"cannot open database {path}: {error}") from None
    engine = SqliteEngine(connection, raw, path, (opened.st_dev, opened.st_ino))
    try:
        await engine.configure()
    except sqlite3.DatabaseError as error:
        await connection.close()
        raise StorageError(f"cannot use database {path}: {error}") from None
    return engine


async def _open_postgres(url: PostgresUrl, pool_size: int) -> PostgresEngine:
    try:
        return await PostgresEngine.connect(url, pool_size)
    except psycopg.Error as error:  # a pool that times out raises one too
        message = one_line(error).replace(url.url, str(url))
        raise StorageError(f"cannot open database {url}: {message}") from None


@dataclass(frozen=True)
class FileState:
    """What a database file holds, read without changing it."""

    version: int  # its schema (migration) version
    intact: bool  # SQLite's quick_check found nothing
    users: int  # 0 when its schema is unknown to this sensus-bot


def inspect_file(path: Path) -> FileState:
    """Read ``path`` read-only (no migration, no lock held afterwards); sqlite3.Error if it is
    not a usable SQLite database."""
    with contextlib.closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as db:
        version = int(db.execute("PRAGMA user_version").fetchone()[0])
        intact = db.execute("PRAGMA quick_check").fetchone()[0] == "ok"
        known = 0 < version <= migrations()[-1][0]
        users = db.execute("SELECT COUNT(*) FROM users").fetchone()[0] if known else 0
    return FileState(version, intact, int(users))


def inspect_postgres(url: PostgresUrl) -> FileState:
    """Read a PostgreSQL database without changing it; psycopg.Error if it cannot be reached."""
    with psycopg.connect(url.url, connect_timeout=10) as db:
        found = db.execute("SELECT to_regclass('schema_version') IS NOT NULL").fetchone()
        version_row = (
            db.execute("SELECT max(version) FROM schema_version").fetchone()
            if found and found[0]
            else None
        )
        version = int(version_row[0]) if version_row and version_row[0] is not None else 0
        known = 0 < version <= migrations("postgresql")[-1][0]
        counted = db.execute("SELECT COUNT(*) FROM users").fetchone() if known else None
    return FileState(version, True, int(counted[0]) if counted else 0)
