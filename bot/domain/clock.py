"""The one source of "now" for the whole bot, so tests and demos can fix time."""

from dataclasses import dataclass
from datetime import UTC, datetime


class Clock:
    """The real time, always timezone-aware (UTC)."""

    def now(self) -> datetime:
        """Return the current moment."""
        return datetime.now(UTC)


@dataclass
class FixedClock(Clock):
    """A clock stopped at one moment (tests move it by setting ``moment``)."""

    moment: datetime

    def now(self) -> datetime:
        """Return the fixed moment."""
        return self.moment


def clock_at(moment: datetime | None) -> Clock:
    """The bot's clock: stopped at ``moment`` (SENSUS_NOW, --now) when given, else real."""
    return FixedClock(moment) if moment else Clock()
