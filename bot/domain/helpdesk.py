"""Helpdesk tickets, pure parts: what of a question may leave, office hours, ticket numbers."""

import re
from datetime import datetime, time, timedelta, tzinfo

from bot.domain.identity import BULLETS, contains_secret, find_number

MAX_QUESTION = 2000  # the group message keeps room for its heading within Telegram's 4096
# Six or more digits, possibly grouped ("0812 3456 7890"): phone, NIK or KK parts never leave.
_LONG_DIGITS = re.compile(r"(?<!\d)\d(?:[ .\-]?\d){5,}(?!\d)")
# Every helpdesk group message starts like this; a staff reply to it names its ticket.
TICKET_MARK = "🎫"
_TICKET_HEADING = re.compile(rf"^{TICKET_MARK} #(\d+)\b")
WORKDAYS = range(5)  # Monday to Friday


def ticket_question(text: str) -> str | None:
    """The question as it may be kept and shown to staff, or None when it holds an identity
    number or a secret (the privacy guard stops those first; this is the last line)."""
    if find_number(text) is not None or contains_secret(text):
        return None
    return _LONG_DIGITS.sub(BULLETS, text.strip())


def ticket_heading(ticket_id: int) -> str:
    """The start of every helpdesk message about a ticket."""
    return f"{TICKET_MARK} #{ticket_id}"


def ticket_of(text: str | None) -> int | None:
    """The ticket a helpdesk group message is about."""
    found = _TICKET_HEADING.match(text or "")
    return int(found.group(1)) if found else None


def next_opening(now: datetime, hours: tuple[time, time], zone: tzinfo) -> datetime | None:
    """When the office next opens, or None while it is open (weekdays, ``hours`` in ``zone``)."""
    local = now.astimezone(zone)
    start, end = hours
    if local.weekday() in WORKDAYS and start <= local.time() < end:
        return None
    day = local.date() if local.time() < start else local.date() + timedelta(days=1)
    while day.weekday() not in WORKDAYS:
        day += timedelta(days=1)
    return datetime.combine(day, start, tzinfo=zone)


def next_showing(
    now: datetime, after: timedelta, hours: tuple[time, time], zone: tzinfo
) -> datetime:
    """When an unanswered ticket is shown again: ``after`` from now, in office hours."""
    due = now + after
    return next_opening(due, hours, zone) or due
