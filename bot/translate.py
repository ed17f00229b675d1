"""The translator's spreadsheet: export a language's texts to CSV, import them back, add a
language. Files are rewritten only when their content changes, format-preserving (tomlkit
for TOML, Babel for .po), and only after every row of the import is valid."""

import csv
import io
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any

import tomlkit
from babel.messages.pofile import write_po
from tomlkit.items import AoT

from bot.i18n import SOURCE_LANGUAGE, read_catalog
from bot.telegram_text import HTML_TAGS, Refused, html_to_text, utf16_length
from bot.texts import (
    EXAMPLES,
    REVIEW_FILE,
    Project,
    Text,
    all_texts,
    calendar_key,
    calendar_tables,
    read_examples,
    read_reviews,
    read_toml_file,
    review_state,
    string_leaves,
)

_PARSE_PREFIX = re.compile(r"^(?:Bad Request: )?can't parse entities: ", re.IGNORECASE)
TELEGRAM_TAGS = " ".join(f"<{tag}>" for tag in sorted(HTML_TAGS))
PLACEHOLDER = re.compile(r"\{[A-Za-z0-9_]*\}")
PO_WIDTH = 100  # the width the project's catalogs are wrapped at
KEY, KIND, NOTE, SOURCE, ENGLISH, REVIEW = (
    "key",
    "kind",
    "note",
    "Indonesian",
    "English",
    "review",
)


class ImportProblems(ValueError):
    """A CSV that cannot be imported; ``errors`` lists every problem with its row."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__(f"{len(errors)} problem(s)")
        self.errors = errors


def text_column(code: str, name: str) -> str:
    """The header of the column translators write in, e.g. ``mkn: Bahasa Kupang``."""
    return f"{code}: {name}"


def note(text: Text) -> str:
    """Where a text appears and what it must keep."""
    parts = [text.where]
    if text.limit:
        parts.append(
            f"at most {text.limit} characters"
            + (" after HTML" if text.html and not text.button else "")
        )
    keep = sorted(set(PLACEHOLDER.findall(text.source)))
    if keep and text.category != EXAMPLES:
        parts.append("keep " + " ".join(keep))
    if text.html and "<" in text.source:
        parts.append("keep the HTML tags")
    return "; ".join(parts)


def export_csv(project: Project, lang: str, target: Path) -> int:
    """Write one row per text of ``lang``; the number of rows.

    UTF-8 with a byte-order mark: Excel needs it to read UTF-8, LibreOffice and Google
    Sheets accept it; cells with line breaks are quoted, which all three read."""
    languages = project.languages()
    reviews = read_reviews(project, lang)
    texts = all_texts(project, lang)
    with target.open("w", encoding="utf-8-sig", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(
            [KEY, KIND, NOTE, SOURCE, ENGLISH, text_column(lang, languages[lang].name), REVIEW]
        )
        for text in texts:
            writer.writerow(
                [
                    text.key,
                    text.category,
                    note(text),
                    text.source,
                    text.english,
                    text.current,
                    review_state(text, reviews.get(text.key)),
                ]
            )
    return len(texts)


def read_rows(source: Path, codes: Iterable[str]) -> tuple[str, list[tuple[int, str, str]]]:
    """(language, [(row number, key, text)]) from a CSV saved by any spreadsheet."""
    raw = source.read_text(encoding="utf-8-sig")
    header = raw.splitlines()[0] if raw else ""
    # Spreadsheets in Indonesian locales save with semicolons; pick what splits the header.
    delimiter = max(",;\t", key=header.count)
    rows = list(csv.reader(io.StringIO(raw, newline=""), delimiter=delimiter))
    if not rows or KEY not in rows[0]:
        raise ImportProblems([f"{source}: row 1 must be the header with a '{KEY}' column"])
    head = rows[0]
    columns = [i for i, h in enumerate(head) if h.partition(":")[0].strip() in codes and ":" in h]
    if len(columns) != 1:
        raise ImportProblems(
            [f"{source}: row 1 needs exactly one column like 'mkn: Bahasa Kupang'"]
        )
    key_at, text_at = head.index(KEY), columns[0]
    lang = head[text_at].partition(":")[0].strip()
    found = []
    for number, row in enumerate(rows[1:], 2):
        if not any(cell.strip() for cell in row):
            continue
        cell = row[text_at] if text_at < len(row) else ""
        found.append(
            (number, row[key_at].strip() if key_at < len(row) else "", cell.replace("\r\n", "\n"))
        )
    return lang, found


def extra_example(texts: Mapping[str, Text], key: str) -> Text | None:
    """A row a translator added for one more example question of a known topic."""
    prefix, _, number = key.rpartition(":")
    first = texts.get(f"{prefix}:1")
    if first is None or first.category != EXAMPLES or not number.isdigit() or number == "0":
        return None
    return replace(first, key=key, source="", english="", current="")


def problems(text: Text, value: str) -> list[str]:
    """What is wrong with ``value`` as the language's version of ``text``."""
    found = []
    if text.category != EXAMPLES:
        wanted, got = set(PLACEHOLDER.findall(text.source)), set(PLACEHOLDER.findall(value))
        if wanted != got:
            lost, extra = sorted(wanted - got), sorted(got - wanted)
            found.append(
                "placeholders differ from the Indonesian"
                + (f"; missing {' '.join(lost)}" if lost else "")
                + (f"; unknown {' '.join(extra)}" if extra else "")
            )
    visible = value
    if text.html:
        try:
            visible = html_to_text(value)
        except Refused as error:
            reason = _PARSE_PREFIX.sub("", str(error))
            found.append(f"HTML: {reason} (Telegram allows {TELEGRAM_TAGS})")
    length = len(visible) if text.button else utf16_length(visible)
    if text.limit and length > text.limit:
        found.append(f"{length} characters, at most {text.limit} allowed here")
    return found


@dataclass
class Plan:
    """What an import changes: new texts per key, reviews to record, files to write."""

    lang: str
    changes: dict[str, str] = field(default_factory=dict)
    reviewed: list[Text] = field(default_factory=list)
    files: dict[Path, bytes] = field(default_factory=dict)


def plan_import(
    project: Project, source: Path, reviewer: str | None, today: str
) -> tuple[Plan, dict[str, Text]]:
    """Validate every row; the planned changes, or ImportProblems listing every problem."""
    languages = project.languages()
    lang, rows = read_rows(source, languages)
    if lang == SOURCE_LANGUAGE:
        raise ImportProblems(
            ["Indonesian is the source language: change it in the code and content files"]
        )
    texts = {t.key: t for t in all_texts(project, lang)}
    errors, seen = [], set()
    plan = Plan(lang)
    for number, key, value in rows:
        text = texts.get(key) or extra_example(texts, key)
        if text is None:
            errors.append(f"row {number}: unknown key {key!r}")
            continue
        if key in seen:
            errors.append(f"row {number}: {key} appears twice")
            continue
        seen.add(key)
        if not value.strip():
            continue
        changed = value != text.current
        if changed or reviewer:
            errors += [f"row {number}: {key}: {p}" for p in problems(text, value)]
        if changed:
            plan.changes[key] = value
            texts.setdefault(key, text)
        if reviewer:
            plan.reviewed.append(text)
    if errors:
        raise ImportProblems(errors)
    plan.files = planned_files(project, plan, texts, reviewer, today)
    return plan, texts


def planned_files(
    project: Project, plan: Plan, texts: Mapping[str, Text], reviewer: str | None, today: str
) -> dict[Path, bytes]:
    """The new content of every file the plan touches, only where it differs."""
    new: dict[Path, bytes] = {}
    by_prefix: dict[str, dict[str, str]] = {}
    for key, value in plan.changes.items():
        by_prefix.setdefault(key.split(":", 1)[0], {})[key] = value
    lang = plan.lang
    if "ui" in by_prefix:
        path = project.catalog_path(lang)
        new[path] = write_catalog(
            project, lang, {texts[k].source: v for k, v in by_prefix["ui"].items()}
        )
    for prefix, name in (("faq", "faq.toml"), ("guide", "guide.toml")):
        if prefix in by_prefix:
            path = project.content_path(lang, name)
            new[path] = write_content(path, prefix, by_prefix[prefix])
    if "calendar" in by_prefix:
        for path in project.calendar_files():
            new[path] = write_calendar(path, lang, by_prefix["calendar"])
    effective: dict[str, str] = {}
    if "example" in by_prefix:
        examples, effective = write_examples(project, lang, by_prefix["example"])
        new.update(examples)
    if reviewer:
        path = project.content_path(lang, REVIEW_FILE)
        marks = {}
        for text in plan.reviewed:
            current = plan.changes.get(text.key, text.current)
            marks[effective.get(text.key, text.key)] = replace(text, current=current).fingerprint
        new[path] = write_reviews(path, marks, reviewer, today)
    return {p: b for p, b in new.items() if not p.exists() or p.read_bytes() != b}


def write_catalog(project: Project, lang: str, changes: Mapping[str, str]) -> bytes:
    """The language's catalog with new texts (msgid -> text), entries added as needed."""
    path = project.catalog_path(lang)
    catalog = read_catalog(path)
    for msgid, value in changes.items():
        message = catalog.get(msgid)
        if message is None:
            catalog.add(msgid, value)
        else:
            message.string = value
            message.flags.discard("fuzzy")
    buffer = io.BytesIO()
    write_po(buffer, catalog, width=PO_WIDTH)
    return buffer.getvalue()


def set_path(doc: Any, path: list[str], value: str) -> None:
    """Set a nested string in a tomlkit document, creating tables as needed."""
    table = doc
    for part in path[:-1]:
        if part not in table:
            table[part] = tomlkit.table()
        table = table[part]
        if not isinstance(table, dict):
            raise ImportProblems(
                [f"{'.'.join(path)}: {part} is a single text, not a table of variants"]
            )
    if isinstance(value, str) and "\n" in value:
        table[path[-1]] = tomlkit.string(value, multiline=True)
    else:
        table[path[-1]] = value


def content_paths(path: Path, prefix: str) -> dict[str, list[str]]:
    """key -> TOML path of the source file's leaves (so keys need no parsing)."""
    source = read_toml_file(path.parent.parent / SOURCE_LANGUAGE / path.name)
    return {f"{prefix}:{'.'.join(p)}": list(p) for p, _ in string_leaves(source)}


def write_content(path: Path, prefix: str, changes: Mapping[str, str]) -> bytes:
    """A faq.toml or guide.toml with new texts."""
    doc = tomlkit.parse(path.read_text(encoding="utf-8")) if path.exists() else tomlkit.document()
    paths = content_paths(path, prefix)
    for key, value in changes.items():
        set_path(doc, paths[key], value)
    return tomlkit.dumps(doc).encode("utf-8")


def write_calendar(path: Path, lang: str, changes: Mapping[str, str]) -> bytes:
    """A calendar file with new texts in its per-language tables."""
    doc = tomlkit.parse(path.read_text(encoding="utf-8"))
    for array, index, name, _ in calendar_tables(read_toml_file(path)):
        entries = doc[array]
        assert isinstance(entries, AoT | list)
        entry = entries[index]
        key = calendar_key(path, str(entry["id"]), array, name)
        if key in changes:
            entry[name][lang] = changes[key]
    return tomlkit.dumps(doc).encode("utf-8")


def write_examples(
    project: Project, lang: str, changes: Mapping[str, str]
) -> tuple[dict[Path, bytes], dict[str, str]]:
    """New example-question files, and where appended questions' keys ended up."""
    folder = project.examples_dir(lang)
    current = read_examples(project, lang)
    source = read_examples(project, SOURCE_LANGUAGE)
    lines: dict[str, list[str]] = {}

    def file_lines(name: str) -> list[str]:
        if name not in lines:
            path = folder / name
            lines[name] = path.read_text(encoding="utf-8").splitlines() if path.exists() else []
        return lines[name]

    effective = {}
    counts = {topic: len(found) for topic, found in current.items()}
    ordered = sorted(changes, key=lambda k: (k.split(":")[1], int(k.split(":")[2])))
    for key in ordered:
        _, topic, number = key.split(":")
        own = current.get(topic, [])
        if int(number) <= len(own):
            example = own[int(number) - 1]
            record = json.loads(file_lines(example.file)[example.line])
            record["q"] = changes[key]
            file_lines(example.file)[example.line] = json.dumps(record, ensure_ascii=False)
        else:
            name = (own or source[topic])[0].file
            file_lines(name).append(
                json.dumps({"q": changes[key], "topic": topic}, ensure_ascii=False)
            )
            counts[topic] = counts.get(topic, 0) + 1
            effective[key] = f"example:{topic}:{counts[topic]}"
    files = {
        folder / name: ("\n".join(text) + "\n").encode("utf-8") for name, text in lines.items()
    }
    return files, effective


def write_reviews(path: Path, marks: Mapping[str, str], reviewer: str, today: str) -> bytes:
    """review.toml with new reviews (key -> fingerprint)."""
    if path.exists():
        doc = tomlkit.parse(path.read_text(encoding="utf-8"))
    else:
        doc = tomlkit.document()
        doc.add(tomlkit.comment("Native-speaker reviews, keyed like `sensus-bot i18n export`."))
        doc.add(
            tomlkit.comment("hash: of the Indonesian source and the reviewed text; when either")
        )
        doc.add(
            tomlkit.comment("changes the review is stale. Written by `i18n import --reviewer`.")
        )
    for key, fingerprint in marks.items():
        entry = tomlkit.table()
        entry["by"], entry["on"], entry["hash"] = reviewer, today, fingerprint
        doc[key] = entry
    return tomlkit.dumps(doc).encode("utf-8")


def apply(plan: Plan) -> None:
    """Write the planned files."""
    for path, content in plan.files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)


def summary(plan: Plan, texts: Mapping[str, Text], reviewer: str | None) -> list[str]:
    """What an import did, in a few lines."""
    per_category: dict[str, int] = {}
    for key in plan.changes:
        category = texts[key].category
        per_category[category] = per_category.get(category, 0) + 1
    changed = ", ".join(f"{n} {c}" for c, n in per_category.items()) or "nothing"
    lines = [f"{plan.lang}: {len(plan.changes)} texts changed ({changed})"]
    if reviewer:
        lines.append(f"{len(plan.reviewed)} texts marked reviewed by {reviewer}")
    lines += [f"wrote {path}" for path in plan.files]
    return lines


LANGUAGE_CODE = re.compile(r"[a-z]{2,3}")


def add_language(
    project: Project, code: str, name: str, telegram: str | None, fallback: str, now: datetime
) -> list[Path]:
    """Create a language: languages.toml entry, catalog from the template, empty content."""
    languages = project.languages()
    if not LANGUAGE_CODE.fullmatch(code):
        raise ValueError(
            f"{code!r}: use an ISO 639 code of 2-3 lowercase letters, e.g. aoz for Uab Meto"
        )
    if code in languages:
        raise ValueError(f"{code} already exists ({languages[code].name})")
    if fallback not in languages:
        raise ValueError(f"--fallback {fallback}: not one of {', '.join(sorted(languages))}")
    if telegram is not None and not re.fullmatch(r"[a-z]{2}", telegram):
        raise ValueError(f"--telegram {telegram}: Telegram takes two-letter ISO 639-1 codes only")
    written = []
    config = project.locales / "languages.toml"
    doc = tomlkit.parse(config.read_text(encoding="utf-8"))
    entry = tomlkit.table()
    entry["name"], entry["fallback"], entry["cldr"] = name, fallback, languages[fallback].cldr
    if telegram:
        entry["telegram"] = telegram
    doc[code] = entry
    catalog = read_catalog(project.locales / "messages.pot")
    catalog.locale = code
    catalog.project, catalog.fuzzy, catalog.revision_date = "sensus-bot", False, now
    catalog.header_comment = f"# {name} ({code}) translations for sensus-bot."
    po = project.catalog_path(code)
    po.parent.mkdir(parents=True, exist_ok=True)
    with po.open("wb") as f:
        write_po(f, catalog, width=PO_WIDTH)
    written.append(po)
    for file, what in (("faq.toml", "FAQ topics"), ("guide.toml", "/panduan steps")):
        path = project.content_path(code, file)
        path.write_text(
            f"# {what} in {name}; fill with `sensus-bot i18n export/import`.\n", encoding="utf-8"
        )
        written.append(path)
    project.examples_dir(code).mkdir(exist_ok=True)
    config.write_text(tomlkit.dumps(doc), encoding="utf-8")
    written.append(config)
    return written
