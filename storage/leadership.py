"""Which process sends for the whole bot: the leader (part of Repository)."""

import asyncio


class Leadership:
    """The right to send on the bot's own initiative. On SQLite one process serves the database
    (storage/instance.py refuses a second), so it always holds it."""

    async def acquire(self) -> bool:
        """Try to become the leader; whether this process leads now."""
        return True

    async def lost(self) -> None:
        """Return once leadership is lost (never, on SQLite)."""
        await asyncio.Event().wait()

    async def release(self) -> None:
        """Give leadership up (another process may take it)."""


class LeadershipStore:
    """Leadership of the sender (part of Repository)."""

    def leadership(self) -> Leadership:
        """This process's claim to lead the sender."""
        return Leadership()
