"""What one line of a page is: a label (or a misspelt one), an illustration, a title or text."""

from __future__ import annotations

import difflib
import functools
import re

from pathdeck.sentences import is_abbreviation

# The hero illustration's alt text describes the page ("Warm grey-tinted clinical notebook page,
# soft moss green accent. ..."); margin captions end with a sentence about the margin notes.
_ILLUSTRATION = re.compile(r"^[^.!?]*\bnotebook page\b|^Illustration\s*:", re.IGNORECASE)
_CAPTION = re.compile(
    r"(?:^|[.!?…][\"”’)]*\s+)Margin\s+(?:notes?|clusters?|sketch(?:es)?|annotations?|doodles?"
    r"|callouts?|drawings?|scribbles?)\b[^.!?]*[.!?]?$"
)
BULLET = re.compile(r"^[•◦▪‣∙·*\-–]\s+(.*)$")
"""A list item's line: a bullet, then its text."""

CARD = "encounter_card"
LABELS = {
    "encounter card": CARD,
    "setting": "setting",
    "opening move": "opening_move",
    "sample language": "sample_language",
    "listen for": "listen_for",
    "common pitfalls": "pitfalls",
    "pitfalls": "pitfalls",
    "red flags / escalate": "red_flags",
    "red flags and escalate": "red_flags",
    "red flags": "red_flags",
    "documentation": "documentation",
    "real-world reality": "real_world",
    "real world reality": "real_world",
    "key point": "key_point",
    "the anchor": "anchor",
    "anchor": "anchor",
    "prove it": "prove_it",
    "this connects to": "connects_to",
    "connects to": "connects_to",
}
_SLASH = re.compile(r"\s*[/&+]\s*")  # "Red flags & escalate" means "Red flags / escalate"
# Characters that show as nothing (zero-width spaces and joiners, soft hyphens, direction marks):
# pasted into a label they would make it unrecognisable while it looks exactly right.
_INVISIBLE = re.compile("[\u00ad\u034f\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064]")
_LABEL_LIKENESS = 0.85
"""How close (difflib's ratio) a short line must come to a label to be taken for a misspelt one:
'Red flag', 'Key points', 'Red flags — escalate' are; 'Documentation tips' is not."""


def _label_key(text: str) -> str:
    """A label as LABELS spells it: case, invisible characters, runs of spaces and spacing
    around '/' (or '&', '+') ignored."""
    return " ".join(_SLASH.sub(" / ", _INVISIBLE.sub("", text)).split()).casefold()


_LONGEST_LABEL = max(len(label) for label in LABELS) + 2
_LABELS_BY_INITIAL: dict[str, tuple[str, ...]] = {
    initial: tuple(label for label in LABELS if label[0] == initial)
    for initial in {label[0] for label in LABELS}
}
_INLINE_PARTS = frozenset({"red_flags", "real_world", "key_point"})
"""Labels whose text may follow on the same line, after a colon."""
LABEL_SHOWN = {
    "setting": "Setting",
    "opening_move": "Opening move",
    "sample_language": "Sample language",
    "listen_for": "Listen for",
    "pitfalls": "Common pitfalls",
    "red_flags": "Red flags / escalate",
    "documentation": "Documentation",
    "real_world": "Real-world reality",
    "key_point": "Key point",
    "anchor": "The anchor",
    "prove_it": "Prove it",
    "connects_to": "This connects to",
}


def label_of(text: str) -> str | None:
    """The part a label line introduces (`Sample language` -> sample_language), if it is one."""
    if len(_INVISIBLE.sub("", text)) > _LONGEST_LABEL:
        return None
    return LABELS.get(_label_key(text.rstrip(":")))


def inline_label(text: str) -> tuple[str, int] | None:
    """(part, where its text starts) for `Red flags / escalate: text` and the like, else None."""
    colon = text.find(":")
    if colon < 1 or len(_INVISIBLE.sub("", text[:colon])) > _LONGEST_LABEL:
        return None
    part = LABELS.get(_label_key(text[:colon]))
    start = colon + 1 + len(text[colon + 1 :]) - len(text[colon + 1 :].lstrip())
    if part not in _INLINE_PARTS or start >= len(text):
        return None
    return part, start


@functools.lru_cache(maxsize=4096)  # a course's pages repeat their short lines: compare once
def misspelt_label(text: str) -> str | None:
    """The label a short line that is none comes close to (`Red flag:`, `Key points`), if any."""
    head = text.split(":", 1)[0] if ":" in text else text
    if len(head) > _LONGEST_LABEL or BULLET.match(text) or head.endswith((".", "!", "?")):
        return None  # a list item or a sentence, however short, is text
    key = _label_key(head)
    # A misspelt label keeps its first letter ('Commn pitfals'); comparing only with labels
    # of that letter spares most lines the comparison, a tenth of a large import's time.
    candidates = _LABELS_BY_INITIAL.get(key[:1], ())
    close = difflib.get_close_matches(key, candidates, n=1, cutoff=_LABEL_LIKENESS)
    return close[0] if close else None


def is_illustration(text: str) -> bool:
    """True for the hero illustration's description and margin captions: kept, never on cards."""
    # Cheap substring tests first: nearly every line is neither.
    lowered = text.lower()
    if "notebook page" in lowered or lowered.startswith("illustration"):
        return bool(_ILLUSTRATION.search(text) or _CAPTION.search(text))
    return "Margin" in text and bool(_CAPTION.search(text))


_TITLE_WORDS = 12
"""Titles are a few words ('Debriefing After a Critical Incident'); taglines are sentences."""
_SENTENCE_STOP = re.compile(r"[.…][\"”’)\]]*$")  # a title may end in '?' or '&amp;', not '.'


def not_a_title(text: str) -> str:
    """What a line in the title's place is instead ('the label', 'a sentence'), or ''."""
    if label_of(text) or inline_label(text):
        return "the label"
    stop = _SENTENCE_STOP.search(text)
    if stop and text[stop.start()] == "." and is_abbreviation(text, stop.start()):
        stop = None  # 'Capacity vs.' or 'Dosing e.g.' ends in an abbreviation, not a sentence
    if stop or len(text.split()) > _TITLE_WORDS:
        return "a sentence (is the title missing?)"
    return ""


def excerpt(text: str) -> str:
    """A line as a message quotes it: cut to 60 characters."""
    return text if len(text) <= 60 else text[:57] + "..."
