"""What an outbox row carries: a typed reference to what it renders at send time, packed into
the row's ``content`` (and its dedupe key) and parsed back here, and nowhere else."""

from dataclasses import dataclass


@dataclass(frozen=True)
class _Numbered:
    id: int


@dataclass(frozen=True)
class Broadcast(_Numbered):
    """A staff broadcast, by id."""


@dataclass(frozen=True)
class Announcement(_Numbered):
    """An RT head's announcement for their groups, by id."""


@dataclass(frozen=True)
class CalendarChange(_Numbered):
    """The "schedule changed" notice of a calendar revision, by the revision's id."""


@dataclass(frozen=True)
class TicketReply(_Numbered):
    """A staff reply to a ticket, for the resident."""


@dataclass(frozen=True)
class Ticket(_Numbered):
    """A helpdesk ticket for the staff group; ``showing`` > 0 when it is shown again."""

    showing: int = 0


@dataclass(frozen=True)
class Reminder:
    """A calendar reminder, by its id in the calendar."""

    id: str


Content = Broadcast | Reminder | Announcement | CalendarChange | Ticket | TicketReply
PREFIXES: dict[type, str] = {
    Broadcast: "broadcast",
    Reminder: "reminder",
    Announcement: "announcement",
    CalendarChange: "calendar-change",
    Ticket: "ticket",
    TicketReply: "ticket-reply",
}
# The outbox's cause column: what statistics and retention count a row as.
CAUSES: dict[type, str] = PREFIXES | {Ticket: "helpdesk", TicketReply: "helpdesk"}


def pack(content: Content) -> str:
    """The row's content text, e.g. ``broadcast:12`` or ``ticket:7:2``."""
    prefix = PREFIXES[type(content)]
    if isinstance(content, Ticket) and content.showing:
        return f"{prefix}:{content.id}:{content.showing}"
    return f"{prefix}:{content.id}"


def cause(content: Content) -> str:
    """The outbox cause of a content reference."""
    return CAUSES[type(content)]


def parse(text: str) -> Content | None:
    """The content reference of a row; None for anything this bot did not write."""
    prefix, _, rest = text.partition(":")
    parts = rest.split(":")
    numbers = [int(p) for p in parts if p.isdigit()]
    numeric = len(numbers) == len(parts)
    if prefix == "reminder" and rest:
        return Reminder(rest)
    if not numeric or not numbers:
        return None
    if prefix == "ticket" and len(numbers) <= 2:
        return Ticket(*numbers)
    if len(numbers) != 1:
        return None
    single: dict[str, type[Broadcast | Announcement | CalendarChange | TicketReply]] = {
        "broadcast": Broadcast,
        "announcement": Announcement,
        "calendar-change": CalendarChange,
        "ticket-reply": TicketReply,
    }
    kind = single.get(prefix)
    return kind(numbers[0]) if kind else None
