"""The export reader: learners' .apkg and .colpkg files, every format Anki writes, read-only."""

from __future__ import annotations

import errno
import os
import signal
import sqlite3
import tempfile
import time
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any

import pytest

from anki_helpers import fresh_collection, import_default
from insights_support import EXPORT_KINDS, export_as, study_everything_due
from pathdeck._speed import parallel, scratch
from pathdeck.package import read
from pathdeck.package.read import ExportError, open_export
from pathdeck.pipeline import build
from pathdeck.tools.insights import cohort
from pathdeck.tools.insights.reading import read_learner as real_read

pytestmark = pytest.mark.anki

COURSE_DECK = "Clinical Encounters"


@pytest.fixture
def studied(source: Path, tmp_path: Path, epoch: int) -> Iterator[Any]:
    """A learner who imported the course and answered each new card once (again, then good)."""
    apkg = build(source, tmp_path / "out" / "course.apkg").output
    col = fresh_collection(tmp_path / "learner")
    import_default(col, apkg)
    study_everything_due(col, COURSE_DECK, lambda card: 3)
    yield col
    col.close()


def contents(db: sqlite3.Connection) -> tuple[set[str], int, int]:
    """Note GUIDs, card count and review count of an opened export."""
    guids = {row[0] for row in db.execute("SELECT guid FROM notes")}
    cards = db.execute("SELECT count(*) FROM cards").fetchone()[0]
    reviews = db.execute("SELECT count(*) FROM revlog").fetchone()[0]
    return guids, cards, reviews


@pytest.mark.parametrize("kind", EXPORT_KINDS)
def test_every_export_format_reads_back(studied: Any, tmp_path: Path, kind: str) -> None:
    """Each way Anki exports gives back the learner's notes, cards and review log."""
    expected = (
        {studied.get_note(n).guid for n in studied.find_notes("")},
        studied.card_count(),
        studied.db.scalar("SELECT count() FROM revlog"),
    )
    path = export_as(studied, tmp_path / "exports", "learner", kind)
    with open_export(path) as db:
        assert contents(db) == expected
    assert expected[2] > 0


def test_modern_package_placeholder_is_never_read(studied: Any, tmp_path: Path) -> None:
    """A modern .apkg's placeholder collection.anki2 ("please update Anki") is ignored."""
    path = export_as(studied, tmp_path / "exports", "learner", "apkg")
    assert {"collection.anki21b", "collection.anki2"} <= set(zipfile.ZipFile(path).namelist())
    with open_export(path) as db:
        fields = [row[0] for row in db.execute("SELECT flds FROM notes")]
    assert not any("update to the latest Anki" in text for text in fields)


def test_connection_is_read_only(studied: Any, tmp_path: Path) -> None:
    """Writing through the connection fails, and the input file is unchanged."""
    path = export_as(studied, tmp_path / "exports", "learner", "apkg-legacy")
    before = path.read_bytes()
    with open_export(path) as db, pytest.raises(sqlite3.OperationalError, match="readonly"):
        db.execute("DELETE FROM notes")
    assert path.read_bytes() == before


def test_temporary_files_are_removed(
    studied: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Nothing extracted is left behind, whether the reading finished or failed; a folder
    named by TMPDIR is used rather than the RAM folder."""
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setenv("TMPDIR", str(scratch))
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    path = export_as(studied, tmp_path / "exports", "learner", "apkg")
    with open_export(path) as db:
        db.execute("SELECT count(*) FROM notes")
        assert list(scratch.iterdir())
    assert not list(scratch.iterdir())
    with pytest.raises(RuntimeError), open_export(path):
        raise RuntimeError
    assert not list(scratch.iterdir())


@pytest.fixture
def ram(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A stand-in for /dev/shm, with no TMPDIR set to overrule it."""
    folder = tmp_path / "ram"
    folder.mkdir()
    monkeypatch.setattr(scratch, "RAM_FOLDER", folder)
    for name in scratch.TEMP_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    return folder


def test_the_ram_folder_is_used_where_there_is_one(studied: Any, tmp_path: Path, ram: Path) -> None:
    """With no TMPDIR, the collection is extracted to the RAM folder, and removed after."""
    path = export_as(studied, tmp_path / "exports", "learner", "apkg")
    with open_export(path) as db:
        assert db.execute("SELECT count(*) FROM notes").fetchone()[0] > 0
        assert list(ram.iterdir())
    assert not list(ram.iterdir())


def test_extraction_folders_are_named_for_pathdeck(studied: Any, tmp_path: Path, ram: Path) -> None:
    """A folder left by a killed run is recognisable as pathdeck's: its name starts so."""
    path = export_as(studied, tmp_path / "exports", "learner", "apkg")
    with read.Extractions(keep=1) as extractions:
        for _ in range(2):
            with open_export(tmp_path / "exports" / path.name, extractions):
                pass
        with open_export(export_as(studied, tmp_path / "more", "other", "apkg"), extractions):
            names = [folder.name for folder in ram.iterdir()]
    assert len(names) == 2
    assert all(name.startswith("pathdeck-export-") for name in names), names


def full_folder(*folders: Path) -> Callable[..., None]:
    """A stand-in for read._copy that finds no room in these folders."""
    real_copy = read._copy

    def copy(packed: IO[bytes], plain: IO[bytes], *, compressed: bool) -> None:
        if any(Path(plain.name).is_relative_to(folder) for folder in folders):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        real_copy(packed, plain, compressed=compressed)

    return copy


def test_a_full_ram_folder_gives_way_to_the_temporary_folder(
    studied: Any, tmp_path: Path, ram: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A collection too large for the RAM folder is extracted to the system's instead."""
    path = export_as(studied, tmp_path / "exports", "learner", "apkg")
    monkeypatch.setattr(read, "_copy", full_folder(ram))
    with open_export(path) as db:
        assert db.execute("SELECT count(*) FROM notes").fetchone()[0] > 0
    assert not list(ram.iterdir())


def test_a_full_ram_folder_gives_way_for_the_reused_file_too(
    studied: Any, tmp_path: Path, ram: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A collection too large for the RAM folder's reused file goes to the system's folder."""
    path = export_as(studied, tmp_path / "exports", "learner", "apkg")
    monkeypatch.setattr(read, "_copy", full_folder(ram))
    with read.Extractions(keep=0) as extractions:
        for _ in range(2):
            with open_export(path, extractions) as db:
                assert db.execute("SELECT count(*) FROM notes").fetchone()[0] > 0
    assert not list(ram.iterdir())


def test_collections_the_ram_folder_has_no_room_for_never_pile_up(
    studied: Any, tmp_path: Path, ram: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Once RAM has no room, the reused file moves to the system's folder and is reused there:
    a cohort never piles up on disk (a 64 MB /dev/shm holds two kept ones)."""
    system = tmp_path / "system"
    system.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(system))
    path = export_as(studied, tmp_path / "exports", "learner", "apkg")
    monkeypatch.setattr(read, "_copy", full_folder(ram))
    with read.Extractions(keep=0) as extractions:
        for _ in range(3):
            with open_export(path, extractions) as db:
                assert db.execute("SELECT count(*) FROM notes").fetchone()[0] > 0
            assert len(list(system.glob("*/collection.sqlite"))) == 1
    assert not list(system.iterdir())
    assert not list(ram.iterdir())


def test_no_room_anywhere_is_a_clear_problem(
    studied: Any, tmp_path: Path, ram: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With no room to extract the collection, the export is reported, not a traceback."""
    path = export_as(studied, tmp_path / "exports", "learner", "apkg")
    monkeypatch.setattr(read, "_copy", full_folder(ram, Path(tempfile.gettempdir())))
    error = raises_export_error(path)
    assert error.code == "unreadable-export"
    assert "no room to extract it" in error.reason
    with (
        read.Extractions(keep=0) as extractions,
        pytest.raises(ExportError) as caught,
        open_export(path, extractions),
    ):
        pass
    assert caught.value.code == "unreadable-export"
    assert not list(ram.iterdir())


def test_extractions_keep_the_first_and_reuse_one_file_for_the_rest(
    studied: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The first collections are kept and read again without extracting them; the others are
    extracted one after another into one file; every one is removed when they are let go."""
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setenv("TMPDIR", str(scratch))
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    first = export_as(studied, tmp_path / "exports", "first", "apkg")
    second = export_as(studied, tmp_path / "exports", "second", "apkg-legacy")
    third = export_as(studied, tmp_path / "exports", "third", "colpkg")
    extracted: list[tuple[Path, Path]] = []
    real_extract = read._extract_collection

    def counting(path: Path, database: Path) -> None:
        extracted.append((path, database))
        real_extract(path, database)

    monkeypatch.setattr(read, "_extract_collection", counting)
    with read.Extractions(keep=1) as kept:
        read_back = []
        for path in (first, second, third, first, second):
            with open_export(path, kept) as db:
                read_back.append(contents(db))
        assert read_back == [read_back[0]] * 5  # the same learner, exported three ways
        assert read_back[0][2] > 0
        assert [path for path, _ in extracted] == [first, second, third, second]
        assert len({database for path, database in extracted if path != first}) == 1
        assert len(list(scratch.iterdir())) == 2  # the kept one, the one reused
    assert not list(scratch.iterdir())


def raises_export_error(path: Path) -> ExportError:
    """The ExportError that opening `path` raises."""
    with pytest.raises(ExportError) as caught, open_export(path):
        pass
    return caught.value


def test_not_a_zip(tmp_path: Path) -> None:
    """A text file is reported as not an Anki export."""
    path = tmp_path / "notes.apkg"
    path.write_text("my revision notes\n")
    error = raises_export_error(path)
    assert (error.code, error.path) == ("not-an-export", path)
    assert "not a zip file" in str(error)


def test_zip_without_collection(tmp_path: Path) -> None:
    """A zip that holds no collection is not an Anki export."""
    path = tmp_path / "photos.apkg"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("holiday.jpg", b"\xff\xd8")
    error = raises_export_error(path)
    assert error.code == "not-an-export"
    assert "holds no collection" in str(error)


def test_truncated_zip(studied: Any, tmp_path: Path) -> None:
    """A download cut short is a damaged export."""
    path = export_as(studied, tmp_path / "exports", "learner", "apkg")
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    assert raises_export_error(path).code == "damaged-export"


@pytest.mark.parametrize("kind", ["apkg", "apkg-legacy"])
def test_flipped_bytes_inside_the_collection(studied: Any, tmp_path: Path, kind: str) -> None:
    """Bytes corrupted inside the packed collection make a damaged export, not a traceback."""
    path = export_as(studied, tmp_path / "exports", "learner", kind)
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as archive:
        member = archive.getinfo(archive.namelist()[1])
    middle = member.header_offset + 100 + member.compress_size // 2
    data[middle : middle + 16] = bytes(16)
    path.write_bytes(bytes(data))
    assert raises_export_error(path).code == "damaged-export"


def test_corrupted_collection(tmp_path: Path) -> None:
    """A modern collection that is not zstd data is a damaged export."""
    path = tmp_path / "broken.apkg"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("collection.anki21b", b"\x00" * 64)
    error = raises_export_error(path)
    assert error.code == "damaged-export"


def test_collection_that_is_not_sqlite(tmp_path: Path) -> None:
    """A legacy collection that is not SQLite is a damaged export."""
    path = tmp_path / "broken.colpkg"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("collection.anki21", b"this is not a database" * 100)
    error = raises_export_error(path)
    assert error.code == "damaged-export"
    assert "not a readable database" in str(error)


def test_unreadable_file(tmp_path: Path) -> None:
    """A missing file or a folder in its place is reported as unreadable."""
    assert raises_export_error(tmp_path / "gone.apkg").code == "unreadable-export"
    (tmp_path / "folder.apkg").mkdir()
    assert raises_export_error(tmp_path / "folder.apkg").code == "unreadable-export"


def test_a_worker_stopped_by_an_error_here_leaves_no_collection(
    studied: Any, tmp_path: Path, ram: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An error in this process (a course with problems, read while the workers read) stops
    the workers: the collections they had extracted are removed too, not left in RAM."""
    path = export_as(studied, tmp_path / "exports", "learner", "apkg")
    here = os.getpid()

    def stuck_in_worker(*args: Any) -> Any:
        export = real_read(*args)
        while os.getpid() != here:  # a worker, its collection still extracted
            signal.pause()
        return export

    def course_with_problems() -> None:
        for _ in range(2000):  # until the worker has extracted its first collection
            if list(ram.iterdir()):
                raise ValueError("the course has problems")
            time.sleep(0.005)
        raise AssertionError("the worker never extracted a collection")

    monkeypatch.setattr(parallel, "can_fork", lambda: hasattr(os, "fork"))
    monkeypatch.setattr(cohort, "BYTES_PER_WEIGHT", 1)
    monkeypatch.setattr(cohort, "read_learner", stuck_in_worker)
    with pytest.raises(ValueError, match="problems"):
        cohort.gather([path] * 4, dict, jobs=2, meanwhile=course_with_problems)
    assert not list(ram.iterdir())
