"""The tests' databases on both engines, read from outside the bot as an operator would.

On PostgreSQL each test gets a schema of its own in the database ``SENSUS_TEST_POSTGRES``
names, dropped afterwards; its texts are written to a file first, so the suite-wide privacy
scan reads them as it reads SQLite files."""

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

from storage.engine import Location, PostgresUrl

SERVER = os.environ.get("SENSUS_TEST_POSTGRES", "")
NOT_SET = "SENSUS_TEST_POSTGRES is not set (postgresql://…): PostgreSQL variants skipped"


def in_schema(server: str, schema: str) -> PostgresUrl:
    """The server's URL with ``schema`` first on the search path."""
    joiner = "&" if "?" in server else "?"
    return PostgresUrl(f"{server}{joiner}options={quote(f'-csearch_path={schema}')}")


def create_schema() -> str:
    """A new, empty schema with a random name."""
    schema = f"test_{secrets.token_hex(6)}"
    with psycopg.connect(SERVER, autocommit=True) as db:
        db.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(schema)))
    return schema


def texts_of(schema: str) -> str:
    """Every text value stored in the schema's tables, one per line."""
    with psycopg.connect(SERVER, autocommit=True) as db:
        columns = db.execute(
            "SELECT table_name, column_name FROM information_schema.columns"
            " WHERE table_schema = %s AND data_type = 'text'",
            (schema,),
        ).fetchall()
        lines = []
        for table, column in columns:
            query = sql.SQL("SELECT {} FROM {}.{}").format(
                sql.Identifier(column), sql.Identifier(schema), sql.Identifier(table)
            )
            lines += [str(v) for (v,) in db.execute(query) if v is not None]
    return "\n".join(lines)


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


def drop_schema(schema: str, keep_texts_in: Path) -> None:
    """Write the schema's texts to ``keep_texts_in`` (for the privacy scan), then drop it."""
    keep_texts_in.write_text(texts_of(schema), encoding="utf-8")
    with psycopg.connect(SERVER, autocommit=True) as db:
        db.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(sql.Identifier(schema)))


@contextlib.contextmanager
def fresh_schema(tmp_path: Path) -> Iterator[PostgresUrl]:
    """A new schema for one test; its texts land in ``tmp_path`` when it is dropped."""
    schema = create_schema()
    try:
        yield in_schema(SERVER, schema)
    finally:
        drop_schema(schema, keep_texts_in=tmp_path / f"postgresql-{schema}.txt")


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


def stored_text(where: Location) -> str:
    """Everything the database keeps, as text: an SQLite file and its -wal byte for byte
    (deleted rows not yet overwritten included), or every text value in a PostgreSQL schema."""
    if isinstance(where, Path):
        files = [where, where.with_name(where.name + "-wal")]
        return b"".join(p.read_bytes() for p in files if p.exists()).decode("utf-8", "replace")
    schema = rows(where, "SELECT current_schema()")[0][0]
    return texts_of(schema)
