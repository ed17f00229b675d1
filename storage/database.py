"""The database file: opening, migrations, backup, checks, and the SQL primitives."""

import asyncio
import contextlib
import os
import sqlite3
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, tzinfo
from importlib import resources
from pathlib import Path
from typing import Any, Self

import aiosqlite

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


def migrations() -> list[tuple[int, str]]:
    """The numbered migration scripts shipped with the bot, in order."""
    folder = resources.files("storage.migrations")
    scripts = []
    for entry in folder.iterdir():
        if entry.name.endswith(".sql"):
            scripts.append((int(entry.name.split("_", 1)[0]), entry.read_text(encoding="utf-8")))
    return sorted(scripts)


class Database(SqlAccess):
    """The database file (part of Repository)."""

    zone: tzinfo
    _path: Path
    _file_id: tuple[int, int]  # (device, inode) of the file opened

    def __init__(self, connection: aiosqlite.Connection) -> None:
        self._db = connection
        # One statement or transaction at a time on the one connection: a transaction never
        # interleaves with another coroutine's statements, and "database is locked" cannot
        # happen in-process.
        self._lock = asyncio.Lock()

    @classmethod
    async def open(cls, path: Path, zone: tzinfo = UTC) -> Self:
        """Open (creating if needed) and migrate the database at ``path``; figures per day
        count days in ``zone``."""
        if not await asyncio.to_thread(path.parent.is_dir):
            # Checked first: a failed aiosqlite.connect leaves its thread behind.
            raise StorageError(f"cannot open database {path}: folder {path.parent} does not exist")
        try:
            await asyncio.to_thread(create_private, path)
            opened = await asyncio.to_thread(os.stat, path)
            connection = await aiosqlite.connect(path, isolation_level=None)
        except (sqlite3.Error, OSError) as error:
            raise StorageError(f"cannot open database {path}: {error}") from None
        repository = cls(connection)
        repository.zone = zone
        repository._path, repository._file_id = path, (opened.st_dev, opened.st_ino)
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

    async def ping(self) -> None:
        """Raise unless the database answers a query and its file is still the one open: a
        file deleted or replaced under the running bot would lose every later write."""
        await self._one("SELECT COUNT(*) FROM sqlite_master")
        try:
            found = await asyncio.to_thread(os.stat, self._path)
        except OSError:
            found = None
        if found is None or (found.st_dev, found.st_ino) != self._file_id:
            raise StorageError(f"{self._path} was deleted or replaced while the bot runs")

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
