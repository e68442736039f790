"""Anchor: one card per concept that asks for the idea the concept hangs on."""

from __future__ import annotations

from pathdeck.cards.placement import Placement
from pathdeck.cards.spec import NoteSpec, note
from pathdeck.curriculum import Concept
from pathdeck.markup import to_html
from pathdeck.roles import Role


def anchor_notes(concept: Concept, where: Placement) -> list[NoteSpec]:
    """The anchor card, when the concept has an anchor (its parts are asked by key facts)."""
    if not concept.anchor:
        return []
    values = {"Anchor": to_html(concept.anchor)}
    return [note(Role.ANCHOR, where, 0, concept.anchor, values)]
