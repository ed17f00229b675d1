"""How long the bot keeps what it no longer needs (defaults: one census season)."""

from dataclasses import dataclass
from datetime import timedelta


@dataclass(frozen=True)
class Retention:
    """Ages past which stored rows are pruned; see README "What is kept and for how long"."""

    unanswered: timedelta = timedelta(days=180)  # questions for staff to review, a season
    outbox: timedelta = timedelta(days=90)  # finished messages: broadcast figures, a phase
    drafts: timedelta = timedelta(days=14)  # unsent broadcast drafts and announcement previews
    invitations: timedelta = timedelta(days=30)  # RT invitations, counted from their expiry
    audit: timedelta = timedelta(days=365)  # role changes, beyond the season
    # update ids processed: Telegram re-delivers an unanswered update for 24 hours at most
    updates: timedelta = timedelta(days=1)
