"""Every note of a concept, a stage or a course: the role builders in role order."""

from __future__ import annotations

from collections.abc import Callable

from pathdeck.cards.anchor import anchor_notes
from pathdeck.cards.key_fact import key_fact_notes
from pathdeck.cards.pitfall import pitfall_notes
from pathdeck.cards.placement import Placement, stage_placements
from pathdeck.cards.prove_it import prove_it_notes
from pathdeck.cards.red_flag import red_flag_notes
from pathdeck.cards.sample_language import sample_language_notes
from pathdeck.cards.spec import NoteSpec
from pathdeck.curriculum import Concept, Course, Stage
from pathdeck.roles import Role

ROLE_BUILDERS: tuple[tuple[Role, Callable[[Concept, Placement], list[NoteSpec]]], ...] = (
    (Role.SAMPLE_LANGUAGE, sample_language_notes),
    (Role.PITFALL, pitfall_notes),
    (Role.RED_FLAG, red_flag_notes),
    (Role.PROVE_IT, prove_it_notes),
    (Role.ANCHOR, anchor_notes),
    (Role.KEY_FACT, key_fact_notes),
)


def concept_notes(concept: Concept, where: Placement) -> list[NoteSpec]:
    """Every note of a concept, in role order."""
    return [note for _, build in ROLE_BUILDERS for note in build(concept, where)]


def stage_notes(
    course: Course,
    stage: Stage,
    *,
    concept_decks: bool = False,
    placements: dict[str, Placement] | None = None,
) -> list[NoteSpec]:
    """Every note of one stage, in curriculum order; `placements` as stage_placements gives."""
    where = placements or stage_placements(course, stage, concept_decks=concept_decks)
    return [
        note for concept in stage.concepts for note in concept_notes(concept, where[concept.id])
    ]


def course_notes(course: Course, *, concept_decks: bool = False) -> list[NoteSpec]:
    """Every note of a course, in curriculum order."""
    return [
        note
        for stage in course.stages
        for note in stage_notes(course, stage, concept_decks=concept_decks)
    ]
