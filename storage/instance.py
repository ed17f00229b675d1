"""One running bot per SQLite database: an exclusive lock on ``<db>.lock`` for the process's
life. (On PostgreSQL several workers share a database; they coordinate in the database.)

Two senders on one outbox would claim each other's rows and send messages twice. The lock
is an ``flock`` on an open file, so the kernel releases it when the process ends in any way
(even ``kill -9``); the file stays and holds the pid of the last process that locked it.
"""

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from storage.engine import Location, PostgresUrl
from storage.repository import StorageError


def lock_path(db_path: Path) -> Path:
    """The lock file beside the database."""
    return db_path.with_name(db_path.name + ".lock")


@contextmanager
def single_instance(where: Location) -> Iterator[None]:
    """Hold an SQLite database's instance lock, or raise StorageError naming the running
    process; nothing to hold on PostgreSQL."""
    if isinstance(where, PostgresUrl):
        yield
        return
    db_path = where
    path = lock_path(db_path)
    if not path.parent.is_dir():
        raise StorageError(
            f"SENSUS_DB: cannot open database {db_path}: folder {path.parent} does not exist"
        )
    try:
        descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    except OSError as error:
        raise StorageError(f"SENSUS_DB: cannot create {path}: {error.strerror}") from None
    try:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.read(descriptor, 32).decode("ascii", "replace").strip() or "unknown"
            raise StorageError(
                f"SENSUS_DB: {db_path} is in use by another sensus-bot run (pid {holder});"
                " run one per database"
            ) from None
        os.ftruncate(descriptor, 0)
        os.write(descriptor, f"{os.getpid()}\n".encode("ascii"))
        yield
    finally:
        os.close(descriptor)  # releases the lock
