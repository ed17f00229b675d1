"""The inbox's pure logic: near-duplicate questions grouped, so staff decide once for all."""

from collections.abc import Sequence

from rapidfuzz import fuzz

from bot.domain.matching import Normaliser

SIMILAR = 90  # RapidFuzz token-sort ratio from which two questions count as one


def near_duplicates(
    questions: Sequence[tuple[str, str]], normaliser: Normaliser
) -> list[list[int]]:
    """Indices of (language, text) questions grouped when they are near-duplicates in one
    language (the same tokens, or nearly the same words), in the order given; each group
    starts with its first question."""
    groups: list[list[int]] = []
    keys: list[tuple[str, tuple[str, ...], str]] = []
    for index, (lang, text) in enumerate(questions):
        tokens = tuple(normaliser.tokens(text))
        phrase = " ".join(normaliser.words(text)) or text.lower()
        for group, (group_lang, group_tokens, group_phrase) in zip(groups, keys, strict=True):
            if lang == group_lang and (
                (tokens and tokens == group_tokens)
                or fuzz.token_sort_ratio(phrase, group_phrase) >= SIMILAR
            ):
                group.append(index)
                break
        else:
            groups.append([index])
            keys.append((lang, tokens, phrase))
    return groups
