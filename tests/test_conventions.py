"""CLI conventions: -q/-v after any subcommand, the course you stand in, missing extras."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from cli_support import run_cli
from pathdeck.cli import main

FIXTURES = Path(__file__).resolve().parent / "fixtures"
STAGE = "stage-06-the-therapeutic-alliance"


def every_subcommand() -> list[list[str]]:
    """The words that name each subcommand, `new`'s included."""
    words: list[list[str]] = []
    for name, command in main.commands.items():
        sub = getattr(command, "commands", None)
        words.extend([[name, inner] for inner in sub] if sub else [[name]])
    return words


@pytest.mark.parametrize("words", every_subcommand(), ids=" ".join)
@pytest.mark.parametrize("flag", ["-q", "--quiet", "-v", "--verbose"])
def test_every_subcommand_takes_quiet_and_verbose(words: list[str], flag: str) -> None:
    """`pathdeck COMMAND -q --help` parses: -q and -v are options of every subcommand."""
    code, out, err = run_cli(*words, flag, "--help")
    assert (code, err) == (0, "")
    assert "-q, --quiet" in out
    assert "-v, --verbose" in out


def test_stats_quiet_after_the_subcommand(source: Path) -> None:
    """`pathdeck stats -q` is accepted (it used to be "No such option")."""
    code, out, _ = run_cli("stats", str(source), "-q")
    assert code == 0
    assert "total" in out


def test_check_quiet_prints_only_errors(monkeypatch: pytest.MonkeyPatch) -> None:
    """check -q of a course with warnings prints nothing at all and exits 0."""
    monkeypatch.chdir(FIXTURES / "thin-concept")
    assert run_cli("check", ".", "-q") == (0, "", "")


def test_check_quiet_still_prints_errors(monkeypatch: pytest.MonkeyPatch) -> None:
    """check -q of a broken course still prints each error."""
    monkeypatch.chdir(FIXTURES / "many-problems")
    code, out, err = run_cli("check", ".", "-q")
    assert (code, out) == (1, "")
    assert err.count(": error[") == 5


def test_check_verbose_lists_every_file(source: Path) -> None:
    """check -v names each stage and each concept file it checked."""
    code, _, err = run_cli("check", str(source), "-v")
    assert code == 0
    assert f"{STAGE}/e6-1-alliance-foundations.yaml: E6.1 Alliance Foundations" in err


def test_diff_quiet_drops_the_summary(source: Path, tmp_path: Path, epoch: int) -> None:
    """diff -q prints the changes and no summary on stderr."""
    run_cli("build", str(source), "-o", str(tmp_path / "v1.apkg"))
    code, _, err = run_cli("diff", str(tmp_path / "v1.apkg"), str(tmp_path / "v1.apkg"), "-q")
    assert (code, err) == (0, "")


def test_inside_a_stage_folder_the_course_is_found(
    source: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Run inside a stage folder, check uses the course above it and says so."""
    monkeypatch.chdir(source / STAGE)
    code, out, err = run_cli("check")
    assert code == 0
    assert out.strip() == "..: 1 concept(s) in 1 stage(s): ok"
    assert "pathdeck: using the course in .. (the nearest folder with course.yaml)" in err


def test_new_concept_inside_a_stage_folder(source: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`pathdeck new concept` run inside a stage folder files it in that course."""
    monkeypatch.chdir(source / STAGE)
    code, out, _ = run_cli("new", "concept", "E6.2", "Rupture and Repair")
    assert code == 0
    assert (source / STAGE / "e6-2-rupture-and-repair.yaml").is_file(), out


def test_without_a_course_around_decks_is_missing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Outside any course, the default decks/ is reported missing, with what to do."""
    monkeypatch.chdir(tmp_path)
    code, _, err = run_cli("check")
    assert code == 1
    assert "error[missing-source]" in err
    assert "name the folder" in err


def test_missing_optional_dependency_reports_json(
    source: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """preview --json without the anki library: a report with a missing-dependency error."""
    monkeypatch.setitem(sys.modules, "anki.buildinfo", None)
    code, out, _ = run_cli("preview", str(source), "-o", str(tmp_path / "p"), "--json")
    assert code == 2
    assert [e["code"] for e in json.loads(out)["errors"]] == ["missing-dependency"]


def test_serve_without_anki_exits_2_before_listening(
    source: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """serve without the anki library says how to install it (exit 2) and serves nothing."""
    monkeypatch.setitem(sys.modules, "anki.buildinfo", None)
    code, _, err = run_cli("serve", str(source), "--port", "0")
    assert code == 2
    assert "pip install 'pathdeck[preview]'" in err
    assert "serving" not in err


def test_build_verbose_lists_every_file(source: Path, tmp_path: Path, epoch: int) -> None:
    """build -v names each concept file it built from; without -v it does not."""
    line = f"{STAGE}/e6-1-alliance-foundations.yaml: E6.1 Alliance Foundations"
    assert line in run_cli("build", str(source), "-o", str(tmp_path / "a.apkg"), "-v")[2]
    assert line not in run_cli("build", str(source), "-o", str(tmp_path / "b.apkg"))[2]
