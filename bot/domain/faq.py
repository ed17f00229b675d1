"""FAQ content: topics, their texts per language, and answers filled from the calendar."""

import json
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from bot.domain.calendar import ACCESS_METHODS, Calendar
from bot.domain.phases import STATES, is_phase_key, pick_by_phase

SOURCE_LANGUAGE = "id"
OUT_OF_SCOPE = "out-of-scope"
# Small talk: answered with a short friendly reply and the menu, never with an FAQ answer.
CHAT_TOPICS = ("chat-greeting", "chat-thanks", "chat-ack", "chat-who", "chat-human", "chat-bye")
ANY_ACCESS = "*"
ANY_PHASE = "*"
# A content text: by access method (or "*"), then by phase key ("online.open", or "*").
Variants = Mapping[str, Mapping[str, str]]
EXAMPLES_DIR = "examples"


class FaqError(ValueError):
    """FAQ data files that are incomplete or inconsistent."""


@dataclass(frozen=True)
class Topic:
    """One FAQ topic with its texts in every language that has them."""

    id: str
    group: str
    related: tuple[str, ...]
    titles: Mapping[str, str]
    answers: Mapping[str, Variants]  # language -> variants
    unscheduled: Mapping[str, str]

    def title(self, lang: str) -> str:
        """The button label in a language, falling back to Indonesian."""
        return self.titles.get(lang) or self.titles[SOURCE_LANGUAGE]

    def answer_template(self, lang: str, calendar: Calendar, now: datetime) -> str | None:
        """The answer text for a language, the calendar's access method and the phase at
        ``now``, before placeholders; None when no phase variant applies to this calendar."""
        return pick_variant(self.answers, lang, calendar, now)

    @property
    def phased(self) -> bool:
        """Whether some answer of this topic depends on the census phase."""
        return any(
            ANY_PHASE not in by_phase
            for variants in self.answers.values()
            for by_phase in variants.values()
        )


@dataclass(frozen=True)
class Example:
    """One way a resident asks: the question, its label, its language and where it is written."""

    question: str
    topic: str  # a topic id, OUT_OF_SCOPE or one of CHAT_TOPICS
    lang: str
    source: str  # "id/examples/dev.jsonl:12"


@dataclass(frozen=True)
class FaqContent:
    """Every topic, in menu order, with the group names per language and the examples."""

    topics: Mapping[str, Topic]
    groups: tuple[str, ...]
    group_titles: Mapping[str, Mapping[str, str]]
    examples: tuple[Example, ...]

    def group_title(self, group: str, lang: str) -> str:
        """A group's label in a language, falling back to Indonesian."""
        return (
            self.group_titles.get(lang, {}).get(group) or self.group_titles[SOURCE_LANGUAGE][group]
        )

    def in_group(self, group: str) -> list[Topic]:
        """The topics of one menu group."""
        return [t for t in self.topics.values() if t.group == group]

    def labels(self) -> frozenset[str]:
        """Every label an example may carry."""
        return example_labels(self.topics)


def pick_variant(
    texts: Mapping[str, Variants], lang: str, calendar: Calendar, now: datetime
) -> str | None:
    """From texts by language, access method and phase: the one for the calendar's method
    and the phase at ``now``, falling back to Indonesian; None when no phase applies."""
    variants = texts.get(lang) or texts[SOURCE_LANGUAGE]
    by_phase = (
        variants.get(calendar.access) or variants.get(ANY_ACCESS) or next(iter(variants.values()))
    )
    if ANY_PHASE in by_phase:
        return by_phase[ANY_PHASE]
    return pick_by_phase(by_phase, calendar, now)


def read_toml(path: Path) -> dict[str, Any]:
    """Read a content file; FaqError names the file on any problem."""
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise FaqError(f"{path}: {error}") from None


def read_per_language(
    locales_dir: Path, languages: Iterable[str], filename: str
) -> dict[str, dict[str, Any]]:
    """``locales/<lang>/<filename>`` for every language that has it; Indonesian is required."""
    found = {
        lang: read_toml(locales_dir / lang / filename)
        for lang in languages
        if (locales_dir / lang / filename).exists()
    }
    if SOURCE_LANGUAGE not in found:
        raise FaqError(f"{locales_dir}/{SOURCE_LANGUAGE}/{filename} is required")
    return found


def text_variants(value: Any, where: str) -> dict[str, dict[str, str]]:
    """A content text: one string, or a table by access method and/or by event phase.

    ``answer = "…"``; ``answer.'nik+token' = "…"``; ``answer.online.open = "…"``;
    ``answer.'nik+token'.token.before = "…"``.
    """
    if isinstance(value, str):
        return {ANY_ACCESS: {ANY_PHASE: value}}
    if not isinstance(value, dict) or not value:
        raise FaqError(f"{where}: must be a text or a table of texts by access method or phase")
    methods = {k: v for k, v in value.items() if k in (*ACCESS_METHODS, ANY_ACCESS)}
    found = {
        method: {ANY_PHASE: text} if isinstance(text, str) else phase_texts(text, where)
        for method, text in methods.items()
    }
    by_event = {k: v for k, v in value.items() if k not in methods}
    if by_event:
        found[ANY_ACCESS] = phase_texts(by_event, where)
    return found


def phase_texts(value: Any, where: str) -> dict[str, str]:
    """``{online = {before = "…", open = "…"}, field = {open = "…"}}`` as texts by phase
    key (``online.open``); exactly one ``before`` says what applies until the first change."""
    if not isinstance(value, dict):
        raise FaqError(f"{where}: must be a text or a table of texts by phase")
    found = {}
    for event_id, states in value.items():
        if not isinstance(states, dict) or not all(isinstance(v, str) for v in states.values()):
            raise FaqError(f"{where}: {event_id} must be a table of texts by phase")
        for state, text in states.items():
            key = f"{event_id}.{state}"
            if not is_phase_key(key):
                raise FaqError(f"{where}: {key}: a phase is one of {', '.join(STATES)}")
            found[key] = text
    if sum(key.endswith(".before") for key in found) != 1:
        raise FaqError(f"{where}: needs exactly one text for before (e.g. online.before)")
    return found


def example_labels(topic_ids: Iterable[str]) -> frozenset[str]:
    """The labels an example may carry: a topic id, out-of-scope or a small-talk label."""
    return frozenset(topic_ids) | {OUT_OF_SCOPE, *CHAT_TOPICS}


def load_examples(
    locales_dir: Path, languages: Iterable[str], labels: frozenset[str]
) -> tuple[Example, ...]:
    """Every ``locales/<lang>/examples/*.jsonl``: one ``{"q": ..., "topic": ...}`` a line."""
    examples = []
    for lang in sorted(languages):  # one order in every process: the same model
        for path in sorted((locales_dir / lang / EXAMPLES_DIR).glob("*.jsonl")):
            where = f"{lang}/{EXAMPLES_DIR}/{path.name}"
            try:
                lines = path.read_text(encoding="utf-8").splitlines()
            except (OSError, UnicodeDecodeError) as error:
                raise FaqError(f"{where}: {error}") from None
            for number, line in enumerate(lines, 1):
                if line.strip():
                    question, topic = example_line(line, f"{where}:{number}", labels)
                    examples.append(Example(question, topic, lang, f"{where}:{number}"))
    return tuple(examples)


def example_line(line: str, where: str, labels: frozenset[str]) -> tuple[str, str]:
    """The question and label of one example line; FaqError names the line."""
    try:
        row = json.loads(line)
    except json.JSONDecodeError as error:
        raise FaqError(f"{where}: not JSON ({error.msg})") from None
    if not isinstance(row, dict):
        raise FaqError(f'{where}: expected an object with "q" and "topic"')
    question, topic = row.get("q"), row.get("topic")
    if not isinstance(question, str) or not question.strip():
        raise FaqError(f'{where}: "q" must be a non-empty text')
    if topic not in labels:
        raise FaqError(f"{where}: unknown topic {topic!r}")
    return question, str(topic)


def load_faq(locales_dir: Path, languages: Iterable[str]) -> FaqContent:
    """Read locales/faq-topics.toml, each language's faq.toml and its examples."""
    languages = list(languages)
    structure = read_toml(locales_dir / "faq-topics.toml")
    groups = tuple(structure.pop("groups")["order"])
    per_language = read_per_language(locales_dir, languages, "faq.toml")
    for lang, data in per_language.items():
        unknown = set(data) - set(structure) - {"groups"}
        if unknown:
            raise FaqError(f"{lang}/faq.toml: unknown topics {sorted(unknown)}")
    topics = {}
    for topic_id, meta in structure.items():
        if meta["group"] not in groups:
            raise FaqError(f"faq-topics.toml: {topic_id}: unknown group {meta['group']!r}")
        titles, answers, unscheduled = {}, {}, {}
        for lang, data in per_language.items():
            entry = data.get(topic_id, {})
            where = f"{lang}/faq.toml: {topic_id}"
            if "title" in entry:
                titles[lang] = entry["title"]
            if "answer" in entry:
                answers[lang] = text_variants(entry["answer"], where)
            if "unscheduled" in entry:
                unscheduled[lang] = entry["unscheduled"]
        if SOURCE_LANGUAGE not in titles or SOURCE_LANGUAGE not in answers:
            raise FaqError(f"{SOURCE_LANGUAGE}/faq.toml: {topic_id} needs a title and an answer")
        topics[topic_id] = Topic(
            id=topic_id,
            group=meta["group"],
            related=tuple(meta.get("related", [])),
            titles=titles,
            answers=answers,
            unscheduled=unscheduled,
        )
    for topic in topics.values():
        missing = [r for r in topic.related if r not in topics]
        if missing:
            raise FaqError(f"faq-topics.toml: {topic.id}: unknown related topics {missing}")
    labels = example_labels(topics)
    examples = load_examples(locales_dir, languages, labels)
    without = sorted(labels - {e.topic for e in examples})
    if without:
        raise FaqError(f"{EXAMPLES_DIR}/*.jsonl: no examples for {without}")
    return FaqContent(
        topics=topics,
        groups=groups,
        group_titles={lang: data.get("groups", {}) for lang, data in per_language.items()},
        examples=examples,
    )


def render_answer(
    topic: Topic, lang: str, calendar: Calendar, now: datetime, values: Mapping[str, str]
) -> str:
    """The topic's answer for the phase at ``now``, with calendar values filled in.

    When no phase variant applies to this calendar, or the calendar lacks an event the
    answer needs, the topic's "unscheduled" text is used instead (e.g. results that
    the calendar does not announce).
    """
    fallback = topic.unscheduled.get(lang) or topic.unscheduled.get(SOURCE_LANGUAGE)
    template = topic.answer_template(lang, calendar, now)
    try:
        if template is None:
            raise KeyError(topic.id)
        return template.format_map(values)
    except KeyError:
        if fallback is None:
            raise
        return fallback.format_map(values)
