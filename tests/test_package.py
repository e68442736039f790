"""Package stage: the one-pass writer gives Anki exactly what genanki's own writer gives it."""

from __future__ import annotations

import sqlite3
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from anki.collection import ImportAnkiPackageOptions, ImportAnkiPackageRequest

from anki_helpers import fresh_collection, import_default
from bench import generate
from pathdeck.package import writer as package
from pathdeck.pipeline import build

pytestmark = pytest.mark.anki


@dataclass(frozen=True, slots=True, kw_only=True)
class WriterInput:
    """What the pipeline hands the package writer for one build."""

    notetypes: list[package.PackageNoteType]
    decks: list[package.PackageDeck]
    notes: list[package.PackageNote]
    top_deck_id: int
    created: int


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
    bulk, reference = folder / "bulk.apkg", folder / "genanki.apkg"
    package.write_package(
        bulk,
        notetypes=given.notetypes,
        decks=given.decks,
        notes=given.notes,
        top_deck_id=given.top_deck_id,
        created=given.created,
    )
    package.write_with_genanki(
        reference,
        notetypes=given.notetypes,
        decks=given.decks,
        notes=given.notes,
        created=given.created,
    )
    return bulk, reference


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


def collection_rows(apkg: Path, folder: Path) -> tuple[list[Any], list[Any]]:
    """The notes and cards rows of a package's collection, ids and mod times left out."""
    database = folder / f"{apkg.stem}.anki2"
    with zipfile.ZipFile(apkg) as archive:
        database.write_bytes(archive.read("collection.anki2"))
    db = sqlite3.connect(database)
    try:
        notes = db.execute(
            "SELECT guid, mid, usn, tags, flds, sfld, csum, flags, data FROM notes ORDER BY id"
        ).fetchall()
        cards = db.execute(
            "SELECT n.guid, c.did, c.ord, c.usn, c.type, c.queue, c.due, c.ivl, c.factor, c.reps,"
            " c.lapses, c.left, c.odue, c.odid, c.flags, c.data"
            " FROM cards c JOIN notes n ON n.id = c.nid ORDER BY c.id"
        ).fetchall()
    finally:
        db.close()
    return notes, cards


def test_rows_match_genanki_byte_for_byte(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The notes and cards tables hold genanki's very rows, in its order, ids and mod times aside."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1780000000")
    given = writer_input(small_course(tmp_path / "decks"), tmp_path / "out.apkg", monkeypatch)
    bulk, reference = write_both(given, tmp_path / "apkg")
    assert collection_rows(bulk, tmp_path) == collection_rows(reference, tmp_path)


def test_same_input_gives_identical_bytes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Writing the same notes twice gives byte-identical packages (reproducible builds)."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1780000000")
    given = writer_input(small_course(tmp_path / "decks"), tmp_path / "out.apkg", monkeypatch)
    first, second = tmp_path / "first.apkg", tmp_path / "second.apkg"
    for target in (first, second):
        package.write_package(
            target,
            notetypes=given.notetypes,
            decks=given.decks,
            notes=given.notes,
            top_deck_id=given.top_deck_id,
            created=given.created,
        )
    assert first.read_bytes() == second.read_bytes()


def test_retired_notes_arrive_suspended(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A retired note's cards are written suspended, kept by an import that includes scheduling."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1780000000")
    given = writer_input(small_course(tmp_path / "decks"), tmp_path / "out.apkg", monkeypatch)
    retired = given.notes[0]._replace(suspended=True)
    target = tmp_path / "retired.apkg"
    package.write_package(
        target,
        notetypes=given.notetypes,
        decks=given.decks,
        notes=[retired, *given.notes[1:]],
        top_deck_id=given.top_deck_id,
        created=given.created,
    )
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


def test_writer_leaves_no_scratch_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Only the package appears beside the target: the scratch collection is removed."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1780000000")
    given = writer_input(small_course(tmp_path / "decks"), tmp_path / "out.apkg", monkeypatch)
    out = tmp_path / "dist"
    out.mkdir()
    package.write_package(
        out / "course.apkg",
        notetypes=given.notetypes,
        decks=given.decks,
        notes=given.notes,
        top_deck_id=given.top_deck_id,
        created=given.created,
    )
    assert [p.name for p in out.iterdir()] == ["course.apkg"]
