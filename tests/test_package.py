"""Package stage: a learner importing the one-pass writer's package gets what genanki's gives."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

import pytest
from anki.collection import ImportAnkiPackageOptions, ImportAnkiPackageRequest

from anki_helpers import fresh_collection, import_default
from bench import generate
from oracles import small_course, write_both, writer_input
from pathdeck.pipeline import build

pytestmark = pytest.mark.anki


@dataclass(frozen=True, slots=True, kw_only=True)
class Learner:
    """What a learner's collection holds after importing one package."""

    notes: list[tuple[str, str, tuple[str, ...]]]
    tags: dict[str, list[str]]
    cards: list[tuple[str, int, str, int]]
    due_order: list[tuple[str, int]]
    decks: set[str]
    notetypes: list[tuple[str, list[str], list[tuple[str, str, str]], str, int]]


def learner_view(apkg: Path, folder: Path, *, with_scheduling: bool = False) -> Learner:
    """Import `apkg` into a fresh collection (default options unless told) and read it back."""
    col = fresh_collection(folder)
    try:
        if with_scheduling:
            options = ImportAnkiPackageOptions(with_scheduling=True)
            request = ImportAnkiPackageRequest(package_path=str(apkg), options=options)
            col.import_anki_package(request)
        else:
            import_default(col, apkg)
        notes = []
        tags = {}
        for note_id in col.find_notes(""):
            note = col.get_note(note_id)
            notes.append((note.guid, note.note_type()["name"], tuple(note.fields)))
            tags[note.guid] = sorted(note.tags)
        rows = col.db.all(
            "SELECT n.guid, c.ord, c.did, c.due, c.queue FROM cards c JOIN notes n ON n.id = c.nid"
        )
        cards = [(guid, ord_, col.decks.name(did), queue) for guid, ord_, did, _, queue in rows]
        due_order = [(guid, ord_) for guid, ord_, _, _, _ in sorted(rows, key=lambda r: r[3])]
        decks = {d.name for d in col.decks.all_names_and_ids()}
        notetypes = [
            (
                m["name"],
                [f["name"] for f in m["flds"]],
                [(t["name"], t["qfmt"], t["afmt"]) for t in m["tmpls"]],
                m["css"],
                m["sortf"],
            )
            for m in col.models.all()
            if m["name"].startswith("pathdeck")
        ]
    finally:
        col.close()
    return Learner(
        notes=sorted(notes),
        tags=tags,
        cards=sorted(cards),
        due_order=due_order,
        decks=decks,
        notetypes=sorted(notetypes),
    )


@pytest.fixture(scope="module")
def imported(tmp_path_factory: pytest.TempPathFactory) -> tuple[Learner, Learner]:
    """(bulk writer, genanki writer): one small course, each package imported by a new learner."""
    root = tmp_path_factory.mktemp("package")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SOURCE_DATE_EPOCH", "1780000000")
        given = writer_input(small_course(root / "decks"), root / "out.apkg", patch)
    bulk, reference = write_both(given, root / "apkg")
    return learner_view(bulk, root / "bulk"), learner_view(reference, root / "genanki")


def test_same_notes_as_genanki(imported: tuple[Learner, Learner]) -> None:
    """Every note arrives with the GUID, note type and fields genanki's writer gives it."""
    bulk, reference = imported
    assert len(bulk.notes) == 6 * 14
    assert bulk.notes == reference.notes


def test_same_cards_and_decks_as_genanki(imported: tuple[Learner, Learner]) -> None:
    """Every note gets the same cards, in the same decks, a cloze note one card per blank."""
    bulk, reference = imported
    assert len(bulk.cards) == 6 * 17 + 1
    assert bulk.cards == reference.cards


def test_same_deck_tree_as_genanki(imported: tuple[Learner, Learner]) -> None:
    """The learner gets the course deck and one deck per stage, as with genanki."""
    bulk, reference = imported
    assert {"Synthetic Course"} < bulk.decks
    assert bulk.decks == reference.decks


def test_same_note_types_as_genanki(imported: tuple[Learner, Learner]) -> None:
    """The six note types arrive with genanki's fields, templates, CSS and sort field."""
    bulk, reference = imported
    assert len(bulk.notetypes) == 6
    assert bulk.notetypes == reference.notetypes


def test_same_due_order_as_genanki(imported: tuple[Learner, Learner]) -> None:
    """New cards come up in the same order: curriculum order, then role order within a concept."""
    bulk, reference = imported
    assert bulk.due_order == reference.due_order


def test_same_tags_as_genanki(imported: tuple[Learner, Learner]) -> None:
    """Every note carries the same course, stage, concept and role tags."""
    bulk, reference = imported
    assert all(tags for tags in bulk.tags.values())
    assert bulk.tags == reference.tags


def test_retired_notes_arrive_suspended(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A retired note's cards are written suspended, kept by an import that includes scheduling."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1780000000")
    given = writer_input(small_course(tmp_path / "decks"), tmp_path / "out.apkg", monkeypatch)
    retired = given.notes[0]._replace(suspended=True)
    target = replace(given, notes=[retired, *given.notes[1:]]).write(tmp_path / "retired.apkg")
    view = learner_view(target, tmp_path / "learner", with_scheduling=True)
    queues = {guid: queue for guid, _, _, queue in view.cards}
    assert queues.pop(retired.guid) == -1
    assert set(queues.values()) == {0}


def test_concept_decks_give_each_concept_its_own_deck(tmp_path: Path, epoch: int) -> None:
    """With concept decks, every card sits in its concept's deck under its stage deck."""
    apkg = build(small_course(tmp_path / "decks"), tmp_path / "out.apkg", concept_decks=True).output
    view = learner_view(apkg, tmp_path / "learner")
    expected = {
        f"pathdeck::{c.id}": f"Synthetic Course::Stage {s.number:02d} · {s.title}"
        f"::{c.position:02d} · {c.id} {c.title}"
        for s in generate.curriculum(6, stages=2).stages
        for c in s.concepts
    }
    decks = {(concept, deck) for guid, _, deck, _ in view.cards for concept in view.tags[guid]}
    assert {(concept, deck) for concept, deck in decks if concept in expected} == set(
        expected.items()
    )
