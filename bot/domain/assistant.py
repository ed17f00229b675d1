"""The FAQ engine: content and matcher loaded together, answers rendered per user."""

import html
import tomllib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.domain.calendar import Calendar, calendar_values
from bot.domain.faq import FaqContent, Topic, load_faq, render_answer
from bot.domain.matching import FaqMatcher, Match, Normaliser
from bot.domain.phases import phase_values
from bot.i18n import N_

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
    """Who a text is for: their language, its CLDR locale, their time zone, and the
    language's catalog (for the few words between calendar values)."""

    lang: str
    locale: str
    zone: ZoneInfo
    translate: Callable[[str], str]

    def values(self, calendar: Calendar, now: datetime) -> dict[str, str]:
        """Every calendar placeholder for this reader at ``now``."""
        values = calendar_values(calendar, self.locale, self.zone, self.translate(DATE_SPAN))
        return values | phase_values(calendar, self.lang, self.locale, now, values)


class FaqEngine:
    """Matches questions to topics and renders topic answers from the active calendar."""

    def __init__(self, content: FaqContent, matcher: FaqMatcher) -> None:
        self.content = content
        self.matcher = matcher
        # Formatted dates of the calendar per reader kind: formatting them is most of an
        # answer's cost, and they change only with the calendar.
        self._values_of: Calendar | None = None
        self._values: dict[tuple[str, str, str], dict[str, str]] = {}

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

    def answer(self, topic: Topic, reader: Reader, calendar: Calendar, now: datetime) -> str:
        """The topic's answer for this reader and the census phase at ``now``."""
        if self._values_of is not calendar:
            self._values_of, self._values = calendar, {}
        key = (reader.locale, reader.lang, reader.zone.key)
        if key not in self._values:
            span = reader.translate(DATE_SPAN)
            self._values[key] = calendar_values(calendar, reader.locale, reader.zone, span)
        static = self._values[key]
        values = static | phase_values(calendar, reader.lang, reader.locale, now, static)
        return render_answer(topic, reader.lang, calendar, now, values)
