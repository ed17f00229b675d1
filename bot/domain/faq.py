"""FAQ content: topics, their texts per language, and answers filled from the calendar."""

import json
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_time

from bot.domain.calendar import Calendar, zone_name

SOURCE_LANGUAGE = "id"
OUT_OF_SCOPE = "out-of-scope"
# Small talk: answered with a short friendly reply and the menu, never with an FAQ answer.
CHAT_TOPICS = ("chat-greeting", "chat-thanks", "chat-ack", "chat-who", "chat-human", "chat-bye")
ANY_ACCESS = "*"
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
    answers: Mapping[str, Mapping[str, str]]  # language -> access method (or "*") -> text
    unscheduled: Mapping[str, str]

    def title(self, lang: str) -> str:
        """The button label in a language, falling back to Indonesian."""
        return self.titles.get(lang) or self.titles[SOURCE_LANGUAGE]

    def answer_template(self, lang: str, access: str) -> str:
        """The answer text for a language and access method, before placeholders."""
        return pick_variant(self.answers, lang, access)


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


def pick_variant(texts: Mapping[str, Mapping[str, str]], lang: str, access: str) -> str:
    """From texts by language and access method: the best one, falling back to Indonesian."""
    variants = texts.get(lang) or texts[SOURCE_LANGUAGE]
    return variants.get(access) or variants.get(ANY_ACCESS) or next(iter(variants.values()))


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


def text_variants(value: Any, where: str) -> dict[str, str]:
    """A content text: one string, or a table of strings by access method."""
    if isinstance(value, str):
        return {ANY_ACCESS: value}
    if isinstance(value, dict) and value and all(isinstance(v, str) for v in value.values()):
        return dict(value)
    raise FaqError(f"{where}: must be a text or a table of texts by access method")


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


def calendar_values(calendar: Calendar, locale: str, lang: str, zone: ZoneInfo) -> dict[str, str]:
    """Placeholder values from the calendar, formatted for a language and the user's zone."""

    def day(moment: datetime) -> str:
        return format_date(moment.astimezone(calendar.zone), "long", locale=locale)

    def clock(moment: datetime, in_zone: ZoneInfo) -> str:
        time = format_time(moment.astimezone(in_zone), "short", locale=locale)
        return f"{time} {zone_name(in_zone)}"

    site = calendar.site.removeprefix("https://").removeprefix("http://").rstrip("/")
    values = {"site": site}
    values.update({f"contact_{key}": value for key, value in calendar.contact.items()})
    lines = []
    for event in calendar.events:
        start, end = day(event.start), day(event.end)
        values[f"{event.id}_start"] = start
        values[f"{event.id}_end"] = end
        values[f"{event.id}_end_time"] = clock(event.end, calendar.zone)
        local_end = event.end.astimezone(zone)
        values[f"{event.id}_end_local"] = (
            f"{format_date(local_end, 'long', locale=locale)} {clock(event.end, zone)}"
        )
        span = start if start == end else f"{start} – {end}"
        lines.append(f"• {event.name(lang)}: {span}")
    values["schedule"] = "\n".join(lines)
    return values


def render_answer(topic: Topic, lang: str, access: str, values: Mapping[str, str]) -> str:
    """The topic's answer with calendar values filled in.

    When the calendar lacks an event the answer needs, the topic's "unscheduled" text
    is used instead (e.g. results that have not been announced yet).
    """
    try:
        return topic.answer_template(lang, access).format_map(values)
    except KeyError:
        fallback = topic.unscheduled.get(lang) or topic.unscheduled.get(SOURCE_LANGUAGE)
        if fallback is None:
            raise
        return fallback.format_map(values)
