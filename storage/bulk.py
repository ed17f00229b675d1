"""Many rows written straight into a database file: benchmarks seed a season's worth of data
this way, far faster than through the bot's own one-by-one writes."""

import contextlib
import sqlite3
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any


def insert_rows(
    path: Path,
    table: str,
    columns: Sequence[str],
    rows: Iterable[Sequence[Any]],
    skip_duplicates: bool = False,
) -> None:
    """Insert ``rows`` (values in the order of ``columns``) into ``table`` in one transaction;
    with ``skip_duplicates`` a row whose key is taken is left out instead of failing."""
    verb = "INSERT OR IGNORE" if skip_duplicates else "INSERT"
    marks = ", ".join("?" * len(columns))
    with contextlib.closing(sqlite3.connect(path)) as db, db:
        db.executemany(f"{verb} INTO {table} ({', '.join(columns)}) VALUES ({marks})", rows)


def count_rows(path: Path, table: str) -> int:
    """How many rows ``table`` holds."""
    with contextlib.closing(sqlite3.connect(path)) as db:
        return int(db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0])
