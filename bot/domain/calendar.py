"""The census calendar: events, the access method in force and official contacts."""

import tomllib
from dataclasses import dataclass, field
from datetime import datetime
from importlib import resources
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

ACCESS_METHODS = ("nik+token", "nik+kk+password")
EVENT_KINDS = ("token", "online", "field", "results", "other")
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
class Calendar:
    """A census calendar as loaded from TOML."""

    census: str
    zone: ZoneInfo
    access: str
    site: str
    contact: dict[str, str]
    events: tuple[Event, ...]

    def event(self, event_id: str) -> Event | None:
        """The event with this id, if the calendar has it."""
        return next((e for e in self.events if e.id == event_id), None)


def zone_name(zone: ZoneInfo) -> str:
    """WIB/WITA/WIT for Indonesian zones, the IANA name otherwise."""
    return ZONE_NAMES.get(zone.key, zone.key)


def shipped_calendar_path(name: str) -> Path:
    """The path of a calendar shipped with the bot (``sp2020``, ``sp2020-revisi``)."""
    return Path(str(resources.files("bot.calendars").joinpath(f"{name}.toml")))


def load_calendar(path: Path) -> Calendar:
    """Read and check a calendar file."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise CalendarError(f"cannot read {path}: {error.strerror}") from None
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
    return Calendar(
        census=need(data, "census", "the calendar"),
        zone=zone,
        access=access,
        site=data.get("site", "https://sensus.bps.go.id"),
        contact={str(k): str(v) for k, v in data.get("contact", {}).items()},
        events=tuple(sorted(events, key=lambda e: e.start)),
    )
