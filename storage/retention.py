"""Pruning what is older than the retention policy allows."""

from datetime import UTC, datetime, timedelta
from typing import Any

from bot.domain.retention import Retention
from storage.queries import SqlAccess


class RetentionStore(SqlAccess):
    """Pruning what is older than the retention policy allows (part of Repository)."""

    async def prune(self, now: datetime, keep: Retention) -> dict[str, int]:
        """Delete what is older than ``keep`` allows and no longer needed; counts by kind.

        Never pruned: unsent messages, the finished rows of a broadcast or announcement that
        still has unsent ones (its figures count them), reminders whose event is not over
        (so they are never planned and sent again), and calendar notices (their rows are
        what keeps a revision from being announced twice).
        """

        def before(age: timedelta) -> str:
            return (now - age).isoformat()

        def older(column: str) -> str:
            """``column`` (an ISO 8601 text) is an earlier moment than the parameter."""
            return f"{self._engine.instant(column)} < {self._engine.instant('?')}"

        outbox_cutoff = (now - keep.outbox).timestamp()
        pruned = {}
        async with self._transaction() as db:
            statements: dict[str, tuple[str, list[Any]]] = {
                "unanswered questions": (
                    f"DELETE FROM unanswered_questions WHERE {older('asked_at')}",
                    [before(keep.unanswered)],
                ),
                "outbox messages": (
                    "DELETE FROM outbox WHERE status IN"
                    " ('sent', 'failed', 'blocked', 'dropped', 'cancelled')"
                    " AND COALESCE(sent_at, not_before) < ?"
                    " AND (cause IN ('broadcast', 'announcement') OR expires_at < ?)"
                    " AND dedupe_key NOT IN (SELECT dedupe_key FROM outbox"
                    "  WHERE status IN ('pending', 'sending', 'paused'))",
                    [outbox_cutoff, now.timestamp()],
                ),
                "broadcast texts": (
                    "DELETE FROM broadcast_texts WHERE broadcast_id IN (SELECT id FROM broadcasts"
                    f" WHERE status = 'draft' AND {older('created_at')})",
                    [before(keep.drafts)],
                ),
                "broadcast drafts": (
                    f"DELETE FROM broadcasts WHERE status = 'draft' AND {older('created_at')}",
                    [before(keep.drafts)],
                ),
                "announcement previews": (
                    f"DELETE FROM announcements WHERE {older('created_at')}"
                    " AND NOT EXISTS (SELECT 1 FROM outbox"
                    "  WHERE dedupe_key = 'announcement:' || announcements.id)",
                    [before(keep.drafts)],
                ),
                "RT invitations": (
                    f"DELETE FROM rt_invitations WHERE {older('expires_at')}",
                    [before(keep.invitations)],
                ),
                "processed update ids": (
                    "DELETE FROM processed_updates WHERE processed_at < ?",
                    [(now - keep.updates).astimezone(UTC).isoformat()],
                ),
                "audit rows": (
                    f"DELETE FROM role_audit WHERE {older('at')}",
                    [before(keep.audit)],
                ),
            }
            for kind, (sql, params) in statements.items():
                pruned[kind] = await db.write(sql, params)
        return pruned
