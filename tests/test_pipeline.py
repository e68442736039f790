"""Pipeline: a rebuild rewrites the ledger only when its text would change."""

from __future__ import annotations

from pathlib import Path

from pathdeck.identity import LEDGER_FILE
from pathdeck.pipeline import build


def test_unchanged_rebuild_leaves_the_ledger_alone(
    source: Path, tmp_path: Path, epoch: int
) -> None:
    """A second build of the same source reports no ledger change and does not touch the file."""
    build(source, tmp_path / "out.apkg")
    ledger = source / LEDGER_FILE
    before = ledger.stat().st_mtime_ns
    report = build(source, tmp_path / "out.apkg")
    assert not report.ledger_written
    assert ledger.stat().st_mtime_ns == before


def test_ledger_differing_only_at_its_end_is_rewritten(
    source: Path, tmp_path: Path, epoch: int
) -> None:
    """A ledger that matches the new text except for trailing extra text is replaced."""
    build(source, tmp_path / "out.apkg")
    ledger = source / LEDGER_FILE
    expected = ledger.read_text(encoding="utf-8")
    ledger.write_text(expected + "\n", encoding="utf-8")
    report = build(source, tmp_path / "out.apkg")
    assert report.ledger_written
    assert ledger.read_text(encoding="utf-8") == expected


def test_ledger_with_windows_line_endings_counts_as_unchanged(
    source: Path, tmp_path: Path, epoch: int
) -> None:
    """A ledger checked out with CRLF line endings reads as the same text and is not rewritten."""
    build(source, tmp_path / "out.apkg")
    ledger = source / LEDGER_FILE
    ledger.write_bytes(ledger.read_bytes().replace(b"\n", b"\r\n"))
    assert not build(source, tmp_path / "out.apkg").ledger_written
