"""Where the census stands at a moment: each event's phase, and texts chosen by phase."""

import html
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from babel.dates import format_timedelta
from babel.numbers import format_decimal

from bot.domain.calendar import Calendar, Event

State = Literal["before", "open", "closed"]
STATES: tuple[State, ...] = ("before", "open", "closed")
# What takes over when an event closes: after the token window the online census, after
# the online census the field visits, after the field visits the results.
SUCCESSOR_KIND = {"token": "online", "online": "field", "field": "results"}


@dataclass(frozen=True)
class Phase:
    """An event's state at one moment: not yet, open (with time left), or closed."""

    event: Event
    state: State
    days_left: int | None  # open: calendar days left, today included
    replaced_by: Event | None  # closed: the event that took over, if the calendar has one


def phase_of(calendar: Calendar, event: Event, now: datetime) -> Phase:
    """The phase of one event of ``calendar`` at ``now``."""
    if now < event.start:
        return Phase(event, "before", None, None)
    if now <= event.end:
        today = now.astimezone(calendar.zone).date()
        days = (event.end.astimezone(calendar.zone).date() - today).days + 1
        return Phase(event, "open", days, None)
    kind = SUCCESSOR_KIND.get(event.kind)
    successor = next((e for e in calendar.events if e.kind == kind), None) if kind else None
    return Phase(event, "closed", None, successor)


def phases(calendar: Calendar, now: datetime) -> dict[str, Phase]:
    """Every event's phase at ``now``, by event id."""
    return {event.id: phase_of(calendar, event, now) for event in calendar.events}


def variant_moment(calendar: Calendar, key: str) -> datetime | None:
    """When a phase key (``online.open``) starts to apply; None when the calendar lacks it.

    ``E.before`` applies from the beginning of time, ``E.open`` from E's start,
    ``E.closed`` from E's end.
    """
    event_id, _, state = key.partition(".")
    event = calendar.event(event_id)
    if event is None:
        return None
    if state == "before":
        return datetime.min.replace(tzinfo=event.start.tzinfo)
    return event.start if state == "open" else event.end


def pick_by_phase(texts: Mapping[str, str], calendar: Calendar, now: datetime) -> str | None:
    """Of texts keyed by phase, the one whose moment came last; None when none applies yet."""
    best: tuple[datetime, str] | None = None
    for key, text in texts.items():
        moment = variant_moment(calendar, key)
        if moment is not None and moment <= now and (best is None or moment > best[0]):
            best = (moment, text)
    return best[1] if best else None


def is_phase_key(key: str) -> bool:
    """Whether a variant key names an event's phase (``online.closed``)."""
    event_id, dot, state = key.partition(".")
    return bool(event_id) and dot == "." and state in STATES


# How the schedule marks an event: over, happening now, still to come.
STATE_MARKS = {"closed": "✅", "open": "▶️", "before": "▫️"}


def phase_values(
    calendar: Calendar, lang: str, locale: str, now: datetime, dates: Mapping[str, str]
) -> dict[str, str]:
    """Placeholder values that depend on the moment: days left of open events, the
    schedule with each event's state, and figures once they are published (HTML-escaped)."""
    values = {}
    lines = []
    for event_id, phase in phases(calendar, now).items():
        event = phase.event
        if phase.days_left is not None:
            left = format_timedelta(
                timedelta(days=phase.days_left), granularity="day", threshold=1000, locale=locale
            )
            values[f"{event_id}_left"] = left
        if phase.state != "before":  # figures are published with their event
            for name, number in event.figures.items():
                values[f"{event_id}_{name}"] = format_decimal(number, locale=locale)
        name = html.escape(event.name(lang), quote=False)
        lines.append(f"{STATE_MARKS[phase.state]} {name}: {dates[f'{event_id}_dates']}")
    values["schedule"] = "\n".join(lines)
    return values


def phase_value_names(calendar: Calendar) -> set[str]:
    """Every placeholder phase_values() can give for this calendar (at some moment)."""
    names = {"schedule"}
    for event in calendar.events:
        names.add(f"{event.id}_left")
        names |= {f"{event.id}_{name}" for name in event.figures}
    return names
