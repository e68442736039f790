"""Where a concept's notes go: deck names, tags and the labels every card shows."""

from __future__ import annotations

from dataclasses import dataclass

from pathdeck.curriculum import Concept, Course, Stage
from pathdeck.markup import to_html

DECK_SEPARATOR = "::"


@dataclass(frozen=True, slots=True, kw_only=True)
class Placement:
    """Where a concept's notes go: deck, tags and the labels cards show."""

    deck: str
    tags: tuple[str, ...]
    breadcrumb: str
    concept: str
    stage: str
    order: tuple[int, int]
    concept_id: str


def deck_part(name: str) -> str:
    """A deck name component: '::' would open a subdeck, so it is written ':'."""
    return name.replace(DECK_SEPARATOR, ":").strip()


def stage_deck(course: Course, stage: Stage) -> str:
    """`Course::Stage 06 · Title`: zero-padded so stages sort in curriculum order."""
    return f"{deck_part(course.title)}::Stage {stage.number:02d} · {deck_part(stage.title)}"


def retired_deck(course: Course) -> str:
    """A top-level deck beside the course: new learners get retired cards there, out of the way."""
    return f"{deck_part(course.title)} (retired items)"


def concept_deck(course: Course, stage: Stage, concept: Concept) -> str:
    """`Course::Stage 06 · Title::01 · E6.1 Title` for `--concept-decks`."""
    return f"{stage_deck(course, stage)}::{concept.position:02d} · {deck_part(concept.label)}"


def placement(course: Course, stage: Stage, concept: Concept, *, concept_decks: bool) -> Placement:
    """Deck, tags and labels for every note of a concept."""
    deck = concept_deck(course, stage, concept) if concept_decks else stage_deck(course, stage)
    return Placement(
        deck=deck,
        tags=(
            f"pathdeck::course::{course.id}",
            f"pathdeck::stage::{stage.number:02d}",
            f"pathdeck::{concept.id}",
        ),
        breadcrumb=to_html(f"Stage {stage.number} · {concept.label}"),
        concept=to_html(concept.label),
        stage=to_html(stage.label),
        order=(stage.number, concept.position),
        concept_id=concept.id,
    )


def stage_placements(
    course: Course, stage: Stage, *, concept_decks: bool = False
) -> dict[str, Placement]:
    """Each concept of a stage by id, with where its notes go (only the course's id and title
    are used, so this works before the course's other stages are known)."""
    return {
        concept.id: placement(course, stage, concept, concept_decks=concept_decks)
        for concept in stage.concepts
    }
