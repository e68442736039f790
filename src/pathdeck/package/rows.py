"""Package rows: a course's decks and resolved notes as the .apkg writer takes them."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from pathdeck._speed.tuples import new_tuple
from pathdeck.cards import deck_part, stage_deck
from pathdeck.cards.notetypes import stable_id
from pathdeck.markup import to_html

if TYPE_CHECKING:
    from pathdeck.curriculum import Course
    from pathdeck.identity import Resolution


def write_notes(
    target: Path, course: Course, resolution: Resolution, *, concept_decks: bool = False
) -> None:
    """Package `resolution`'s notes (all, or a chosen few) into `target`, with the course's decks.

    A build writes every note; the live preview re-renders only the notes that changed.
    """
    from pathdeck.package import writer as package  # genanki loads only when a package is written

    top_id = stable_id(course.id, "deck")
    deck_ids = {deck_part(course.title): top_id}
    for stage in course.stages:
        deck_ids[stage_deck(course, stage)] = stable_id(course.id, "deck", "stage", stage.number)
    notes = sorted(resolution.notes, key=lambda n: n.spec.order)
    for note in notes:
        if note.spec.deck not in deck_ids:
            deck_ids[note.spec.deck] = stable_id(course.id, "deck", note.spec.deck)
    decks = [
        package.PackageDeck(
            id=deck_id,
            name=name,
            description=to_html(course.description or "") if deck_id == top_id else "",
        )
        for name, deck_id in deck_ids.items()
    ]
    records = resolution.ledger.notetypes
    notetypes = [
        package.PackageNoteType(notetype=nt, mod=records[role].changed)
        for role, nt in resolution.notetypes.items()
    ]
    notetype_ids = {role: notetype.id for role, notetype in resolution.notetypes.items()}
    package_notes = [
        new_tuple(  # PackageNote's fields in order (pathdeck._speed.tuples)
            package.PackageNote,
            (
                note.guid,
                notetype_ids[note.spec.role],
                note.spec.fields,
                note.spec.tags,
                deck_ids[note.spec.deck],
                due,
                note.mod,
                note.spec.retired,
            ),
        )
        for due, note in enumerate(notes, start=1)
    ]
    package.write_package(
        target,
        notetypes=notetypes,
        decks=decks,
        notes=package_notes,
        top_deck_id=top_id,
        created=max((n.mod for n in package_notes), default=0),
    )
