"""The census calendar: events, the access method in force and official contacts."""

import html
import re
import string
import tomllib
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from importlib import resources
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_time

ACCESS_METHODS = ("nik+token", "nik+kk+password")
EVENT_KINDS = ("token", "online", "field", "results", "other")
# What residents subscribe to: the token, the opening, "closing soon", the field visit.
REMINDER_GROUPS = ("token", "opening", "closing", "field")
_OFFSET = re.compile(r"([+-]?)((?:\d+[dhm])+)")
_OFFSET_PART = re.compile(r"(\d+)([dhm])")
_UNITS = {"m": "minutes", "h": "hours", "d": "days"}
# Indonesia's three zones go by these names in every language the bot speaks.
ZONE_NAMES = {"Asia/Jakarta": "WIB", "Asia/Pontianak": "WIB", "Asia/Makassar": "WITA",
              "Asia/Jayapura": "WIT"}  # fmt: skip


class CalendarError(ValueError):
    """A calendar file that cannot be used; the message says where and why."""


@dataclass(frozen=True)
class Event:
    """One phase of the census, with its official start and end."""

    id: str
    kind: str
    start: datetime
    end: datetime
    names: dict[str, str] = field(default_factory=dict)
    # Figures published with the event (results), shown only once it has started.
    figures: dict[str, float] = field(default_factory=dict)

    def name(self, lang: str) -> str:
        """The event's name in a language, falling back to Indonesian, then to its id."""
        return self.names.get(lang) or self.names.get("id") or self.id


@dataclass(frozen=True)
class Reminder:
    """A message sent at a moment relative to an event's start or end."""

    id: str
    event: str
    at: str  # "start" | "end"
    offset: timedelta
    group: str
    texts: dict[str, str]

    def text(self, lang: str) -> str:
        """The reminder's text in a language, falling back to Indonesian."""
        return self.texts.get(lang) or self.texts["id"]


@dataclass(frozen=True)
class Calendar:
    """A census calendar as loaded from TOML."""

    census: str
    zone: ZoneInfo
    access: str
    site: str
    contact: dict[str, str]
    events: tuple[Event, ...]
    reminders: tuple[Reminder, ...] = ()

    def event(self, event_id: str) -> Event | None:
        """The event with this id, if the calendar has it."""
        return next((e for e in self.events if e.id == event_id), None)

    def reminder(self, reminder_id: str) -> Reminder | None:
        """The reminder with this id, if the calendar has it."""
        return next((r for r in self.reminders if r.id == reminder_id), None)

    def due(self, reminder: Reminder) -> datetime:
        """When a reminder is due (before quiet hours are taken into account)."""
        event = self.event(reminder.event)
        assert event is not None
        return (event.start if reminder.at == "start" else event.end) + reminder.offset


def official_day(moment: datetime, calendar: Calendar) -> datetime:
    """The moment in the zone the calendar's official dates are given in."""
    return moment.astimezone(calendar.zone)


def date_span(event: Event, calendar: Calendar, locale: str, pattern: str) -> str:
    """ "1 Juli 2020 s.d. 31 Juli 2020", or one date for a one-day event.

    Dates are the official ones, in the calendar's zone: an end at 23:59 WIB is that day's
    date for everyone, although it is already 00:59 the next day in WITA; texts that
    name the closing hour add it in the reader's own zone.
    """
    start = format_date(official_day(event.start, calendar), "long", locale=locale)
    end = format_date(official_day(event.end, calendar), "long", locale=locale)
    return start if start == end else pattern.format(start=start, end=end)


def calendar_values(
    calendar: Calendar, locale: str, zone: ZoneInfo, span_pattern: str
) -> dict[str, str]:
    """Placeholder values from the calendar that do not change with time, for a language's
    CLDR locale and the reader's zone; ``span_pattern`` joins two dates ("{start} s.d. {end}").
    Escaped for Telegram's HTML (every text they go into is HTML)."""

    def clock(moment: datetime, in_zone: ZoneInfo) -> str:
        time = format_time(moment.astimezone(in_zone), "short", locale=locale)
        return f"{time} {zone_name(in_zone)}"

    site = calendar.site.removeprefix("https://").removeprefix("http://").rstrip("/")
    values = {"site": site}
    values.update({f"contact_{key}": value for key, value in calendar.contact.items()})
    for event in calendar.events:
        values[f"{event.id}_start"] = format_date(
            official_day(event.start, calendar), "long", locale=locale
        )
        values[f"{event.id}_end"] = format_date(
            official_day(event.end, calendar), "long", locale=locale
        )
        values[f"{event.id}_dates"] = date_span(event, calendar, locale, span_pattern)
        values[f"{event.id}_end_time"] = clock(event.end, calendar.zone)
        local_end = event.end.astimezone(zone)
        values[f"{event.id}_end_local"] = (
            f"{format_date(local_end, 'long', locale=locale)} {clock(event.end, zone)}"
        )
    return {name: html.escape(value, quote=False) for name, value in values.items()}


def parse_offset(value: str) -> timedelta:
    """``"-7d"``, ``"-2h"``, ``"0m"``, ``"-1d12h"``: negative is before."""
    match = _OFFSET.fullmatch(value.strip())
    if not match:
        raise ValueError(f"offset must look like -7d, -2h, 30m or -1d12h, not {value!r}")
    sign, parts = match.groups()
    delta = sum(
        (timedelta(**{_UNITS[unit]: int(amount)}) for amount, unit in _OFFSET_PART.findall(parts)),
        timedelta(),
    )
    return -delta if sign == "-" else delta


_MOMENT_FORMATS = ("%Y-%m-%d %H:%M", "%d-%m-%Y %H:%M", "%d/%m/%Y %H:%M")


def parse_send_time(text: str, now: datetime, zone: ZoneInfo) -> datetime | None:
    """A future moment typed by staff ("2020-09-01 08:00", "1/9/2020 08.00" or "08:00" = next
    such time) in ``zone``; None if unreadable or not in the future."""
    cleaned = re.sub(r"(\d{1,2})\.(\d{2})$", r"\1:\2", " ".join(text.split()))
    local_now = now.astimezone(zone)
    moment: datetime | None = None
    for fmt in _MOMENT_FORMATS:
        try:
            moment = datetime.strptime(cleaned, fmt).replace(tzinfo=zone)
            break
        except ValueError:
            continue
    if moment is None:
        try:
            clock = datetime.strptime(cleaned, "%H:%M")
        except ValueError:
            return None
        moment = local_now.replace(hour=clock.hour, minute=clock.minute, second=0, microsecond=0)
        if moment <= local_now:
            moment += timedelta(days=1)
    return moment if moment > now else None


def zone_name(zone: ZoneInfo) -> str:
    """WIB/WITA/WIT for Indonesian zones, the IANA name otherwise."""
    return ZONE_NAMES.get(zone.key, zone.key)


def shipped_calendar_path(name: str) -> Path:
    """The path of a calendar shipped with the bot (``sp2020``, ``sp2020-revisi``)."""
    return Path(str(resources.files("bot.calendars").joinpath(f"{name}.toml")))


def shipped_calendars() -> list[str]:
    """Names of the calendars shipped with the bot."""
    folder = resources.files("bot.calendars")
    return sorted(
        e.name.removesuffix(".toml") for e in folder.iterdir() if e.name.endswith(".toml")
    )


def load_calendar(path: Path) -> Calendar:
    """Read and check a calendar file."""
    try:
        body = path.read_text(encoding="utf-8")
    except OSError as error:
        raise CalendarError(f"cannot read {path}: {error.strerror}") from None
    except UnicodeDecodeError:
        raise CalendarError(f"{path} is not UTF-8 text; save it as UTF-8") from None
    return calendar_from_text(body, str(path))


def calendar_from_text(body: str, source: str) -> Calendar:
    """Parse and check a calendar given as TOML text (a file, an upload, a stored revision)."""
    try:
        data = tomllib.loads(body)
    except tomllib.TOMLDecodeError as error:
        raise CalendarError(f"{source} is not valid TOML: {error}") from None
    return parse_calendar(data, source)


def parse_calendar(data: dict[str, Any], source: str = "calendar") -> Calendar:
    """Build a Calendar from parsed TOML, checking every field."""

    def need(table: dict[str, Any], key: str, where: str) -> Any:
        return _need(table, key, where, source)

    access = need(data, "access", "the calendar")
    if access not in ACCESS_METHODS:
        raise CalendarError(f"{source}: access must be one of {', '.join(ACCESS_METHODS)}")
    try:
        zone = ZoneInfo(data.get("zone", "Asia/Jakarta"))
    except (KeyError, ValueError):
        raise CalendarError(f"{source}: unknown zone {data.get('zone')!r}") from None
    events = [
        _parse_event(raw, f"event {number}", source)
        for number, raw in enumerate(data.get("event", []), 1)
    ]
    ids = [e.id for e in events]
    if len(set(ids)) != len(ids):
        raise CalendarError(f"{source}: event ids must be unique")
    reminders = []
    for number, raw in enumerate(data.get("reminder", []), 1):
        where = f"reminder {number}"
        event_id = need(raw, "event", where)
        if event_id not in ids:
            raise CalendarError(f"{source}: {where}: no event {event_id!r}")
        if raw.get("at", "start") not in ("start", "end"):
            raise CalendarError(f"{source}: {where}: at must be start or end")
        group = need(raw, "group", where)
        if group not in REMINDER_GROUPS:
            raise CalendarError(
                f"{source}: {where}: group must be one of {', '.join(REMINDER_GROUPS)}"
            )
        texts = dict(need(raw, "text", where))
        if "id" not in texts:
            raise CalendarError(f"{source}: {where}: needs an Indonesian text (text.id)")
        try:
            offset = parse_offset(str(raw.get("offset", "0m")))
        except ValueError as error:
            raise CalendarError(f"{source}: {where}: {error}") from None
        reminders.append(
            Reminder(need(raw, "id", where), event_id, raw.get("at", "start"), offset, group, texts)
        )
    if len({r.id for r in reminders}) != len(reminders):
        raise CalendarError(f"{source}: reminder ids must be unique")
    calendar = Calendar(
        census=need(data, "census", "the calendar"),
        zone=zone,
        access=access,
        site=data.get("site", "https://sensus.bps.go.id"),
        contact={str(k): str(v) for k, v in data.get("contact", {}).items()},
        events=tuple(sorted(events, key=lambda e: e.start)),
        reminders=tuple(reminders),
    )
    check_placeholders(calendar, source)
    return calendar


def _need(table: dict[str, Any], key: str, where: str, source: str) -> Any:
    if key not in table:
        raise CalendarError(f"{source}: {where} has no {key!r}")
    return table[key]


def _parse_event(raw: dict[str, Any], where: str, source: str) -> Event:
    start, end = _need(raw, "start", where, source), _need(raw, "end", where, source)
    if not isinstance(start, datetime) or not isinstance(end, datetime):
        raise CalendarError(f"{source}: {where}: start and end must be date-times")
    if start.tzinfo is None or end.tzinfo is None:
        raise CalendarError(f"{source}: {where}: start and end need a UTC offset")
    if end < start:
        raise CalendarError(f"{source}: {where}: ends before it starts")
    kind = _need(raw, "kind", where, source)
    if kind not in EVENT_KINDS:
        raise CalendarError(f"{source}: {where}: kind must be one of {', '.join(EVENT_KINDS)}")
    figures = raw.get("figures", {})
    if not isinstance(figures, dict) or not all(
        isinstance(v, int | float) and not isinstance(v, bool) for v in figures.values()
    ):
        raise CalendarError(f"{source}: {where}: figures must be a table of numbers")
    event_id = _need(raw, "id", where, source)
    return Event(event_id, kind, start, end, dict(raw.get("name", {})), figures)


def check_placeholders(calendar: Calendar, source: str) -> None:
    """Every {placeholder} in a reminder text is a calendar value; else CalendarError naming
    it (an unknown one would fail each time the reminder is rendered)."""
    # Imported here: phases builds on this module.
    from bot.domain.phases import phase_value_names  # noqa: PLC0415

    known = set(calendar_values(calendar, "id", calendar.zone, "{start} – {end}"))
    known |= phase_value_names(calendar)
    for reminder in calendar.reminders:
        for lang, text in reminder.texts.items():
            where = f"{source}: reminder {reminder.id} (text.{lang})"
            try:
                names = [
                    name for _, name, _, _ in string.Formatter().parse(text) if name is not None
                ]
            except ValueError as error:
                raise CalendarError(f"{where}: {error} (write {{{{ and }}}} for braces)") from None
            for name in names:
                if name not in known:
                    raise CalendarError(f"{where}: unknown placeholder {{{name}}}")
