"""The FAQ engine: content and matcher loaded together, replies rendered per reader."""

import contextlib
import hashlib
import html
import json
import multiprocessing
import os
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ProcessPoolExecutor
from dataclasses import astuple, dataclass
from datetime import datetime
from functools import cached_property
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
from bot.i18n import N_, Translator

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
KEPT_MODELS = 8  # the most recently used models stay on disk (about 17 MB each)


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
            model = Model.load(path)  # missing or unreadable: train (again)
            os.utime(path)  # used now: pruning keeps it
            return model
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
    prune_models(path.parent, KEPT_MODELS)


def prune_models(folder: Path, keep: int) -> None:
    """Delete all but the ``keep`` most recently used models in ``folder``: every change to
    the examples, the lexicon or the matcher makes a new one."""
    models = sorted(folder.glob("faq-model-*.npz"), key=lambda p: p.stat().st_mtime, reverse=True)
    for old in models[keep:]:
        old.unlink(missing_ok=True)  # another process may have pruned it first


class FaqEngine:
    """Matches questions to topics and renders replies from the active calendar."""

    def __init__(
        self,
        content: FaqContent,
        matcher: FaqMatcher,
        lexicon: Lexicon,
        cache: Path | None,
        reviewed: tuple[Example, ...] = (),
    ) -> None:
        self.content = content
        self.matcher = matcher
        self.lexicon = lexicon
        self.cache = cache
        self.reviewed = reviewed  # staff's inbox decisions, learned beside the shipped examples

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
        return cls(
            content, trained_matcher(content.examples, lexicon, limits, cache), lexicon, cache
        )

    def with_reviewed(self, reviewed: Iterable[Example]) -> "FaqEngine":
        """The same content, matched by a model trained on the shipped and these reviewed
        examples (blocking: training may take seconds)."""
        learned = self.learnable(reviewed)
        examples = self.content.examples + learned
        matcher = trained_matcher(examples, self.lexicon, self.matcher.thresholds, self.cache)
        return FaqEngine(self.content, matcher, self.lexicon, self.cache, learned)

    def learnable(self, reviewed: Iterable[Example]) -> tuple[Example, ...]:
        """The reviewed examples whose label the content still has (a topic may be gone)."""
        labels = self.content.labels()
        return tuple(e for e in reviewed if e.topic in labels)

    def match(self, question: str) -> Match:
        """Decide what to do with a question."""
        return self.matcher.match(question)

    def topic(self, topic_id: str) -> Topic | None:
        """A topic by id."""
        return self.content.topics.get(topic_id)

    def answer(self, topic: Topic, reader: Reader) -> str:
        """The topic's answer for this reader and the census phase at the reader's moment."""
        return render_answer(topic, reader.lang, reader.calendar, reader.now, reader.values)

    def reply(
        self,
        question: str,
        reader: Reader,
    ) -> Reply:
        """The reply to a question: an answer, choices, small talk or the honest fallback."""
        translate, calendar = reader.translate, reader.calendar
        match = self.match(question)
        topic = self.topic(match.topic) if match.topic else None
        if match.outcome == "answer" and topic is not None:
            related = self.choices(topic.related, reader.lang)
            return Reply(match, self.answer(topic, reader), related)
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
