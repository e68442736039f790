"""package.read: pathdeck's own .apkg and every export Anki makes of it read back alike."""

from __future__ import annotations

import sqlite3
import zipfile
from pathlib import Path

import pytest

from pathdeck.package.read import ExportError, StoredPackage, read_package
from pathdeck.pipeline import build


def used(package: StoredPackage) -> dict[str, tuple[str, ...]]:
    """Field names of the note types the notes use, by name (a .colpkg holds Anki's stock ones)."""
    ids = {note.notetype for note in package.notes}
    return {t.name: t.fields for t in package.notetypes.values() if t.id in ids}


def learner_view(package: StoredPackage) -> set[tuple[str, tuple[str, ...], str, str]]:
    """Each note's GUID, fields, sorted tags and deck, in no particular order."""
    return {(n.guid, n.fields, " ".join(sorted(n.tags)), n.deck) for n in package.notes}


@pytest.mark.anki
@pytest.mark.parametrize("kind", ["apkg", "apkg-legacy", "colpkg", "colpkg-legacy"])
def test_an_anki_export_reads_as_the_package_it_came_from(
    source: Path, tmp_path: Path, epoch: int, kind: str
) -> None:
    """Notes, their decks and note types are the same whether pathdeck or Anki wrote the file."""
    from anki_helpers import fresh_collection, import_default
    from insights_support import export_as

    ours = read_package(build(source, tmp_path / "course.apkg").output)
    col = fresh_collection(tmp_path / "learner")
    try:
        import_default(col, tmp_path / "course.apkg")
        exported = read_package(export_as(col, tmp_path / "exports", "learner", kind))
    finally:
        col.close()
    assert len(ours.notes) == 19
    assert learner_view(exported) == learner_view(ours)
    assert used(exported) == used(ours)
    assert ours.decks <= exported.decks


def collection_zip(path: Path, schema: str) -> Path:
    """A zip holding an SQLite collection.anki2 made from `schema`."""
    database = path.with_suffix(".anki2")
    db = sqlite3.connect(database)
    db.executescript(schema)
    db.close()
    with zipfile.ZipFile(path, "w") as archive:
        archive.write(database, "collection.anki2")
    return path


@pytest.mark.parametrize(
    ("why", "schema"),
    [
        ("no col row", "CREATE TABLE col (models, decks);"),
        ("models not JSON", "CREATE TABLE col (models, decks); INSERT INTO col VALUES ('{', '');"),
        (
            "no notetypes table",
            "CREATE TABLE col (models, decks); INSERT INTO col VALUES ('', '');",
        ),
    ],
)
def test_a_collection_that_cannot_be_read_is_a_damaged_export(
    tmp_path: Path, why: str, schema: str
) -> None:
    """A collection with Anki's tables but not their contents: damaged-export, no traceback."""
    tables = "CREATE TABLE notes (id); CREATE TABLE cards (id); CREATE TABLE revlog (id);"
    path = collection_zip(tmp_path / "odd.apkg", tables + schema)
    with pytest.raises(ExportError) as caught:
        read_package(path)
    assert (caught.value.code, caught.value.path) == ("damaged-export", path), why
    assert "its collection cannot be read" in caught.value.reason
