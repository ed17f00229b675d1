"""Matching a resident's question to an FAQ topic, in whatever language it is written.

Pipeline: Unicode and chat-spelling normalisation -> slang / Kupang Malay lexicon ->
typo repair against the FAQ vocabulary (RapidFuzz) -> Indonesian stemming (Sastrawi)
-> BM25 over every example question (bm25s). Confidence is how much of the question's
information (IDF-weighted words) the best example explains, combined with the margin
to the runner-up topic; out-of-scope examples compete as a topic of their own.
"""

import math
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

import bm25s
import numpy as np
from rapidfuzz import fuzz, process
from Sastrawi.Stemmer.StemmerFactory import StemmerFactory

from bot.domain.faq import OUT_OF_SCOPE

Outcome = Literal["answer", "clarify", "fallback"]
BM25_WEIGHT = 0.3
# A census word ("sensus", "petugas") weighs at least this much, however many topics use it:
# it says the question is in scope even when it does not say which topic.
ANCHOR_WEIGHT = 1.5

_WORD = re.compile(r"[a-z0-9]+")
_ADDRESS = re.compile(r"(?:https?://)?(?:[a-z0-9-]+\.)+(?:id|com|net|org|info|xyz)(?:/\S*)?")
_REDUPLICATION = re.compile(r"\b([a-z]{2,})2\b")  # "ciri2" -> "ciri ciri"
_REPEATS = re.compile(r"([a-z])\1{2,}")  # "tolonggg" -> "tolong"
_ENCLITICS = ("nya", "ny", "lah", "kah", "ku", "mu")


def colloquial_bases(word: str) -> list[str]:
    """Standard forms a colloquial Indonesian word may stand for, most likely first.

    Sastrawi knows formal affixes only; chat uses "ke-" for "ter-" (kebuka, kekirim),
    "-in" for "-kan" (bedain, benerin), "nge-"/"ng-" for "me-" (ngecek, ngirim).
    """
    bases = [word.removesuffix(e) for e in _ENCLITICS if word.endswith(e)]
    if word.endswith("in"):
        bases.append(word[:-2])
    for prefix in ("ke", "nge", "ng", "di"):
        if word.startswith(prefix):
            rest = word[len(prefix) :]
            bases += [rest, rest[:-2]] if rest.endswith("in") else [rest]
    if word.startswith("ng"):
        bases.append("k" + word[2:])
    return [b for b in bases if len(b) >= 2]


@dataclass(frozen=True)
class Thresholds:
    """Where the three outcomes begin; tuned on the development set."""

    answer: float = 0.30  # confidence needed to answer
    margin: float = 0.01  # lead over the runner-up needed to answer (ties: ask)
    clarify: float = 0.15  # below this: "I can only help with the census"
    unanchored: float = 0.80  # the same, for a question without any census word


@dataclass(frozen=True)
class Candidate:
    """A topic and how well the question fits it (0..1)."""

    topic: str
    score: float


@dataclass(frozen=True)
class Match:
    """The decision for one question."""

    outcome: Outcome
    topic: str | None  # the answered topic (outcome "answer") else None
    score: float  # confidence of the best in-scope topic
    candidates: tuple[Candidate, ...]  # best in-scope topics, best first


class Normaliser:
    """Turns text into comparable word stems."""

    def __init__(self, lexicon: Mapping[str, str], stopwords: Iterable[str] = ()) -> None:
        self.lexicon = {k: v.split() for k, v in lexicon.items()}
        self.stopwords = frozenset(stopwords)
        self._stemmer = StemmerFactory().create_stemmer()
        self._dictionary = self._stemmer.delegatedStemmer.dictionary
        self.vocabulary: frozenset[str] = frozenset()
        self._vocabulary_list: list[str] = []

    def learn(self, texts: Iterable[str]) -> None:
        """Remember the words of the FAQ examples, to repair typos towards them."""
        self.vocabulary = frozenset(w for text in texts for w in self.words(text))
        self._vocabulary_list = sorted(self.vocabulary)
        self._repair.cache_clear()

    def words(self, text: str) -> list[str]:
        """Lower-cased words with chat spelling and slang rewritten."""
        text = unicodedata.normalize("NFKC", text).lower()
        text = _ADDRESS.sub(" situs ", text)  # "sensus.bps.go.id" is a site, not four words
        text = _REPEATS.sub(r"\1", _REDUPLICATION.sub(r"\1 \1", text))
        words: list[str] = []
        for word in _WORD.findall(text):
            if word not in self.stopwords:
                words.extend(self.lexicon.get(word, (word,)))
        return words

    def tokens(self, text: str) -> list[str]:
        """Stemmed tokens after typo repair."""
        return [self._stem(self._repair(word)) for word in self.words(text)]

    @lru_cache(maxsize=50_000)  # noqa: B019 - one normaliser lives as long as the bot
    def _repair(self, word: str) -> str:
        if word in self.vocabulary or len(word) < 4 or word.isdigit():
            return word
        for base in colloquial_bases(word):
            if base in self.vocabulary:
                return base
        long_word = len(word) >= 6
        found = process.extractOne(
            word, self._vocabulary_list, scorer=fuzz.ratio, score_cutoff=80 if long_word else 86
        )
        if found is None:
            return word
        # A near-certain typo of an FAQ word wins even when the stemmer knows the word
        # ("diperpajang" is a typo of "diperpanjang", not a form of "pajang").
        if found[1] >= (90 if long_word else 88):
            return str(found[0])
        if self._dictionary.contains(word) or self._dictionary.contains(self._stem(word)):
            return word  # a real Indonesian word, just not one the FAQ uses
        return str(found[0])

    @lru_cache(maxsize=50_000)  # noqa: B019
    def _stem(self, word: str) -> str:
        return str(self._stemmer.stem(word)) or word


class FaqMatcher:
    """Ranks topics for a question and decides between answer, clarify and fallback."""

    def __init__(
        self,
        examples: list[tuple[str, str]],
        normaliser: Normaliser,
        thresholds: Thresholds | None = None,
    ) -> None:
        self.normaliser = normaliser
        self.thresholds = thresholds or Thresholds()
        normaliser.learn(text for _, text in examples)
        pooled: dict[str, list[str]] = {}
        for topic, text in examples:
            pooled.setdefault(topic, []).extend(normaliser.tokens(text))
        self._topics = list(pooled)
        self._vocabularies = [frozenset(tokens) for tokens in pooled.values()]
        self._bm25 = bm25s.BM25()
        self._bm25.index(list(pooled.values()), show_progress=False)
        # IDF over topics: a word many topics share ("sensus", "apa") tells little.
        spread: dict[str, int] = {}
        for vocabulary in self._vocabularies:
            for token in vocabulary:
                spread[token] = spread.get(token, 0) + 1
        n = len(self._topics)
        self._idf = {t: math.log(1 + (n - k + 0.5) / (k + 0.5)) for t, k in spread.items()}
        # A word no example uses counts half as much as a word only one topic uses.
        self._unknown_idf = 0.5 * math.log(1 + (n - 0.5) / 1.5)
        # Census words: common in the topics' examples, absent from out-of-scope ones.
        uses: dict[str, int] = {}
        for topic, text in examples:
            if topic != OUT_OF_SCOPE:
                for token in set(normaliser.tokens(text)):
                    uses[token] = uses.get(token, 0) + 1
        outside = (
            self._vocabularies[self._topics.index(OUT_OF_SCOPE)]
            if OUT_OF_SCOPE in pooled
            else frozenset()
        )
        self._anchors = frozenset(t for t, k in uses.items() if k >= 3 and t not in outside)

    def match(self, question: str) -> Match:
        """Score every topic and decide what to do with the question."""
        query = set(self.normaliser.tokens(question))
        known = sorted(t for t in query if t in self._idf)
        if not known:
            return Match("fallback", None, 0.0, ())
        bm25 = self._bm25.get_scores(known)
        bm25 = bm25 / (bm25.max() or 1.0)
        weights = {t: self._weight(t) for t in query}
        total = sum(weights.values())
        coverage = np.array(
            [sum(weights[t] for t in query & v) / total for v in self._vocabularies]
        )
        # Coverage says how much of the question a topic explains; BM25 breaks ties
        # in favour of the topic whose examples use the shared words most.
        ranking = coverage + BM25_WEIGHT * bm25
        order = [int(i) for i in np.argsort(-ranking)]
        in_scope = [i for i in order if self._topics[i] != OUT_OF_SCOPE][:3]
        candidates = tuple(
            Candidate(self._topics[i], round(float(coverage[i]), 4)) for i in in_scope
        )
        lead = float(ranking[in_scope[0]] - ranking[in_scope[1]]) if len(in_scope) > 1 else 1.0
        anchored = bool(query & self._anchors)
        return self._decide(self._topics[order[0]] == OUT_OF_SCOPE, anchored, candidates, lead)

    def _weight(self, token: str) -> float:
        if token in self._anchors:
            return max(self._idf[token], ANCHOR_WEIGHT)
        return self._idf.get(token, self._unknown_idf)

    def _decide(
        self, out_of_scope: bool, anchored: bool, candidates: tuple[Candidate, ...], lead: float
    ) -> Match:
        limits = self.thresholds
        top = candidates[0]
        needed = limits.clarify if anchored else limits.unanchored
        if out_of_scope or top.score < needed:
            return Match("fallback", None, top.score, candidates)
        # Without a single census word the question may well be about something else.
        if anchored and top.score >= limits.answer and lead >= limits.margin:
            return Match("answer", top.topic, top.score, candidates)
        return Match("clarify", None, top.score, candidates)
