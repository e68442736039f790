"""What a course has published, item by item: the only place insights learn about the ledger."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pathdeck.problems import ContentError
from pathdeck.roles import Role

HIDDEN_FIELDS = frozenset({"Breadcrumb", "Concept", "Stage", "Retired"})
"""Fields every note type repeats for orientation; they are not the item's own text."""


@dataclass(frozen=True, slots=True, kw_only=True)
class PublishedItem:
    """One published note: where it sits in the curriculum, what it says, and when it last changed."""

    guid: str
    course_id: str
    stage: int
    stage_title: str
    concept_id: str
    concept_title: str
    role: Role
    text: str
    retired: bool
    field_names: tuple[str, ...]
    fields: tuple[str, ...]
    """The published field text (HTML, as pathdeck writes it) in note-type order."""
    changed: int
    """The published note's modification time: a learner's copy modified later was edited."""
    order: tuple[int, ...]
    """Curriculum order (stage, concept position, role, item): ties in a ranking fall back to it."""

    @property
    def shown_fields(self) -> tuple[tuple[str, str], ...]:
        """(name, text) of the fields that carry the item itself, as cards show them."""
        return tuple(
            (name, text)
            for name, text in zip(self.field_names, self.fields, strict=False)
            if name not in HIDDEN_FIELDS and text
        )


def published_guids(source: Path) -> dict[str, int]:
    """Every GUID the course in `source` has published, with its note's modification time.

    The ledger's note lines alone say this, in a fortieth of the time a plan of the course
    takes, so learners' exports can be read while the plan is made.
    """
    from pathdeck.identity import parse_ledger

    ledger = _ledger_file(source)
    try:
        text = ledger.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        return {}  # published_items reports the damage, located, as every build does
    return parse_ledger(text, str(ledger), defer=True).changes()


def published_items(source: Path) -> dict[str, PublishedItem]:
    """Every note the course in `source` has published, retired ones included, by GUID.

    Today's ledger keeps each note's text and mod time, and the plan of a build over the
    ledger gives the published fields; a ContentError says what is wrong with the source.
    """
    from pathdeck.pipeline import plan

    _ledger_file(source)
    checked, resolution = plan(source)
    course = checked.course
    stages = {stage.number: stage.title for stage in course.stages}
    titles = {concept.id: concept.title for _, concept in course.concepts()}
    entries = {entry.guid: entry for entry in resolution.ledger.entries}
    field_names = {role: notetype.fields for role, notetype in resolution.notetypes.items()}
    items: dict[str, PublishedItem] = {}
    for note in resolution.notes:
        spec = note.spec
        entry = entries.get(note.guid)
        stage = spec.order[0]
        items[note.guid] = PublishedItem(
            guid=note.guid,
            course_id=course.id,
            stage=stage,
            stage_title=stages.get(stage, ""),
            concept_id=spec.concept_id,
            concept_title=titles.get(spec.concept_id, ""),
            role=spec.role,
            text=entry.text if entry is not None else spec.match_text,
            retired=spec.retired,
            field_names=field_names[spec.role],
            fields=spec.fields,
            changed=note.mod,
            order=spec.order,
        )
    return items


def _ledger_file(source: Path) -> Path:
    """The source's ledger; a source without one was never published."""
    from pathdeck.identity import LEDGER_FILE

    ledger = source / LEDGER_FILE
    if not ledger.is_file():  # every GUID a plan made would be a new one
        raise ContentError.at(
            str(source),
            "unpublished-course",
            f"{source} has no {LEDGER_FILE}: no learner can hold its notes yet "
            "(build and publish it first, or point --source at the published course)",
        )
    return ledger
