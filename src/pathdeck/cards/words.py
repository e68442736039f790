"""Word-level helpers the role builders and the card linter share: content words and likeness."""

from __future__ import annotations

import re
from functools import lru_cache

from pathdeck.markup import plain
from pathdeck.sentences import split_sentences
from pathdeck.stopwords import FILLER_WORDS, FUNCTION_WORDS

_WORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9'’/-]*")


def specific_words(text: str) -> list[str]:
    """The words of a text that say something, in order (fillers and the blank left out)."""
    return [w for w in words(text) if w.lower() not in FILLER_WORDS]


def words(text: str) -> list[str]:
    """The words of a text as a learner reads it (markup removed), in order."""
    return _WORD.findall(plain(text))


def _content_word(word: str) -> str:
    """The word lowercased and without quotes around it; "" for a function word."""
    lowered = word.lower().strip("'’")
    return "" if lowered in FUNCTION_WORDS else lowered


def content_words(text: str) -> set[str]:
    """The text's lowercase words that carry meaning (function words left out)."""
    return set(filter(None, map(_content_word, words(text))))


@lru_cache(maxsize=1 << 14)
def sentences(text: str) -> tuple[str, ...]:
    """The sentences of a page text; the builders of one concept ask for the same texts
    several times (pitfalls, case points, phrase purposes), so they are remembered."""
    return tuple(split_sentences(text))


@lru_cache(maxsize=1 << 16)
def stem(word: str) -> str:
    """A crude stem (behaviors ~ behavior, compliant ~ compliance): its first six letters
    once a plural or verb ending is gone; enough to match a word's forms."""
    lowered = word.lower()
    for suffix in ("ing", "ies", "es", "ed", "s"):
        if lowered.endswith(suffix) and len(lowered) - len(suffix) >= 4:
            lowered = lowered[: -len(suffix)]
            break
    return lowered[:6]


@lru_cache(maxsize=1 << 16)
def _content_stem(word: str) -> str:
    """The stem of a word as the text has it, "" for a function word: a course has far fewer
    words than texts, so each word is lowercased, looked up and stemmed once (word by word in
    every text, stems() cost 0.08 s more of `build`'s 1.95 s CPU at 2,000 concepts)."""
    content = _content_word(word)
    return stem(content) if content else ""


@lru_cache(maxsize=1 << 14)
def stems(text: str) -> frozenset[str]:
    """The stems of a text's content words."""
    return frozenset(filter(None, map(_content_stem, words(text))))


def overlap(a: str, b: str) -> int:
    """How many content-word stems two texts share."""
    return len(stems(a) & stems(b))


def sentence_case(text: str) -> str:
    """The text with its first letter capitalised: a red flag's meaning often continues the
    sign's sentence ("often signals ..."), but on the card's back it starts a line of its own."""
    return text[:1].upper() + text[1:] if text[:1].islower() else text
