"""Nothing lost: a failed, interrupted or concurrent build never damages the previous output."""

from __future__ import annotations

import errno
import fcntl
import os
import signal
import sqlite3
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from cli_support import invoke
from pathdeck.identity import LEDGER_FILE, read_ledger
from pathdeck.output import remove_stale_temporaries
from pathdeck.pipeline import build
from pathdeck.problems import ContentError

E61 = "stage-06-the-therapeutic-alliance/e6-1-alliance-foundations.yaml"
PATHDECK = Path(sys.executable).parent / "pathdeck"


def leftovers(*folders: Path) -> list[str]:
    """Temporary files left in any of the folders."""
    return sorted(p.name for folder in folders for p in folder.iterdir() if p.suffix == ".tmp")


@pytest.fixture
def published(source: Path, tmp_path: Path, epoch: int) -> tuple[Path, bytes, bytes]:
    """A course built once: the output's path, its bytes and the ledger's bytes."""
    target = tmp_path / "out" / "deck.apkg"
    build(source, target)
    return target, target.read_bytes(), (source / LEDGER_FILE).read_bytes()


def break_concept(source: Path) -> None:
    """Edit the course so its next build fails validation."""
    concept = source / E61
    concept.write_text(concept.read_text(encoding="utf-8").replace("pitfalls:", "pitfals:"))


def change_concept(source: Path) -> None:
    """Edit the course so its next build would write a different package and ledger."""
    concept = source / E61
    text = concept.read_text(encoding="utf-8")
    concept.write_text(text.replace("- Skipping the explicit", "- Quietly skipping the explicit"))


def test_invalid_source_leaves_output_and_ledger_untouched(
    source: Path, published: tuple[Path, bytes, bytes]
) -> None:
    """A build stopped by validation leaves the previous .apkg and ledger byte for byte."""
    target, apkg, ledger = published
    break_concept(source)
    with pytest.raises(ContentError):
        build(source, target)
    assert target.read_bytes() == apkg
    assert (source / LEDGER_FILE).read_bytes() == ledger
    assert leftovers(target.parent, source) == []


def test_disk_full_mid_write_leaves_output_untouched(
    source: Path, published: tuple[Path, bytes, bytes], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A write that fails half way is a clear error; the old .apkg and ledger stay, no temp file."""
    target, apkg, ledger = published
    change_concept(source)

    def full(*args: object, **kwargs: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(zipfile.ZipFile, "writestr", full)
    with pytest.raises(ContentError) as raised:
        build(source, target)
    assert [p.code for p in raised.value.problems] == ["unwritable-output"]
    assert "No space left on device" in raised.value.problems[0].message
    assert target.read_bytes() == apkg
    assert (source / LEDGER_FILE).read_bytes() == ledger
    assert leftovers(target.parent, source) == []


def test_ctrl_c_before_the_rename_leaves_output_untouched(
    source: Path, published: tuple[Path, bytes, bytes], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ctrl-C after the new package is written but before it replaces the old one loses nothing."""
    target, apkg, ledger = published
    change_concept(source)

    def interrupted(fd: int) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "fsync", interrupted)
    with pytest.raises(KeyboardInterrupt):
        build(source, target)
    assert target.read_bytes() == apkg
    assert (source / LEDGER_FILE).read_bytes() == ledger
    assert leftovers(target.parent, source) == []


SIGTERM_MID_WRITE = """
import os, signal, sys
from pathlib import Path
from pathdeck.pipeline import build

def terminated(fd):
    os.kill(os.getpid(), signal.SIGTERM)

os.fsync = terminated
build(Path(sys.argv[1]), Path(sys.argv[2]))
"""


def test_sigterm_mid_write_leaves_output_and_no_temporary(
    source: Path, published: tuple[Path, bytes, bytes]
) -> None:
    """A build killed with SIGTERM while writing exits 143, leaving the old .apkg and no temp file."""
    target, apkg, ledger = published
    change_concept(source)
    done = subprocess.run(
        [sys.executable, "-c", SIGTERM_MID_WRITE, str(source), str(target)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 128 + signal.SIGTERM
    assert target.read_bytes() == apkg
    assert (source / LEDGER_FILE).read_bytes() == ledger
    assert leftovers(target.parent, source) == []


def stale(folder: Path, name: str, age: float) -> Path:
    """A temporary file as a killed build leaves it, last written `age` seconds ago."""
    path = folder / name
    path.write_bytes(b"half a package")
    when = path.stat().st_mtime - age
    os.utime(path, (when, when))
    return path


def test_build_sweeps_temporaries_of_a_killed_build(
    published: tuple[Path, bytes, bytes], source: Path
) -> None:
    """A temporary file left by a SIGKILLed build is removed by the next build."""
    target, _, _ = published
    left = stale(target.parent, f".{target.name}.k1ll3d.tmp", 3600)
    change_concept(source)
    build(source, target)
    assert not left.exists()
    assert leftovers(target.parent) == []


def test_temporary_of_a_live_writer_is_kept(tmp_path: Path) -> None:
    """A temporary file whose writer still holds its lock is never swept, however old."""
    target = tmp_path / "deck.apkg"
    live = stale(tmp_path, ".deck.apkg.wr1t1ng.tmp", 3600)
    fd = os.open(live, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        remove_stale_temporaries(target)
        assert live.exists()
    finally:
        os.close(fd)


def test_fresh_unlocked_temporary_is_swept(tmp_path: Path) -> None:
    """A temporary file nobody holds is a killed build's, however new: the sweep removes it."""
    target = tmp_path / "deck.apkg"
    fresh = stale(tmp_path, ".deck.apkg.n3w.tmp", 0)
    remove_stale_temporaries(target)
    assert not fresh.exists()


def test_other_files_are_never_swept(tmp_path: Path) -> None:
    """Only this target's temporary files are swept: another deck's and plain files stay."""
    target = tmp_path / "deck.apkg"
    kept = [
        stale(tmp_path, ".other.apkg.abc.tmp", 3600),
        stale(tmp_path, "deck.apkg.tmp", 3600),
        stale(tmp_path, "notes.tmp", 3600),
    ]
    remove_stale_temporaries(target)
    assert all(path.exists() for path in kept)


def test_missing_output_folder_is_created(source: Path, tmp_path: Path, epoch: int) -> None:
    """An output path whose folders do not exist yet gets them."""
    target = tmp_path / "a" / "b" / "c" / "deck.apkg"
    build(source, target)
    assert zipfile.is_zipfile(target)


def test_unwritable_output_is_a_clear_error(source: Path, tmp_path: Path, epoch: int) -> None:
    """An output folder that cannot be created is a problem naming it; nothing else is written."""
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where a folder should be")
    with pytest.raises(ContentError) as raised:
        build(source, blocker / "deck.apkg")
    assert [p.code for p in raised.value.problems] == ["unwritable-output"]
    assert not (source / LEDGER_FILE).exists()


def test_unwritable_output_through_the_cli(source: Path, tmp_path: Path) -> None:
    """build -o into an impossible folder exits 1 with the diagnostic and no traceback."""
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where a folder should be")
    result = invoke("build", str(source), "-o", str(blocker / "deck.apkg"))
    assert result.exit_code == 1
    assert "error[unwritable-output]" in result.stderr
    assert "Traceback" not in result.stderr


def note_count(apkg: Path, tmp_path: Path) -> int:
    """How many notes an .apkg's collection holds (opening it proves it is not corrupt)."""
    with zipfile.ZipFile(apkg) as archive:
        archive.extract("collection.anki2", tmp_path / "unzipped")
    db = sqlite3.connect(tmp_path / "unzipped" / "collection.anki2")
    try:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        (count,) = db.execute("SELECT count(*) FROM notes").fetchone()
    finally:
        db.close()
    return int(count)


def test_concurrent_builds_into_one_output(source: Path, tmp_path: Path, epoch: int) -> None:
    """Four builds of one source into one .apkg at once: all succeed, output and ledger intact."""
    target = tmp_path / "out" / "deck.apkg"
    env = {**os.environ, "SOURCE_DATE_EPOCH": str(epoch)}
    builds = [
        subprocess.Popen(
            [str(PATHDECK), "-q", "build", str(source), "-o", str(target)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            env=env,
        )
        for _ in range(4)
    ]
    errors = [process.communicate()[1] for process in builds]
    assert [process.returncode for process in builds] == [0] * 4, errors
    assert note_count(target, tmp_path) == 19
    assert len(read_ledger(source, "clinical-encounters").entries) == 19
    assert leftovers(target.parent, source) == []
    build(source, target, locked=True)  # the ledger agrees with the source: nothing to change
