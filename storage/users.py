"""People the bot talks to: first contact, language, region, opt-out, blocking, deletion."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from storage.engine import Row
from storage.outbox import cancel_pending
from storage.statistics import StatisticsStore

# last_seen is refreshed at most this often, so a chatty user costs one write an hour.
LAST_SEEN_RESOLUTION = timedelta(hours=1)


@dataclass(frozen=True)
class User:
    """A person the bot talks to in private chat."""

    user_id: int
    lang: str
    lang_chosen: bool
    region: str | None
    first_seen: datetime
    last_seen: datetime
    opted_out: bool
    blocked: bool = False
    zone: str | None = None


class UserStore(StatisticsStore):  # a first contact each day counts in the figures
    """People the bot talks to (part of Repository)."""

    async def get_user(self, user_id: int) -> User | None:
        """The stored user, or None."""
        row = await self._quick_one("SELECT * FROM users WHERE user_id = ?", (user_id,))
        return _user(row) if row else None

    async def seen_user(self, user_id: int, lang_guess: str, now: datetime) -> User:
        """Return the user, creating them on first contact and refreshing last_seen."""
        user = await self.get_user(user_id)
        if user is None:
            stamp = now.isoformat()
            async with self._transaction() as db:
                created = list(
                    await db.all(
                        "INSERT INTO users (user_id, lang, first_seen, last_seen)"
                        " VALUES (?, ?, ?, ?) ON CONFLICT (user_id) DO UPDATE"
                        " SET last_seen = excluded.last_seen RETURNING *",
                        (user_id, lang_guess, stamp, stamp),
                    )
                )
                await self._count_active(db, now)
            return _user(created[0])
        new_day = self.local_day(now) != self.local_day(user.last_seen)
        if now - user.last_seen >= LAST_SEEN_RESOLUTION or new_day:
            async with self._transaction() as db:
                await db.write(
                    "UPDATE users SET last_seen = ? WHERE user_id = ?", (now.isoformat(), user_id)
                )
                if new_day:
                    await self._count_active(db, now)
        return user

    async def set_language(self, user_id: int, lang: str) -> None:
        """Record the language the user chose."""
        await self._write(
            "UPDATE users SET lang = ?, lang_chosen = 1 WHERE user_id = ?", (lang, user_id)
        )

    async def delete_user(self, user_id: int) -> bool:
        """Delete everything kept about the user; True if there was anything."""
        async with self._transaction() as db:
            await db.write("DELETE FROM faq_feedback WHERE user_id = ?", (user_id,))
            await db.write("DELETE FROM guide_progress WHERE user_id = ?", (user_id,))
            await db.write("DELETE FROM outbox WHERE user_id = ?", (user_id,))
            await db.write("DELETE FROM roles WHERE user_id = ?", (user_id,))
            changed = await db.write("DELETE FROM users WHERE user_id = ?", (user_id,))
            return changed > 0

    async def set_region(self, user_id: int, region: str, zone: str) -> None:
        """Record the user's regency/city and its time zone."""
        await self._write(
            "UPDATE users SET region = ?, zone = ? WHERE user_id = ?", (region, zone, user_id)
        )

    async def opt_out(self, user_id: int) -> int:
        """Stop everything sent on the bot's own initiative; return cancelled messages."""
        async with self._transaction() as db:
            await db.write("UPDATE users SET opted_out = 1 WHERE user_id = ?", (user_id,))
            await db.write("DELETE FROM subscriptions WHERE user_id = ?", (user_id,))
            return await cancel_pending(db, "user_id = ?", [user_id], None)

    async def set_blocked(self, user_id: int, blocked: bool) -> None:
        """Mark a user who blocked (or unblocked) the bot; cancel what waits for them."""
        async with self._transaction() as db:
            await db.write(
                "UPDATE users SET blocked = ? WHERE user_id = ?", (int(blocked), user_id)
            )
            if blocked:
                await cancel_pending(db, "user_id = ?", [user_id], None, status="blocked")


def _user(row: Row) -> User:
    return User(
        user_id=row["user_id"],
        lang=row["lang"],
        lang_chosen=bool(row["lang_chosen"]),
        region=row["region"],
        first_seen=datetime.fromisoformat(row["first_seen"]),
        last_seen=datetime.fromisoformat(row["last_seen"]),
        opted_out=bool(row["opted_out"]),
        blocked=bool(row["blocked"]),
        zone=row["zone"],
    )
