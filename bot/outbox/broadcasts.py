"""Staff broadcasts: drafts, queueing for an audience, and one way to count their progress
(for the Telegram progress message, /siaran_status and the CLI)."""

import html
import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from bot.domain.audience import Audience
from bot.domain.broadcasts import WAITING
from bot.i18n import N_, Translator
from storage import Repository
from storage.repository import Broadcast

MAX_TEXT = 3500  # characters a broadcast text may have, leaving room for heading and footer
HEADING = N_("📣 Info Sensus Penduduk 2020")


async def create_broadcast(
    repo: Repository,
    author: str,
    texts: Mapping[str, str],
    audience: Audience,
    at: datetime,
    now: datetime,
) -> int:
    """Store a broadcast from plain texts per language (escaped here for Telegram's HTML)."""
    escaped = {lang: html.escape(text) for lang, text in texts.items()}
    return await repo.create_broadcast(author, escaped, str(audience), at.timestamp(), now)


async def count_recipients(repo: Repository, audience: Audience) -> int:
    """How many would receive a broadcast to ``audience`` now."""
    return await repo.count_audience(audience)


async def queue_broadcast(repo: Repository, broadcast_id: int, audience: Audience) -> int:
    """Queue a broadcast once for every recipient (no opted-out or blocked people)."""
    return await repo.queue_broadcast(broadcast_id, audience)


@dataclass(frozen=True)
class BroadcastProgress:
    """Where a broadcast stands, from its outbox figures."""

    id: int
    phase: str
    sent: int
    failed: int
    blocked: int
    left: int  # not sent yet: pending, being sent, or paused
    total: int

    @classmethod
    def of(cls, broadcast: Broadcast) -> "BroadcastProgress":
        """The progress of a stored broadcast."""
        f = broadcast.figures
        return cls(
            id=broadcast.id,
            phase=broadcast.phase,
            sent=f.get("sent", 0),
            failed=f.get("failed", 0) + f.get("dropped", 0),
            blocked=f.get("blocked", 0),
            left=sum(f.get(status, 0) for status in WAITING),
            total=sum(f.values()),
        )

    @property
    def done(self) -> int:
        """Messages whose outcome is known (sent, failed, blocked, cancelled, expired)."""
        return self.total - self.left

    @property
    def over(self) -> bool:
        """Whether nothing more will be sent."""
        return self.phase in ("finished", "cancelled")

    def minutes_left(self, rate: float) -> int:
        """Roughly how long the rest takes at ``rate`` messages a second."""
        return math.ceil(self.left / rate / 60)

    def figures(self, t: Translator) -> str:
        """ "terkirim 120 · gagal 1 · diblokir 3 · sisa 876"."""
        return t._("terkirim {sent} · gagal {failed} · diblokir {blocked} · sisa {left}").format(
            sent=self.sent, failed=self.failed, blocked=self.blocked, left=self.left
        )
