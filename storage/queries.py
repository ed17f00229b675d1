"""The base of the repository's parts kept in modules of their own: the engine and the SQL
primitives they use, implemented once by ``storage.database.Database``."""

from collections.abc import Iterable, Sequence
from contextlib import AbstractAsyncContextManager
from typing import TYPE_CHECKING, Any

from storage.engine import Engine, Row, Sql


class SqlAccess:
    """Declares what ``Repository`` provides, so each part type-checks on its own."""

    if TYPE_CHECKING:
        _engine: Engine  # SQLite or PostgreSQL; its dialect methods spell what differs

        async def _all(self, sql: str, params: Iterable[Any] = ()) -> list[Row]: ...

        async def _one(self, sql: str, params: Iterable[Any] = ()) -> Row | None: ...

        async def _write(self, sql: str, params: Iterable[Any] = ()) -> int: ...

        async def _quick_one(self, sql: str, params: Iterable[Any] = ()) -> Row | None: ...

        async def _quick_write(self, sql: str, params: Iterable[Any] = ()) -> int: ...

        async def _write_many(self, sql: str, rows: Iterable[Sequence[Any]]) -> None: ...

        def _transaction(self) -> AbstractAsyncContextManager[Sql]: ...
