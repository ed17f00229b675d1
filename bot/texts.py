"""Every text a language needs, under one stable key, with its limits and review state.

Texts live in five places: the gettext catalog (UI strings and the bot's descriptions), the
FAQ and guide content (every string leaf of ``locales/<lang>/faq.toml`` and ``guide.toml``,
whatever shape its variant tables take), the calendars (per-language tables inside
``bot/calendars/*.toml``) and the example questions (``locales/<lang>/examples/*.jsonl``).
Keys: ``ui:<hash of the msgid>``, ``faq:<toml path>``, ``guide:<toml path>``,
``calendar:<file>:<array>.<id>.<field>`` and ``example:<topic>:<n>``.
"""

import ast
import hashlib
import json
import tomllib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from babel.messages.catalog import Catalog

from bot import commands
from bot.config import Settings
from bot.i18n import SOURCE_LANGUAGE, Language, load_languages, read_catalog

CODE_ROOT = Path(__file__).resolve().parent.parent
BUTTON_LIMIT = 30  # characters: longer labels wrap or are cut on a phone
MESSAGE_LIMIT = 4096  # Telegram's limit on a message, after HTML
EXAMPLE_LIMIT = 600  # residents write long stories; the bot reads the first 4,096 anyway
EXAMPLES_PER_TOPIC = 10  # a topic's example questions count as covered from this many
REVIEW_FILE = "review.toml"

# Status categories, in the order they are reported.
UI, DESCRIPTIONS, ANSWERS, TITLES, GUIDE, CALENDAR, EXAMPLES = (
    "UI strings",
    "bot descriptions",
    "FAQ answers",
    "FAQ titles",
    "guide texts",
    "calendar texts",
    "example questions",
)
CATEGORIES = (UI, DESCRIPTIONS, ANSWERS, TITLES, GUIDE, CALENDAR, EXAMPLES)


@dataclass(frozen=True)
class Text:
    """One text in one language, with what a translator needs to know about it."""

    key: str
    category: str
    source: str  # the Indonesian text (for examples: an Indonesian question to start from)
    english: str
    current: str  # the text in the language; "" when it has none yet
    where: str
    limit: int | None = None
    html: bool = True
    button: bool = False

    @property
    def translated(self) -> bool:
        """Whether the language has its own text here."""
        return bool(self.current)

    @property
    def fingerprint(self) -> str:
        """What a review vouches for: the source and the text (examples have no source)."""
        basis = self.current if self.category == EXAMPLES else f"{self.source}\0{self.current}"
        return text_hash(basis)


def text_hash(text: str) -> str:
    """A short hash of a text (review fingerprints, UI keys)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]


def ui_key(msgid: str) -> str:
    """The stable key of a catalog message."""
    return f"ui:{text_hash(msgid)[:10]}"


@dataclass(frozen=True)
class Project:
    """Where a project's texts are: the locales folder and the calendars folder."""

    locales: Path
    calendars: Path

    def catalog_path(self, lang: str) -> Path:
        """The gettext catalog of a language."""
        return self.locales / lang / "LC_MESSAGES" / "messages.po"

    def content_path(self, lang: str, name: str) -> Path:
        """``faq.toml``, ``guide.toml`` or ``review.toml`` of a language."""
        return self.locales / lang / name

    def examples_dir(self, lang: str) -> Path:
        """The folder of a language's example questions."""
        return self.locales / lang / "examples"

    def calendar_files(self) -> list[Path]:
        """The calendars whose texts are translated."""
        return sorted(self.calendars.glob("*.toml"))

    def languages(self) -> dict[str, Language]:
        """The languages in languages.toml."""
        return load_languages(self.locales)


def catalog_texts(catalog: Catalog) -> dict[str, str]:
    """msgid -> translated text ("" when untranslated or fuzzy); plural entries are left out."""
    return {
        m.id: "" if m.fuzzy else m.string
        for m in catalog
        if m.id and isinstance(m.id, str) and isinstance(m.string, str)
    }


def translation_project(settings: Settings) -> Project:
    """The configured locales, and the calendars beside the one in force."""
    return Project(settings.locales_dir, settings.calendar_path.parent)


def read_toml_file(path: Path) -> dict[str, Any]:
    """A TOML file, or an empty table when the file does not exist."""
    return tomllib.loads(path.read_text(encoding="utf-8")) if path.exists() else {}


def string_leaves(
    data: Mapping[str, Any], path: tuple[str, ...] = ()
) -> Iterator[tuple[tuple[str, ...], str]]:
    """(path, text) for every string in nested tables; arrays are data, not texts."""
    for key, value in data.items():
        if isinstance(value, str):
            yield (*path, key), value
        elif isinstance(value, Mapping):
            yield from string_leaves(value, (*path, key))


def leaf(data: Mapping[str, Any], path: tuple[str, ...]) -> str:
    """The string at ``path``, or "" when there is none."""
    value: Any = data
    for part in path:
        if not isinstance(value, Mapping) or part not in value:
            return ""
        value = value[part]
    return value if isinstance(value, str) else ""


@dataclass
class UiUse:
    """Where a msgid is used in the code, and whether it labels a button."""

    files: set[str] = field(default_factory=set)
    button: bool = False


def marked_literal(node: ast.AST) -> str | None:
    """The msgid of ``_("…")``, ``t._("…")`` or ``N_("…")``."""
    if not isinstance(node, ast.Call) or not node.args:
        return None
    func = node.func
    name = (
        func.id
        if isinstance(func, ast.Name)
        else func.attr
        if isinstance(func, ast.Attribute)
        else ""
    )
    first = node.args[0]
    if name in ("_", "N_") and isinstance(first, ast.Constant) and isinstance(first.value, str):
        return first.value
    return None


@cache
def ui_uses() -> dict[str, UiUse]:
    """Scan bot/ and handlers/ once: msgid -> files and whether it is a button label.

    A button label is any msgid reachable from the first element of a ``(label,
    Callback(…))`` pair, following the module's assignments of the names it uses.
    """
    uses: dict[str, UiUse] = {}
    for folder in ("bot", "handlers"):
        for path in sorted((CODE_ROOT / folder).rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            where = str(path.relative_to(CODE_ROOT))
            assigned: dict[str, list[ast.AST]] = {}
            pairs: list[ast.AST] = []
            for node in ast.walk(tree):
                msgid = marked_literal(node)
                if msgid is not None:
                    uses.setdefault(msgid, UiUse()).files.add(where)
                for target, value in assignments(node):
                    for name in ast.walk(target):
                        if isinstance(name, ast.Name):
                            assigned.setdefault(name.id, []).append(value)
                if (
                    isinstance(node, ast.Tuple)
                    and len(node.elts) == 2
                    and isinstance(node.elts[1], ast.Call)
                    and isinstance(node.elts[1].func, ast.Name)
                    and node.elts[1].func.id == "Callback"
                ):
                    pairs.append(node.elts[0])
            for msgid in reachable_msgids(pairs, assigned):
                uses.setdefault(msgid, UiUse()).button = True
    return uses


def assignments(node: ast.AST) -> Iterator[tuple[ast.AST, ast.AST]]:
    """(target, value) of an assignment, a for loop or a comprehension."""
    if isinstance(node, ast.Assign):
        for target in node.targets:
            yield target, node.value
    elif isinstance(node, ast.AnnAssign | ast.AugAssign) and node.value is not None:
        yield node.target, node.value
    elif isinstance(node, ast.For | ast.comprehension):
        yield node.target, node.iter


def reachable_msgids(roots: list[ast.AST], assigned: Mapping[str, list[ast.AST]]) -> set[str]:
    """Msgids inside the expressions, or inside what the names they use were assigned."""
    found: set[str] = set()
    seen: set[str] = set()
    todo = list(roots)
    while todo:
        for node in ast.walk(todo.pop()):
            msgid = marked_literal(node)
            if msgid is not None:
                found.add(msgid)
            if isinstance(node, ast.Name) and node.id not in seen:
                seen.add(node.id)
                todo.extend(assigned.get(node.id, []))
    return found


def ui_limits() -> dict[str, tuple[str, int | None]]:
    """msgid -> (what it is, its length limit) for the strings Telegram limits."""
    limits: dict[str, tuple[str, int | None]] = {
        commands.DESCRIPTION: ("the bot's description (empty chat screen)", 512),
        commands.SHORT_DESCRIPTION: ("the bot's short description (profile, shares)", 120),
    }
    for value in vars(commands).values():
        if isinstance(value, commands.MenuCommand):
            limits[value.description] = (f"command menu: /{value.name}", 256)
    return limits


def faq_note(path: tuple[str, ...]) -> tuple[str, str, int, bool]:
    """(category, where, limit, button) of a faq.toml leaf."""
    if path[0] == "groups":
        return TITLES, f"FAQ menu group button '{path[1]}'", BUTTON_LIMIT, True
    if len(path) == 2 and path[1] == "title":
        return TITLES, f"FAQ topic button '{path[0]}'", BUTTON_LIMIT, True
    variant = f" (variant {' / '.join(path[2:])})" if len(path) > 2 else ""
    return ANSWERS, f"FAQ answer '{path[0]}' {path[1]}{variant}", MESSAGE_LIMIT, False


def guide_note(path: tuple[str, ...]) -> tuple[str, int, bool]:
    """(where, limit, button) of a guide.toml leaf."""
    if path[0] == "branch" and len(path) >= 3 and path[2] == "title":
        return f"/panduan side-path button '{path[1]}'", BUTTON_LIMIT, True
    variant = f" (variant {' / '.join(path[2:])})" if len(path) > 2 else ""
    return f"/panduan step '{path[0]}' {path[1]}{variant}", MESSAGE_LIMIT, False


def content_texts(project: Project, lang: str) -> Iterator[Text]:
    """The FAQ and guide texts: every string leaf of the Indonesian files."""
    for name, prefix in (("faq.toml", "faq"), ("guide.toml", "guide")):
        source = read_toml_file(project.content_path(SOURCE_LANGUAGE, name))
        english = read_toml_file(project.content_path("en", name))
        current = read_toml_file(project.content_path(lang, name))
        for path, text in string_leaves(source):
            if prefix == "faq":
                category, where, limit, button = faq_note(path)
            else:
                category = GUIDE
                where, limit, button = guide_note(path)
            yield Text(
                key=f"{prefix}:{'.'.join(path)}",
                category=category,
                source=text,
                english=leaf(english, path),
                current=leaf(current, path),
                where=where,
                limit=limit,
                # Titles and group names are escaped where they are shown: plain text.
                html=path[0] != "groups" and "title" not in path,
                button=button,
            )


def calendar_tables(data: Mapping[str, Any]) -> Iterator[tuple[str, int, str, Mapping[str, str]]]:
    """(array, index, field, texts by language) of each per-language table in a calendar:
    a field of an ``[[array]]`` entry that is a table of strings with an Indonesian one."""
    for array, entries in data.items():
        if not isinstance(entries, list):
            continue
        for index, entry in enumerate(entries):
            if not isinstance(entry, Mapping) or not isinstance(entry.get("id"), str):
                continue
            for name, value in entry.items():
                if (
                    isinstance(value, Mapping)
                    and isinstance(value.get(SOURCE_LANGUAGE), str)
                    and all(isinstance(v, str) for v in value.values())
                ):
                    yield array, index, name, value


def calendar_key(path: Path, entry_id: str, array: str, name: str) -> str:
    """The key of one calendar text."""
    return f"calendar:{path.stem}:{array}.{entry_id}.{name}"


def calendar_texts(project: Project, lang: str) -> Iterator[Text]:
    """Event names and reminder texts of every calendar."""
    for path in project.calendar_files():
        data = read_toml_file(path)
        for array, index, name, texts in calendar_tables(data):
            entry_id = data[array][index]["id"]
            reminder = array == "reminder"
            yield Text(
                key=calendar_key(path, entry_id, array, name),
                category=CALENDAR,
                source=texts[SOURCE_LANGUAGE],
                english=texts.get("en", ""),
                current=texts.get(lang, ""),
                where=f"calendar {path.name}: "
                + (
                    f"reminder '{entry_id}'"
                    if reminder
                    else f"{array} '{entry_id}' {name} (in /jadwal)"
                ),
                limit=MESSAGE_LIMIT if reminder else 100,
            )


@dataclass(frozen=True)
class Example:
    """One example question in a language's examples files."""

    file: str
    line: int  # 0-based line number in the file
    question: str


def read_examples(project: Project, lang: str) -> dict[str, list[Example]]:
    """topic -> the language's example questions, in file and line order."""
    found: dict[str, list[Example]] = {}
    folder = project.examples_dir(lang)
    for path in sorted(folder.glob("*.jsonl")) if folder.is_dir() else []:
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines()):
            if line.strip():
                record = json.loads(line)
                found.setdefault(record["topic"], []).append(
                    Example(path.name, number, record["q"])
                )
    return found


def nth(found: list[Example], n: int) -> str:
    """The n-th (from 1) question, or ""."""
    return found[n - 1].question if n <= len(found) else ""


def example_texts(project: Project, lang: str) -> Iterator[Text]:
    """Example questions: per topic EXAMPLES_PER_TOPIC rows, more where the language has more."""
    source = read_examples(project, SOURCE_LANGUAGE)
    english = read_examples(project, "en")
    current = read_examples(project, lang)
    for topic, examples in source.items():
        own = current.get(topic, [])
        for n in range(1, max(EXAMPLES_PER_TOPIC, len(own)) + 1):
            yield Text(
                key=f"example:{topic}:{n}",
                category=EXAMPLES,
                source=nth(examples, n),
                english=nth(english.get(topic, []), n),
                current=nth(own, n),
                where=f"example question {n} for topic '{topic}' (how people ask; "
                "need not translate the Indonesian one)",
                limit=EXAMPLE_LIMIT,
                html=False,
            )


def ui_texts(project: Project, lang: str) -> Iterator[Text]:
    """The catalog's messages, in the template's order."""
    template = catalog_texts(read_catalog(project.locales / "messages.pot"))
    english = catalog_texts(read_catalog(project.catalog_path("en")))
    path = project.catalog_path(lang)
    current = catalog_texts(read_catalog(path)) if path.exists() else {}
    uses, limits = ui_uses(), ui_limits()
    for msgid in template:
        use = uses.get(msgid, UiUse())
        what, limit = limits.get(msgid, ("", None))
        if not what:
            what = "button" if use.button else "message"
            limit = BUTTON_LIMIT if use.button else MESSAGE_LIMIT
        files = ", ".join(sorted(use.files))
        yield Text(
            key=ui_key(msgid),
            category=DESCRIPTIONS
            if msgid in (commands.DESCRIPTION, commands.SHORT_DESCRIPTION)
            else UI,
            source=msgid,
            english=english.get(msgid, ""),
            current=msgid if lang == SOURCE_LANGUAGE else current.get(msgid, ""),
            where=f"{what} ({files})" if files else what,
            limit=limit,
            button=use.button,
        )


def all_texts(project: Project, lang: str) -> list[Text]:
    """Every text of a language, in a stable order."""
    return [
        *ui_texts(project, lang),
        *content_texts(project, lang),
        *calendar_texts(project, lang),
        *example_texts(project, lang),
    ]


@dataclass(frozen=True)
class Review:
    """A native speaker's review of one text."""

    by: str
    on: str
    fingerprint: str


def read_reviews(project: Project, lang: str) -> dict[str, Review]:
    """key -> review, from ``locales/<lang>/review.toml``."""
    data = read_toml_file(project.content_path(lang, REVIEW_FILE))
    return {
        key: Review(str(entry.get("by", "")), str(entry.get("on", "")), str(entry.get("hash", "")))
        for key, entry in data.items()
        if isinstance(entry, Mapping)
    }


def review_state(text: Text, review: Review | None) -> str:
    """How a text stands: missing, unreviewed, reviewed, or stale (changed since review)."""
    if not text.translated:
        return "missing"
    if review is None:
        return "unreviewed"
    if review.fingerprint != text.fingerprint:
        return f"stale (reviewed by {review.by}, {review.on}; changed since)"
    return f"reviewed by {review.by}, {review.on}"


@dataclass
class Count:
    """How many texts of a category a language has, and how many are reviewed."""

    done: int = 0
    total: int = 0
    reviewed: int = 0


@dataclass(frozen=True)
class Coverage:
    """A language's coverage per category (examples: topics with enough questions)."""

    lang: Language
    counts: Mapping[str, Count]

    @property
    def complete(self) -> bool:
        """Nothing is missing."""
        return all(c.done == c.total for c in self.counts.values())

    def missing(self) -> list[str]:
        """The categories that are not complete."""
        return [name for name, c in self.counts.items() if c.done < c.total]

    def summary(self) -> str:
        """One line: each category as ``n of N``, then the reviewed texts."""
        parts = []
        for name, count in self.counts.items():
            unit = " topics" if name == EXAMPLES else ""
            parts.append(f"{name} {count.done} of {count.total}{unit}")
        texts = sum(c.total for n, c in self.counts.items() if n != EXAMPLES)
        reviewed = sum(c.reviewed for n, c in self.counts.items() if n != EXAMPLES)
        return f"{self.lang.name}: {' · '.join(parts)}; reviewed {reviewed} of {texts} texts"


def coverage(project: Project, lang: Language) -> Coverage:
    """Count a language's texts per category."""
    counts = {name: Count() for name in CATEGORIES}
    reviews = read_reviews(project, lang.code)
    per_topic: dict[str, int] = {}
    for text in all_texts(project, lang.code):
        reviewed = review_state(text, reviews.get(text.key)).startswith("reviewed")
        if text.category == EXAMPLES:
            topic = text.key.split(":")[1]
            per_topic[topic] = per_topic.get(topic, 0) + text.translated
            counts[EXAMPLES].reviewed += reviewed
            continue
        count = counts[text.category]
        count.total += 1
        count.done += text.translated
        count.reviewed += reviewed
    counts[EXAMPLES].total = len(per_topic)
    counts[EXAMPLES].done = sum(1 for n in per_topic.values() if n >= EXAMPLES_PER_TOPIC)
    return Coverage(lang, counts)
