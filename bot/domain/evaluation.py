"""Measuring the FAQ matcher: on a labelled question set (JSON lines), and by grouped
cross-validation over the shipped examples, which also fits the decision thresholds."""

import itertools
import json
import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from bot.domain.faq import CHAT_TOPICS, OUT_OF_SCOPE, Example
from bot.domain.matching import (
    NOT_TOPICS,
    FaqMatcher,
    Match,
    Normaliser,
    Signals,
    Thresholds,
    decide,
)

SMALL_TALK = "small-talk"  # in a question set: any small-talk reply is right
ALL = "all"
# Phrasings this similar (cosine of character n-grams) stay in one fold: a near copy in
# the training folds would make a question look easier than a new one is.
NEAR_DUPLICATE = 0.7
TARGET_WRONG = 0.02  # confident-wrong share of all questions the thresholds aim at
# Answering: every combination of the confidence's weights, and for each the lowest
# confidence that keeps confident-wrong within the target.
GATE_GRIDS = {
    "known": np.arange(0.0, 8.01, 0.5),
    "length": np.arange(-2.0, 3.01, 0.25),
    "anchor": np.arange(0.0, 2.01, 0.5),
}
GATE_FIELDS = ("answer", *GATE_GRIDS)  # what fit_gate() fits
GATE_FOLDS = 5  # gate_cross_validated(): folds of the out-of-fold signals
# Replies other than an answer: buttons and small talk, once the answer gates are set.
REPLY_GRIDS = {"clarify": np.arange(0.0, 0.51, 0.02), "chat": np.arange(0.10, 0.96, 0.05)}


@dataclass
class Tally:
    """Counts of one evaluation, for one language or all."""

    questions: int = 0
    in_scope: int = 0
    out_of_scope: int = 0
    small_talk: int = 0
    confident_right: int = 0  # in scope, answered with the expected topic
    helpful: int = 0  # ... or the expected topic among the offered buttons
    top1: int = 0  # the best-ranked topic is the expected one
    confident_wrong: int = 0  # answered with another topic (any question)
    not_answered: int = 0  # out of scope or small talk, and no census topic answered
    honest: int = 0  # its own reply: out of scope the fallback, small talk a small-talk one

    def add(self, expected: str, match: Match) -> bool:
        """Count one question with its expected label; whether the reply was a good one."""
        answered = match.topic if match.outcome == "answer" else None
        self.questions += 1
        wrong = answered is not None and answered != expected
        self.confident_wrong += wrong
        if expected == OUT_OF_SCOPE:
            self.out_of_scope += 1
            self.not_answered += answered is None
            self.honest += match.outcome == "fallback"  # a greeting back would be odd
            return not wrong
        if expected == SMALL_TALK or expected in CHAT_TOPICS:
            self.small_talk += 1
            self.not_answered += answered is None
            self.honest += match.outcome == "chat"
            return not wrong
        self.in_scope += 1
        self.confident_right += answered == expected
        offered = match.outcome == "clarify" and expected in {c.topic for c in match.candidates}
        self.helpful += answered == expected or offered
        self.top1 += bool(match.candidates) and match.candidates[0].topic == expected
        return answered == expected or offered

    def value(self) -> int:
        """What the threshold search maximises: people helped, honestly."""
        return self.confident_right + self.helpful + self.honest

    def summary(self) -> dict[str, float | int]:
        """The headline figures as shares."""

        def share(part: int, whole: int) -> float:
            return round(part / whole, 4) if whole else 0.0

        outside = self.out_of_scope + self.small_talk
        return {
            "questions": self.questions,
            "in_scope": self.in_scope,
            "out_of_scope": self.out_of_scope,
            "small_talk": self.small_talk,
            "confident_right": share(self.confident_right, self.in_scope),
            "helpful": share(self.helpful, self.in_scope),
            "top1": share(self.top1, self.in_scope),
            "confident_wrong": share(self.confident_wrong, self.questions),
            "out_of_scope_not_answered": share(self.not_answered, outside),
            "out_of_scope_fallback": share(self.honest, outside),
        }


@dataclass
class Report:
    """Figures of one evaluation run, overall and per language, and what went wrong."""

    tallies: dict[str, Tally] = field(default_factory=dict)
    confusions: Counter[tuple[str, str]] = field(default_factory=Counter)
    misses: list[dict[str, Any]] = field(default_factory=list)

    @property
    def overall(self) -> Tally:
        """The tally over every language."""
        return self.tallies.setdefault(ALL, Tally())

    def add(self, question: str, expected: str, lang: str, match: Match) -> None:
        """Count one question; keep it as a miss unless it was helped or honestly declined."""
        self.tallies.setdefault(lang, Tally()).add(expected, match)
        if self.overall.add(expected, match):
            return
        self.misses.append(
            {
                "q": question,
                "lang": lang,
                "expected": expected,
                "outcome": match.outcome,
                "topic": match.topic,
                "candidates": [c.topic for c in match.candidates],
            }
        )
        guess = match.topic if match.outcome == "answer" else None
        guess = guess or (match.candidates[0].topic if match.candidates else None)
        if expected not in NOT_TOPICS and guess is not None and guess != expected:
            self.confusions[(min(expected, guess), max(expected, guess))] += 1

    def summary(self) -> dict[str, Any]:
        """Figures overall, per language, and the most confused topic pairs."""
        languages = sorted(lang for lang in self.tallies if lang != ALL)
        return {
            **self.overall.summary(),
            "languages": {lang: self.tallies[lang].summary() for lang in languages},
            "most_confused": [
                {"topics": list(pair), "questions": n}
                for pair, n in self.confusions.most_common(10)
            ],
        }


def read_questions(path: Path, labels: Iterable[str]) -> list[dict[str, Any]]:
    """A question set: one JSON object a line with "q", "topic" and optionally "lang".

    "topic" is a topic id, "out-of-scope" (or null) or "small-talk"; ValueError names the
    line of anything else.
    """
    known = {*labels, SMALL_TALK}
    rows = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as error:
            raise ValueError(f"line {number}: not JSON ({error.msg})") from None
        if not isinstance(row, dict) or not isinstance(row.get("q"), str) or "topic" not in row:
            raise ValueError(f'line {number}: needs a text "q" and a "topic"')
        topic = OUT_OF_SCOPE if row["topic"] is None else row["topic"]
        if topic not in known:
            raise ValueError(f"line {number}: unknown topic {topic!r}")
        rows.append({"q": row["q"], "topic": topic, "lang": str(row.get("lang", "-"))})
    if not rows:
        raise ValueError("no questions in the file")
    return rows


def evaluate(matcher: FaqMatcher, rows: Iterable[dict[str, Any]]) -> Report:
    """Run every question through the matcher and count the outcomes."""
    report = Report()
    for row in rows:
        report.add(row["q"], row["topic"], row.get("lang", "-"), matcher.match(row["q"]))
    return report


def near_duplicate_groups(texts: Sequence[str]) -> np.ndarray:
    """A group number per text; phrasings closer than NEAR_DUPLICATE share a group."""
    # Imported here: the bot's process (which imports this module through the CLI) never
    # needs scikit-learn, and importing it costs seconds and tens of MB.
    from scipy.sparse.csgraph import connected_components  # noqa: PLC0415
    from sklearn.feature_extraction.text import TfidfVectorizer  # noqa: PLC0415

    vectors = TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5)).fit_transform(
        [t.lower() for t in texts]
    )
    similar = vectors @ vectors.T
    similar.data = (similar.data >= NEAR_DUPLICATE).astype(np.int8)
    similar.eliminate_zeros()
    return np.asarray(connected_components(similar, directed=False)[1])


def cross_validate(
    examples: Sequence[Example], normaliser: Normaliser, folds: int = 5, repeats: int = 1
) -> list[Signals]:
    """Every example's signals from a matcher trained on the folds it is not in.

    With ``repeats`` > 1 the folds are drawn that many times (other shuffles) and the
    signals of every round follow one another: pair them with ``repeated(examples,
    repeats)``. One split's luck moves confident-right by a point or two either way.
    """
    from sklearn.model_selection import StratifiedGroupKFold  # noqa: PLC0415 (see above)

    texts = [e.question for e in examples]
    labels = [e.topic for e in examples]
    groups = near_duplicate_groups(texts)
    found: list[Signals] = []
    for round_number in range(repeats):
        splitter = StratifiedGroupKFold(n_splits=folds, shuffle=True, random_state=round_number)
        signals: list[Signals | None] = [None] * len(examples)
        for train, test in splitter.split(np.zeros(len(texts)), labels, groups):
            matcher = FaqMatcher.trained([(labels[i], texts[i]) for i in train], normaliser)
            for i in test:
                signals[i] = matcher.signals(texts[i])
        found += [s for s in signals if s is not None]
    return found


def repeated(examples: Sequence[Example], repeats: int) -> tuple[Example, ...]:
    """The examples once per round of cross_validate(..., repeats)."""
    return tuple(examples) * repeats


def report_of(
    examples: Sequence[Example], signals: Sequence[Signals], thresholds: Thresholds
) -> Report:
    """The figures the examples' signals give under some thresholds."""
    return report_of_matches(examples, [decide(signal, thresholds) for signal in signals])


def report_of_matches(examples: Sequence[Example], matches: Sequence[Match]) -> Report:
    """The figures of the examples' decisions."""
    report = Report()
    for example, match in zip(examples, matches, strict=True):
        report.add(example.question, example.topic, example.lang, match)
    return report


def fit_gate(
    examples: Sequence[Example], signals: Sequence[Signals], target_wrong: float = TARGET_WRONG
) -> Thresholds:
    """The answer gate (`answer` and the confidence's weights) that answers the most
    questions right with at most ``target_wrong`` confident-wrong: every combination of
    GATE_GRIDS, each with the lowest confidence within the wrong budget."""
    expected = np.array([e.topic for e in examples])
    best = np.array([s.ranking[0].topic for s in signals])
    # Only topics are answered: the others never count, whatever their confidence.
    topic = ~np.isin(best, list(NOT_TOPICS))
    right = (best == expected)[topic]
    terms = np.array(
        [(s.odds, s.known, np.log1p(s.tokens), s.anchored) for s in signals], dtype=np.float64
    )[topic]
    allowed = target_wrong * len(examples)
    chosen, most_right = Thresholds(), -1
    for weights in itertools.product(*GATE_GRIDS.values()):
        sure = terms[:, 0] + terms[:, 1:] @ np.array(weights)
        order = np.argsort(-sure)
        # Answering from the surest down, as far as the wrong budget allows; the file
        # keeps three decimals, so the limit is rounded up (answering fewer, never more).
        within = np.flatnonzero(np.cumsum(~right[order]) <= allowed)
        if not len(within):
            continue
        answer = math.ceil(sure[order[within[-1]]] * 1000) / 1000
        if (~right & (sure >= answer)).sum() > allowed:  # equal ones past the budget
            answer += 0.001
        n_right = int((right & (sure >= answer)).sum())
        if n_right > most_right:
            most_right = n_right
            named = dict(zip(GATE_GRIDS, (round(float(w), 3) for w in weights), strict=True))
            chosen = Thresholds(answer=answer, **named)
    return chosen


def fit_thresholds(
    examples: Sequence[Example],
    signals: Sequence[Signals],
    target_wrong: float = TARGET_WRONG,
) -> Thresholds:
    """Thresholds that answer the most questions right with at most ``target_wrong``
    confident-wrong, then offer buttons and small talk so that the most people are helped.

    Answering does not depend on the button and small-talk thresholds, so the two are
    fitted one after the other: first the answer gate (fit_gate), then REPLY_GRIDS by
    the value of the replies (Tally.value).
    """
    chosen = fit_gate(examples, signals, target_wrong)
    expected = [e.topic for e in examples]
    labelled = list(zip(expected, signals, strict=True))

    def value(limits: Thresholds) -> int:
        tally = Tally()
        for label, signal in labelled:
            tally.add(str(label), decide(signal, limits))
        return tally.value()

    replies = (
        replace(chosen, clarify=round(float(c), 3), chat=round(float(t), 3))
        for c, t in itertools.product(*REPLY_GRIDS.values())
    )
    return max(replies, key=value)


def gate_cross_validated(
    examples: Sequence[Example],
    signals: Sequence[Signals],
    thresholds: Thresholds,
    repeats: int = 1,
) -> Report:
    """The figures of an answer gate fitted without the questions it decides: each of
    GATE_FOLDS folds of the out-of-fold signals (grouped as cross_validate groups the
    examples, every round of an example in the same fold) is decided by a gate fitted on
    the other folds, with the buttons and small-talk thresholds of ``thresholds``.

    A gate fitted and counted on the same signals (as the thresholds file's figures are)
    flatters itself a little; this is the figure to expect of new questions.
    """
    from sklearn.model_selection import GroupKFold  # noqa: PLC0415 (see near_duplicate_groups)

    once = [e.question for e in examples[: len(examples) // repeats]]
    groups = np.tile(near_duplicate_groups(once), repeats)
    decided: list[Match | None] = [None] * len(examples)
    for fitting, scored in GroupKFold(n_splits=GATE_FOLDS).split(once * repeats, groups=groups):
        gate = fit_gate([examples[i] for i in fitting], [signals[i] for i in fitting])
        limits = replace(thresholds, **{name: getattr(gate, name) for name in GATE_FIELDS})
        for i in scored:
            decided[i] = decide(signals[i], limits)
    assert None not in decided  # every example is in one scored fold
    return report_of_matches(examples, [m for m in decided if m is not None])


def thresholds_comment(
    report: Report, folds: int, repeats: int = 1, honest: Report | None = None
) -> str:
    """The header of the thresholds file: how they were made and what they gave (and, with
    ``honest``, what gate_cross_validated gave)."""
    figures = report.overall.summary()
    rounds = f" --repeats {repeats}" if repeats > 1 else ""
    comment = (
        "Decision thresholds of the FAQ matcher, fitted by grouped cross-validation over\n"
        "locales/*/examples/*.jsonl. Re-compute after changing examples:\n"
        f"  sensus-bot faq eval --cv {folds}{rounds} --write-thresholds\n"
        f"Cross-validated with these: {figures['questions'] // repeats} examples"
        f"{f' x {repeats} splits' if repeats > 1 else ''}, confident-right "
        f"{figures['confident_right']:.1%}, helpful {figures['helpful']:.1%},\n"
        f"confident-wrong {figures['confident_wrong']:.1%} of all, out-of-scope not answered "
        f"{figures['out_of_scope_not_answered']:.1%}."
    )
    if honest is None:
        return comment
    other = honest.overall.summary()
    return comment + (
        f"\nWith the answer gate fitted on other folds ({GATE_FOLDS}, grouped): confident-right "
        f"{other['confident_right']:.1%},\nconfident-wrong {other['confident_wrong']:.1%}."
        "\nconfidence = ln(p / (1 - p)) + known * share of known tokens"
        " + length * ln(1 + tokens)\n  + anchor * census word; answered from `answer` on."
    )
