"""The inbox: unanswered questions waiting for a staff decision, and the reviewed examples
those decisions make."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from storage.queries import SqlAccess
from storage.updates import REVIEWED_EXAMPLES, bump_marker

SKIP = "skip"


@dataclass(frozen=True)
class PendingQuestion:
    """An unanswered question (masked) no one has decided on yet."""

    id: int
    asked_at: datetime
    lang: str
    text: str
    outcome: str  # clarify | fallback
    best_topic: str | None


@dataclass(frozen=True)
class ReviewedExample:
    """A question staff assigned to a label, with who and when."""

    id: int
    lang: str
    question: str
    topic: str
    reviewed_by: int
    reviewed_at: datetime


class InboxStore(SqlAccess):
    """Inbox decisions and reviewed examples (part of Repository)."""

    async def pending_questions(self, limit: int = 200) -> list[PendingQuestion]:
        """Undecided unanswered questions, newest first."""
        rows = await self._all(
            "SELECT id, asked_at, lang, text, outcome, best_topic FROM unanswered_questions"
            " WHERE decision IS NULL ORDER BY id DESC LIMIT ?",
            (limit,),
        )
        return [
            PendingQuestion(r[0], datetime.fromisoformat(r[1]), r[2], r[3], r[4], r[5])
            for r in rows
        ]

    async def decide(self, ids: Iterable[int], decision: str, actor: int, now: datetime) -> int:
        """Record a decision on undecided questions; any label but SKIP also stores each
        distinct text as a reviewed example in its language. How many questions it decided
        (0: someone decided them first)."""
        wanted = list(ids)
        marks = ",".join("?" * len(wanted))
        async with self._transaction() as db:
            rows = list(
                await db.all(
                    "UPDATE unanswered_questions SET decision = ?, decided_by = ?, decided_at = ?"
                    f" WHERE decision IS NULL AND id IN ({marks}) RETURNING lang, text",
                    (decision, actor, now.isoformat(), *wanted),
                )
            )
            if decision != SKIP:
                await db.write_many(
                    "INSERT INTO reviewed_examples (lang, question, topic, reviewed_by,"
                    " reviewed_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (lang, question) DO UPDATE"
                    " SET topic = excluded.topic, reviewed_by = excluded.reviewed_by,"
                    " reviewed_at = excluded.reviewed_at",
                    [(lang, text, decision, actor, now.isoformat()) for lang, text in set(rows)],
                )
                await bump_marker(db, REVIEWED_EXAMPLES)
        return len(rows)

    async def reviewed_examples(self) -> list[ReviewedExample]:
        """Every reviewed example, by language then id (one order: one model)."""
        rows = await self._all(
            "SELECT id, lang, question, topic, reviewed_by, reviewed_at FROM reviewed_examples"
            " ORDER BY lang, id"
        )
        return [
            ReviewedExample(r[0], r[1], r[2], r[3], r[4], datetime.fromisoformat(r[5]))
            for r in rows
        ]

    async def missed_topics(self, since_day: str, limit: int = 3) -> list[tuple[str, int]]:
        """The best guesses of questions not answered confidently since a day, most first."""
        rows = await self._all(
            "SELECT topic, COUNT(*) AS n FROM faq_outcomes WHERE day >= ?"
            " AND outcome IN ('clarify', 'fallback') AND topic IS NOT NULL"
            " GROUP BY topic ORDER BY n DESC, topic LIMIT ?",
            (since_day, limit),
        )
        return [(row[0], int(row[1])) for row in rows]
