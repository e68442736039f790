"""Learners in the real anki library: review with the scheduler, export the ways Anki offers."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from anki.collection import ExportAnkiPackageOptions

EXPORT_KINDS = ("apkg", "apkg-legacy", "colpkg", "colpkg-legacy")
"""Anki's modern .apkg with scheduling, the legacy (2.1.x) .apkg, and whole-collection backups."""


def export_as(col: Any, folder: Path, name: str, kind: str) -> Path:
    """Export `col` as `kind` with the library's own export functions; the collection stays open."""
    folder.mkdir(parents=True, exist_ok=True)
    legacy = kind.endswith("-legacy")
    if kind.startswith("colpkg"):
        path = folder / f"{name}.colpkg"
        col.export_collection_package(str(path), include_media=False, legacy=legacy)
        col.reopen()  # a collection package export closes the collection, as a full sync does
        return path
    path = folder / f"{name}.apkg"
    options = ExportAnkiPackageOptions(
        with_scheduling=True, with_deck_configs=True, with_media=False, legacy=legacy
    )
    col.export_anki_package(out_path=str(path), options=options, limit=None)
    return path


def export_without_scheduling(col: Any, path: Path) -> Path:
    """The export a learner makes when they leave "Include scheduling information" unticked."""
    options = ExportAnkiPackageOptions(
        with_scheduling=False, with_deck_configs=False, with_media=False, legacy=False
    )
    col.export_anki_package(out_path=str(path), options=options, limit=None)
    return path


def study_everything_due(col: Any, deck: str, ease_for: Any, limit: int = 10_000) -> int:
    """Answer every card the scheduler offers in `deck`, `ease_for(card)` choosing the button."""
    col.decks.select(col.decks.id_for_name(deck))
    answered = 0
    while answered < limit and (card := col.sched.getCard()) is not None:
        card.start_timer()
        col.sched.answerCard(card, ease_for(card))
        answered += 1
    return answered


def make_reviews_due(col: Any) -> None:
    """Let time pass: every card a learner has seen is due again today (logged as a manual
    reschedule, which insights never counts as an answer)."""
    seen = list(col.find_cards("-is:new -is:suspended"))
    if seen:
        col.sched.set_due_date(seen, "0")


def study_rounds(col: Any, deck: str, ease_for: Any, rounds: int) -> None:
    """Several study sessions in `deck`, each followed by the wait that makes cards due again."""
    for _ in range(rounds):
        study_everything_due(col, deck, ease_for, limit=2_000)
        make_reviews_due(col)


def card_ids_of(col: Any, guid: str) -> list[int]:
    """The cards of the note with `guid` in a learner's collection."""
    note_id = col.db.scalar("SELECT id FROM notes WHERE guid = ?", guid)
    return list(col.card_ids_of_note(note_id))


def note_of(col: Any, guid: str) -> Any:
    """The learner's copy of the note with `guid`."""
    return col.get_note(col.db.scalar("SELECT id FROM notes WHERE guid = ?", guid))


def add_own_note(col: Any, front: str, back: str) -> None:
    """A card the learner writes for themselves, in Anki's Basic note type."""
    note = col.new_note(col.models.by_name("Basic"))
    note["Front"], note["Back"] = front, back
    col.add_note(note, col.decks.id_for_name("Default"))
