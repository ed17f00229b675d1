"""Calendar reminders: offsets, quiet hours, relevance, planning and revisions on SQLite."""

from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bot.domain.calendar import (
    CalendarError,
    load_calendar,
    parse_calendar,
    parse_offset,
    shipped_calendar_path,
)
from bot.domain.reminders import occurrences, outside_quiet_hours, send_time
from bot.outbox.planning import apply_revision, plan_reminders
from storage import Repository

WITA, WIB, WIT = ZoneInfo("Asia/Makassar"), ZoneInfo("Asia/Jakarta"), ZoneInfo("Asia/Jayapura")
QUIET = (time(21), time(7))
ANNOUNCED = load_calendar(shipped_calendar_path("sp2020"))
REVISED = load_calendar(shipped_calendar_path("sp2020-revisi"))
DECEMBER = datetime(2019, 12, 1, tzinfo=UTC)


def at(text: str, zone: ZoneInfo = WITA) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=zone)


@pytest.mark.parametrize(
    ("text", "delta"),
    [
        ("-7d", timedelta(days=-7)),
        ("-2h", timedelta(hours=-2)),
        ("0m", timedelta()),
        ("30m", timedelta(minutes=30)),
        ("-1d12h", timedelta(days=-1, hours=-12)),
    ],
)
def test_offsets(text, delta):
    assert parse_offset(text) == delta


def online_calendar(reminder: dict[str, Any]) -> dict[str, Any]:
    """Calendar data with one online phase (15 Feb - 31 Mar 2020) and one reminder."""
    online = {
        "id": "online",
        "kind": "online",
        "start": at("2020-02-15T00:00"),
        "end": at("2020-03-31T23:59"),
    }
    return {"census": "x", "access": "nik+token", "event": [online], "reminder": [reminder]}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"event": "nope"}, "no event"),
        ({"group": "lottery"}, "group must be one of"),
        ({"offset": "-1w"}, "offset must look like"),
        ({"text": {"en": "English only"}}, "Indonesian text"),
    ],
)
def test_bad_reminders_are_refused_with_the_reason(change, message):
    reminder = {
        "id": "r",
        "event": "online",
        "at": "end",
        "offset": "-1d",
        "group": "closing",
        "text": {"id": "Besok."},
    } | change
    data = online_calendar(reminder)
    with pytest.raises(CalendarError, match=message):
        parse_calendar(data)


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        ("2020-03-30T12:00", "2020-03-30T12:00"),  # daytime: unchanged
        ("2020-03-30T22:30", "2020-03-31T07:00"),  # evening: next morning
        ("2020-03-31T01:00", "2020-03-31T07:00"),  # night: this morning
        ("2020-03-31T07:00", "2020-03-31T07:00"),  # the quiet period is over
        ("2020-03-30T21:00", "2020-03-31T07:00"),
    ],
)
def test_quiet_hours_move_a_reminder_to_the_morning(moment, expected):
    assert outside_quiet_hours(at(moment), WITA, QUIET) == at(expected)


def test_quiet_hours_off_and_other_zones():
    assert outside_quiet_hours(at("2020-03-30T23:00"), WITA, None) == at("2020-03-30T23:00")
    # 20:30 in Jakarta is 22:30 in Jayapura: quiet hours there.
    assert outside_quiet_hours(at("2020-03-30T20:30", WIB), WIT, QUIET) == at(
        "2020-03-31T07:00", WIT
    )


def test_the_online_opening_at_midnight_wib_reaches_ntt_at_seven():
    opening = next(o for o in occurrences(ANNOUNCED) if o.reminder.id == "online-open")
    assert send_time(opening, WITA, QUIET, DECEMBER) == at("2020-02-15T07:00")
    assert send_time(opening, WIB, QUIET, DECEMBER) == at("2020-02-15T07:00", WIB)


def test_a_reminder_that_would_go_out_after_its_event_is_dropped():
    last_hour = {
        "id": "last-hour",
        "event": "online",
        "at": "end",
        "offset": "-1h",
        "group": "closing",
        "text": {"id": "Satu jam lagi."},
    }
    data = online_calendar(last_hour)
    late = occurrences(parse_calendar(data))[0]
    assert send_time(late, WITA, QUIET, DECEMBER) is None  # 22:59 -> 07:00, after the close
    assert send_time(late, WITA, None, DECEMBER) == at("2020-03-31T22:59")


def test_past_reminders_are_not_planned():
    opening = next(o for o in occurrences(ANNOUNCED) if o.reminder.id == "online-open")
    assert send_time(opening, WITA, QUIET, at("2020-02-20T10:00")) is None


async def subscribers(repo: Repository) -> None:
    now = DECEMBER
    for user_id, zone in [
        (1, "Asia/Makassar"),
        (2, "Asia/Jakarta"),
        (3, None),
        (4, "Asia/Makassar"),
        (5, "Asia/Makassar"),
        (6, "Asia/Makassar"),
    ]:
        await repo.seen_user(user_id, "id", now)
        if zone:
            await repo.set_region(user_id, "53.71" if zone == "Asia/Makassar" else "31.71", zone)
    for user_id in (1, 2, 3, 4, 5):
        for group in ("token", "opening", "closing", "field"):
            await repo.subscribe(user_id, group)
    await repo.opt_out(4)
    await repo.set_blocked(5, True)  # user 6 never subscribed


async def due_times(repo: Repository, user_id: int) -> dict[str, datetime]:
    rows = await repo._all(
        "SELECT dedupe_key, not_before FROM outbox WHERE user_id = ? AND status = 'pending'",
        (user_id,),
    )
    return {k.split(":")[1]: datetime.fromtimestamp(t, UTC) for k, t in rows}


async def test_planning_reaches_subscribers_only_at_their_local_time(db_path):
    repo = await Repository.open(db_path)
    await subscribers(repo)
    report = await plan_reminders(repo, ANNOUNCED, DECEMBER, QUIET, WITA)
    assert report.planned == 3 * 5  # users 1, 2, 3 x five reminders
    kupang, jakarta, unknown = [await due_times(repo, u) for u in (1, 2, 3)]
    assert kupang["online-open"] == at("2020-02-15T07:00")
    assert jakarta["online-open"] == at("2020-02-15T07:00", WIB)
    assert unknown == kupang  # no region yet: the bot's zone (WITA)
    assert kupang["online-closing-1d"] == at("2020-03-30T12:59")  # noon WIB, the day before
    assert await due_times(repo, 4) == await due_times(repo, 5) == await due_times(repo, 6) == {}
    again = await plan_reminders(repo, ANNOUNCED, DECEMBER, QUIET, WITA)
    assert (again.planned, again.cancelled) == (0, 0)
    await repo.close()


async def test_a_revision_moves_pending_reminders_and_never_resends_sent_ones(db_path):
    repo = await Repository.open(db_path)
    await subscribers(repo)
    await plan_reminders(repo, ANNOUNCED, DECEMBER, QUIET, WITA)
    # By 25 March the token, opening and 7-day reminders went out.
    now = at("2020-03-25T10:00")
    sent = await repo.claim_due(now.timestamp(), 100)
    await repo.mark_sent([row.id for row in sent], now.timestamp())
    assert {(r.user_id, r.content) for r in sent} >= {(1, "reminder:online-closing-7d")}
    applied = await apply_revision(
        repo, ANNOUNCED, REVISED, "...", "revisi.toml", "test", now, QUIET, WITA
    )
    kupang = await due_times(repo, 1)
    assert kupang == {
        "online-closing-7d": at("2020-05-22T12:59"),
        "online-closing-1d": at("2020-05-28T12:59"),
        "field-start": at("2020-09-01T07:00"),
    }
    assert applied.report.cancelled == 3 * 2  # old 1-day and July field reminders
    assert {c.subject for c in applied.changes} >= {"online", "field", "token"}
    status = await repo.outbox_status()
    assert status["sent"] == len(sent) and status["cancelled"] == 6
    await apply_revision(repo, REVISED, REVISED, "...", "revisi.toml", "test", now, QUIET, WITA)
    assert await repo.outbox_status() == status  # applying twice changes nothing
    await repo.close()


async def test_claims_drop_expired_messages_and_requeue_after_a_crash(db_path):
    repo = await Repository.open(db_path)
    now = at("2020-03-25T10:00").timestamp()
    await repo.enqueue(1, 1, "reminder", "a", "reminder:x", now - 10, expires_at=now - 1)
    await repo.enqueue(2, 2, "reminder", "b", "reminder:x", now - 10)
    await repo.enqueue(3, 3, "reminder", "c", "reminder:x", now + 3600)
    claimed = await repo.claim_due(now, 10)
    assert [r.chat_id for r in claimed] == [2]
    assert await repo.claim_due(now, 10) == []  # claimed rows are not handed out twice
    assert await repo.requeue_in_flight() == 1
    assert [r.chat_id for r in await repo.claim_due(now, 10)] == [2]
    assert (await repo.outbox_status())["dropped"] == 1
    await repo.close()
