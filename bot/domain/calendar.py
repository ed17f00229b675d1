"""The census calendar: events, the access method in force and official contacts."""

import re
import tomllib
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from importlib import resources
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

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
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise CalendarError(f"cannot read {path}: {error.strerror}") from None
    except UnicodeDecodeError:
        raise CalendarError(f"{path} is not UTF-8 text; save it as UTF-8") from None
    except tomllib.TOMLDecodeError as error:
        raise CalendarError(f"{path} is not valid TOML: {error}") from None
    return parse_calendar(data, str(path))


def parse_calendar(data: dict[str, Any], source: str = "calendar") -> Calendar:
    """Build a Calendar from parsed TOML, checking every field."""

    def need(table: dict[str, Any], key: str, where: str) -> Any:
        if key not in table:
            raise CalendarError(f"{source}: {where} has no {key!r}")
        return table[key]

    access = need(data, "access", "the calendar")
    if access not in ACCESS_METHODS:
        raise CalendarError(f"{source}: access must be one of {', '.join(ACCESS_METHODS)}")
    try:
        zone = ZoneInfo(data.get("zone", "Asia/Jakarta"))
    except (KeyError, ValueError):
        raise CalendarError(f"{source}: unknown zone {data.get('zone')!r}") from None
    events = []
    for number, raw in enumerate(data.get("event", []), 1):
        where = f"event {number}"
        start, end = need(raw, "start", where), need(raw, "end", where)
        if not isinstance(start, datetime) or not isinstance(end, datetime):
            raise CalendarError(f"{source}: {where}: start and end must be date-times")
        if start.tzinfo is None or end.tzinfo is None:
            raise CalendarError(f"{source}: {where}: start and end need a UTC offset")
        if end < start:
            raise CalendarError(f"{source}: {where}: ends before it starts")
        kind = need(raw, "kind", where)
        if kind not in EVENT_KINDS:
            raise CalendarError(f"{source}: {where}: kind must be one of {', '.join(EVENT_KINDS)}")
        events.append(Event(need(raw, "id", where), kind, start, end, dict(raw.get("name", {}))))
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
    return Calendar(
        census=need(data, "census", "the calendar"),
        zone=zone,
        access=access,
        site=data.get("site", "https://sensus.bps.go.id"),
        contact={str(k): str(v) for k, v in data.get("contact", {}).items()},
        events=tuple(sorted(events, key=lambda e: e.start)),
        reminders=tuple(reminders),
    )
