"""References the tests hold pathdeck's code against, kept out of the package: genanki's own
.apkg writer, and the very input a real build hands the package writer."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import genanki
import pytest
import yaml

from bench import generate
from pathdeck.package import writer as package
from pathdeck.pipeline import build


def write_with_genanki(
    target: Path,
    *,
    notetypes: Sequence[package.PackageNoteType],
    decks: Sequence[package.PackageDeck],
    notes: Sequence[package.PackageNote],
    created: int,
) -> None:
    """The same package through genanki's own writer: the reference the bulk writer must match."""
    models = {item.notetype.id: package.genanki_model(item.notetype) for item in notetypes}
    by_id = {deck.id: genanki.Deck(deck.id, deck.name, deck.description) for deck in decks}
    for note in notes:
        by_id[note.deck_id].add_note(
            genanki.Note(
                model=models[note.notetype_id],
                fields=list(note.fields),
                tags=list(note.tags),
                guid=note.guid,
                due=note.due,
            )
        )
    genanki.Package(list(by_id.values())).write_to_file(str(target), timestamp=created)


@dataclass(frozen=True, slots=True, kw_only=True)
class WriterInput:
    """What the pipeline hands the package writer for one build."""

    notetypes: list[package.PackageNoteType]
    decks: list[package.PackageDeck]
    notes: list[package.PackageNote]
    top_deck_id: int
    created: int

    def write(self, target: Path) -> Path:
        """Write this input with pathdeck's bulk writer."""
        package.write_package(
            target,
            notetypes=self.notetypes,
            decks=self.decks,
            notes=self.notes,
            top_deck_id=self.top_deck_id,
            created=self.created,
        )
        return target


def small_course(folder: Path) -> Path:
    """Six synthetic concepts in two stages; one fact has a third blank (a third cloze card)."""
    generate.write_tree(folder, generate.curriculum(6, stages=2))
    concept = next(folder.glob("stage-01-*/e1-1-*.yaml"))
    data = yaml.safe_load(concept.read_text(encoding="utf-8"))
    data["facts"][0] = data["facts"][0].replace(" in encounter", " in [[encounter]]")
    concept.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return folder


def writer_input(source: Path, out: Path, monkeypatch: pytest.MonkeyPatch) -> WriterInput:
    """Run a real build and keep the arguments it passes to `package.write_package`."""
    seen: list[WriterInput] = []

    def keep(target: Path, **kwargs: Any) -> None:
        seen.append(WriterInput(**kwargs))

    with monkeypatch.context() as patch:
        patch.setattr(package, "write_package", keep)
        build(source, out)
    (only,) = seen
    return only


def write_both(given: WriterInput, folder: Path) -> tuple[Path, Path]:
    """The same input through the bulk writer and through genanki's `write_to_file`."""
    folder.mkdir(parents=True, exist_ok=True)
    bulk = given.write(folder / "bulk.apkg")
    reference = folder / "genanki.apkg"
    write_with_genanki(
        reference,
        notetypes=given.notetypes,
        decks=given.decks,
        notes=given.notes,
        created=given.created,
    )
    return bulk, reference
