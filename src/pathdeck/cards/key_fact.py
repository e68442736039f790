"""Key facts: one cloze note per fact, one card per blank, the other blanks shown as context."""

from __future__ import annotations

import re

from pathdeck import cloze
from pathdeck.cards.notetypes import CLOZE_FIELD, FIELDS
from pathdeck.cards.placement import Placement
from pathdeck.cards.spec import NoteSpec, note
from pathdeck.curriculum import Concept, Fact
from pathdeck.markup import to_html
from pathdeck.roles import Role

TEXT_FIELD = CLOZE_FIELD
RETIRED_BLANK = "this blank is no longer taught — you can suspend this card"


def cloze_html(segments: tuple[cloze.Segment, ...], numbers: tuple[int, ...]) -> str:
    """The fact as Anki cloze text: blank i becomes `{{c<numbers[i]>::answer}}`, all escaped."""
    parts = []
    blank = 0
    for segment in segments:
        if segment.blank:
            # Anki reads '::' inside a cloze as the start of its hint: colons are escaped.
            answer = to_html(segment.text).replace(":", "&#58;")
            parts.append(f"{{{{c{numbers[blank]}::{answer}}}}}")
            blank += 1
        else:
            parts.append(to_html(segment.text))
    return "".join(parts)


def retired_blanks(numbers: tuple[int, ...]) -> str:
    """Cloze elements that keep cards `numbers` alive: each card shows the notice where its
    blank was, and the other cards show nothing for it (an inactive empty cloze renders empty)."""
    if not numbers:
        return ""
    elements = "".join(f"{{{{c{number}::::{RETIRED_BLANK}}}}}" for number in numbers)
    return f'<span class="pd-retired-blank">{elements}</span>'


def fact_note(fact: Fact, index: int, where: Placement) -> NoteSpec | None:
    """A fact's note, its blanks numbered 1..n; None for a fact without a blank (only a
    placeholder of `pathdeck new` gets past validation without one)."""
    segments, problem = cloze.parse(fact.text)
    blanks = cloze.answers(segments)
    if problem is not None or not blanks:
        return None
    numbers = tuple(range(1, len(blanks) + 1))
    values = {TEXT_FIELD: cloze_html(segments, numbers)}
    return note(
        Role.KEY_FACT,
        where,
        index,
        cloze.plain_text(segments),
        values,
        item_id=fact.id,
        blanks=blanks,
    )


def key_fact_notes(concept: Concept, where: Placement) -> list[NoteSpec]:
    """One note per fact of the concept."""
    notes = (fact_note(fact, index, where) for index, fact in enumerate(concept.facts))
    return [note for note in notes if note is not None]


_CLOZE_OPEN = re.compile(r"\{\{c[0-9]+::")


def number_blanks(
    spec: NoteSpec, numbers: tuple[int, ...], retired_numbers: tuple[int, ...] = ()
) -> NoteSpec:
    """The same note with blank i rendered as cloze number `numbers[i]`, and a card kept for
    each of `retired_numbers` that shows the retired-blank notice (identity picks the numbers,
    so a blank keeps its card, and its review history, across edits)."""
    if len(numbers) != len(spec.blanks) or len(set(numbers)) != len(numbers):
        raise ValueError(f"{len(spec.blanks)} distinct numbers needed, got {numbers}")
    if set(numbers) & set(retired_numbers) or min((*numbers, *retired_numbers), default=1) < 1:
        raise ValueError(f"cloze numbers must be distinct positive ints: {numbers}")
    index = FIELDS[spec.role].index(TEXT_FIELD)
    order = iter(numbers)
    text = _CLOZE_OPEN.sub(lambda _: f"{{{{c{next(order)}::", spec.fields[index])
    text += retired_blanks(tuple(sorted(set(retired_numbers))))
    fields = (*spec.fields[:index], text, *spec.fields[index + 1 :])
    return spec._replace(fields=fields)
