"""Identifiers: the one home of the course, concept and item id formats and their parsing."""

from __future__ import annotations

import re
from typing import NamedTuple

# The patterns are also published in the JSON Schema, so they keep to the regex subset both
# Python and JSON Schema read alike: explicit [0-9] (Python's \d also takes other scripts'
# digits, `E٦.1`), `^...$` anchors; the functions below use fullmatch, so no trailing newline
# slips through `$`.
COURSE_ID = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_NUMBER = "[1-9][0-9]{0,3}"  # 1 to 9999, like stage numbers and positions; no leading zero
CONCEPT_ID_TEXT = rf"[A-Za-z]{{0,8}}({_NUMBER})\.({_NUMBER})"
"""A concept id inside a longer text (a page's connection line); groups: stage, number."""
CONCEPT_ID = re.compile(rf"^{CONCEPT_ID_TEXT}$")
ITEM_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")

CONCEPT_ID_FORMAT = "letters, the stage number, '.', a number, like E6.1"
_LOOSE_CONCEPT_ID = re.compile(r"[A-Za-z]{0,8}(\d+)\.(\d+)")  # any digits, any zeros


class ConceptNumbers(NamedTuple):
    """What a concept id says: the stage it belongs to and its number within the stage."""

    stage: int
    number: int


def is_course_id(text: str) -> bool:
    """True for a course id: a slug of lowercase letters, digits and single hyphens."""
    return COURSE_ID.fullmatch(text) is not None


def is_item_id(text: str) -> bool:
    """True for an item id: letters, digits, '.', '-', '_', starting with a letter or digit."""
    return ITEM_ID.fullmatch(text) is not None


def concept_numbers(text: str) -> ConceptNumbers | None:
    """The stage and number a concept id names, or None when `text` is not a concept id."""
    match = CONCEPT_ID.fullmatch(text)
    return ConceptNumbers(int(match.group(1)), int(match.group(2))) if match else None


def canonical_concept_id(text: str) -> str:
    """The key concept ids are compared by: `e6.1` and `E6.1` are one concept.

    Anki's tag search ignores case, so two ids differing only in case would share their tag.
    """
    return text.upper()


def concept_id_mistake(text: str) -> str:
    """Why `text` is not a concept id, for a message (call only when it is not one)."""
    loose = _LOOSE_CONCEPT_ID.fullmatch(text)
    if loose is None:
        return f"a concept id is {CONCEPT_ID_FORMAT}"
    digits = loose.group(1) + loose.group(2)
    foreign = next((d for d in digits if d not in "0123456789"), None)
    if foreign is not None:
        return f"'{foreign}' is not one of the digits 0-9; write the id with 0-9 only"
    stage, number = int(loose.group(1)), int(loose.group(2))
    if 0 in (stage, number):
        return "stages and concepts are numbered from 1"
    if max(stage, number) > 9999:
        return "stage and concept numbers go up to 9999"
    prefix = text[: loose.start(1)]
    return f"numbers are written without leading zeros: {prefix}{stage}.{number}"
