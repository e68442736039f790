"""Sentence splitting, shared by the page reader, fact extraction and the card builders."""

from __future__ import annotations

import re

# Words whose period does not end a sentence. Units and words that often end one ("no.",
# "min.") are left out: a missed break is safer than a sentence cut in two.
_ABBREVIATIONS = frozenset(
    {"dr", "drs", "mr", "mrs", "ms", "mx", "prof", "vs", "approx", "cf", "al", "fig", "figs"}
    | {"st", "jr", "sr", "incl", "esp", "resp", "ca", "viz", "dept"}
)
_DOTTED_ABBREVIATION = re.compile(r"^(?:[A-Za-z]\.)+[A-Za-z]$")  # e.g, i.e, b.i.d, U.S
_SENTENCE_END = re.compile(r"[.!?…]+([\"”’)\]]*)(\s+)")
_SENTENCE_OPENERS = '"“‘(['


def is_abbreviation(text: str, period: int) -> bool:
    """True when the '.' at `period` closes an abbreviation such as `e.g.`, `Dr.` or `approx.`."""
    start = max(text.rfind(" ", 0, period), text.rfind("\t", 0, period)) + 1
    word = text[start:period].lstrip('"“‘([')
    return word.lower() in _ABBREVIATIONS or bool(_DOTTED_ABBREVIATION.match(word))


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence in `text`; abbreviations, decimals, quotes and parentheses
    do not end a sentence."""
    spans: list[tuple[int, int]] = []
    start = 0
    scanned = 0
    parens = straight = curly = 0
    for match in _SENTENCE_END.finditer(text):
        end = match.start(2)
        # Running counts keep this linear: only the text since the previous candidate is counted.
        parens = max(parens + text.count("(", scanned, end) - text.count(")", scanned, end), 0)
        straight += text.count('"', scanned, end)
        curly = max(curly + text.count("“", scanned, end) - text.count("”", scanned, end), 0)
        scanned = end
        following = text[match.end()] if match.end() < len(text) else ""
        if not following or not (
            following.isupper() or following.isdigit() or following in _SENTENCE_OPENERS
        ):
            continue
        if parens or straight % 2 or curly:
            continue
        punctuation = text[match.start() : match.start(1)]
        if punctuation == "." and is_abbreviation(text, match.start()):
            continue
        spans.append((start, end))
        start = match.end()
    if start < len(text):
        spans.append((start, len(text.rstrip())))
    return [(s, e) for s, e in spans if e > s]


def split_sentences(text: str) -> list[str]:
    """The sentences of `text`, exactly as written."""
    return [text[s:e] for s, e in sentence_spans(text)]
