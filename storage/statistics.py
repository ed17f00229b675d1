"""Figures for /statistik and ``sensus-bot stats``: SQL aggregates, days in the bot's zone."""

from datetime import UTC, datetime, tzinfo

from storage.engine import Sql
from storage.queries import SqlAccess

FINISHED = "*finished"  # the guide "step" recorded when someone presses Done on the last step
MESSAGE_CAUSES = ("reminder", "broadcast")


class StatisticsStore(SqlAccess):
    """Counting what people do (part of Repository); ``zone`` decides where a day begins."""

    zone: tzinfo = UTC

    def local_day(self, moment: datetime) -> str:
        """The day of ``moment`` in the bot's zone, ``YYYY-MM-DD``."""
        return moment.astimezone(self.zone).date().isoformat()

    def _offset_seconds(self) -> int:
        """The zone's offset from UTC (Indonesia keeps no daylight saving time)."""
        offset = datetime.now(UTC).astimezone(self.zone).utcoffset()
        return int(offset.total_seconds()) if offset else 0

    async def _count_active(self, db: Sql, now: datetime) -> None:
        """One more person active on today's date (called once per person and day)."""
        await db.write(
            "INSERT INTO daily_activity (day, active) VALUES (?, 1)"
            " ON CONFLICT (day) DO UPDATE SET active = daily_activity.active + 1",
            (self.local_day(now),),
        )

    async def record_question(
        self, lang: str, outcome: str, topic: str | None, now: datetime
    ) -> None:
        """Count a question's outcome (its text is not kept here)."""
        await self._quick_write(
            "INSERT INTO faq_outcomes (day, lang, outcome, topic) VALUES (?, ?, ?, ?)",
            (self.local_day(now), lang, outcome, topic),
        )

    async def record_guide_finished(self, user_id: int, now: float) -> None:
        """Count someone who finished the guide (once)."""
        await self._write(
            "INSERT INTO guide_reached (user_id, step, reached_at) VALUES (?, ?, ?)"
            " ON CONFLICT DO NOTHING",
            (user_id, FINISHED, now),
        )

    async def people_by_day(self, since: float | None) -> list[tuple[str, int, int]]:
        """(day, new people, active people) per day since ``since``, oldest first."""
        first_day = self._day_of(since)
        day = self._engine.day_of_text("first_seen", self._offset_seconds())
        new = await self._all(
            f"SELECT {day} AS d, COUNT(*) FROM users WHERE first_seen >= ? GROUP BY d",
            (_iso(since),),
        )
        active = await self._all(
            "SELECT day, active FROM daily_activity WHERE day >= ?", (first_day,)
        )
        counts: dict[str, list[int]] = {}
        for day, count in new:
            counts.setdefault(day, [0, 0])[0] = int(count)
        for day, count in active:
            counts.setdefault(day, [0, 0])[1] = int(count)
        return [(day, n, a) for day, (n, a) in sorted(counts.items())]

    async def people_by(self, column: str, since: float | None) -> dict[str | None, int]:
        """People who used the bot since ``since`` by ``lang`` or ``region``."""
        assert column in ("lang", "region")
        rows = await self._all(
            f"SELECT {column}, COUNT(*) FROM users WHERE last_seen >= ? GROUP BY {column}",
            (_iso(since),),
        )
        return {row[0]: int(row[1]) for row in rows}

    async def questions_by_day(self, since: float | None) -> list[tuple[str, str, int]]:
        """(day, outcome, questions) since ``since``."""
        rows = await self._all(
            "SELECT day, outcome, COUNT(*) FROM faq_outcomes WHERE day >= ?"
            " GROUP BY day, outcome ORDER BY day, outcome",
            (self._day_of(since),),
        )
        return [(row[0], row[1], int(row[2])) for row in rows]

    async def top_topics(self, since: float | None, limit: int = 10) -> list[tuple[str, int]]:
        """The topics answered most often since ``since``."""
        rows = await self._all(
            "SELECT topic, COUNT(*) AS n FROM faq_outcomes WHERE day >= ? AND outcome = 'answer'"
            " AND topic IS NOT NULL GROUP BY topic ORDER BY n DESC, topic LIMIT ?",
            (self._day_of(since), limit),
        )
        return [(row[0], int(row[1])) for row in rows]

    async def votes_by_topic(self, since: float | None) -> list[tuple[str, int, int]]:
        """(topic, 👍, 👎) of votes cast since ``since``, most votes first."""
        rows = await self._all(
            "SELECT topic, SUM(helpful) AS up, SUM(1 - helpful) AS down FROM faq_feedback"
            " WHERE voted_at >= ? GROUP BY topic ORDER BY COUNT(*) DESC, topic",
            (_iso(since),),
        )
        return [(row[0], int(row[1]), int(row[2])) for row in rows]

    async def messages_by_day(self, since: float | None) -> list[tuple[str, int, int, int, int]]:
        """Reminders and broadcasts per day (sent, else last due): queued, sent, blocked,
        failed (failed or dropped)."""
        marks = ",".join("?" * len(MESSAGE_CAUSES))
        day = self._engine.day_of_epoch("COALESCE(sent_at, not_before)", self._offset_seconds())
        rows = await self._all(
            f"SELECT {day} AS d, COUNT(*), SUM(CASE WHEN status = 'sent' THEN 1 ELSE 0 END),"
            " SUM(CASE WHEN status = 'blocked' THEN 1 ELSE 0 END),"
            " SUM(CASE WHEN status IN ('failed', 'dropped') THEN 1 ELSE 0 END)"
            f" FROM outbox WHERE cause IN ({marks}) AND status != 'cancelled'"
            " AND COALESCE(sent_at, not_before) >= ? GROUP BY d ORDER BY d",
            (*MESSAGE_CAUSES, since or 0.0),
        )
        return [(r[0], int(r[1]), int(r[2]), int(r[3]), int(r[4])) for r in rows]

    async def guide_funnel(self, since: float | None) -> dict[str, int]:
        """People who reached each guide step (and FINISHED) since ``since``."""
        rows = await self._all(
            "SELECT step, COUNT(*) FROM guide_reached WHERE reached_at >= ? GROUP BY step",
            (since or 0.0,),
        )
        return {row[0]: int(row[1]) for row in rows}

    def _day_of(self, since: float | None) -> str:
        if since is None:
            return ""
        return self.local_day(datetime.fromtimestamp(since, UTC))


def _iso(since: float | None) -> str:
    """``since`` in the ISO form the text timestamps use ("" sorts before all of them)."""
    return datetime.fromtimestamp(since, UTC).isoformat() if since is not None else ""
