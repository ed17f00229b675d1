"""The FAQ engine: content and matcher loaded together, replies rendered per reader."""

import contextlib
import hashlib
import html
import json
import multiprocessing
import os
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import astuple, dataclass
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.domain import matching
from bot.domain.calendar import Calendar, calendar_values
from bot.domain.faq import Example, FaqContent, Topic, load_faq, render_answer
from bot.domain.matching import (
    FaqMatcher,
    Lexicon,
    Match,
    Model,
    Normaliser,
    Outcome,
    Thresholds,
    train,
)
from bot.domain.phases import phase_values
from bot.domain.regions import place_words
from bot.i18n import N_

LEXICON_FILE = "lexicon.toml"
MATCHING_CODE = Path(matching.__file__)  # a change to how models are made retrains them
THRESHOLDS_FILE = "faq-thresholds.toml"
CLARIFY = N_("Maksud Anda salah satu dari ini?")
FALLBACK = N_(
    "Maaf, saya hanya bisa membantu soal <b>Sensus Penduduk 2020</b>, dan pertanyaan ini "
    "belum bisa saya jawab.\n"
    "Pilih topik di bawah, atau hubungi BPS: WhatsApp {whatsapp}, {social}."
)
# Two dates of one phase, everywhere the bot shows a span (answers, /jadwal, reminders).
DATE_SPAN = N_("{start} s.d. {end}")
# Small talk: a short friendly reply; the menu goes with it.
CHAT_REPLIES = {
    "chat-greeting": N_(
        "Halo! Saya asisten Sensus Penduduk 2020. Tulis saja pertanyaan Anda tentang sensus, "
        "atau pilih dari menu."
    ),
    "chat-thanks": N_("Sama-sama! Jika ada pertanyaan lain tentang sensus, tulis saja."),
    "chat-ack": N_(
        "Baik. Jika ada pertanyaan lain tentang sensus, tulis saja atau pilih dari menu."
    ),
    "chat-who": N_(
        "Saya asisten otomatis (bot), bukan manusia. Saya menjawab pertanyaan tentang "
        "Sensus Penduduk 2020; saya tidak pernah meminta NIK lengkap, token, atau kata sandi Anda."
    ),
    "chat-human": N_(
        "Saya bot, tetapi petugas BPS bisa menjawab Anda: tekan 🙋 Tanya petugas di bawah dan "
        "tulis pertanyaan Anda. Bisa juga lewat WhatsApp {whatsapp}, {social}."
    ),
    "chat-bye": N_("Sampai jumpa! Jangan lupa ikut Sensus Penduduk 2020."),
}
# Trained models by everything that shapes them: building the application (as every test
# does) trains once per process and content, and a model on disk spares the next process.
_TRAINED: dict[str, Model] = {}
MODEL_CACHE = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "sensus-bot"


def with_contacts(translate: Callable[[str], str], message: str, calendar: Calendar) -> str:
    """A message with the official WhatsApp and social contacts filled in, escaped."""
    return translate(message).format(
        whatsapp=html.escape(calendar.contact.get("whatsapp", "")),
        social=html.escape(calendar.contact.get("social", "")),
    )


def fallback_message(translate: Callable[[str], str], calendar: Calendar) -> str:
    """The honest "I can only help with the census" reply, with the official contacts."""
    return with_contacts(translate, FALLBACK, calendar)


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


@dataclass(frozen=True)
class Choice:
    """A topic offered as a button: its id and its title (plain text) in the reader's language."""

    topic: str
    title: str


@dataclass(frozen=True)
class Reply:
    """What the bot says to a question, in any front end."""

    match: Match
    text: str  # Telegram HTML, every inserted value escaped
    choices: tuple[Choice, ...]  # "clarify": the topics offered; "answer": related topics

    @property
    def outcome(self) -> Outcome:
        """answer | clarify | fallback | chat."""
        return self.match.outcome


def trained_matcher(
    examples: Iterable[Example], lexicon: Lexicon, thresholds: Thresholds, cache: Path | None
) -> FaqMatcher:
    """The matcher for these examples: trained once per process, kept on disk in ``cache``."""
    normaliser = Normaliser(lexicon, place_words())
    pairs = [(e.topic, e.question) for e in examples]
    shape = json.dumps(
        [pairs, astuple(lexicon), sorted(normaliser.protected), MATCHING_CODE.read_text()],
        default=sorted,
    )
    key = hashlib.sha256(shape.encode()).hexdigest()[:20]
    if key not in _TRAINED:
        _TRAINED[key] = cached_model(
            pairs, lexicon, normaliser, cache / f"faq-model-{key}.npz" if cache else None
        )
    return FaqMatcher(_TRAINED[key], normaliser, thresholds)


def cached_model(
    pairs: list[tuple[str, str]], lexicon: Lexicon, normaliser: Normaliser, path: Path | None
) -> Model:
    """The model saved at ``path``, else one trained in a child process and saved there.

    Without a path (or when the child fails) it is trained here.
    """
    if path is not None:
        with contextlib.suppress(OSError, ValueError, KeyError):
            return Model.load(path)  # missing or unreadable: train (again)
        with contextlib.suppress(OSError, RuntimeError):
            # scikit-learn and training cost about 100 MB that would stay in this process.
            spawn = multiprocessing.get_context("spawn")
            with ProcessPoolExecutor(1, mp_context=spawn) as child:
                child.submit(train_and_save, pairs, lexicon, path).result()
            return Model.load(path)
    return train(pairs, normaliser)


def train_and_save(pairs: list[tuple[str, str]], lexicon: Lexicon, path: Path) -> None:
    """Train a model and write it to ``path`` atomically (a reader sees all or nothing)."""
    model = train(pairs, Normaliser(lexicon, place_words()))
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(f".{os.getpid()}.tmp")
    model.save(partial)
    partial.replace(path)


class FaqEngine:
    """Matches questions to topics and renders replies from the active calendar."""

    def __init__(self, content: FaqContent, matcher: FaqMatcher) -> None:
        self.content = content
        self.matcher = matcher
        # Formatted dates of the calendar per reader kind: formatting them is most of an
        # answer's cost, and they change only with the calendar.
        self._values_of: Calendar | None = None
        self._values: dict[tuple[str, str, str], dict[str, str]] = {}

    @classmethod
    def load(
        cls,
        locales_dir: Path,
        languages: Iterable[str],
        thresholds: Thresholds | None = None,
        cache: Path | None = MODEL_CACHE,
    ) -> "FaqEngine":
        """Read the FAQ content, examples, lexicon and thresholds from locales/; train."""
        content = load_faq(locales_dir, languages)
        lexicon = Lexicon.load(locales_dir / LEXICON_FILE)
        limits = thresholds or Thresholds.load(locales_dir / THRESHOLDS_FILE)
        return cls(content, trained_matcher(content.examples, lexicon, limits, cache))

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

    def reply(
        self,
        question: str,
        reader: Reader,
        calendar: Calendar,
        now: datetime,
    ) -> Reply:
        """The reply to a question: an answer, choices, small talk or the honest fallback."""
        translate = reader.translate
        match = self.match(question)
        topic = self.topic(match.topic) if match.topic else None
        if match.outcome == "answer" and topic is not None:
            related = self.choices(topic.related, reader.lang)
            return Reply(match, self.answer(topic, reader, calendar, now), related)
        if match.outcome == "clarify":
            offered = self.choices([c.topic for c in match.candidates], reader.lang)
            return Reply(match, html.escape(translate(CLARIFY)), offered)
        if match.outcome == "chat" and match.topic in CHAT_REPLIES:
            return Reply(match, with_contacts(translate, CHAT_REPLIES[match.topic], calendar), ())
        return Reply(match, fallback_message(translate, calendar), ())

    def choices(self, topic_ids: Iterable[str], lang: str) -> tuple[Choice, ...]:
        """Up to three topics as buttons, titled in a language."""
        topics = [self.content.topics[t] for t in topic_ids if t in self.content.topics]
        return tuple(Choice(t.id, t.title(lang)) for t in topics[:3])
