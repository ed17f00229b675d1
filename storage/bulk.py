"""Many rows written straight into a database: benchmarks seed a season's worth of data this
way, far faster than through the bot's own one-by-one writes."""

import contextlib
import sqlite3
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import psycopg

from storage.engine import Location


def insert_rows(
    where: Location,
    table: str,
    columns: Sequence[str],
    rows: Iterable[Sequence[Any]],
    skip_duplicates: bool = False,
) -> None:
    """Insert ``rows`` (values in the order of ``columns``) into ``table`` in one transaction;
    with ``skip_duplicates`` a row whose key is taken is left out instead of failing."""
    skip = " ON CONFLICT DO NOTHING" if skip_duplicates else ""
    insert = f"INSERT INTO {table} ({', '.join(columns)}) VALUES"
    if isinstance(where, Path):
        marks = ", ".join("?" * len(columns))
        with contextlib.closing(sqlite3.connect(where)) as db, db:
            db.executemany(f"{insert} ({marks}){skip}", rows)
        return
    marks = ", ".join(["%s"] * len(columns))
    with psycopg.connect(where.url) as target:  # commits at the end
        target.cursor().executemany(f"{insert} ({marks}){skip}".encode(), list(rows))


def count_rows(where: Location, table: str) -> int:
    """How many rows ``table`` holds."""
    if isinstance(where, Path):
        with contextlib.closing(sqlite3.connect(where)) as db:
            return int(db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0])
    with psycopg.connect(where.url) as target:
        found = target.execute(f"SELECT COUNT(*) FROM {table}".encode()).fetchone()
        return int(found[0]) if found else 0
