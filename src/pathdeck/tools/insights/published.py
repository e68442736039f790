"""What a course has published, item by item: the only place insights learn about the ledger."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import NamedTuple

from pathdeck import problems as codes
from pathdeck.cards import FIELDS, GONE_CONCEPT, Placement, stage_placements
from pathdeck.curriculum import Concept, Course, Stage
from pathdeck.identity import Ledger
from pathdeck.package.read import Extractions
from pathdeck.problems import ContentError
from pathdeck.roles import Role
from pathdeck.tools.insights.reading import published_copies

HIDDEN_FIELDS = frozenset({"Breadcrumb", "Concept", "Stage", "Retired"})
"""Fields every note type repeats for orientation; they are not the item's own text."""


GONE_STAGE = 0
"""The stage of an item whose concept left the course (stage numbers start at 1)."""


class PublishedItem(NamedTuple):
    """One published note: where it sits in the curriculum, what it says, and when it last changed.

    A named tuple: a course has one for every note it ever published (28,000 for 2,000
    concepts), made while the exports are read.
    """

    guid: str
    course_id: str
    stage: int
    """The stage it is taught in; GONE_STAGE for a concept gone from the course."""
    stage_title: str
    concept_id: str
    concept_title: str
    role: Role
    text: str
    retired: bool
    field_names: tuple[str, ...]
    changed: int
    """The published note's modification time: a learner's copy modified later was edited."""
    hash: str
    """The published note's content hash (identity.content_hash of its fields and tags)."""
    order: tuple[int, ...]
    """Curriculum order (stage, concept position, role, then the item's text: its place on the
    page is only known by making the cards): ties in a ranking fall back to it."""
    fields: tuple[str, ...] = ()
    """The published field text (HTML) in note-type order; only read for the items a report
    shows the text of (see fields.py), empty otherwise."""

    @property
    def stage_label(self) -> str:
        """The stage as a report names it."""
        if self.stage == GONE_STAGE:
            return "No longer in the course"
        return f"Stage {self.stage} · {self.stage_title}".rstrip(" ·")

    @property
    def shown_fields(self) -> tuple[tuple[str, str], ...]:
        """(name, text) of the fields that carry the item itself, as cards show them."""
        return tuple(
            (name, text)
            for name, text in zip(self.field_names, self.fields, strict=False)
            if name not in HIDDEN_FIELDS and text
        )


def published_guids(source: Path) -> dict[str, tuple[int, str]]:
    """Every GUID the course in `source` has published, with its note's modification time and
    content hash.

    The ledger's note lines alone say this, in a tenth of the time reading the course takes,
    so learners' exports can be read while the course is read.
    """
    from pathdeck.identity import parse_ledger
    from pathdeck.identity.deferred import published_states

    ledger = _ledger_file(source)
    try:
        text = ledger.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        return {}  # published_items reports the damage, located, as every build does
    return published_states(parse_ledger(text, str(ledger), defer=True))


def published_items(source: Path) -> dict[str, PublishedItem]:
    """Every note the course in `source` has published, retired ones included, by GUID, from
    its ledger and its validated source; a ContentError says what is wrong with the source."""
    from pathdeck.pipeline import outline

    _ledger_file(source)
    checked, ledger = outline(source, jobs=1)  # the cores are busy reading exports
    course = checked.course
    places = _places(source, course, ledger)
    entries = sorted(ledger.entries, key=lambda e: (e.concept, e.role.rank, e.retired, e.text))
    items: dict[str, PublishedItem] = {}
    for entry in entries:
        record = ledger.concepts[entry.concept]
        stage, concept, where = places.get(entry.concept, (None, None, None))
        order = where.order if where is not None else GONE_CONCEPT
        items[entry.guid] = PublishedItem(
            guid=entry.guid,
            course_id=course.id,
            stage=stage.number if stage is not None else GONE_STAGE,
            stage_title=stage.title if stage is not None else "",
            concept_id=concept.id if concept is not None else record.id,
            concept_title=concept.title if concept is not None else "",
            role=entry.role,
            text=entry.text,
            retired=entry.retired or where is None,
            field_names=_field_names(ledger, entry.role),
            changed=entry.changed,
            hash=entry.hash,
            order=(*order, entry.role.rank, len(items)),
        )
    return items


Place = tuple[Stage, Concept, Placement]


def _places(source: Path, course: Course, ledger: Ledger) -> dict[str, Place]:
    """Each concept of the source by the key of the published concept it is: the one it names
    (its `formerly` first, as a build matches them), so a rename since the last build keeps
    its notes. Only when a concept names none while a published one is unnamed is a plan
    made, to find them by their notes as a build does."""
    places: dict[str, Place] = {}
    unnamed: dict[str, Place] = {}
    for taught in course.stages:
        placements = stage_placements(course, taught, concept_decks=False).values()
        for known, placed in zip(taught.concepts, placements, strict=True):
            key, _ = ledger.named_key(known.id, known.formerly)
            if key is None:
                unnamed[known.id] = (taught, known, placed)
            else:
                places.setdefault(key, (taught, known, placed))
    if unnamed and ledger.concepts.keys() - places.keys():
        from pathdeck.pipeline import plan

        key_of = {entry.guid: entry.concept for entry in ledger.entries}
        for note in plan(source, jobs=1)[1].notes:
            key = key_of.get(note.guid)
            if key is not None and key not in places and note.spec.concept_id in unnamed:
                places[key] = unnamed[note.spec.concept_id]
    return places


def published_fields(
    guids: set[str],
    items: Mapping[str, PublishedItem],
    files: Sequence[Path],
    sources: Sequence[Path],
    extractions: Extractions | None = None,
) -> dict[str, tuple[str, ...]]:
    """The published fields of these items: from learners' copies still as published (what
    they saw), else, for an item every holder edited, from a plan of its course."""
    wanted = {guid: (items[guid].changed, items[guid].hash) for guid in guids if guid in items}
    fields = {
        guid: tuple(text.split("\x1f"))
        for guid, text in published_copies(files, wanted, extractions).items()
    }
    missing = wanted.keys() - fields.keys()
    if missing:
        fields.update(_planned_fields(sources, missing))
    return fields


def _planned_fields(sources: Sequence[Path], guids: set[str]) -> dict[str, tuple[str, ...]]:
    """The fields a build of the sources gives these notes: a plan makes every card of a
    course, so this is asked only of the notes no learner holds as published."""
    from pathdeck.pipeline import plan

    found: dict[str, tuple[str, ...]] = {}
    for source in sources:
        _, resolution = plan(source)
        found.update((n.guid, n.spec.fields) for n in resolution.notes if n.guid in guids)
    return found


def _field_names(ledger: Ledger, role: Role) -> tuple[str, ...]:
    """The fields of the role's note type as published (as the cards make them, if never)."""
    record = ledger.notetypes.get(role)
    return tuple(record.fields) if record is not None else FIELDS[role]


def _ledger_file(source: Path) -> Path:
    """The source's ledger; a source without one was never published."""
    from pathdeck.identity import LEDGER_FILE

    ledger = source / LEDGER_FILE
    if not ledger.is_file():  # every GUID a plan made would be a new one
        raise ContentError.at(
            str(source),
            codes.UNPUBLISHED_COURSE,
            f"{source} has no {LEDGER_FILE}: no learner can hold its notes yet "
            "(build and publish it first, or point --source at the published course)",
        )
    return ledger
