"""Moving a province from its SQLite file to PostgreSQL: every table copied in foreign-key
order from one consistent snapshot of the file (the bot may keep running on it), identity
sequences moved past the copied ids, then each table verified by its row count and a
checksum computed alike from both sides."""

import contextlib
import hashlib
import sqlite3
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql

from storage.database import StorageError, migrations
from storage.engine import PostgresEngine, PostgresUrl, one_line


@dataclass(frozen=True)
class CopiedTable:
    """One table as copied: its rows and their checksum, equal on both sides."""

    name: str
    rows: int
    checksum: str


def checksum(rows: Iterable[Iterable[Any]]) -> str:
    """An order-independent checksum of rows: the sum of each row's SHA-256 (first 8 bytes),
    over one canonical text per value (NULL, integer, float by repr, text)."""
    total = 0
    for row in rows:
        text = "\x1f".join("\\N" if v is None else repr(v) for v in row)
        total += int.from_bytes(hashlib.sha256(text.encode("utf-8")).digest()[:8], "big")
    return f"{total % 2**64:016x}"


def foreign_key_order(source: sqlite3.Connection) -> list[str]:
    """The source's tables, every table after those its foreign keys refer to."""
    names = [
        r[0]
        for r in source.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            " ORDER BY name"
        )
    ]
    parents = {
        name: {r[2] for r in source.execute(f"PRAGMA foreign_key_list({name})")} - {name}
        for name in names
    }
    ordered: list[str] = []
    while len(ordered) < len(names):
        ready = [n for n in names if n not in ordered and parents[n] <= set(ordered)]
        if not ready:
            raise StorageError("the source's foreign keys refer in a circle")
        ordered += ready
    return ordered


@contextlib.contextmanager
def snapshot(path: Path) -> Iterator[sqlite3.Connection]:
    """The file read-only, inside one read transaction: what a running bot writes meanwhile
    is not seen, so the copy and its verification see the same rows."""
    if not path.is_file():
        raise StorageError(f"no SQLite database at {path}")
    try:
        with contextlib.closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as source:
            source.execute("BEGIN")
            source.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()  # the snapshot
            yield source
    except sqlite3.Error as error:
        raise StorageError(f"cannot read {path}: {error}") from None


def _columns(source: sqlite3.Connection, table: str) -> list[str]:
    return [r[1] for r in source.execute(f"PRAGMA table_info({table})")]


def _source_rows(source: sqlite3.Connection, table: str, columns: list[str]) -> Any:
    return source.execute(f"SELECT {', '.join(columns)} FROM {table}")


def _target_rows(
    target: psycopg.Connection[tuple[Any, ...]], table: str, columns: list[str]
) -> Any:
    names = sql.SQL(", ").join(map(sql.Identifier, columns))
    return target.execute(sql.SQL("SELECT {} FROM {}").format(names, sql.Identifier(table)))


async def _refuse_unless_empty(engine: PostgresEngine, url: PostgresUrl) -> None:
    tables = await engine.all(
        "SELECT table_name FROM information_schema.tables"
        " WHERE table_schema = current_schema() AND table_name <> 'schema_version'"
    )
    for (table,) in tables:
        quoted = '"' + table.replace('"', '""') + '"'
        if await engine.one(f"SELECT 1 FROM {quoted} LIMIT 1"):
            raise StorageError(
                f"{url} is not empty (table {table} has rows); migrate into an empty database"
                " or schema"
            )


async def prepare_target(url: PostgresUrl, version: int) -> None:
    """Create the schema at ``version`` in an empty target (nothing if it is there already);
    StorageError if the target holds rows, is at another version, or this sensus-bot does not
    know ``version``."""
    latest = migrations("postgresql")[-1][0]
    if not 0 < version <= latest:
        raise StorageError(
            f"the source is at schema version {version}; this sensus-bot knows 1 to {latest}"
        )
    scripts = [(n, script) for n, script in migrations("postgresql") if n <= version]
    try:
        engine = await PostgresEngine.connect(url, pool_size=1)
    except psycopg.Error as error:
        raise StorageError(f"cannot open database {url}: {one_line(error)}") from None
    try:
        await _refuse_unless_empty(engine, url)
        current = await engine.schema_version()
        if current not in (0, version):
            raise StorageError(
                f"{url} is at schema version {current}, the source at {version}; migrate into"
                " an empty database or schema"
            )
        await engine.migrate(scripts)
    finally:
        await engine.close()


def copy_tables(source: sqlite3.Connection, url: PostgresUrl) -> Iterator[CopiedTable]:
    """Copy every table of ``source`` into the target ``prepare_target`` made, in one
    transaction, then verify each; yields each table once verified."""
    try:
        with psycopg.connect(url.url, connect_timeout=10) as target:
            order = foreign_key_order(source)
            with target.transaction():
                for table in reversed(order):  # rows a migration seeded: the source has its own
                    target.execute(sql.SQL("DELETE FROM {}").format(sql.Identifier(table)))
                for table in order:
                    _copy(source, target, table)
            for table in order:
                yield _verified(source, target, table)
    except psycopg.Error as error:
        raise StorageError(f"cannot copy into {url}: {one_line(error)}") from None


def _copy(
    source: sqlite3.Connection, target: psycopg.Connection[tuple[Any, ...]], table: str
) -> None:
    columns = _columns(source, table)
    names = sql.SQL(", ").join(map(sql.Identifier, columns))
    statement = sql.SQL("COPY {} ({}) FROM STDIN").format(sql.Identifier(table), names)
    with target.cursor().copy(statement) as copy:
        for row in _source_rows(source, table, columns):
            copy.write_row(row)
    if "id" in columns:  # an identity column: new rows continue after the copied ids
        target.execute(
            sql.SQL(
                "SELECT setval(pg_get_serial_sequence({}, 'id'), COALESCE(MAX(id), 0) + 1, false)"
                " FROM {}"
            ).format(sql.Literal(table), sql.Identifier(table))
        )


def _verified(
    source: sqlite3.Connection, target: psycopg.Connection[tuple[Any, ...]], table: str
) -> CopiedTable:
    columns = _columns(source, table)
    copied = list(_source_rows(source, table, columns))
    arrived = list(_target_rows(target, table, columns))
    mine, theirs = checksum(copied), checksum(arrived)
    if len(copied) != len(arrived) or mine != theirs:
        raise StorageError(
            f"table {table}: {len(copied)} rows (checksum {mine}) in the source,"
            f" {len(arrived)} (checksum {theirs}) in the target; the target is not usable"
        )
    return CopiedTable(table, len(copied), mine)


def source_version(source: sqlite3.Connection) -> int:
    """The SQLite file's schema version."""
    return int(source.execute("PRAGMA user_version").fetchone()[0])
