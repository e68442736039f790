"""Fact shapes: the kinds of sentence that state a fact plainly, each giving the words to blank."""

from __future__ import annotations

import re
from dataclasses import dataclass

from pathdeck import cloze
from pathdeck.stopwords import LINKING_WORDS

MIN_ITEMS = 3
MAX_ITEM_WORDS = 5
MIN_CUE_WORDS = 3
_COUNTS = {
    "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
    "ten": 10,
}  # fmt: skip
_DETERMINERS = ("the ", "a ", "an ")
# An item opening with one of these is a clause, not a list item ("the patient, not the chart,
# is the source of truth"; "timing, tone and who is in the room"): the list is no list.
_CLAUSE_OPENERS = frozenset(
    [
        "not",
        "is",
        "are",
        "was",
        "were",
        "be",
        "has",
        "have",
        "had",
        "will",
        "would",
        "can",
        "could",
        "should",
        "if",
        "then",
        "when",
        "but",
        "so",
        "who",
        "which",
        "that",
        "because",
        "while",
    ]
)
_CONJUNCTION = re.compile(r"^(?:and|or|&)\s+", re.IGNORECASE)
_LAST_JOIN = re.compile(r"\s+(?:and|or|&)\s+")
_QUOTED = re.compile(r'^["“‘\'](.+)["”’\']$')
_ACRONYM = re.compile(r"\b([A-Z]{2,6})\b\s*(?:\(|:|—|–|-)\s*")
_TERM = re.compile(r"^([A-Z][\w'’-]*(?: [\w'’-]+){0,2}):\s+(\S.*)$")
_NOT_TERMS = frozenset(
    {"note", "example", "key point", "real-world reality", "tip", "warning", "listen for"}
)
_NOT_TERM_STARTS = frozenset(
    [
        "the",
        "a",
        "an",
        "this",
        "that",
        "these",
        "those",
        "it",
        "its",
        "there",
        "here",
        "we",
        "you",
        "they",
        "he",
        "she",
        "i",
        "my",
        "our",
        "your",
    ]
)
_CONTRAST = re.compile(r"\s+(or|versus|vs\.)\s+")


@dataclass(frozen=True, slots=True, kw_only=True)
class _Span:
    """A blank to be: where its answer starts and ends in the sentence."""

    start: int
    end: int


def fact_text(sentence: str, spans: list[_Span]) -> str:
    """The sentence in the cloze syntax, each span a blank."""
    out, at = [], 0
    for span in sorted(spans, key=lambda s: s.start):
        out.append(cloze.escape(sentence[at : span.start]))
        out.append(cloze.OPEN + cloze.escape(sentence[span.start : span.end]) + cloze.CLOSE)
        at = span.end
    out.append(cloze.escape(sentence[at:]))
    return "".join(out)


def _top_level_commas(text: str) -> list[tuple[int, int]]:
    """(start, end) of each comma-separated piece of `text`, commas inside brackets ignored."""
    pieces, depth, start = [], 0, 0
    for index, char in enumerate(text):
        if char in "([":
            depth += 1
        elif char in ")]":
            depth = max(depth - 1, 0)
        elif char == "," and depth == 0:
            pieces.append((start, index))
            start = index + 1
    pieces.append((start, len(text)))
    return pieces


def _strip(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def _item_key(text: str, start: int, end: int, *, whole: bool) -> _Span | None:
    """The key words of one list item: without a parenthetical or a leading article; for an
    item that may carry words before the list (`whole` False), only its trailing key words."""
    piece = text[start:end]
    paren = piece.find(" (")
    if paren >= 0:
        end = start + paren
    start, end = _strip(text, start, end)
    quoted = _QUOTED.match(text[start:end])
    if quoted:
        start, end = start + 1, end - 1
    lowered = text[start:end].lower()
    for article in _DETERMINERS:
        if lowered.startswith(article):
            start += len(article)
            break
    if not whole:
        words = text[start:end].split(" ")
        keep = 0
        for word in reversed(words):
            if word.lower() in LINKING_WORDS or keep == 3:
                break
            keep += 1
        if keep:  # else the item is all small words ("say it"): it is its own key
            start = end - len(" ".join(words[len(words) - keep :]))
    if start >= end or len(text[start:end].split()) > MAX_ITEM_WORDS:
        return None
    return _Span(start=start, end=end)


def depth_zero(text: str, start: int, end: int) -> list[int]:
    """Offsets in text[start:end] that sit outside any bracket."""
    depth, found = 0, []
    for index in range(start, end):
        char = text[index]
        if char in "([":
            depth += 1
        elif char in ")]":
            depth = max(depth - 1, 0)
        elif depth == 0:
            found.append(index)
    return found


def _list_items(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """The items of a list in text[start:end]: comma pieces, the last split at its last
    and/or/& outside brackets."""
    pieces = [_strip(text, start + a, start + b) for a, b in _top_level_commas(text[start:end])]
    last_start, last_end = pieces[-1]
    outside = set(depth_zero(text, last_start, last_end))
    joins = [m for m in _LAST_JOIN.finditer(text, last_start, last_end) if m.start() in outside]
    if joins:
        joined = joins[-1]
        pieces[-1:] = [(last_start, joined.start()), (joined.end(), last_end)]
    items = []
    for piece in pieces:
        a, b = _strip(text, *piece)
        conjunction = _CONJUNCTION.match(text[a:b])
        items.append((a + conjunction.end() if conjunction else a, b))
    return items


def _count_before(text: str, at: int) -> int | None:
    """A count word in the few words before `at` ("Bordin's three components:"), if any."""
    for word in text[max(0, at - 60) : at].lower().split()[-4:]:
        if word in _COUNTS:
            return _COUNTS[word]
        if word.isdigit():
            return int(word)
    return None


def _list_spans(
    sentence: str, start: int, end: int, *, introduced: bool, colon: bool = False
) -> list[_Span] | None:
    items = _list_items(sentence, start, end)
    if len(items) < MIN_ITEMS:
        return None
    first_start, first_end = items[0]
    lead = sentence.rfind(" ", first_start, first_end) + 1
    if lead > first_start and _QUOTED.match(sentence[lead:first_end]):
        items[0] = (lead, first_end)  # 'mark each drug "continue", "stop" or "change"'
    quoted = all(_QUOTED.match(sentence[a:b]) for a, b in items)
    bracketed = all(") " not in sentence[a:b] and sentence[a:b].endswith(")") for a, b in items)
    if not (introduced or quoted or bracketed):
        return None
    # After a colon every item is whole; otherwise the first may carry the words that lead
    # into the list ("better than [medication choice]", "Name the [purpose]").
    if any(sentence[a:b].split(" ", 1)[0].lower() in _CLAUSE_OPENERS for a, b in items):
        return None
    spans = [_item_key(sentence, a, b, whole=colon or quoted or i > 0) for i, (a, b) in
             enumerate(items)]  # fmt: skip
    if any(span is None for span in spans):
        return None
    count = _count_before(sentence, start)
    if count is not None and count != len(items):
        return None
    return [span for span in spans if span is not None]


def _list_fact(sentence: str) -> list[_Span] | None:
    """Blanks for a list introduced by ':' or a dash, in parentheses, or of quoted items."""
    body_end = len(sentence.rstrip(".!?;"))
    for match in re.finditer(r":\s+|\s[—–]\s", sentence):
        stop = re.search(r"\s[—–]\s|;|\(", sentence[match.end() :])
        end = match.end() + stop.start() if stop and stop.group() != "(" else body_end
        # a parenthesis opens an item's gloss, not the end of the list
        if stop and stop.group() == "(":
            dash = re.search(r"\s[—–]\s|;", sentence[match.end() :])
            end = match.end() + dash.start() if dash else body_end
        colon = match.group().startswith(":")
        spans = _list_spans(sentence, match.end(), end, introduced=True, colon=colon)
        if spans:
            return spans
    for match in re.finditer(r"\(([^()]+)\)", sentence):
        spans = _list_spans(sentence, match.start(1), match.end(1), introduced=True, colon=True)
        if spans:
            return spans
    return _list_spans(sentence, 0, body_end, introduced=False)


def _acronym_fact(sentence: str) -> list[_Span] | None:
    """Blanks for an acronym's expansion: the words whose initials spell it."""
    for match in _ACRONYM.finditer(sentence):
        letters = match.group(1)
        spans: list[_Span] = []
        for word in re.finditer(r"[A-Za-z][\w'’-]*", sentence[match.end() :]):
            if len(spans) == len(letters):
                break
            if word.group().lower() in LINKING_WORDS:
                continue
            if word.group()[0].upper() != letters[len(spans)]:
                break
            spans.append(_Span(start=match.end() + word.start(), end=match.end() + word.end()))
        if len(spans) == len(letters):
            return spans
    return None


def contrast_fact(sentence: str) -> list[_Span] | None:
    """Blanks for "X, not Y": the key words of X, when the rest gives three words of cue."""
    at = sentence.find(", not ")
    if at <= 0 or at not in depth_zero(sentence, 0, at + 1):
        return None
    words = sentence[:at].split(" ")
    keep = 0
    for word in reversed(words):
        if word.lower() in LINKING_WORDS or keep == 4 or not word[-1:].isalnum():
            break
        keep += 1
    if keep == 0 or (keep == len(words) and keep > 2):
        return None
    start = at - len(" ".join(words[len(words) - keep :]))
    if len((sentence[:start] + sentence[at:]).split()) < MIN_CUE_WORDS + 1:
        return None
    return [_Span(start=start, end=at)]


def either_or_fact(sentence: str) -> list[_Span] | None:
    """Blanks for a cue that contrasts two short things at its end ("heard versus managed")."""
    found = list(_CONTRAST.finditer(sentence))
    if not found:
        return None
    match = found[-1]
    end = len(sentence.rstrip(".!?"))
    after = sentence[match.end() : end]
    if (
        not after
        or len(after.split()) > 3
        or any(w.lower() in LINKING_WORDS for w in after.split())
    ):
        return None
    if any(mark in after for mark in "\"“”‘’'("):
        return None
    words = sentence[: match.start()].split(" ")
    keep, most = 0, len(after.split())  # the two sides of a contrast are alike in length
    for word in reversed(words):
        if word.lower() in LINKING_WORDS or keep == most or not word[-1:].isalnum():
            break
        keep += 1
    if keep == 0 or len(after.split()) - keep > 1:  # "the plan or just says ..." is no pair
        return None
    start = match.start() - len(" ".join(words[len(words) - keep :]))
    return [_Span(start=start, end=match.start()), _Span(start=match.end(), end=end)]


def _term_fact(sentence: str) -> list[_Span] | None:
    """The term of "Term: definition", when the definition says at least four words."""
    match = _TERM.match(sentence)
    if not match or match.group(1).lower() in _NOT_TERMS:
        return None
    first = match.group(1).split(" ", 1)[0].lower()
    if first in _NOT_TERM_STARTS or first in _COUNTS or first.isdigit():
        return None  # "The signs to watch for: ...", "Three things matter: ...", "It is: ..."
    definition = match.group(2)
    if len(definition.split()) < 4 or definition[:1] in "\"“‘'":
        return None
    if len(_top_level_commas(definition)) > 2:  # a list follows the colon, not a definition
        return None
    return [_Span(start=0, end=len(match.group(1)))]


_SHAPES = (_acronym_fact, _list_fact, contrast_fact, _term_fact)


def sentence_fact(sentence: str) -> str | None:
    """The fact a sentence states, in the cloze syntax, or None when it states none plainly."""
    for shape in _SHAPES:
        spans = shape(sentence)
        if spans:
            return fact_text(sentence, spans)
    return None
