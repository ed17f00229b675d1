"""The base of the repository's parts kept in modules of their own: the connection, its lock and
the SQL primitives they use, implemented once by ``storage.database.Database``."""

import asyncio
from collections.abc import Iterable
from contextlib import AbstractAsyncContextManager
from typing import TYPE_CHECKING, Any

import aiosqlite


class SqlAccess:
    """Declares what ``Repository`` provides, so each part type-checks on its own."""

    if TYPE_CHECKING:
        _db: aiosqlite.Connection
        _lock: asyncio.Lock  # one statement or transaction at a time on ``_db``

        async def _all(self, sql: str, params: Iterable[Any] = ()) -> list[aiosqlite.Row]: ...

        async def _one(self, sql: str, params: Iterable[Any] = ()) -> aiosqlite.Row | None: ...

        async def _write(self, sql: str, params: Iterable[Any] = ()) -> int: ...

        def _transaction(self) -> AbstractAsyncContextManager[aiosqlite.Connection]: ...
