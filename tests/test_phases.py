"""Facts true for the day: phases from the calendar, answers and the guide by phase and
method, one date span everywhere, the provinces of 2020."""

from dataclasses import replace
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from bot.config import Settings
from bot.domain.assistant import FaqEngine
from bot.domain.calendar import ACCESS_METHODS, date_span, load_calendar, shipped_calendar_path
from bot.domain.faq import ANY_ACCESS, ANY_PHASE
from bot.domain.phases import phase_of
from bot.domain.regions import provinces, regencies, zone_of
from bot.i18n import LOCALES_DIR, load_i18n
from offline.fake_telegram import FakeTelegram
from tests.harness import Person, ready, run_bot

WITA = ZoneInfo("Asia/Makassar")
PHASE_DEPENDENT = {"online-when", "token-when", "token-missing", "how-to-fill-online",
                   "field-when", "already-filled-visit", "results", "submit-proof",
                   "save-draft"}  # fmt: skip
METHOD_DEPENDENT = {"how-to-fill-online", "token-what", "token-when", "token-missing",
                    "token-secret", "field-when", "password-forgot", "who-fills",
                    "multiple-families", "already-filled-visit"}  # fmt: skip
ASKED = ("online-when", "token-missing", "how-to-fill-online", "field-when", "results")
FIGURE = "270.203.917"


def wita(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=WITA)


# (calendar, moment) -> what the person reads: per topic, and "guide" for /panduan's first
# screen; a leading "!" means the text must NOT be there.
SEEN = {
    ("sp2020", "2019-12-15T10:00"): {  # before token sending
        "online-when": ["belum dibuka", "15 Februari 2020"],
        "token-missing": ["Token belum dikirim", "1 Januari 2020 s.d. 31 Januari 2020"],
        "how-to-fill-online": ["belum bisa diisi sekarang", "NIK dan token"],
        "field-when": ["akan mendatangi", "1 Juli 2020 s.d. 31 Juli 2020", "!drop off"],
        "results": ["belum diumumkan", f"!{FIGURE}"],
        "guide": ["belum dibuka", "Langkah 1 dari 10"],
    },
    ("sp2020", "2020-03-10T10:00"): {  # online open
        "online-when": ["sedang dibuka", "31 Maret 2020", "tinggal 22 hari"],
        "token-missing": ["Pengiriman token sudah selesai", "!tunggu sampai pengiriman"],
        "how-to-fill-online": ["tinggal 22 hari", "NIK dan token"],
        "field-when": ["akan mendatangi", "!drop off"],
        "results": ["belum diumumkan", f"!{FIGURE}"],
        "guide": ["Sensus online dibuka sampai", "Langkah 1 dari 10"],
    },
    ("sp2020", "2020-06-15T10:00"): {  # online closed, field visits to come
        "online-when": ["sudah ditutup", "1 Juli 2020 s.d. 31 Juli 2020", "KK"],
        "token-missing": ["token tidak diperlukan lagi", "1 Juli 2020"],
        "how-to-fill-online": ["sudah ditutup", "!Masuk dengan NIK"],
        "field-when": ["akan mendatangi"],
        "results": ["belum diumumkan", f"!{FIGURE}"],
        "guide": ["sudah ditutup", "akan datang ke rumah", "Langkah 1 dari 10"],
    },
    ("sp2020", "2020-07-15T10:00"): {  # field visits
        "online-when": ["sedang mendatangi rumah warga sampai", "31 Juli 2020"],
        "token-missing": ["token tidak diperlukan lagi"],
        "how-to-fill-online": ["sudah ditutup"],
        "field-when": ["sedang mendatangi", "17 hari", "!drop off"],
        "results": ["belum diumumkan", f"!{FIGURE}"],
        "guide": ["sudah ditutup", "sedang mendatangi rumah warga"],
    },
    ("sp2020", "2021-03-01T10:00"): {  # all over; this calendar announces no results
        "online-when": ["tahap lapangan juga sudah selesai"],
        "field-when": ["sudah selesai"],
        "results": ["belum diumumkan", f"!{FIGURE}"],
        "guide": ["sudah ditutup", "Tahap lapangan juga sudah selesai"],
    },
    ("sp2020-revisi", "2019-12-15T10:00"): {
        "online-when": ["belum dibuka", "15 Februari 2020"],
        "token-missing": ["Token tidak diperlukan", "15 Februari 2020"],
        "how-to-fill-online": ["belum bisa diisi sekarang", "Cek Keberadaan"],
        "field-when": ["akan datang", "1 September 2020 s.d. 30 September 2020", "drop off"],
        "results": ["belum diumumkan", "21 Januari 2021", f"!{FIGURE}"],
        "guide": ["belum dibuka", "Langkah 1 dari 11"],
    },
    ("sp2020-revisi", "2020-03-10T10:00"): {
        "online-when": ["sedang dibuka", "29 Mei 2020", "30 Mei 2020 00.59 WITA"],
        "token-missing": ["Token tidak diperlukan lagi", "captcha"],
        "how-to-fill-online": ["tinggal 81 hari", "Cek Keberadaan"],
        "field-when": ["akan datang", "drop off"],
        "results": ["belum diumumkan", f"!{FIGURE}"],
        "guide": ["Sensus online dibuka sampai", "Langkah 1 dari 11"],
    },
    ("sp2020-revisi", "2020-06-15T10:00"): {
        "online-when": ["sudah ditutup", "1 September 2020 s.d. 30 September 2020"],
        "token-missing": ["sensus online sudah ditutup"],
        "how-to-fill-online": ["sudah ditutup", "kuesioner kertas", "!Cek Keberadaan"],
        "field-when": ["akan datang"],
        "results": ["belum diumumkan", f"!{FIGURE}"],
        "guide": ["sudah ditutup", "1 September 2020 s.d. 30 September 2020"],
    },
    ("sp2020-revisi", "2020-09-10T10:00"): {  # the "masih bisa isi online?" day
        "online-when": ["sudah ditutup", "sedang mendatangi rumah warga", "!kapan saja"],
        "token-missing": ["sensus online sudah ditutup"],
        "how-to-fill-online": ["sudah ditutup", "!Cek Keberadaan"],
        "field-when": ["sedang bertugas", "21 hari", "drop off"],
        "results": ["belum diumumkan", "21 Januari 2021", f"!{FIGURE}"],
        "guide": ["sudah ditutup", "sedang mendatangi rumah warga"],
    },
    ("sp2020-revisi", "2021-03-01T10:00"): {
        "online-when": ["tahap lapangan juga sudah selesai"],
        "field-when": ["sudah selesai"],
        "results": [f"{FIGURE} jiwa", "21 Januari 2021", "5,33 juta"],
        "guide": ["sudah ditutup", "Tahap lapangan juga sudah selesai"],
    },
}


def check(text: str, expected: list[str], what: object) -> None:
    for piece in expected:
        if piece.startswith("!"):
            assert piece[1:] not in text, (what, text)
        else:
            assert piece in text, (what, text)


async def topic_text(person: Person, topic: str) -> str:
    """The answer of a topic as the topics menu shows it."""
    shown = await person.press_data(f"faq:show:{topic}", person.screen[-1])
    return str(shown[-1]["text"])


@pytest.mark.parametrize(("calendar_name", "moment"), list(SEEN))
async def test_what_a_person_reads_on_the_day(
    telegram: FakeTelegram, settings: Settings, calendar_name: str, moment: str
):
    calendar_path = shipped_calendar_path(calendar_name)
    dated = replace(settings, calendar_path=calendar_path, now=wita(moment))
    async with run_bot(telegram, dated) as bot:
        ani = bot.person(7001)
        await ready(ani)
        for topic, expected in SEEN[(calendar_name, moment)].items():
            if topic == "guide":
                text = (await ani.send("/panduan"))[0]["text"]
            else:
                text = await topic_text(ani, topic)
            check(text, expected, (calendar_name, moment, topic))


async def test_the_guide_offers_what_to_do_instead_when_online_is_closed(telegram, settings):
    revised = shipped_calendar_path("sp2020-revisi")
    dated = replace(settings, calendar_path=revised, now=wita("2020-09-10T10:00"))
    async with run_bot(telegram, dated) as bot:
        ani = bot.person(7002)
        await ready(ani)
        await ani.send("/panduan")
        assert ani.buttons()[:3] == ["Kapan petugas datang?", "📅 Jadwal", "🔔 Pengingat"]
        await ani.press("Lanjut")  # the steps can still be read, and each says it again
        assert "sudah ditutup" in ani.last["text"] and "Langkah 2 dari 11" in ani.last["text"]
        shown = await ani.press("Kapan petugas datang?")
        assert "sedang bertugas" in shown[-1]["text"]


async def test_schedule_and_answers_give_the_same_end_date(telegram, settings):
    revised = shipped_calendar_path("sp2020-revisi")
    dated = replace(settings, calendar_path=revised, now=wita("2020-03-10T10:00"))
    async with run_bot(telegram, dated) as bot:
        ani = bot.person(7003)
        await ready(ani)
        schedule = (await ani.send("/jadwal"))[0]["text"]
        answer = await topic_text(ani, "online-when")
        overview = await topic_text(ani, "schedule-overview")
        assert "15 Februari 2020 s.d. 29 Mei 2020" in schedule
        assert "15 Februari 2020 s.d. 29 Mei 2020" in overview
        assert "29 Mei 2020 pukul 23.59 WIB" in answer
        assert "30 Mei" not in schedule  # the official date, not the WITA clock after midnight


def test_phase_of_an_event():
    calendar = load_calendar(shipped_calendar_path("sp2020-revisi"))
    online = calendar.event("online")
    assert online is not None
    assert phase_of(calendar, online, wita("2020-02-15T01:00")).state == "open"  # 00:00 WIB
    assert phase_of(calendar, online, wita("2020-02-15T00:59")).state == "before"
    last_day = phase_of(calendar, online, wita("2020-05-29T20:00"))
    assert (last_day.state, last_day.days_left) == ("open", 1)
    closed = phase_of(calendar, online, wita("2020-05-30T01:00"))  # 00:00 WIB on the 30th
    assert closed.state == "closed" and closed.replaced_by == calendar.event("field")


def test_date_spans_one_style_and_one_day_events():
    calendar = load_calendar(shipped_calendar_path("sp2020-revisi"))
    field, results = calendar.event("field"), calendar.event("results")
    assert field is not None and results is not None
    assert date_span(field, calendar, "id", "{start} s.d. {end}") == (
        "1 September 2020 s.d. 30 September 2020"
    )
    assert date_span(results, calendar, "en", "{start} to {end}") == "January 21, 2021"


def test_every_phase_and_method_dependent_topic_has_every_variant():
    engine = FaqEngine.load(LOCALES_DIR, load_i18n().codes)
    phased = {t.id for t in engine.content.topics.values() if t.phased}
    assert phased >= PHASE_DEPENDENT
    for topic in engine.content.topics.values():
        source = topic.answers["id"]
        methods = set(source)
        if topic.id in METHOD_DEPENDENT:
            assert methods == set(ACCESS_METHODS), topic.id
        for lang in ("en", "mkn"):
            if lang == "mkn" and lang not in topic.answers:
                continue
            variants = topic.answers[lang]
            assert set(variants) == methods, (topic.id, lang)
            for method, by_phase in variants.items():
                assert set(by_phase) == set(source[method]), (topic.id, lang, method)
        for method, by_phase in source.items():
            if ANY_PHASE in by_phase:
                continue
            first = next(k for k in by_phase if k.endswith(".before")).split(".")[0]
            later = {f"{first}.open", f"{first}.closed"} & set(by_phase)
            assert later, f"{topic.id} ({method}): nothing after {first}.before"
        assert ANY_ACCESS not in methods or len(methods) == 1, topic.id


def test_region_pickers_list_the_34_provinces_of_2020():
    codes = [code for code, _ in provinces()]
    assert len(codes) == 34 and not {"93", "94", "95", "96"} & set(codes)
    papua = dict(regencies("91"))
    assert len(papua) == 29 and papua["93.01"] == "Kabupaten Merauke"
    assert len(regencies("92")) == 13 and zone_of("96.71").key == "Asia/Jayapura"
    assert zone_of("53.71").key == "Asia/Makassar"
