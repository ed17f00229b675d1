"""Which process sends for the whole bot: the leader (part of Repository)."""

from storage.coordination import Leadership
from storage.queries import SqlAccess


class LeadershipStore(SqlAccess):
    """Leadership of the sender (part of Repository)."""

    def leadership(self) -> Leadership:
        """This process's claim to lead the sender: always on SQLite, an advisory lock held
        on a connection of its own on PostgreSQL (storage/coordination.py)."""
        return self._engine.leadership()

    async def leader_known(self) -> bool:
        """Whether some process leads the sender now (on PostgreSQL: any worker holds the
        lock)."""
        return await self._engine.leader_known()
