"""Calendar texts go into HTML escaped; placeholders a calendar cannot fill are refused up front."""

from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.config import Settings
from bot.domain.calendar import CalendarError, load_calendar, shipped_calendar_path
from bot.domain.clock import FixedClock
from bot.outbox.planning import plan_reminders
from offline.fake_telegram import FakeTelegram
from tests.harness import eventually, ready, run_bot, run_cli, texts_to

NAME = "Sensus Online & Survei <2020>"
ONLINE_NAMES = (
    'name = { id = "Sensus Penduduk Online", en = "Online census", mkn = "Sensus online" }'
)
OPENING_TEXT = 'id = "Sensus Penduduk Online sudah dibuka'


def calendar_file(folder: Path, old: str, new: str) -> Path:
    """The shipped calendar with one piece of text replaced."""
    body = shipped_calendar_path("sp2020").read_text(encoding="utf-8")
    assert old in body
    path = folder / "calendar.toml"
    path.write_text(body.replace(old, new), encoding="utf-8")
    return path


def odd_calendar(folder: Path) -> Path:
    """The online phase named with HTML's special characters; its opening reminder lists the
    whole schedule (with that name) and says "Q&A"."""
    path = calendar_file(folder, ONLINE_NAMES, f'name = {{ id = "{NAME}", en = "{NAME}" }}')
    body = path.read_text(encoding="utf-8").replace(
        OPENING_TEXT, 'id = "Jadwal (Q&A di {site}):\\n{schedule}\\n' + OPENING_TEXT[6:]
    )
    path.write_text(body, encoding="utf-8")
    return path


async def test_an_event_name_with_html_characters_reaches_answers_schedule_and_reminders(
    telegram: FakeTelegram, settings: Settings, tmp_path: Path
):
    wita = ZoneInfo("Asia/Makassar")
    clock = FixedClock(datetime(2020, 2, 14, 20, tzinfo=wita))
    odd = replace(settings, calendar_path=odd_calendar(tmp_path), quiet_hours=None)
    async with run_bot(telegram, odd, clock) as bot:
        person = bot.person(7301)
        await ready(person)
        shown = await person.send("kapan saja jadwal sensus penduduk 2020?")
        # Shown as written: Telegram accepted the HTML and displays the name as staff wrote it.
        assert shown and f"{NAME}: 15 Februari 2020" in shown[0]["text"]  # from {schedule}
        shown = await person.send("/jadwal")
        assert shown and NAME in shown[0]["text"]

        services = bot.services
        await services.repo.subscribe(7301, "opening")
        await plan_reminders(services.repo, services.calendar, clock.now(), None, wita)
        clock.moment += timedelta(days=1)  # past the opening
        services.wake_sender()
        await eventually(lambda: bool(texts_to(telegram, 7301, "🔔")))
        assert "Jadwal (Q&A di sensus.bps.go.id):\n✅ Pengiriman" in person.last["text"]
        assert f"▶️ {NAME}: 15 Februari 2020" in person.last["text"]


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ("Token dikirim sampai {tokn_end}.", "unknown placeholder {tokn_end}"),
        ("Buka {online_start.year}.", "unknown placeholder {online_start.year}"),
        ("Kurung kurawal } sendirian.", "Single '}'"),
    ],
)
def test_a_reminder_text_with_an_unknown_placeholder_is_refused(tmp_path, text, named):
    path = calendar_file(
        tmp_path,
        'id = "Token sensus mulai dikirim lewat SMS ke HP warga sampai {token_end}.',
        f'id = "{text}',
    )
    with pytest.raises(CalendarError, match=r"reminder token-coming \(text\.id\)") as refused:
        load_calendar(path)
    assert named in str(refused.value) and "\n" not in str(refused.value)

    env = {"SENSUS_DB": str(tmp_path / "s.db")}
    applied = run_cli("calendar", "apply", str(path), "--yes", env=env, check=False)
    assert applied.returncode != 0
    assert len(applied.stderr.strip().splitlines()) == 1 and named in applied.stderr
    doctor = run_cli("doctor", env=env | {"SENSUS_CALENDAR": str(path)}, check=False)
    assert doctor.returncode != 0  # the setting names a calendar the bot cannot use
    assert len(doctor.stderr.strip().splitlines()) == 1 and named in doctor.stderr
