"""The tests' databases on both engines, read from outside the bot as an operator would.

On PostgreSQL each test gets a schema of its own in the database ``SENSUS_TEST_POSTGRES``
names: empty, and emptied (or dropped) afterwards; its texts are written to a file first, so
the suite-wide privacy scan reads them as it reads SQLite files."""

import contextlib
import os
import secrets
import sqlite3
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import quote

import psycopg
from psycopg import sql

from storage.database import migrations
from storage.engine import Location, PostgresUrl

SERVER = os.environ.get("SENSUS_TEST_POSTGRES", "")
NOT_SET = "SENSUS_TEST_POSTGRES is not set (postgresql://…): PostgreSQL variants skipped"


def in_schema(server: str, schema: str) -> PostgresUrl:
    """The server's URL with ``schema`` first on the search path."""
    joiner = "&" if "?" in server else "?"
    return PostgresUrl(f"{server}{joiner}options={quote(f'-csearch_path={schema}')}")


_admin_connection: psycopg.Connection[tuple[Any, ...]] | None = None


def admin() -> psycopg.Connection[tuple[Any, ...]]:
    """One connection to the server for this test process (a connection costs a backend)."""
    global _admin_connection  # noqa: PLW0603 (one per process, opened on first use)
    if _admin_connection is None or _admin_connection.closed:
        _admin_connection = psycopg.connect(SERVER, autocommit=True)
    return _admin_connection


def create_schema() -> str:
    """A new, empty schema with a random name."""
    schema = f"test_{secrets.token_hex(6)}"
    admin().execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(schema)))
    return schema


def _tables_in(schema: str) -> list[str]:
    found = admin().execute(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = %s", (schema,)
    )
    return [name for (name,) in found]


def texts_of(schema: str) -> str:
    """Every text value stored in the schema's tables, one per line (one query)."""
    columns = (
        admin()
        .execute(
            "SELECT table_name, column_name FROM information_schema.columns"
            " WHERE table_schema = %s AND data_type = 'text'",
            (schema,),
        )
        .fetchall()
    )
    if not columns:
        return ""
    parts = [
        sql.SQL("SELECT {} FROM {}.{}").format(
            sql.Identifier(column), sql.Identifier(schema), sql.Identifier(table)
        )
        for table, column in columns
    ]
    found = admin().execute(sql.SQL(" UNION ALL ").join(parts))
    return "\n".join(str(v) for (v,) in found if v is not None)


# Schemas a finished test left migrated and emptied, for the next test of this process:
# emptying (TRUNCATE) is far cheaper than creating and migrating a schema.
_recycled: list[str] = []


def take_schema() -> str:
    """An empty schema: a recycled one at the latest version, or a new one (unmigrated)."""
    return _recycled.pop() if _recycled else create_schema()


def give_back(schema: str, keep_texts_in: Path) -> None:
    """Write the schema's texts to ``keep_texts_in`` (for the privacy scan), then empty it
    for the next test, or drop it if it cannot be trusted to be like a fresh one."""
    keep_texts_in.write_text(texts_of(schema), encoding="utf-8")
    tables = _tables_in(schema)
    if not tables:  # never opened: as fresh as a new one
        _recycled.append(schema)
        return
    if "schema_version" in tables and _version(schema) == migrations("postgresql")[-1][0]:
        tables.remove("schema_version")
        try:
            if _empty(schema, tables):
                _recycled.append(schema)
                return
        except psycopg.errors.LockNotAvailable:
            pass
    drop_schema(schema)


def _empty(schema: str, tables: list[str]) -> bool:
    """Delete every row (referring tables first) and restart the identity sequences, in one
    round trip: for these small tables far quicker than TRUNCATE, which makes new files.
    False (nothing done) if a test made tables of its own there."""
    global _layout  # noqa: PLW0603 (every recycled schema has the latest layout)
    if _layout is None:
        _layout = _layout_of(schema, tables)
    order, sequences = _layout
    if sorted(order) != sorted(tables):
        return False
    # lock_timeout: a connection left mid-write makes this fail, and the schema is dropped
    statements: list[sql.Composable] = [sql.SQL("SET LOCAL lock_timeout = '2s'")]
    statements += [sql.SQL("DELETE FROM {}").format(sql.Identifier(schema, t)) for t in order]
    statements += [
        sql.SQL("ALTER SEQUENCE {} RESTART").format(sql.Identifier(schema, name))
        for name in sequences
    ]
    with admin().transaction():
        admin().execute(sql.SQL("; ").join(statements))
    return True


_layout: tuple[list[str], list[str]] | None = None


def _layout_of(schema: str, tables: list[str]) -> tuple[list[str], list[str]]:
    """The tables, each before those it refers to, and the identity sequences."""
    references = (
        admin()
        .execute(
            "SELECT c.conrelid::regclass::text, c.confrelid::regclass::text FROM pg_constraint c"
            " JOIN pg_namespace n ON n.oid = c.connamespace"
            " WHERE c.contype = 'f' AND n.nspname = %s",
            (schema,),
        )
        .fetchall()
    )
    referring = {
        table: {a.split(".")[-1] for a, b in references if b.split(".")[-1] == table} - {table}
        for table in tables
    }
    order: list[str] = []
    while len(order) < len(tables):
        ready = [t for t in sorted(tables) if t not in order and referring[t] <= set(order)]
        assert ready, f"foreign keys in a circle among {tables}"
        order += ready
    sequences = (
        admin()
        .execute(
            "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
            " WHERE n.nspname = %s AND c.relkind = 'S'",  # identity columns' sequences too
            (schema,),
        )
        .fetchall()
    )
    return order, [name for (name,) in sequences]


def _version(schema: str) -> int | None:
    query = sql.SQL("SELECT max(version) FROM {}.schema_version")
    found = admin().execute(query.format(sql.Identifier(schema))).fetchone()
    return found[0] if found else None


def drop_schema(schema: str) -> None:
    """Drop the schema and everything in it."""
    admin().execute(sql.SQL("DROP SCHEMA {} CASCADE").format(sql.Identifier(schema)))


def drop_recycled() -> None:
    """At the end of the session: the schemas kept for reuse go."""
    while _recycled:
        drop_schema(_recycled.pop())


def set_version(where: Location, version: int) -> None:
    """Pretend the database is at schema ``version`` (a newer bot migrated it)."""
    if isinstance(where, Path):
        with contextlib.closing(sqlite3.connect(where)) as raw:
            raw.execute(f"PRAGMA user_version = {version:d}")
        return
    with psycopg.connect(where.url, autocommit=True) as db:
        db.execute("UPDATE schema_version SET version = %s", (version,))


def versions_recorded(where: PostgresUrl) -> list[int]:
    """The rows of the schema-version record."""
    with psycopg.connect(where.url) as db:
        return [v for (v,) in db.execute("SELECT version FROM schema_version")]


@contextlib.contextmanager
def fresh_schema(tmp_path: Path) -> Iterator[PostgresUrl]:
    """A new schema for one test, not migrated; its texts land in ``tmp_path`` when it is
    dropped."""
    schema = create_schema()
    try:
        yield in_schema(SERVER, schema)
    finally:
        (tmp_path / f"postgresql-{schema}.txt").write_text(texts_of(schema), encoding="utf-8")
        drop_schema(schema)


@contextlib.contextmanager
def empty_schema(tmp_path: Path) -> Iterator[PostgresUrl]:
    """An empty schema for one test (perhaps migrated already, emptied after an earlier
    test: as the bot finds a fresh one after migrating it)."""
    schema = take_schema()
    try:
        yield in_schema(SERVER, schema)
    finally:
        give_back(
            schema, keep_texts_in=tmp_path / f"postgresql-{schema}-{secrets.token_hex(3)}.txt"
        )


def rows(where: Location, query: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
    """The rows of one statement (``?`` placeholders), on either engine."""
    if isinstance(where, Path):
        with contextlib.closing(sqlite3.connect(where)) as raw, raw:
            return [tuple(r) for r in raw.execute(query, tuple(params))]
    with psycopg.connect(where.url, autocommit=True) as db:
        cursor = db.execute(query.replace("%", "%%").replace("?", "%s"), tuple(params))
        return [tuple(r) for r in cursor.fetchall()] if cursor.description else []


def tables(where: Location) -> list[str]:
    """The bot's tables (no engine bookkeeping)."""
    if isinstance(where, Path):
        found = rows(where, "SELECT name FROM sqlite_master WHERE type = 'table'")
    else:
        found = rows(
            where,
            "SELECT table_name FROM information_schema.tables"
            " WHERE table_schema = current_schema() AND table_name <> 'schema_version'",
        )
    return sorted(name for (name,) in found)


def columns(where: Location, table: str) -> list[str]:
    """A table's column names."""
    if isinstance(where, Path):
        return [r[1] for r in rows(where, f"PRAGMA table_info({table})")]
    found = rows(
        where,
        "SELECT column_name FROM information_schema.columns"
        " WHERE table_schema = current_schema() AND table_name = ?",
        (table,),
    )
    return [name for (name,) in found]


def indexes(where: Location) -> list[str]:
    """The names of the indexes the migrations create (not those of keys and constraints)."""
    if isinstance(where, Path):
        found = rows(
            where, "SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"
        )
    else:
        found = rows(
            where,
            "SELECT c.relname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid"
            " WHERE c.relnamespace = current_schema()::regnamespace"
            " AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid)",
        )
    return sorted(name for (name,) in found)


def stored_text(where: Location) -> str:
    """Everything the database keeps, as text: an SQLite file and its -wal byte for byte
    (deleted rows not yet overwritten included), or every text value in a PostgreSQL schema."""
    if isinstance(where, Path):
        files = [where, where.with_name(where.name + "-wal")]
        return b"".join(p.read_bytes() for p in files if p.exists()).decode("utf-8", "replace")
    schema = rows(where, "SELECT current_schema()")[0][0]
    return texts_of(schema)
