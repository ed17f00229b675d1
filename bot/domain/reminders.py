"""When each reminder goes out: due times, quiet hours, relevance, and its text."""

import html
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.domain.calendar import Calendar, Reminder

CAUSE = "reminder"


@dataclass(frozen=True)
class Occurrence:
    """One reminder at one due time: the unit that is sent at most once per person."""

    reminder: Reminder
    due: datetime
    expires: datetime  # after this the reminder is no longer relevant: dropped, never late

    @property
    def key(self) -> str:
        """The idempotency key: a reminder whose date moves is a new occurrence."""
        return f"{CAUSE}:{self.reminder.id}:{self.due.astimezone(UTC):%Y%m%dT%H%M}"


def occurrences(calendar: Calendar) -> list[Occurrence]:
    """Every reminder of the calendar with its due time and expiry (its event's end)."""
    found = []
    for reminder in calendar.reminders:
        event = calendar.event(reminder.event)
        assert event is not None
        found.append(Occurrence(reminder, calendar.due(reminder), event.end))
    return found


def outside_quiet_hours(
    moment: datetime, zone: ZoneInfo, quiet: tuple[time, time] | None
) -> datetime:
    """The moment itself, or the end of the quiet period it falls in (in ``zone``)."""
    if quiet is None:
        return moment
    start, end = quiet
    local = moment.astimezone(zone)
    clock = local.time().replace(tzinfo=None)
    spans_midnight = start > end
    inside = (clock >= start or clock < end) if spans_midnight else (start <= clock < end)
    if not inside:
        return moment
    wake = datetime.combine(local.date(), end, tzinfo=zone)
    if wake <= local:
        wake += timedelta(days=1)
    return wake.astimezone(UTC)


def send_time(
    occurrence: Occurrence, zone: ZoneInfo, quiet: tuple[time, time] | None, now: datetime
) -> datetime | None:
    """When to send to someone in ``zone``; None when it is past or no longer relevant."""
    moment = outside_quiet_hours(occurrence.due, zone, quiet)
    if moment < now or moment >= occurrence.expires:
        return None
    return moment


def reminder_text(reminder: Reminder, lang: str, values: Mapping[str, str], footer: str) -> str:
    """The reminder in a language, dates filled from the calendar, with the opt-out hint."""
    text = html.escape(reminder.text(lang), quote=False)  # staff write calendars as plain text
    return f"🔔 {text.format_map(values)}\n\n{footer}"
