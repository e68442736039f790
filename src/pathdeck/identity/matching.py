"""Matching: which published note each current item is, most certain evidence first."""

from __future__ import annotations

import difflib
from collections import defaultdict
from collections.abc import Sequence
from typing import Protocol

from pathdeck.identity.keys import normalised

SIMILAR = 0.6
"""Two texts are the same item edited when difflib's ratio of their normalised words is at
least this: a typo fix or a reworded clause stays, a rewrite beyond recognition is new."""


class Item(Protocol):
    """What matching needs of a current item."""

    @property
    def match_text(self) -> str: ...
    @property
    def item_id(self) -> str | None: ...


class Recorded(Protocol):
    """What matching needs of a published note."""

    @property
    def text(self) -> str: ...
    @property
    def id(self) -> str | None: ...
    @property
    def retired(self) -> bool: ...


def similarity(a: str, b: str) -> float:
    """difflib's ratio of two texts' normalised words; 0 when clearly below SIMILAR."""
    return _ratio(normalised(a), normalised(b))


def _ratio(a: str, b: str) -> float:
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    if matcher.real_quick_ratio() < SIMILAR or matcher.quick_ratio() < SIMILAR:
        return 0.0
    return matcher.ratio()


def _compatible(item: Item, note: Recorded) -> bool:
    """An item with an explicit id never takes a note published under another explicit id."""
    return item.item_id is None or note.id is None or item.item_id == note.id


def match_items(items: Sequence[Item], notes: Sequence[Recorded]) -> dict[int, int]:
    """Item index -> note index, for one concept's items of one role.

    In order of certainty: the explicit `id`; identical text (a live note before a retired
    one); then the most similar pairs first, each at least SIMILAR. Most-similar-first is a
    stable matching: no item loses its note to a weaker match, and position plays no part, so
    reordering, inserting or deleting items never moves one item's note onto another.
    """
    matched: dict[int, int] = {}
    free = set(range(len(notes)))
    by_id = {note.id: n for n, note in enumerate(notes) if note.id is not None}
    for i, item in enumerate(items):
        n = by_id.get(item.item_id) if item.item_id else None
        if n is not None and n in free:
            matched[i] = n
            free.discard(n)
    if len(matched) == len(items) or not free:
        return matched
    by_text: dict[str, list[int]] = defaultdict(list)
    for n in sorted(free, key=lambda n: notes[n].retired):
        by_text[notes[n].text].append(n)
    for i, item in enumerate(items):
        if i in matched:
            continue
        for n in by_text.get(item.match_text, ()):
            if n in free and _compatible(item, notes[n]):
                matched[i] = n
                free.discard(n)
                break
    if len(matched) < len(items) and free:
        matched.update(_most_similar_first(items, notes, matched, free))
    return matched


def _most_similar_first(
    items: Sequence[Item], notes: Sequence[Recorded], matched: dict[int, int], free: set[int]
) -> dict[int, int]:
    note_words = {n: normalised(notes[n].text) for n in free}
    pairs = [
        (score, notes[n].retired, i, n)
        for i, item in enumerate(items)
        if i not in matched
        for words in (normalised(item.match_text),)
        for n in free
        if _compatible(item, notes[n]) and (score := _ratio(words, note_words[n])) >= SIMILAR
    ]
    found: dict[int, int] = {}
    taken: set[int] = set()
    for _, _, i, n in sorted(pairs, key=lambda p: (-p[0], p[1], p[2], p[3])):
        if i not in found and n not in taken:
            found[i] = n
            taken.add(n)
    return found


class _Blank:
    """A cloze blank as matching sees it: both the current item and the published note.

    Defined once here, not in number_blanks: a class is a reference cycle, and with the
    collector paused for a build, one per fact stayed in memory (63 MB at 10,000 concepts).
    """

    __slots__ = ("id", "item_id", "match_text", "retired", "text")

    def __init__(self, text: str) -> None:
        self.match_text = self.text = text
        self.item_id = self.id = None
        self.retired = False


def number_blanks(current: Sequence[str], published: Sequence[str]) -> tuple[list[int], list[int]]:
    """Cloze numbers for a fact's current blanks, given each published number's last text
    (published[0] is c1): (the number of each current blank, published numbers now unused).

    Blanks are matched like items (identical, then most similar first), so deleting the middle
    blank never moves card 2's history onto the third; a new blank takes a new number.
    """
    found = match_items([_Blank(t) for t in current], [_Blank(t) for t in published])
    next_number = len(published) + 1
    numbers = []
    for i in range(len(current)):
        if i in found:
            numbers.append(found[i] + 1)
        else:
            numbers.append(next_number)
            next_number += 1
    used = set(numbers)
    unused = [n for n in range(1, len(published) + 1) if n not in used]
    return numbers, unused
