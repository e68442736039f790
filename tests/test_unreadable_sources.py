"""Unreadable is never deleted: a source file pathdeck cannot read stops check and build.

Left out silently, such a file's concept would look removed and a build would retire every note
a learner studied from it. FIFOs and devices are judged without being opened: opening a FIFO
waits for a writer forever.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from anki_helpers import fresh_collection, import_default, review_every_card
from pathdeck.identity import LEDGER_FILE
from pathdeck.pipeline import build, check
from pathdeck.problems import ContentError
from pathdeck.source import load_file

STAGE = "stage-06-the-therapeutic-alliance"
E61 = f"{STAGE}/e6-1-alliance-foundations.yaml"
PATHDECK = Path(sys.executable).parent / "pathdeck"
GUARD_SECONDS = 120
"""Not a timing assertion: only a ceiling, so that a regression fails instead of hanging CI."""


def _hung(signum: int, frame: object) -> None:
    raise AssertionError(f"still waiting after {GUARD_SECONDS} s: a FIFO was opened")


@pytest.fixture(autouse=True)
def never_hang() -> Iterator[None]:
    """Fail, rather than hang, a test whose code under test opens a FIFO."""
    previous = signal.signal(signal.SIGALRM, _hung)
    signal.alarm(GUARD_SECONDS)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, previous)


def as_folder(path: Path) -> None:
    """The concept file's name on a folder (an unzipped attachment, a mistaken mkdir)."""
    path.mkdir()
    (path / "notes.txt").write_text("draft notes\n")


def as_broken_link(path: Path) -> None:
    """A link to a share that is not mounted."""
    path.symlink_to(path.parent / "shared-drive" / path.name)


def as_fifo(path: Path) -> None:
    """A named pipe: opening it for reading waits for a writer."""
    os.mkfifo(path)


def as_device(path: Path) -> None:
    """A link to a character device."""
    path.symlink_to("/dev/null")


REPLACEMENTS: dict[str, Callable[[Path], None]] = {
    "folder": as_folder,
    "broken-link": as_broken_link,
    "fifo": as_fifo,
    "device": as_device,
}


def replaced(source: Path, relative: str, how: Callable[[Path], None]) -> Path:
    """Move a source file aside and put `how`'s thing at its path; the file's new home."""
    path = source / relative
    kept = source.parent / f"kept-{path.name}"
    path.rename(kept)
    how(path)
    return kept


def problems_of(source: Path) -> list[tuple[str, str]]:
    """(path relative to the source, code) of every problem `check` finds."""
    with pytest.raises(ContentError) as raised:
        check(source)
    return [(str(Path(p.location.path).relative_to(source)), p.code) for p in raised.value.problems]


@pytest.mark.parametrize("kind", sorted(REPLACEMENTS))
def test_unreadable_concept_file_fails_check(kind: str, source: Path) -> None:
    """A concept file that is a folder, broken link, FIFO or device is an error at its path."""
    replaced(source, E61, REPLACEMENTS[kind])
    assert (E61, "unreadable-file") in problems_of(source)


@pytest.mark.parametrize("kind", sorted(REPLACEMENTS))
def test_unreadable_course_file_fails_check(kind: str, source: Path) -> None:
    """course.yaml that is not a readable file is an error at its path, and is never opened."""
    replaced(source, "course.yaml", REPLACEMENTS[kind])
    assert ("course.yaml", "unreadable-file") in problems_of(source)


@pytest.mark.parametrize("kind", sorted(REPLACEMENTS))
def test_unreadable_stage_file_fails_check(kind: str, source: Path) -> None:
    """stage.yaml that is not a readable file is an error at its path."""
    replaced(source, f"{STAGE}/stage.yaml", REPLACEMENTS[kind])
    assert (f"{STAGE}/stage.yaml", "unreadable-file") in problems_of(source)


@pytest.mark.parametrize("name", ["e6-1-alliance-foundations.YAML", "E6-1.Yml", "e6-1.YML"])
def test_upper_case_ending_is_misnamed(name: str, source: Path) -> None:
    """A concept file whose ending is not lowercase `.yaml`/`.yml` is an error, not skipped."""
    (source / E61).rename(source / STAGE / name)
    assert (f"{STAGE}/{name}", "misnamed-file") in problems_of(source)


def test_broken_link_where_a_stage_folder_was_fails_check(source: Path) -> None:
    """A broken link in the source folder (a stage folder on a share) is an error, not skipped."""
    replaced(source, STAGE, as_broken_link)
    assert (STAGE, "unreadable-file") in problems_of(source)


def test_fifo_is_judged_without_opening(tmp_path: Path) -> None:
    """load_file on a FIFO returns a problem at once; opening it would wait for a writer."""
    fifo = tmp_path / "e1-1.yaml"
    os.mkfifo(fifo)
    source, problems = load_file(fifo, "e1-1.yaml")
    assert source.root is None
    assert [(p.code, p.message.split(",")[0]) for p in problems] == [
        ("unreadable-file", "this is a named pipe (FIFO)")
    ]


@pytest.mark.parametrize("command", ["check", "build"])
def test_fifo_named_course_yaml_does_not_hang_the_cli(command: str, source: Path) -> None:
    """`check` and `build` on a source whose course.yaml is a FIFO exit 1 naming it."""
    replaced(source, "course.yaml", as_fifo)
    done = subprocess.run(
        [str(PATHDECK), command, str(source)],
        capture_output=True,
        text=True,
        check=False,
        timeout=GUARD_SECONDS,
        cwd=source.parent,
    )
    assert done.returncode == 1
    assert "course.yaml:1:1: error[unreadable-file]: this is a named pipe" in done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.anki
@pytest.mark.parametrize("kind", sorted(REPLACEMENTS))
def test_learner_keeps_every_card_when_a_concept_file_is_unreadable(
    kind: str, source: Path, tmp_path: Path, epoch: int
) -> None:
    """The build refuses while a concept file is unreadable; once it is back, the learner's next
    import retires nothing, adds nothing and keeps every review."""
    target = tmp_path / "dist" / "deck.apkg"
    build(source, target)
    col = fresh_collection(tmp_path / "learner")
    import_default(col, target)
    assert review_every_card(col) > 0
    reviewed = {cid: col.get_card(cid).reps for cid in col.find_cards("")}
    ledger, apkg = (source / LEDGER_FILE).read_bytes(), target.read_bytes()
    kept = replaced(source, E61, REPLACEMENTS[kind])
    with pytest.raises(ContentError):
        build(source, target)
    assert ((source / LEDGER_FILE).read_bytes(), target.read_bytes()) == (ledger, apkg)
    put_back(source / E61, kept)
    report = build(source, target)
    assert (report.counts["new"], report.counts["retired"]) == (0, 0)
    import_default(col, target)
    assert {cid: col.get_card(cid).reps for cid in col.find_cards("")} == reviewed
    col.close()


def put_back(path: Path, kept: Path) -> None:
    """Remove what replaced a source file and move the file back."""
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    else:
        path.unlink()
    kept.rename(path)


def test_import_into_a_folder_holding_a_fifo_does_not_hang(source: Path, tmp_path: Path) -> None:
    """`import` reads the target folder's files without opening a FIFO among them."""
    from pathdeck.pages.importer import import_pages

    os.mkfifo(source / STAGE / "e6-7-draft.yaml")
    page = tmp_path / "e6-2.txt"
    page.write_text(
        "Stage 6: The Therapeutic Alliance\nConcept 2 of 8\nE6.2\n\nRupture and Repair\n\n"
        "Name the rupture without blame.\n"
    )
    result = import_pages([page], source, force=False, course_title=None)
    assert [p.concept_id for p in result.imported] == ["E6.2"]
    assert (f"{STAGE}/e6-7-draft.yaml", "unreadable-file") in problems_of(source)
