"""Retired notes: an item gone from the curriculum keeps its note, with a visible notice."""

from __future__ import annotations

from pathdeck.cards.key_fact import TEXT_FIELD, retired_blanks
from pathdeck.cards.placement import Placement
from pathdeck.cards.spec import RETIRED_TAG, NoteSpec, fields_of
from pathdeck.markup import to_html
from pathdeck.roles import Role

# Per role: the front field and the field that keeps the retired item's last text.
_RETIRED_LAYOUT: dict[Role, tuple[str, str]] = {
    Role.SAMPLE_LANGUAGE: ("Purpose", "Phrase"),
    Role.PITFALL: ("Prompt", "Pitfall"),
    Role.RED_FLAG: ("Sign", "Meaning"),
    Role.PROVE_IT: ("Scenario", "ModelAnswer"),
    Role.ANCHOR: ("Anchor", "Anchor"),
}
# Roles whose identifying text is their prompt, not their answer.
_TEXT_ON_FRONT = (Role.RED_FLAG, Role.PROVE_IT)


def _values(role: Role, concept_id: str, text: str, blanks: int) -> dict[str, str]:
    label = to_html(f"No longer taught in {concept_id}.")
    if role.cloze:
        # Every card the note had (1..blanks) must still render, each with the notice.
        numbers = tuple(range(1, max(blanks, 1) + 1))
        return {TEXT_FIELD: f"{to_html(text)} {retired_blanks(numbers)}"}
    if role is Role.ANCHOR:
        return {"Anchor": f"{label} {to_html(text)}"}
    front, back = _RETIRED_LAYOUT[role]
    if role in _TEXT_ON_FRONT:
        return {front: to_html(text), back: label}
    return {front: label, back: to_html(text)}


def retired_text(role: Role, fields: dict[str, str]) -> str:
    """The item text a retired note was made from (the inverse of `retired_note`'s fields),
    as HTML: what a lost ledger's recovery reads back."""
    if role.cloze:
        return fields.get(TEXT_FIELD, "").split(' <span class="pd-retired-blank">')[0]
    if role is Role.ANCHOR:
        return fields.get("Anchor", "").split(". ", 1)[-1]
    front, back = _RETIRED_LAYOUT[role]
    return fields.get(front if role in _TEXT_ON_FRONT else back, "")


GONE_CONCEPT = (1 << 30, 0)
"""The curriculum order of a concept gone from the source: after every stage."""


def _gone_concept(concept_id: str, deck: str) -> Placement:
    return Placement(
        deck=deck,
        tags=(f"pathdeck::{concept_id}",),
        breadcrumb=to_html(concept_id),
        concept=to_html(concept_id),
        stage="",
        order=GONE_CONCEPT,
        concept_id=concept_id,
    )


def retired_note(
    role: Role,
    concept_id: str,
    text: str,
    where: Placement | None,
    deck: str,
    *,
    blanks: int = 0,
) -> NoteSpec:
    """A note that left the curriculum: its last text, a visible notice, the retired tag;
    for a cloze role, `blanks` is how many cloze numbers the published note had."""
    where = where or _gone_concept(concept_id, deck)  # None: the whole concept is gone
    return NoteSpec(
        role=role,
        concept_id=concept_id,
        item_id=None,
        position=0,
        match_text=text,
        fields=fields_of(role, _values(role, concept_id, text, blanks), where, retired=True),
        tags=(*where.tags, f"pathdeck::role::{role.value}", RETIRED_TAG),
        # Anki never moves existing cards, so this deck only receives the cards of learners who
        # never had the note: outside the course deck, they are not studied by accident.
        deck=deck,
        order=(*where.order, role.rank, 1 << 20),
        retired=True,
    )
