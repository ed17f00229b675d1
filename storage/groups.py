"""Community groups, their RT heads, and RT heads' announcements."""

from dataclasses import dataclass
from datetime import datetime

from storage.engine import Row
from storage.queries import SqlAccess
from storage.roles import Role, audit


@dataclass(frozen=True)
class Group:
    """A community group the bot was added to."""

    chat_id: int
    title: str
    status: str
    rt_user_id: int | None
    area: str | None


class GroupStore(SqlAccess):
    """Community groups, their RT heads, and RT heads' announcements (part of Repository)."""

    async def save_group(self, chat_id: int, title: str, status: str, now: datetime) -> None:
        """Register a group the bot is in (or record that it left or gained rights)."""
        await self._write(
            "INSERT INTO groups (chat_id, title, status, added_at) VALUES (?, ?, ?, ?)"
            " ON CONFLICT (chat_id) DO UPDATE SET title = excluded.title, status = excluded.status",
            (chat_id, title, status, now.isoformat()),
        )

    async def group(self, chat_id: int) -> Group | None:
        """A registered group."""
        row = await self._one("SELECT * FROM groups WHERE chat_id = ?", (chat_id,))
        return _group(row) if row else None

    async def link_group(
        self, chat_id: int, rt: Role, actor: int, now: datetime, replacing: int | None
    ) -> bool:
        """Link a group to an RT head's area if it is still linked to ``replacing`` (None: to
        nobody), and audit it; False if the link changed meanwhile."""
        async with self._transaction() as db:
            changed = await db.write(
                "UPDATE groups SET rt_user_id = ?, area = ? WHERE chat_id = ? "
                " AND rt_user_id IS NOT DISTINCT FROM ?",
                (rt.user_id, rt.area, chat_id, replacing),
            )
            if changed:
                await audit(db, now, actor, "link-group", str(chat_id), rt.area)
            return changed > 0

    async def linked_groups(self, rt_user_id: int) -> list[Group]:
        """The groups an RT head linked that the bot is still in."""
        rows = await self._all(
            "SELECT * FROM groups WHERE rt_user_id = ? AND status != 'left' ORDER BY chat_id",
            (rt_user_id,),
        )
        return [_group(r) for r in rows]

    async def add_announcement(self, author: int, text: str, now: datetime) -> int:
        """Store an announcement's text; the outbox refers to it."""
        row = await self._one(
            "INSERT INTO announcements (author, text, created_at) VALUES (?, ?, ?) RETURNING id",
            (author, text, now.isoformat()),
        )
        return int(row[0]) if row else 0

    async def announcement_author(self, announcement_id: int) -> int | None:
        """Who wrote an announcement."""
        row = await self._one("SELECT author FROM announcements WHERE id = ?", (announcement_id,))
        return int(row[0]) if row else None

    async def announcement(self, announcement_id: int) -> str | None:
        """An announcement's text."""
        row = await self._one("SELECT text FROM announcements WHERE id = ?", (announcement_id,))
        return str(row[0]) if row else None


def _group(row: Row) -> Group:
    return Group(row["chat_id"], row["title"], row["status"], row["rt_user_id"], row["area"])
