"""Measuring the FAQ matcher on a labelled question set (JSON lines)."""

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.domain.matching import FaqMatcher


@dataclass
class Report:
    """Figures of one evaluation run."""

    questions: int = 0
    in_scope: int = 0
    out_of_scope: int = 0
    top1_correct: int = 0  # best-ranked topic is the expected one
    answered_correct: int = 0  # confident answer with the expected topic
    confident_wrong: int = 0  # confident answer with another topic (or to an out-of-scope one)
    fallback_correct: int = 0  # out-of-scope question got the honest fallback
    misses: list[dict[str, Any]] = field(default_factory=list)

    @property
    def top1_accuracy(self) -> float:
        """Top-1 accuracy on in-scope questions."""
        return self.top1_correct / max(1, self.in_scope)

    @property
    def answered_accuracy(self) -> float:
        """Share of in-scope questions answered confidently and correctly."""
        return self.answered_correct / max(1, self.in_scope)

    @property
    def confident_wrong_rate(self) -> float:
        """Confident wrong answers as a share of all questions."""
        return self.confident_wrong / max(1, self.questions)

    @property
    def fallback_rate(self) -> float:
        """Share of out-of-scope questions that got the honest fallback."""
        return self.fallback_correct / max(1, self.out_of_scope)

    def summary(self) -> dict[str, float | int]:
        """The headline figures."""
        return {
            "questions": self.questions,
            "in_scope": self.in_scope,
            "out_of_scope": self.out_of_scope,
            "top1_accuracy": round(self.top1_accuracy, 4),
            "answered_accuracy": round(self.answered_accuracy, 4),
            "confident_wrong_rate": round(self.confident_wrong_rate, 4),
            "out_of_scope_fallback_rate": round(self.fallback_rate, 4),
        }


def read_questions(path: Path) -> list[dict[str, Any]]:
    """Read a question set: one JSON object per line with "q" and "topic" (null: out of scope)."""
    rows = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if line.strip():
            row = json.loads(line)
            if "q" not in row or "topic" not in row:
                raise ValueError(f'{path}:{number}: needs "q" and "topic"')
            rows.append(row)
    return rows


def evaluate(matcher: FaqMatcher, rows: Iterable[dict[str, Any]]) -> Report:
    """Run every question through the matcher and count the outcomes."""
    report = Report()
    for row in rows:
        expected = row["topic"]
        match = matcher.match(row["q"])
        best = match.candidates[0].topic if match.candidates else None
        answered = match.topic if match.outcome == "answer" else None
        report.questions += 1
        if expected is None:
            report.out_of_scope += 1
            report.fallback_correct += match.outcome == "fallback"
        else:
            report.in_scope += 1
            report.top1_correct += best == expected
            report.answered_correct += answered == expected
        if answered is not None and answered != expected:
            report.confident_wrong += 1
        if answered != expected and not (expected is None and match.outcome == "fallback"):
            report.misses.append(
                {"q": row["q"], "expected": expected, "outcome": match.outcome, "best": best}
            )
    return report
