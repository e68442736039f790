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
