"""NoteSpec, the value every role builder makes, and the one way to fill a note's fields."""

from __future__ import annotations

from typing import Any, NamedTuple

from pathdeck._speed.pickling import named_tuple_reduce
from pathdeck.cards.notetypes import FIELDS
from pathdeck.cards.placement import Placement
from pathdeck.roles import Role

RETIRED_TAG = "pathdeck::retired"
RETIRED_NOTICE = (
    "Retired from the curriculum: this item is no longer taught. "
    "You can suspend this card (search tag:pathdeck::retired)."
)


class NoteSpec(NamedTuple):
    """One note to publish, before identity: what it says and what identifies the item.

    A named tuple: a build makes one per note, and workers send them back pickled.
    `position` is the item's place among its concept's items of this role; `blanks` holds, for
    a cloze role, each blank's answer in order of appearance (rendered as c1..cn).
    """

    role: Role
    concept_id: str
    item_id: str | None
    position: int
    match_text: str
    fields: tuple[str, ...]
    tags: tuple[str, ...]
    deck: str
    order: tuple[int, int, int, int]
    retired: bool = False
    blanks: tuple[str, ...] = ()

    def __reduce__(self) -> tuple[Any, ...]:
        return named_tuple_reduce(self)


_ROLE_TAGS = {role: f"pathdeck::role::{role.value}" for role in Role}
"""One tag string per role, shared by its notes (a string each was 10 MB at 10,000 concepts)."""


def fields_of(
    role: Role, values: dict[str, str], where: Placement, *, retired: bool = False
) -> tuple[str, ...]:
    """The note's fields in the note type's order: the role's values plus the common labels."""
    common = {
        "Breadcrumb": where.breadcrumb,
        "Concept": where.concept,
        "Stage": where.stage,
        "Retired": RETIRED_NOTICE if retired else "",
    }
    merged = {**common, **values}
    return tuple([merged.get(name, "") for name in FIELDS[role]])


def note(
    role: Role,
    where: Placement,
    index: int,
    match_text: str,
    values: dict[str, str],
    *,
    item_id: str | None = None,
    blanks: tuple[str, ...] = (),
) -> NoteSpec:
    """A live note of `role` for the concept `where` places, its item at `index`."""
    return NoteSpec(
        role=role,
        concept_id=where.concept_id,
        item_id=item_id,
        position=index,
        match_text=match_text,
        fields=fields_of(role, values, where),
        tags=(*where.tags, _ROLE_TAGS[role]),
        deck=where.deck,
        order=(*where.order, role.rank, index),
        blanks=blanks,
    )
