"""The FAQ engine: content and matcher loaded together, answers rendered per user."""

import html
import tomllib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.domain.calendar import Calendar, calendar_values
from bot.domain.faq import FaqContent, Topic, load_faq, render_answer
from bot.domain.matching import FaqMatcher, Match, Normaliser
from bot.domain.phases import phase_values
from bot.i18n import N_, Translator

CLARIFY = N_("Maksud Anda salah satu dari ini?")
FALLBACK = N_(
    "Maaf, saya hanya bisa membantu soal <b>Sensus Penduduk 2020</b>, dan pertanyaan ini "
    "belum bisa saya jawab.\n"
    "Pilih topik di bawah, atau hubungi BPS: WhatsApp {whatsapp}, {social}."
)
# Two dates of one phase, everywhere the bot shows a span (answers, /jadwal, reminders).
DATE_SPAN = N_("{start} s.d. {end}")


def fallback_message(translate: Callable[[str], str], calendar: Calendar) -> str:
    """The honest "I can only help with the census" reply, with the official contacts."""
    return translate(FALLBACK).format(
        whatsapp=html.escape(calendar.contact.get("whatsapp", "")),
        social=html.escape(calendar.contact.get("social", "")),
    )


@dataclass(frozen=True)
class Reader:
    """Who a text is for, and when: their translator (language, CLDR locale, catalog), their
    time zone, the calendar in force and the moment. ``static`` holds the calendar values that
    do not change with time (formatting them is most of an answer's cost; the resolver in
    bot/readers.py caches them per calendar, language and zone)."""

    t: Translator
    zone: ZoneInfo
    calendar: Calendar
    now: datetime
    static: Mapping[str, str]

    @classmethod
    def of(cls, t: Translator, zone: ZoneInfo, calendar: Calendar, now: datetime) -> "Reader":
        """A reader whose static calendar values are formatted now (no cache)."""
        return cls(t, zone, calendar, now, static_values(t, zone, calendar))

    @property
    def lang(self) -> str:
        """The reader's language code."""
        return self.t.code

    @property
    def locale(self) -> str:
        """The CLDR locale for dates and numbers."""
        return self.t.language.cldr

    def translate(self, message: str) -> str:
        """The message in the reader's language."""
        return self.t._(message)

    @cached_property
    def values(self) -> dict[str, str]:
        """Every calendar placeholder for this reader at ``now``."""
        phase = phase_values(self.calendar, self.lang, self.locale, self.now, self.static)
        return dict(self.static) | phase


def static_values(t: Translator, zone: ZoneInfo, calendar: Calendar) -> dict[str, str]:
    """The calendar values for a language and zone that do not change with time."""
    return calendar_values(calendar, t.language.cldr, zone, t._(DATE_SPAN))


class FaqEngine:
    """Matches questions to topics and renders topic answers from the active calendar."""

    def __init__(self, content: FaqContent, matcher: FaqMatcher) -> None:
        self.content = content
        self.matcher = matcher

    @classmethod
    def load(cls, locales_dir: Path, languages: Iterable[str]) -> "FaqEngine":
        """Read the FAQ content and lexicon from locales/ and build the index."""
        content = load_faq(locales_dir, languages)
        lexicon = tomllib.loads((locales_dir / "lexicon.toml").read_text(encoding="utf-8"))
        normaliser = Normaliser(lexicon["words"], lexicon["stopwords"]["words"])
        return cls(content, FaqMatcher(content.labelled_examples(), normaliser))

    def match(self, question: str) -> Match:
        """Decide what to do with a question."""
        return self.matcher.match(question)

    def topic(self, topic_id: str) -> Topic | None:
        """A topic by id."""
        return self.content.topics.get(topic_id)

    def answer(self, topic: Topic, reader: Reader) -> str:
        """The topic's answer for this reader and the census phase at the reader's moment."""
        return render_answer(topic, reader.lang, reader.calendar, reader.now, reader.values)
