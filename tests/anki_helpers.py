"""The learner's side: a fresh Anki collection that imports .apkg files with default options."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from anki.collection import Collection, ImportAnkiPackageOptions, ImportAnkiPackageRequest


def fresh_collection(folder: Path, name: str = "learner") -> Any:
    """A new, empty Anki collection in `folder`, as a learner's profile starts."""
    folder.mkdir(parents=True, exist_ok=True)
    return Collection(str(folder / f"{name}.anki2"))


def import_default(col: Any, apkg: Path) -> Any:
    """Import as a learner does by double-clicking: Anki's default options (update if newer)."""
    request = ImportAnkiPackageRequest(package_path=str(apkg), options=ImportAnkiPackageOptions())
    return col.import_anki_package(request)


def notes_by_role(col: Any) -> dict[str, list[Any]]:
    """Every note grouped by the role tag pathdeck gives it."""
    groups: dict[str, list[Any]] = {}
    for note_id in col.find_notes(""):
        note = col.get_note(note_id)
        role = next(t for t in note.tags if t.startswith("pathdeck::role::"))
        groups.setdefault(role.removeprefix("pathdeck::role::"), []).append(note)
    return groups


def review_every_card(col: Any, deck: str = "Clinical Encounters") -> int:
    """Study every card of `deck` once with 'Easy' through the scheduler; how many were studied."""
    deck_id = col.decks.id_for_name(deck)
    config = col.decks.config_dict_for_deck_id(deck_id)
    config["new"]["perDay"] = 9999
    col.decks.update_config(config)
    col.decks.select(deck_id)
    studied = 0
    while (card := col.sched.getCard()) is not None:
        col.sched.answerCard(card, 4)
        studied += 1
        assert studied < 1000, "the scheduler kept serving cards"
    return studied
