"""A Kupang Malay reader walks the bot and meets no Indonesian (issue 15): /start, ten
questions, every topic of the menu, the whole /panduan with its help screens, /ingatkan and
the reminders that follow, at several moments of the census."""

import re
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bot.config import Settings
from bot.domain.calendar import shipped_calendar_path
from bot.domain.clock import FixedClock
from bot.domain.reminders import occurrences, send_time
from bot.i18n import LOCALES_DIR
from bot.telegram_text import html_to_text
from bot.texts import EXAMPLES, Project, all_texts
from offline.fake_telegram import FakeTelegram
from offline.local_api import keyboard_buttons
from tests.conftest import DURING_ONLINE
from tests.harness import Person, RunningBot, eventually, run_bot

WITA = ZoneInfo("Asia/Makassar")
VALID_NIK = "5371010101900001"  # Kota Kupang, born 01-01-90
# How a Kupang reader asks; each is one the matcher answers with a topic.
QUESTIONS = [
    "apa tu sp2020",
    "kapan sensus online tutup?",
    "sapa yang isi sensus?",
    "alamat mana yang beta musti isi?",
    "isi sensus tu lama ko sonde?",
    "beta salah isi, bisa ganti ko?",
    "kalo ikut sensus dapa bantuan ko?",
    "sensus tu musti bayar ko?",
    "sensus tu wajib ko?",
    "beta sonde punya nik",
]
# Words of Indonesian that Kupang Malay says otherwise (sonde, su, balom, lu, beta, deng,
# ko, lai, sampe, samua, ju, kalo, baru, cuma...). Quoted text is the census site's own
# wording (e.g. "Sudah Update", the code-104 error) and is left out of this check.
INDONESIAN_ONLY = re.compile(
    r"\b(tidak|sudah|belum|anda|saya|silakan|bagaimana|dengan|kepada|apakah|sedang|lagi"
    r"|jika|bila|atau|sampai|semua|juga|lalu|seperti|karena|hanya)\b",
    re.IGNORECASE,
)
QUOTED = re.compile(r"\"[^\"]*\"|“[^”]*”")
PLACEHOLDER = re.compile(r"\{[A-Za-z0-9_]*\}")
# Where a line breaks into sentences or parts ("Langkah 1 dari 10 · title", "a: b").
SENTENCE_END = re.compile(r"(?<=[.!?;:])\s+|\s+[·—–→]\s+")
LEAD = re.compile(r"^[^\w\"“{(]+")  # emoji and bullets the code puts before a text


def normalised(line: str) -> str:
    """A line without its leading emoji or bullet, single-spaced."""
    return LEAD.sub("", " ".join(line.split()))


def sentences(shown: str) -> list[str]:
    """The lines of a shown text, and the sentences and parts of each line."""
    found = []
    for line in map(normalised, shown.split("\n")):
        found += [line, *SENTENCE_END.split(line)] if line else []
    return list(dict.fromkeys(found))


def plain_sentences(text: str, is_html: bool) -> list[str]:
    """The lines and sentences of a text as Telegram shows it."""
    return sentences(html_to_text(text) if is_html else text)


@dataclass
class Wording:
    """The sentences of one language's texts: placeholder-free ones as they are, the others
    as patterns where each placeholder stands for any value."""

    exact: dict[str, str] = field(default_factory=dict)  # sentence -> key of its text
    # (pattern, characters of its own words, key of its text)
    patterns: list[tuple[re.Pattern[str], int, str]] = field(default_factory=list)

    def add(self, sentence: str, key: str) -> None:
        literal = PLACEHOLDER.sub("", sentence)
        if not PLACEHOLDER.search(sentence):
            self.exact.setdefault(sentence, key)
        elif re.search(r"[A-Za-z]{2}", literal):
            parts = [re.escape(p) for p in PLACEHOLDER.split(sentence)]
            self.patterns.append((re.compile(".+?".join(parts)), len(literal), key))

    def key_of(self, shown: str) -> str | None:
        """The key of the text ``shown`` is a sentence of, if any. A pattern counts only
        where its own words are at least half of what is shown ("{start} sampe {end}" must
        not vouch for a whole Indonesian sentence ending in a date range)."""
        if shown in self.exact:
            return self.exact[shown]
        for pattern, literal, key in self.patterns:
            if 2 * literal >= len(shown) and pattern.fullmatch(shown):
                return key
        return None


@dataclass
class IndonesianCheck:
    """Whether what the bot shows is Indonesian: a sentence of an Indonesian text that
    Kupang Malay words differently (and that reads as no Kupang text), or a word of
    Indonesian that Kupang Malay does not use."""

    indonesian: Wording
    kupang: Wording

    @classmethod
    def of_project(cls) -> "IndonesianCheck":
        calendars = shipped_calendar_path("sp2020").parent
        texts = [
            t for t in all_texts(Project(LOCALES_DIR, calendars), "mkn") if t.category != EXAMPLES
        ]
        kupang = Wording()
        for text in texts:
            for sentence in plain_sentences(text.current, text.html):
                kupang.add(sentence, text.key)
        indonesian = Wording()
        for text in texts:
            for sentence in plain_sentences(text.source, text.html):
                if sentence not in kupang.exact:
                    indonesian.add(sentence, text.key)
        return cls(indonesian, kupang)

    def problems(self, shown: str) -> list[str]:
        """What in ``shown`` is Indonesian."""
        found = []
        for sentence in sentences(shown):
            key = self.indonesian.key_of(sentence)
            if key and not self.kupang.key_of(sentence):
                found.append(f"{sentence!r} is the Indonesian {key}")
        for line in map(normalised, shown.split("\n")):
            if word := INDONESIAN_ONLY.search(QUOTED.sub("", line)):
                found.append(f"{line!r} has the Indonesian word {word.group(0)!r}")
        return found


INDONESIAN = IndonesianCheck.of_project()


class Walk:
    """A Kupang Malay reader who reads every screen the bot shows them."""

    def __init__(self, bot: RunningBot, user_id: int) -> None:
        self.bot = bot
        self.person: Person = bot.person(user_id, "Yos")
        self.screens = 0
        self.problems: list[str] = []

    def read(self, shown: list[dict[str, Any]], where: str) -> list[dict[str, Any]]:
        """Read the messages that appeared or changed, and their buttons."""
        for message in shown:
            self.screens += 1
            labels = [b["text"] for b in keyboard_buttons(message.get("reply_markup"))]
            for text in [message.get("text", ""), *labels]:
                self.problems += [f"{where}: {p}" for p in INDONESIAN.problems(text)]
        return shown

    async def send(self, text: str) -> list[dict[str, Any]]:
        """Write a message and read what comes back."""
        return self.read(await self.person.send(text), text)

    async def tap(self, data: str, message: dict[str, Any] | None = None) -> list[dict]:
        """Press the button whose callback data starts with ``data``, read the result and
        the short notice the button answers with, if any."""
        target = message or self.latest(data)
        offered = [b["callback_data"] for b in keyboard_buttons(target.get("reply_markup"))]
        exact = [d for d in offered if d == data]
        chosen = (exact or [d for d in offered if d.startswith(data)] or [""])[0]
        assert chosen, f"no button {data!r} under {target.get('text')!r}: {offered}"
        calls = len(self.bot.telegram.calls)
        shown = self.read(await self.person.press_data(chosen, target), data)
        for call in self.bot.telegram.calls[calls:]:
            if call.method == "answerCallbackQuery" and call.params.get("text"):
                self.read([{"text": str(call.params["text"])}], f"{data} (notice)")
        return shown

    def latest(self, data: str) -> dict[str, Any]:
        """The latest message with a button whose callback data starts with ``data``."""
        for message in reversed(self.person.screen):
            if any(
                b["callback_data"].startswith(data)
                for b in keyboard_buttons(message.get("reply_markup"))
            ):
                return message
        raise AssertionError(f"no button {data!r} on screen")

    def current(self, message: dict[str, Any]) -> dict[str, Any]:
        """A message as it stands now (after edits in place)."""
        return next(m for m in self.person.screen if m["message_id"] == message["message_id"])

    def callbacks(self, message: dict[str, Any], prefix: str) -> list[str]:
        """The callback data of a message's buttons that start with ``prefix``."""
        return [
            b["callback_data"]
            for b in keyboard_buttons(message.get("reply_markup"))
            if b["callback_data"].startswith(prefix)
        ]


async def start_in_kupang(walk: Walk) -> None:
    # The picker before any choice says "choose your language" in every language, by design.
    await walk.person.send("/start")
    walk.read(await walk.person.press("Bahasa Kupang"), "language chosen")


async def ask_ten_questions(walk: Walk) -> None:
    for question in QUESTIONS:
        shown = await walk.send(question)
        assert "👍" in walk.person.buttons(shown[-1]), f"{question!r} was not answered"
    await walk.tap("faq:up:")


async def every_topic_of_the_menu(walk: Walk) -> None:
    await walk.tap("faq:menu:")
    menu = walk.latest("faq:group:")
    groups = walk.callbacks(menu, "faq:group:")
    for group in groups:
        await walk.tap(group, menu)
        for topic in walk.callbacks(walk.current(menu), "faq:show:"):
            await walk.tap(topic, walk.current(menu))
        await walk.tap("faq:menu:", walk.current(menu))  # "back": the menu anew, below
        menu = walk.latest("faq:group:")
    assert len(groups) >= 6


async def the_whole_guide(walk: Walk) -> None:
    services = walk.bot.services
    steps = services.guide.steps_for(services.calendar.access)
    guide = (await walk.send("/panduan"))[0]
    for number, step in enumerate(steps):
        if number:
            await walk.tap(f"guide:go:{step.id}", walk.current(guide))
        await walk.tap(f"guide:help:{step.id}", walk.current(guide))
        await walk.tap(f"guide:go:{step.id}", walk.current(guide))
        for branch in walk.callbacks(walk.current(guide), "guide:branch:"):
            await walk.tap(branch, walk.current(guide))
            await walk.tap(f"guide:go:{step.id}", walk.current(guide))
        if walk.callbacks(walk.current(guide), "guide:check:"):
            for kind in ("nik", "kk"):
                await walk.tap(f"guide:check:{kind}", walk.current(guide))
                await walk.send(VALID_NIK)
        await walk.tap(f"guide:scam:{step.id}", walk.current(guide))
        await walk.tap(f"guide:go:{step.id}", walk.current(guide))
        if number == 2:  # leave half-way, come back, carry on where one stopped
            await walk.tap("guide:exit:", walk.current(guide))
            guide = (await walk.send("/panduan"))[0]
            await walk.tap(f"guide:go:{step.id}", guide)
    await walk.tap("guide:done:", walk.current(guide))


async def reminders_and_what_they_send(walk: Walk, clock: FixedClock) -> None:
    await walk.send("/ingatkan")
    await walk.tap("remind:all:")
    await walk.tap("remind:regions:")
    await walk.tap("remind:provinces:")
    await walk.tap("remind:regions:53")
    await walk.tap("remind:region:53.71")
    await walk.tap("remind:done:")
    services = walk.bot.services
    start = clock.now()
    due = sorted(
        moment
        for o in occurrences(services.calendar)
        if (moment := send_time(o, WITA, services.settings.quiet_hours, start)) is not None
    )
    for moment in due:
        before = len(walk.person.screen)
        clock.moment = moment
        services.wake_sender()
        await eventually(lambda: len(walk.person.screen) > before)  # noqa: B023
        walk.read(walk.person.screen[before:], f"reminder at {moment}")


async def the_rest_of_the_main_menu(walk: Walk) -> None:
    for command in ("/jadwal", "/bantuan", "/privasi", "/berhenti", "/start"):
        await walk.send(command)
    for button in ("schedule:show:", "help:show:", "privacy:show:", "desk:ask:"):
        await walk.tap(button)


MOMENTS = {
    "online open, NIK and token": ("sp2020", DURING_ONLINE),
    "online closed, NIK KK and password": ("sp2020-revisi", datetime(2020, 6, 15, 10, tzinfo=WITA)),
    "officers visiting": ("sp2020", datetime(2020, 7, 10, 10, tzinfo=WITA)),
}


@pytest.mark.parametrize("moment", MOMENTS)
async def test_a_kupang_reader_meets_no_indonesian(
    telegram: FakeTelegram, settings: Settings, moment: str
):
    calendar, now = MOMENTS[moment]
    clock = FixedClock(now)
    # A reader takes minutes over what this walk taps in seconds: no flood limits here.
    kupang = replace(
        settings,
        calendar_path=shipped_calendar_path(calendar),
        flood_limit=None,
        flood_button_limit=None,
    )
    async with run_bot(telegram, kupang, clock) as bot:
        walk = Walk(bot, 7001)
        await start_in_kupang(walk)
        await ask_ten_questions(walk)
        await every_topic_of_the_menu(walk)
        await the_whole_guide(walk)
        await the_rest_of_the_main_menu(walk)
        await reminders_and_what_they_send(walk, clock)
    assert walk.screens > 100
    assert walk.problems == [], "\n".join(walk.problems)


def test_the_check_finds_indonesian_sentences_whatever_the_placeholders_hold():
    def found(shown: str) -> str:
        return " | ".join(INDONESIAN.problems(shown))

    assert "Indonesian guide:prepare.title" in found("Langkah 1 dari 10 · Siapkan dokumen")
    ntt = "Pilih kabupaten/kota tempat Anda tinggal (Nusa Tenggara Timur):"
    assert "is the Indonesian ui:" in found(ntt)
    assert "word 'Anda'" in found("Petugas datang, Anda tunggu sa")  # no text, but a word
    assert found('Kalo muncul "NIK atau nomor KK Anda tidak sesuai – kode 104"') == ""
    assert found("Pilih kabupaten/kota tampa lu tinggal (Nusa Tenggara Timur):") == ""
    assert found("Langkah 1 dari 10 · Siap dokumen") == ""
