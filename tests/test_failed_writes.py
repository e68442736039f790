"""A build that cannot write everything writes nothing: the package and ledger stay as they were.

The file systems are real when the tests run as root (CI does): a small tmpfs, remounted
read-only or filled to the last byte. Elsewhere the same failures are injected where the
operating system would report them, so the tests run (and can fail) everywhere.
"""

from __future__ import annotations

import errno
import os
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from anki_helpers import fresh_collection, import_default, review_every_card
from cli_support import invoke
from pathdeck import output
from pathdeck.identity import LEDGER_FILE
from pathdeck.pipeline import build, build_split
from pathdeck.problems import ContentError

E61 = "stage-06-the-therapeutic-alliance/e6-1-alliance-foundations.yaml"
T1 = 1_780_000_000
T2 = T1 + 86_400
AS_ROOT = os.geteuid() == 0


@dataclass
class Volume:
    """A small file system of its own, which a test can make read-only or fill up."""

    root: Path
    make_read_only: Callable[[], None]
    fill: Callable[[], None]
    restore: Callable[[], None]


def _mount(where: Path, *options: str) -> None:
    subprocess.run(
        ["mount", "-t", "tmpfs", "-o", ",".join(options), "tmpfs", str(where)], check=True
    )


def _remount(where: Path, option: str) -> None:
    subprocess.run(["mount", "-o", f"remount,{option}", str(where)], check=True)


def _fill(where: Path) -> None:
    """Write a filler file until the file system has no byte left."""
    block = b"\0" * 65536
    with (where / "filler").open("wb", buffering=0) as filler:
        size = len(block)
        while size:
            try:
                filler.write(block[:size])
            except OSError as exc:
                if exc.errno != errno.ENOSPC:
                    raise
                size //= 2


def _tmpfs(where: Path) -> Iterator[Volume]:
    where.mkdir()
    _mount(where, "size=4m", "mode=0755")

    def restore() -> None:
        _remount(where, "rw")
        (where / "filler").unlink(missing_ok=True)

    try:
        yield Volume(where, lambda: _remount(where, "ro"), lambda: _fill(where), restore)
    finally:
        subprocess.run(["umount", "-l", str(where)], check=True)


def _under(path: object, root: Path) -> bool:
    return Path(str(path)).resolve().is_relative_to(root.resolve())


def _injected(where: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Volume]:
    """Not root: creating a file under `where` fails as on a read-only file system, and
    flushing one fails as on a full one (where delayed allocation reports it)."""
    where.mkdir()
    real_mkstemp, real_fsync = tempfile.mkstemp, os.fsync
    failing: set[str] = set()

    def mkstemp(*args: Any, **kwargs: Any) -> tuple[int, str]:
        if "read-only" in failing and _under(kwargs.get("dir", ""), where):
            raise OSError(errno.EROFS, os.strerror(errno.EROFS))
        return real_mkstemp(*args, **kwargs)

    def fsync(fd: int) -> None:
        if "full" in failing and _under(Path(f"/proc/self/fd/{fd}").readlink(), where):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        real_fsync(fd)

    monkeypatch.setattr(tempfile, "mkstemp", mkstemp)
    monkeypatch.setattr(os, "fsync", fsync)
    yield Volume(
        where,
        lambda: failing.add("read-only"),
        lambda: failing.add("full"),
        failing.clear,
    )


@pytest.fixture(params=["tmpfs", "injected"] if AS_ROOT else ["injected"])
def volume(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Volume]:
    """A tmpfs when running as root (and, as everywhere, a folder whose writes fail by
    injection)."""
    if request.param == "tmpfs":
        yield from _tmpfs(tmp_path / "volume")
    else:
        yield from _injected(tmp_path / "volume", monkeypatch)


@dataclass
class Published:
    """A course built once: its source, its package, and both files' bytes then."""

    source: Path
    target: Path
    apkg: bytes
    ledger: bytes

    def unchanged(self) -> bool:
        """True when the package and the ledger are byte for byte as published."""
        ledger = (self.source / LEDGER_FILE).read_bytes()
        return self.target.read_bytes() == self.apkg and ledger == self.ledger


def leftovers(*folders: Path) -> list[str]:
    """Temporary files left in any of the folders."""
    return sorted(p.name for folder in folders for p in folder.iterdir() if p.suffix == ".tmp")


def publish(source: Path, target: Path, monkeypatch: pytest.MonkeyPatch) -> Published:
    """Build once at T1 and keep what was written."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(T1))
    build(source, target)
    return Published(source, target, target.read_bytes(), (source / LEDGER_FILE).read_bytes())


def change_concept(source: Path) -> None:
    """An edit that changes both the package and the ledger: one new pitfall."""
    concept = source / E61
    text = concept.read_text(encoding="utf-8")
    concept.write_text(
        text.replace(
            "pitfalls:\n", "pitfalls:\n  - Promising a cure before the first visit ends.\n"
        )
    )


def copy_decks(source: Path, into: Path) -> Path:
    """The course's source copied into another folder (a file system of its own)."""
    copied = into / "decks"
    shutil.copytree(source, copied)
    return copied


@pytest.fixture
def on_volume(
    source: Path, volume: Volume, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Published:
    """A course whose source lives on the volume, published once into an ordinary folder."""
    published = publish(
        copy_decks(source, volume.root), tmp_path / "dist" / "deck.apkg", monkeypatch
    )
    change_concept(published.source)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(T2))
    return published


def failed_build(published: Published) -> ContentError:
    """Build the edited course, expecting it to fail; the error."""
    with pytest.raises(ContentError) as raised:
        build(published.source, published.target)
    return raised.value


def test_read_only_source_leaves_package_and_ledger(on_volume: Published, volume: Volume) -> None:
    """When the ledger cannot be written (read-only source), the package is not replaced."""
    volume.make_read_only()
    error = failed_build(on_volume)
    assert [(p.code, p.location.path) for p in error.problems] == [
        ("unwritable-output", str(on_volume.source / LEDGER_FILE))
    ]
    assert on_volume.unchanged()
    assert leftovers(on_volume.target.parent) == []


def test_full_source_leaves_package_and_ledger(on_volume: Published, volume: Volume) -> None:
    """When the ledger does not fit (full source file system), the package is not replaced."""
    volume.fill()
    error = failed_build(on_volume)
    assert [p.code for p in error.problems] == ["unwritable-output"]
    assert "No space left on device" in error.problems[0].message
    assert on_volume.unchanged()
    assert leftovers(on_volume.target.parent) == []
    volume.restore()
    assert leftovers(on_volume.source) == []


def test_full_output_leaves_package_and_ledger(
    source: Path, volume: Volume, monkeypatch: pytest.MonkeyPatch
) -> None:
    """When the package does not fit (full output file system), the ledger is not replaced."""
    published = publish(source, volume.root / "deck.apkg", monkeypatch)
    change_concept(source)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(T2))
    volume.fill()
    error = failed_build(published)
    assert [(p.code, p.location.path) for p in error.problems] == [
        ("unwritable-output", str(published.target))
    ]
    assert published.unchanged()
    assert leftovers(source) == []
    volume.restore()
    assert leftovers(volume.root) == []


def test_batch_build_on_read_only_source_writes_no_package(
    on_volume: Published, volume: Volume, tmp_path: Path
) -> None:
    """`build --split` whose ledger cannot be written replaces none of its packages."""
    folder = tmp_path / "split"
    build_split([on_volume.source], folder, split="stage", with_course=True)
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    change_concept(on_volume.source)
    volume.make_read_only()
    with pytest.raises(ContentError) as raised:
        build_split([on_volume.source], folder, split="stage", with_course=True)
    assert [p.code for p in raised.value.problems] == ["unwritable-output"]
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before


def test_package_that_cannot_be_renamed_puts_the_ledger_back(
    source: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """If the package's rename fails after the ledger's, the old ledger is restored byte for byte."""
    published = publish(source, tmp_path / "dist" / "deck.apkg", monkeypatch)
    change_concept(source)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(T2))
    real_replace = Path.replace

    def replace(self: Path, target: Any) -> Path:
        if Path(target).suffix == ".apkg":
            raise OSError(errno.EIO, os.strerror(errno.EIO))
        return real_replace(self, target)

    monkeypatch.setattr(Path, "replace", replace)
    error = failed_build(published)
    assert [(p.code, p.location.path) for p in error.problems] == [
        ("unwritable-output", str(published.target))
    ]
    assert published.unchanged()
    assert leftovers(source, published.target.parent) == []


def test_ledger_is_replaced_before_the_package(
    source: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The ledger is renamed into place first: a package is never ahead of its ledger."""
    publish(source, tmp_path / "dist" / "deck.apkg", monkeypatch)
    change_concept(source)
    renamed: list[str] = []
    real_replace = Path.replace

    def replace(self: Path, target: Any) -> Path:
        renamed.append(Path(target).name)
        return real_replace(self, target)

    monkeypatch.setattr(Path, "replace", replace)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(T2))
    build(source, tmp_path / "dist" / "deck.apkg")
    assert renamed == [LEDGER_FILE, "deck.apkg"]


def test_a_sweep_between_create_and_lock_is_survived(
    source: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, epoch: int
) -> None:
    """A concurrent sweep that removes a just-made temporary makes the writer take a new one."""
    real_mkstemp = tempfile.mkstemp
    swept: list[str] = []

    def mkstemp_then_swept(*args: Any, **kwargs: Any) -> tuple[int, str]:
        fd, name = real_mkstemp(*args, **kwargs)
        if not swept:  # another build sweeps this folder before the lock is taken
            swept.append(name)
            target = Path(name).parent / kwargs["prefix"][1:-1]
            output.remove_stale_temporaries(target)
        return fd, name

    monkeypatch.setattr(tempfile, "mkstemp", mkstemp_then_swept)
    target = tmp_path / "dist" / "deck.apkg"
    build(source, target)
    assert not Path(swept[0]).exists()
    assert target.is_file()
    assert (source / LEDGER_FILE).is_file()
    assert leftovers(source, target.parent) == []


def test_output_naming_a_folder_is_a_clear_error(source: Path, tmp_path: Path, epoch: int) -> None:
    """`-o out.apkg` where out.apkg is an existing folder says so, exits 1, writes nothing."""
    folder = tmp_path / "out.apkg"
    folder.mkdir()
    result = invoke("build", str(source), "-o", str(folder))
    assert result.exit_code == 1
    assert f"{folder}:1:1: error[unwritable-output]: {folder} is a folder" in result.stderr
    assert "--split" not in result.stderr
    assert list(folder.iterdir()) == []
    assert not (source / LEDGER_FILE).exists()


@pytest.mark.anki
def test_learner_loses_nothing_across_a_failed_build(
    on_volume: Published, volume: Volume, tmp_path: Path
) -> None:
    """A learner who studied release one imports after a failed build and after the retry: the
    one new pitfall arrives once, every studied card keeps its history, nothing is duplicated."""
    col = fresh_collection(tmp_path / "learner")
    import_default(col, on_volume.target)
    studied = review_every_card(col)
    reviewed = {cid: col.get_card(cid).reps for cid in col.find_cards("")}
    notes_before = len(col.find_notes(""))
    volume.fill()
    failed_build(on_volume)
    import_default(col, on_volume.target)  # the package still published: release one
    assert len(col.find_notes("")) == notes_before
    volume.restore()
    report = build(on_volume.source, on_volume.target)
    assert (report.counts["new"], report.counts["retired"]) == (1, 0)
    import_default(col, on_volume.target)
    guids = [col.get_note(nid).guid for nid in col.find_notes("")]
    assert len(guids) == len(set(guids)) == notes_before + 1
    assert {cid: col.get_card(cid).reps for cid in reviewed} == reviewed
    assert sum(reviewed.values()) == studied
    col.close()


def test_first_build_whose_package_fails_leaves_no_ledger(
    source: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, epoch: int
) -> None:
    """A first build whose package cannot be renamed removes the ledger it had just written."""
    real_replace = Path.replace

    def replace(self: Path, target: Any) -> Path:
        if Path(target).suffix == ".apkg":
            raise KeyboardInterrupt
        return real_replace(self, target)

    monkeypatch.setattr(Path, "replace", replace)
    with pytest.raises(KeyboardInterrupt):
        build(source, tmp_path / "dist" / "deck.apkg")
    assert not (source / LEDGER_FILE).exists()
    assert leftovers(source, tmp_path / "dist") == []


def test_unchanged_ledger_still_has_its_stale_temporaries_swept(
    source: Path, tmp_path: Path, epoch: int
) -> None:
    """A build that leaves the ledger as it is still removes a killed build's ledger temporary."""
    target = tmp_path / "dist" / "deck.apkg"
    build(source, target)
    left = source / f".{LEDGER_FILE}.k1ll3d0.tmp"
    left.write_text("half a ledger")
    report = build(source, target)
    assert not report.ledger_written
    assert not left.exists()
