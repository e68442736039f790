"""Cards stage: a concept becomes note specs, one builder per role; note types and templates."""

from pathdeck.cards.course import concept_notes, course_notes, stage_notes
from pathdeck.cards.key_fact import number_blanks
from pathdeck.cards.notetypes import FIELDS, NoteType, note_type, stable_id
from pathdeck.cards.placement import (
    Placement,
    deck_part,
    placement,
    retired_deck,
    stage_deck,
    stage_placements,
)
from pathdeck.cards.retired import GONE_CONCEPT, retired_note, retired_text
from pathdeck.cards.spec import RETIRED_TAG, NoteSpec

__all__ = [
    "FIELDS",
    "GONE_CONCEPT",
    "RETIRED_TAG",
    "NoteSpec",
    "NoteType",
    "Placement",
    "concept_notes",
    "course_notes",
    "deck_part",
    "note_type",
    "number_blanks",
    "placement",
    "retired_deck",
    "retired_note",
    "retired_text",
    "stable_id",
    "stage_deck",
    "stage_notes",
    "stage_placements",
]
