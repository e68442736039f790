"""Pipeline: a rebuild rewrites the ledger only when its text would change."""

from __future__ import annotations

from pathlib import Path

import pytest

from pathdeck.identity import LEDGER_FILE
from pathdeck.pipeline import build
from pathdeck.problems import ContentError


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


def test_ledger_is_rewritten_only_when_an_entry_changes(
    source: Path, tmp_path: Path, epoch: int
) -> None:
    """Cosmetic differences are left alone; one edited item rewrites the ledger."""
    build(source, tmp_path / "out.apkg")
    ledger = source / LEDGER_FILE
    cosmetic = ledger.read_text(encoding="utf-8") + "\n"
    ledger.write_text(cosmetic, encoding="utf-8")
    assert not build(source, tmp_path / "out.apkg").ledger_written
    assert ledger.read_text(encoding="utf-8") == cosmetic
    concept = next(source.glob("*/e6-1-*.yaml"))
    concept.write_text(concept.read_text(encoding="utf-8").replace("misalignment", "drift"))
    assert build(source, tmp_path / "out.apkg").ledger_written
    assert "drift" in ledger.read_text(encoding="utf-8")


def test_ledger_with_windows_line_endings_counts_as_unchanged(
    source: Path, tmp_path: Path, epoch: int
) -> None:
    """A ledger checked out with CRLF line endings reads as the same text and is not rewritten."""
    build(source, tmp_path / "out.apkg")
    ledger = source / LEDGER_FILE
    ledger.write_bytes(ledger.read_bytes().replace(b"\n", b"\r\n"))
    assert not build(source, tmp_path / "out.apkg").ledger_written


def test_a_bad_source_date_epoch_stops_the_build_after_the_ledger_is_read(
    source: Path, tmp_path: Path, epoch: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SOURCE_DATE_EPOCH must be whole seconds; a damaged ledger is still reported first."""
    build(source, tmp_path / "first.apkg")
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "yesterday")
    with pytest.raises(ContentError) as bad_date:
        build(source, tmp_path / "out.apkg")
    assert [p.code for p in bad_date.value.problems] == ["bad-source-date-epoch"]
    ledger = source / LEDGER_FILE
    ledger.write_text(ledger.read_text(encoding="utf-8") + "{not json\n", encoding="utf-8")
    with pytest.raises(ContentError) as damaged:
        build(source, tmp_path / "out.apkg")
    assert [p.code for p in damaged.value.problems] == ["ledger-corrupt"]
    assert not (tmp_path / "out.apkg").exists()
