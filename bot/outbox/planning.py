"""Reminder planning and calendar revisions, on the repository (no Telegram here)."""

from dataclasses import dataclass
from datetime import datetime, time
from zoneinfo import ZoneInfo

from bot.domain.calendar import Calendar, calendar_from_text
from bot.domain.reminders import occurrences, send_time
from bot.outbox.content import Reminder, pack
from storage import Repository

# Every zone a user can have (from their region), and None: users without a region.
USER_ZONES = ("Asia/Jakarta", "Asia/Makassar", "Asia/Jayapura")


@dataclass(frozen=True)
class PlanReport:
    """What a planning run did."""

    planned: int
    cancelled: int


async def plan_reminders(
    repo: Repository,
    calendar: Calendar,
    now: datetime,
    quiet: tuple[time, time] | None,
    default_zone: ZoneInfo,
    user_id: int | None = None,
) -> PlanReport:
    """Queue every upcoming reminder for every subscriber (or one user), set-based.

    Occurrences the calendar no longer has are cancelled if still pending; sent ones stay
    sent; occurrences already queued are not queued twice, withdrawn ones (an opt-out, a
    switched-off group) are queued again.
    """
    found = occurrences(calendar)
    cancelled = await repo.cancel_reminders_except({o.key for o in found}, user_id)
    planned = 0
    for occurrence in found:
        by_zone: dict[str | None, float] = {}
        for zone_name in (*USER_ZONES, None):
            zone = ZoneInfo(zone_name) if zone_name else default_zone
            moment = send_time(occurrence, zone, quiet, now)
            if moment is not None:
                by_zone[zone_name] = moment.timestamp()
        if by_zone:
            planned += await repo.plan(
                occurrence.key,
                pack(Reminder(occurrence.reminder.id)),
                occurrence.reminder.group,
                by_zone,
                occurrence.expires.timestamp(),
                user_id,
            )
    return PlanReport(planned, cancelled)


async def active_calendar(repo: Repository, configured: Calendar) -> tuple[Calendar, int | None]:
    """The calendar staff applied last, else the configured one; with its revision id."""
    revision = await repo.active_calendar_revision()
    if revision is None:
        return configured, None
    return calendar_from_text(revision.body, revision.source), revision.id


@dataclass(frozen=True)
class Change:
    """One difference between two calendars, for staff to read before applying."""

    what: str  # event-moved | event-added | event-removed | access
    subject: str
    before: str = ""
    after: str = ""


def calendar_changes(old: Calendar, new: Calendar) -> list[Change]:
    """What a revision changes: events moved, added, removed, and the access method."""
    changes = []
    if old.access != new.access:
        changes.append(Change("access", "access", old.access, new.access))
    for event in new.events:
        before = old.event(event.id)
        if before is None:
            changes.append(Change("event-added", event.id, after=_span(event.start, event.end)))
        elif (before.start, before.end) != (event.start, event.end):
            changes.append(
                Change(
                    "event-moved",
                    event.id,
                    _span(before.start, before.end),
                    _span(event.start, event.end),
                )
            )
    for event in old.events:
        if new.event(event.id) is None:
            changes.append(Change("event-removed", event.id, before=_span(event.start, event.end)))
    return changes


def _span(start: datetime, end: datetime) -> str:
    return f"{start:%Y-%m-%d %H:%M} – {end:%Y-%m-%d %H:%M}"


@dataclass(frozen=True)
class Applied:
    """The outcome of applying a revised calendar."""

    revision_id: int
    changes: list[Change]
    report: PlanReport


async def apply_revision(
    repo: Repository,
    current: Calendar,
    revised: Calendar,
    body: str,
    source: str,
    created_by: str,
    now: datetime,
    quiet: tuple[time, time] | None,
    default_zone: ZoneInfo,
    revision_id: int | None = None,
) -> Applied:
    """Put a revised calendar in force and re-plan every pending reminder."""
    if revision_id is None:
        revision_id = await repo.add_calendar_revision(source, body, created_by, now, applied=True)
    else:
        await repo.apply_calendar_revision(revision_id, now)
    report = await plan_reminders(repo, revised, now, quiet, default_zone)
    return Applied(revision_id, calendar_changes(current, revised), report)
