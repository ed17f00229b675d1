"""Matching a resident's question to an FAQ topic, in whatever language it is written.

Pipeline: Unicode and chat-spelling normalisation -> slang / Kupang Malay lexicon ->
stopwords -> typo repair against the examples' vocabulary (RapidFuzz) -> Indonesian
stemming (Sastrawi); English questions keep their own words (English stopwords, no
Indonesian lexicon or stemming). A linear classifier learns from every example question
(scikit-learn's linear SVM over TF-IDF of the normalised words, word pairs and character
n-grams), and beside it two smaller ones, one over the word features alone and one over the
character n-grams alone, whose scores join the first one's at a quarter each (they disagree
with it most where it is wrong: cross-validation answers half a point more right at the same
wrong share). The sum is turned into probabilities by a softmax.

The answer gate is one sum, the confidence (see `confidence()`):

    ln(p / (1 - p)) + known * share of the question's tokens the model has seen
                    + length * ln(1 + tokens) + anchor * (has a census word)

and a topic is answered when its confidence reaches `answer`. The log-odds of the best
label's probability ranks questions as the probability does; the other terms raise a
question whose words the model knows and that says enough, so that the same budget of
wrong answers buys more right ones. The weights and `answer` are fitted by grouped
cross-validation (bot/domain/evaluation.py) and live in locales/faq-thresholds.toml.
Out-of-scope and small talk are labels like any topic, so they compete on equal terms.
"""

import copy
import itertools
import re
import tomllib
import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, fields
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import numpy as np
from rapidfuzz import fuzz, process
from Sastrawi.Stemmer.StemmerFactory import StemmerFactory
from scipy.sparse import hstack

from bot.domain.faq import CHAT_TOPICS, OUT_OF_SCOPE

Outcome = Literal["answer", "clarify", "fallback", "chat"]
NOT_TOPICS = frozenset({OUT_OF_SCOPE, *CHAT_TOPICS})
CHAR_WEIGHT = 1.0  # character n-grams against words, before the two are normalised together
REGULARISATION = 2.0  # the linear SVM's C
VIEWS = 0.25  # weight of each one-view SVM's scores beside the full one's
SHARPNESS = 10.0  # decision values -> probabilities (softmax); thresholds are fitted on these
OFFERED = 3  # at most this many topics as "did you mean" buttons

_WORD = re.compile(r"[a-z0-9]+")
_ADDRESS = re.compile(r"(?:https?://)?(?:[a-z0-9-]+\.)+(?:id|com|net|org|info|xyz)(?:/\S*)?")
_REDUPLICATION = re.compile(r"\b([a-z]{2,})2\b")  # "ciri2" -> "ciri ciri"
_REPEATS = re.compile(r"([a-z])\1{2,}")  # "tolonggg" -> "tolong"
_ENCLITICS = ("nya", "ny", "lah", "kah", "ku", "mu")
# English contractions, before words are split at the apostrophe ("don't" -> "do not").
_NEGATIONS = re.compile(r"(?:\b(can|won)['’]t|n['’]t)\b")
# Chat English drops the apostrophe: "dont", "didnt", "cant" (not "want").
_BARE_NEGATIONS = re.compile(r"\b(do|does|did|is|are|was|were|has|have|had|could|would|ca|wo)nt\b")
_CLITICS = re.compile(r"['’](?:s|re|ve|ll|d|m)\b")


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


def _negation(found: re.Match[str]) -> str:
    """ "don't" -> "do not", "can't" -> "cannot", "won't" -> "will not"."""
    return {"can": "cannot", "won": "will not"}.get(found.group(1), " not")


def _bare_negation(found: re.Match[str]) -> str:
    """ "dont" -> "do not", "cant" -> "cannot", "wont" -> "will not"."""
    return {"ca": "cannot", "wo": "will not"}.get(found.group(1), f"{found.group(1)} not")


def english_stem(word: str) -> str:
    """A light English stem: plurals only ("questions" -> "question", "families" -> "family")."""
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


@dataclass(frozen=True)
class Lexicon:
    """The language resources of locales/lexicon.toml."""

    words: Mapping[str, str]  # chat spelling, slang, Kupang Malay -> standard Indonesian
    stopwords: frozenset[str]  # Indonesian and chat words that carry no topic
    english: frozenset[str]  # English function words: they mark English and carry no topic
    english_words: Mapping[str, str]  # English words -> the Indonesian stems examples use
    census: frozenset[str]  # words that say a question is about the census

    @classmethod
    def load(cls, path: Path) -> "Lexicon":
        """Read the lexicon file."""
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        return cls(
            words=data["words"],
            stopwords=frozenset(data["stopwords"]["words"]),
            english=frozenset(data["english"]["words"]),
            english_words=data["english-words"],
            census=frozenset(data["census"]["words"]),
        )


@dataclass(frozen=True)
class Analysis:
    """A text as the models see it."""

    phrase: str  # every word after the lexicon rewrite (for character n-grams)
    words: tuple[str, ...]  # the same without stopwords
    tokens: tuple[str, ...]  # typo-repaired stems of the words (for word features)


class Normaliser:
    """Turns text into comparable words and stems."""

    def __init__(self, lexicon: Lexicon, proper_nouns: Iterable[str] = ()) -> None:
        self.lexicon = {k: tuple(v.split()) for k, v in lexicon.words.items()}
        self.stopwords = lexicon.stopwords | lexicon.english
        self.english = lexicon.english
        self.english_words = {k: tuple(v.split()) for k, v in lexicon.english_words.items()}
        # Words typo repair must never bend into FAQ words: place names ("Sabu" is not
        # "sabtu"), English function words, the lexicon's own words.
        self.protected = frozenset(proper_nouns) | lexicon.english | set(self.lexicon)
        self._stemmer = StemmerFactory().create_stemmer()
        self._dictionary = self._stemmer.delegatedStemmer.dictionary
        # English words of the lexicon that Indonesian does not write too ("data", "login",
        # "long" as in "long form" are both): they mark a question as English.
        self.english_only = frozenset(
            k
            for k, v in lexicon.english_words.items()
            if k != v and k not in self.lexicon and not self._dictionary.contains(k)
        )
        self.vocabulary: frozenset[str] = frozenset()
        self._vocabulary_list: list[str] = []
        self._census_words = lexicon.census
        self.census: frozenset[str] = frozenset()

    def vocabulary_of(self, texts: Iterable[str]) -> frozenset[str]:
        """The words of example texts, to repair typos towards."""
        return frozenset(w for text in texts for w in self.words(text))

    def with_vocabulary(self, vocabulary: Iterable[str]) -> "Normaliser":
        """A normaliser that repairs typos towards these words."""
        learned = copy.copy(self)
        learned.vocabulary = frozenset(vocabulary)
        learned._vocabulary_list = sorted(learned.vocabulary)
        learned.census = frozenset(t for w in self._census_words for t in learned.tokens(w))
        return learned

    def raw_words(self, text: str) -> list[str]:
        """Lower-cased words, with repeated letters, "ciri2" and web addresses folded."""
        text = unicodedata.normalize("NFKC", text).lower()
        text = _ADDRESS.sub(" situs ", text)  # "sensus.bps.go.id" is a site, not four words
        text = _NEGATIONS.sub(_negation, text)
        text = _CLITICS.sub("", _BARE_NEGATIONS.sub(_bare_negation, text))
        return _WORD.findall(_REPEATS.sub(r"\1", _REDUPLICATION.sub(r"\1 \1", text)))

    def is_english(self, raw: Sequence[str]) -> bool:
        """Whether a text is English: more English words than Indonesian ones.

        English function words and the English words of the lexicon count ("token not
        received" has no function word); chat and Kupang words and Indonesian stopwords
        count against.
        """
        english = sum(w in self.english or w in self.english_only for w in raw)
        indonesian = sum(w in self.lexicon or w in self.stopwords for w in raw) - english
        return english >= 1 and english > indonesian

    def words(self, text: str) -> list[str]:
        """Words with chat spelling and slang rewritten, then stopwords removed.

        The lexicon comes first, so "yg" (-> "yang") and "katong" (-> "kita") go too.
        """
        return list(self.analyse(text).words)

    def tokens(self, text: str) -> list[str]:
        """Stemmed tokens after typo repair."""
        return list(self.analyse(text).tokens)

    def analyse(self, text: str) -> Analysis:
        """Words and tokens of a text."""
        raw = self.raw_words(text)
        if self.is_english(raw):
            words = tuple(w for w in raw if w not in self.english)
            tokens = tuple(token for word in words for token in self._english_tokens(word))
            return Analysis(" ".join(raw), words, tokens)
        rewritten = [part for word in raw for part in self.lexicon.get(word, (word,))]
        words = tuple(w for w in rewritten if w not in self.stopwords)
        tokens = tuple(self._stem(self._repair(w)) for w in words)
        return Analysis(" ".join(rewritten), words, tokens)

    @lru_cache(maxsize=50_000)  # noqa: B019 - one normaliser lives as long as the bot
    def _english_tokens(self, word: str) -> tuple[str, ...]:
        """An English word as the stems Indonesian examples use for it, or its own stem.

        The lexicon's Indonesian words are stemmed as Indonesian words are ("petugas" ->
        "tugas"), else they would never meet the Indonesian examples' tokens.
        """
        if word in self.stopwords:
            return ()  # an Indonesian particle or function word amid English ("di", "aja")
        stem = english_stem(word)
        # Indonesian words amid English ("bukti pengisian", "ktp sy") as Indonesian
        # questions have them: rewritten by the lexicon, stemmed by Sastrawi.
        indonesian = (
            self.english_words.get(word) or self.english_words.get(stem) or self.lexicon.get(word)
        )
        if indonesian is None:
            root = self._stem(word)
            return (root if root != word and self._dictionary.contains(root) else stem,)
        return tuple(self._stem(part) for part in indonesian if part not in self.stopwords)

    @lru_cache(maxsize=50_000)  # noqa: B019 - one normaliser lives as long as the bot
    def _repair(self, word: str) -> str:
        if len(word) < 4 or word.isdigit() or word in self.protected:
            return word
        # "tokennya" is in the examples too, but it is the token: Sastrawi strips -nya only
        # from words of its own dictionary.
        for enclitic in _ENCLITICS:
            base = word.removesuffix(enclitic)
            if base != word and len(base) >= 4 and base in self.vocabulary:
                return base
        if word in self.vocabulary:
            return word
        for base in colloquial_bases(word):
            if base in self.vocabulary:
                return base
        if self._dictionary.contains(word):
            return word  # a real Indonesian word, just not one the FAQ uses ("acara")
        long_word = len(word) >= 6
        found = process.extractOne(
            word, self._vocabulary_list, scorer=fuzz.ratio, score_cutoff=80 if long_word else 86
        )
        if found is None:
            return word
        # A near-certain typo of an FAQ word wins even when the stemmer knows the stem
        # ("diperpajang" is a typo of "diperpanjang", not a form of "pajang").
        if found[1] >= (90 if long_word else 88):
            return str(found[0])
        if self._dictionary.contains(self._stem(word)):
            return word
        return str(found[0])

    @lru_cache(maxsize=50_000)  # noqa: B019
    def _stem(self, word: str) -> str:
        return str(self._stemmer.stem(word)) or word


@dataclass(frozen=True)
class Thresholds:
    """Where the outcomes begin; fitted by `sensus-bot faq eval --cv --write-thresholds`."""

    answer: float = 2.0  # confidence needed to answer (2.0: probability 0.88 on its own)
    known: float = 0.0  # weight of the share of the question's tokens the model has seen
    length: float = 0.0  # weight of ln(1 + the question's tokens)
    anchor: float = 0.0  # weight of a census word in the question
    clarify: float = 0.1  # probability of the best topic needed to offer buttons
    chat: float = 0.4  # probability of a small-talk label needed for a small-talk reply

    @classmethod
    def load(cls, path: Path) -> "Thresholds":
        """Read the thresholds file; the defaults when there is none."""
        if not path.exists():
            return cls()
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        return cls(**{f.name: float(data[f.name]) for f in fields(cls) if f.name in data})

    def toml(self, comment: str = "") -> str:
        """The thresholds as a TOML file, with a comment on top."""
        lines = [f"# {line}".rstrip() for line in comment.splitlines()]
        lines += [f"{name} = {value:.3f}" for name, value in asdict(self).items()]
        return "\n".join(lines) + "\n"


@dataclass(frozen=True)
class Candidate:
    """A topic and how likely the question is about it (0..1)."""

    topic: str
    score: float


@dataclass(frozen=True)
class Signals:
    """What the models say about one question, before any threshold."""

    ranking: tuple[Candidate, ...]  # labels by probability, best first (topics and others)
    odds: float  # ln(p / (1 - p)) of the best label (exact: the ranking's scores are rounded)
    tokens: int  # the question's tokens
    known: float  # share of them the model has seen as a word feature
    anchored: bool  # the question has a census word


@dataclass(frozen=True)
class Match:
    """The decision for one question."""

    outcome: Outcome
    topic: str | None  # the answered topic ("answer") or small-talk label ("chat"), else None
    score: float  # probability of the best topic
    candidates: tuple[Candidate, ...]  # "clarify": the offered topics; else the likeliest


def confidence(signals: Signals, limits: Thresholds) -> float:
    """How sure the gate is of the best label: the sum the module docstring describes."""
    return (
        signals.odds
        + limits.known * signals.known
        + limits.length * float(np.log1p(signals.tokens))
        + limits.anchor * signals.anchored
    )


def decide(signals: Signals, limits: Thresholds) -> Match:
    """Answer, ask back, reply to small talk or fall back, from the signals."""
    best = signals.ranking[0]
    topics = tuple(c for c in signals.ranking if c.topic not in NOT_TOPICS)[:OFFERED]
    top = topics[0].score if topics else 0.0
    if best.topic in CHAT_TOPICS and best.score >= limits.chat:
        return Match("chat", best.topic, top, topics)
    if best.topic not in NOT_TOPICS and confidence(signals, limits) >= limits.answer:
        return Match("answer", best.topic, top, topics)
    if top >= limits.clarify and len(topics) > 1:
        # The three likeliest: with a sharp softmax the runners-up look negligible even
        # when they are right (cross-validation: the right topic is third for 5% of the
        # English questions), and one topic alone would be an answer in disguise.
        return Match("clarify", None, top, topics)
    return Match("fallback", None, top, topics)


_TEXTS = ("vocabulary", "word_features", "char_features", "classes")
_ARRAYS = ("idf", "weights", "bias", "view_weights", "view_bias")


@dataclass(frozen=True)
class Model:
    """The trained parameters: everything matching a question needs, without scikit-learn."""

    vocabulary: tuple[str, ...]  # the examples' words, for typo repair
    word_features: tuple[str, ...]  # column order: word features, then character n-grams
    char_features: tuple[str, ...]
    idf: np.ndarray  # per column
    weights: np.ndarray  # columns x classes, the linear SVM's coefficients
    bias: np.ndarray  # per class
    # The word-only SVM's coefficients in the word columns, the character-only one's in
    # the others; and the sum of the two SVMs' biases.
    view_weights: np.ndarray
    view_bias: np.ndarray
    classes: tuple[str, ...]

    def save(self, path: Path) -> None:
        """Write the model as a NumPy archive (no pickles)."""
        arrays: dict[str, Any] = {name: np.array(getattr(self, name)) for name in _TEXTS}
        arrays |= {name: getattr(self, name) for name in _ARRAYS}
        with path.open("wb") as file:
            np.savez(file, **arrays)

    @classmethod
    def load(cls, path: Path) -> "Model":
        """Read a model written by save()."""
        with np.load(path, allow_pickle=False) as saved:
            texts = {name: tuple(str(x) for x in saved[name]) for name in _TEXTS}
            return cls(
                idf=saved["idf"], weights=saved["weights"], bias=saved["bias"],
                view_weights=saved["view_weights"], view_bias=saved["view_bias"], **texts,
            )  # fmt: skip


def train(examples: Sequence[tuple[str, str]], normaliser: Normaliser) -> Model:
    """Fit TF-IDF and a linear SVM to (label, question) pairs."""
    # Only training needs scikit-learn (importing it takes seconds); a cached model does not.
    from sklearn.feature_extraction.text import TfidfVectorizer  # noqa: PLC0415
    from sklearn.preprocessing import normalize  # noqa: PLC0415
    from sklearn.svm import LinearSVC  # noqa: PLC0415

    vocabulary = normaliser.vocabulary_of(text for _, text in examples)
    learned = normaliser.with_vocabulary(vocabulary)
    analyses = [learned.analyse(text) for _, text in examples]
    words = TfidfVectorizer(analyzer=word_features, sublinear_tf=True, dtype=np.float32)
    chars = TfidfVectorizer(analyzer=char_grams, sublinear_tf=True, dtype=np.float32)
    word_vectors = words.fit_transform(analyses)
    char_vectors = chars.fit_transform([a.phrase for a in analyses])
    vectors = normalize(hstack([word_vectors, CHAR_WEIGHT * char_vectors], format="csr"))
    labels = np.array([label for label, _ in examples])
    svm = LinearSVC(C=REGULARISATION).fit(vectors, labels)
    word_svm = LinearSVC(C=REGULARISATION).fit(word_vectors, labels)
    char_svm = LinearSVC(C=REGULARISATION).fit(char_vectors, labels)
    return Model(
        vocabulary=tuple(sorted(vocabulary)),
        word_features=tuple(str(f) for f in words.get_feature_names_out()),
        char_features=tuple(str(f) for f in chars.get_feature_names_out()),
        idf=np.concatenate([words.idf_, chars.idf_]).astype(np.float32),
        weights=np.ascontiguousarray(svm.coef_.T, dtype=np.float32),
        bias=svm.intercept_.astype(np.float32),
        view_weights=np.ascontiguousarray(
            np.concatenate([word_svm.coef_.T, char_svm.coef_.T]), dtype=np.float32
        ),
        view_bias=(word_svm.intercept_ + char_svm.intercept_).astype(np.float32),
        classes=tuple(str(c) for c in svm.classes_),
    )


class FaqMatcher:
    """A linear classifier over the examples, and the decision rules."""

    def __init__(
        self, model: Model, normaliser: Normaliser, thresholds: Thresholds | None = None
    ) -> None:
        self.model = model
        self.thresholds = thresholds or Thresholds()
        self.normaliser = normaliser.with_vocabulary(model.vocabulary)
        # Questions are vectorised here rather than by scikit-learn: its per-call input
        # checks cost ten times the arithmetic for one short question.
        self._word_index = {f: i for i, f in enumerate(model.word_features)}
        offset = len(model.word_features)
        self._char_index = {f: offset + i for i, f in enumerate(model.char_features)}

    @classmethod
    def trained(
        cls,
        examples: Sequence[tuple[str, str]],
        normaliser: Normaliser,
        thresholds: Thresholds | None = None,
    ) -> "FaqMatcher":
        """A matcher trained on (label, question) pairs."""
        return cls(train(examples, normaliser), normaliser, thresholds)

    def vector(self, analysis: Analysis) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """A question's feature columns and weights, as the examples were vectorised: for
        the full SVM, and for the one-view SVMs (each part on its own unit length)."""
        idf = self.model.idf
        word_part = tf_idf(word_features(analysis), self._word_index, idf)
        char_part = tf_idf(char_grams(analysis.phrase), self._char_index, idf)
        columns = np.concatenate([word_part[0], char_part[0]])
        parts = np.concatenate([word_part[1], char_part[1]])
        values = np.concatenate([word_part[1], CHAR_WEIGHT * char_part[1]])
        norm = float(np.linalg.norm(values))
        return columns, values / norm if norm else values, parts

    def signals(self, question: str) -> Signals:
        """What the classifier says about a question."""
        analysis = self.normaliser.analyse(question)
        tokens = analysis.tokens
        anchored = bool(set(tokens) & self.normaliser.census)
        known = sum(t in self._word_index for t in tokens) / len(tokens) if tokens else 0.0
        columns, values, parts = self.vector(analysis)
        if not len(columns):
            return Signals((Candidate(OUT_OF_SCOPE, 1.0),), 0.0, len(tokens), known, anchored)
        model = self.model
        views = parts @ model.view_weights[columns] + model.view_bias
        scores = values @ model.weights[columns] + model.bias + VIEWS * views
        exponents = SHARPNESS * (scores - scores.max())
        probabilities = np.exp(exponents)
        probabilities /= probabilities.sum()
        order = np.argsort(-probabilities)[:8]
        ranking = tuple(
            Candidate(model.classes[i], round(float(probabilities[i]), 4)) for i in order
        )
        # ln(p / (1 - p)) = -ln(sum of the others' exp), stable where p rounds to 1.
        others = np.delete(exponents, order[0])
        odds = -float(others.max() + np.log(np.exp(others - others.max()).sum()))
        return Signals(ranking, odds, len(tokens), known, anchored)

    def match(self, question: str) -> Match:
        """Score every label and decide what to do with the question."""
        return decide(self.signals(question), self.thresholds)


def tf_idf(
    features: Iterable[str], index: Mapping[str, int], idf: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Sublinear TF-IDF of the known features, L2-normalised (as TfidfVectorizer does)."""
    known = [(index[f], n) for f, n in Counter(features).items() if f in index]
    columns = np.array([c for c, _ in known], dtype=np.int64)
    values = 1 + np.log(np.array([n for _, n in known], dtype=np.float32))
    values *= idf[columns]
    norm = float(np.linalg.norm(values))
    return columns, values / norm if norm else values


def word_features(analysis: Analysis) -> list[str]:
    """Word stems and neighbouring pairs of them."""
    tokens = analysis.tokens
    return [*tokens, *(f"{a} {b}" for a, b in itertools.pairwise(tokens))]


def char_grams(phrase: str) -> list[str]:
    """Character 2- to 5-grams inside each word, padded with a space at both ends."""
    grams = []
    for word in phrase.split():
        padded = f" {word} "
        for n in range(2, 6):
            grams += [padded[i : i + n] for i in range(max(1, len(padded) - n + 1))]
            if len(padded) <= n:
                break
    return grams
