"""Cards stage: a concept becomes note specs, one builder per role; note types and templates."""

from pathdeck.cards.build import (
    RETIRED_TAG,
    NoteSpec,
    Placement,
    concept_notes,
    course_notes,
    deck_part,
    placement,
    retired_deck,
    retired_note,
    stage_deck,
    stage_notes,
    stage_placements,
)
from pathdeck.cards.notetypes import FIELDS, NoteType, note_type, stable_id

__all__ = [
    "FIELDS",
    "RETIRED_TAG",
    "NoteSpec",
    "NoteType",
    "Placement",
    "concept_notes",
    "course_notes",
    "deck_part",
    "note_type",
    "placement",
    "retired_deck",
    "retired_note",
    "stable_id",
    "stage_deck",
    "stage_notes",
    "stage_placements",
]
