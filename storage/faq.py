"""FAQ traces: unanswered questions kept for staff, and answer feedback."""

from dataclasses import dataclass
from datetime import datetime

from bot.domain.identity import mask_private
from storage.queries import SqlAccess


@dataclass(frozen=True)
class UnansweredQuestion:
    """A question kept for staff review."""

    asked_at: datetime
    lang: str
    text: str
    outcome: str
    best_topic: str | None
    score: float


class FaqStore(SqlAccess):
    """FAQ traces (part of Repository)."""

    async def record_unanswered(
        self,
        text: str,
        lang: str,
        outcome: str,
        best_topic: str | None,
        score: float,
        now: datetime,
    ) -> None:
        """Keep a question the bot could not answer confidently, with every secret and long
        number masked."""
        await self._quick_write(
            "INSERT INTO unanswered_questions (asked_at, lang, text, outcome, best_topic, score)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (now.isoformat(), lang, mask_private(text), outcome, best_topic, score),
        )

    async def unanswered(self, limit: int = 100) -> list[UnansweredQuestion]:
        """The most recent unanswered questions, newest first."""
        rows = await self._all(
            "SELECT * FROM unanswered_questions ORDER BY id DESC LIMIT ?", (limit,)
        )
        return [
            UnansweredQuestion(
                asked_at=datetime.fromisoformat(r["asked_at"]),
                lang=r["lang"],
                text=r["text"],
                outcome=r["outcome"],
                best_topic=r["best_topic"],
                score=r["score"],
            )
            for r in rows
        ]

    async def record_feedback(self, user_id: int, topic: str, helpful: bool, now: datetime) -> None:
        """Store a user's 👍/👎 on a topic's answer (a later vote replaces an earlier one)."""
        await self._write(
            "INSERT INTO faq_feedback (user_id, topic, helpful, voted_at) VALUES (?, ?, ?, ?)"
            " ON CONFLICT (user_id, topic) DO UPDATE SET helpful = excluded.helpful,"
            " voted_at = excluded.voted_at",
            (user_id, topic, int(helpful), now.isoformat()),
        )

    async def feedback_given(self, user_id: int) -> int:
        """How many answers the user rated."""
        row = await self._one("SELECT COUNT(*) FROM faq_feedback WHERE user_id = ?", (user_id,))
        return int(row[0]) if row else 0

    async def feedback_counts(self) -> dict[str, tuple[int, int]]:
        """Per topic: (👍 count, 👎 count)."""
        rows = await self._all(
            "SELECT topic, SUM(helpful), SUM(1 - helpful) FROM faq_feedback GROUP BY topic"
        )
        return {r[0]: (int(r[1]), int(r[2])) for r in rows}
