"""The step-by-step walkthrough of the online census form, as data."""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from bot.domain.calendar import Calendar
from bot.domain.faq import (
    SOURCE_LANGUAGE,
    FaqError,
    Variants,
    pick_variant,
    read_per_language,
    read_toml,
    text_variants,
)

FIELDS = ("title", "text", "watch", "help")
Texts = Mapping[str, Variants]  # language -> variants by access method and phase


@dataclass(frozen=True)
class Step:
    """One step of the guide, with its texts per field and language."""

    id: str
    access: str | None
    branches: tuple[str, ...]
    check: bool
    texts: Mapping[str, Texts]  # field -> texts

    def text(self, field: str, lang: str, calendar: Calendar, now: datetime) -> str | None:
        """A field's text for the calendar in force at ``now``, before placeholders; None
        when the step has no such text."""
        texts = self.texts.get(field)
        return pick_variant(texts, lang, calendar, now) if texts else None


@dataclass(frozen=True)
class Branch:
    """A side path (no internet, new KK, family elsewhere)."""

    id: str
    titles: Texts
    texts: Texts


@dataclass(frozen=True)
class Guide:
    """Every step in order, and the branches."""

    steps: tuple[Step, ...]
    branches: Mapping[str, Branch]

    def steps_for(self, access: str) -> list[Step]:
        """The steps shown when ``access`` is the login method in force."""
        return [s for s in self.steps if s.access in (None, access)]

    def step(self, step_id: str, access: str) -> Step | None:
        """A step by id, if it is part of the guide for this access method."""
        return next((s for s in self.steps_for(access) if s.id == step_id), None)

    def neighbour(self, step_id: str, access: str, offset: int) -> Step | None:
        """The step ``offset`` places away (-1: back, +1: next), if any."""
        steps = self.steps_for(access)
        index = next((i for i, s in enumerate(steps) if s.id == step_id), None)
        if index is None or not 0 <= index + offset < len(steps):
            return None
        return steps[index + offset]

    def position(self, step_id: str, access: str) -> tuple[int, int]:
        """(step number from 1, number of steps)."""
        steps = self.steps_for(access)
        return next(i for i, s in enumerate(steps) if s.id == step_id) + 1, len(steps)


def load_guide(locales_dir: Path, languages: Iterable[str]) -> Guide:
    """Read locales/guide-steps.toml and each language's guide.toml."""
    structure = read_toml(locales_dir / "guide-steps.toml")
    per_language = read_per_language(locales_dir, languages, "guide.toml")

    def texts(key: str, field: str, table: str | None = None) -> dict[str, Variants]:
        found: dict[str, Variants] = {}
        for lang, data in per_language.items():
            entry = (data.get(table, {}) if table else data).get(key, {})
            if field in entry:
                found[lang] = text_variants(entry[field], f"{lang}/guide.toml: {key}.{field}")
        return found

    steps = []
    for raw in structure["step"]:
        step_texts = {f: texts(raw["id"], f) for f in FIELDS}
        missing = [f for f in FIELDS if SOURCE_LANGUAGE not in step_texts[f]]
        if missing:
            raise FaqError(f"{SOURCE_LANGUAGE}/guide.toml: {raw['id']} needs {', '.join(missing)}")
        steps.append(
            Step(
                id=raw["id"],
                access=raw.get("access"),
                branches=tuple(raw.get("branches", [])),
                check=bool(raw.get("check", False)),
                texts=step_texts,
            )
        )
    branch_ids = {b for s in steps for b in s.branches}
    branches = {}
    for branch_id in branch_ids:
        titles, bodies = texts(branch_id, "title", "branch"), texts(branch_id, "text", "branch")
        if SOURCE_LANGUAGE not in titles or SOURCE_LANGUAGE not in bodies:
            raise FaqError(f"{SOURCE_LANGUAGE}/guide.toml: branch.{branch_id} needs title, text")
        branches[branch_id] = Branch(branch_id, titles, bodies)
    return Guide(tuple(steps), branches)
