"""Package stage, byte by byte: the one-pass writer's rows are genanki's, its bytes reproducible.

No `anki` here: these run wherever pathdeck itself installs."""

from __future__ import annotations

import sqlite3
import zipfile
from pathlib import Path
from typing import Any

import pytest

from oracles import small_course, write_both, writer_input


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
    first, second = given.write(tmp_path / "first.apkg"), given.write(tmp_path / "second.apkg")
    assert first.read_bytes() == second.read_bytes()


def test_writer_leaves_no_scratch_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Only the package appears beside the target: the scratch collection is removed."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1780000000")
    given = writer_input(small_course(tmp_path / "decks"), tmp_path / "out.apkg", monkeypatch)
    out = tmp_path / "dist"
    out.mkdir()
    given.write(out / "course.apkg")
    assert [p.name for p in out.iterdir()] == ["course.apkg"]
