"""Command line: exit codes, stdout and stderr of build, check, diff, --version and --help."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from cli_support import run_cli
from pathdeck import __version__

E61 = "stage-06-the-therapeutic-alliance/e6-1-alliance-foundations.yaml"


def test_version() -> None:
    """--version prints the version and exits 0."""
    code, out, _ = run_cli("--version")
    assert (code, out.strip()) == (0, f"pathdeck, version {__version__}")


def test_help_lists_commands() -> None:
    """--help names every command with a one-line summary."""
    code, out, _ = run_cli("--help")
    assert code == 0
    for command in ("build", "check", "diff"):
        assert f"  {command} " in out


def test_unknown_option_is_a_usage_error() -> None:
    """A mistyped option exits 2, the usage code."""
    code, _, err = run_cli("build", "--no-such-flag")
    assert code == 2
    assert "No such option" in err


def test_build_prints_path_on_stdout_and_report_on_stderr(
    source: Path, tmp_path: Path, epoch: int
) -> None:
    """build writes the package, prints its path on stdout and the counts on stderr."""
    target = tmp_path / "out" / "deck.apkg"
    code, out, err = run_cli("build", str(source), "-o", str(target))
    assert code == 0
    assert out.strip() == str(target)
    assert target.is_file()
    assert "19 notes: 19 new, 0 updated, 0 unchanged, 0 retired" in err


def test_build_json_report(source: Path, tmp_path: Path, epoch: int) -> None:
    """build --json prints a machine-readable release report on stdout."""
    code, out, _ = run_cli("build", str(source), "-o", str(tmp_path / "d.apkg"), "--json")
    report = json.loads(out)
    assert code == 0
    assert report["ok"] is True
    assert report["builds"][0]["counts"]["new"] == 19
    assert report["builds"][0]["course"] == "clinical-encounters"


def test_build_of_bad_source_exits_1_without_output(source: Path, tmp_path: Path) -> None:
    """A content error prints path:line:col diagnostics, exits 1 and writes no package."""
    concept = source / E61
    concept.write_text(concept.read_text(encoding="utf-8").replace("pitfalls:", "pitfals:"))
    target = tmp_path / "d.apkg"
    code, out, err = run_cli("build", str(source), "-o", str(target))
    assert code == 1
    assert out == ""
    assert "e6-1-alliance-foundations.yaml:" in err
    assert "error[unknown-key]" in err
    assert "did you mean 'pitfalls'?" in err
    assert "Traceback" not in err
    assert not target.exists()


def test_missing_source_folder(tmp_path: Path) -> None:
    """A source folder that does not exist is a clear error, not a traceback."""
    code, _, err = run_cli("check", str(tmp_path / "nowhere"))
    assert code == 1
    assert "error[missing-source]" in err


def test_check_clean_source(source: Path) -> None:
    """check of the shipped curriculum reports success on stdout and exits 0."""
    code, out, _ = run_cli("check", str(source))
    assert code == 0
    assert "1 concept(s) in 1 stage(s): ok" in out


def test_diff_shows_the_update(
    source: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """diff between two releases names the edited note as updated and counts the rest."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1780000000")
    run_cli("build", str(source), "-o", str(tmp_path / "v1.apkg"))
    data = yaml.safe_load((source / E61).read_text(encoding="utf-8"))
    data["pitfalls"][3] = "Ignoring early signs of misalignment."
    (source / E61).write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1780086400")
    run_cli("build", str(source), "-o", str(tmp_path / "v2.apkg"))
    code, out, err = run_cli("diff", str(tmp_path / "v1.apkg"), str(tmp_path / "v2.apkg"))
    assert code == 0
    assert out.splitlines() == [
        "E6.1",
        "  ~ updated       pathdeck · Pitfall (clinical-encounters): "
        "Ignoring early signs of misalignment. (Prompt, Pitfall)",
    ]
    assert "0 new, 1 updated, 18 unchanged" in err


def test_diff_flags_changes_that_anki_would_skip(
    source: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A changed note whose mod time is not newer is reported as not delivered."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1780000000")
    run_cli("build", str(source), "-o", str(tmp_path / "v1.apkg"))
    (source / "pathdeck.lock").unlink()  # a lost ledger: new content, old clock
    data = yaml.safe_load((source / E61).read_text(encoding="utf-8"))
    data["anchor"] = "A rewritten anchor."
    (source / E61).write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    run_cli("build", str(source), "-o", str(tmp_path / "v2.apkg"))
    code, out, _ = run_cli("diff", str(tmp_path / "v1.apkg"), str(tmp_path / "v2.apkg"), "--json")
    assert code == 0
    assert json.loads(out)["counts"]["not_delivered"] >= 1


def test_diff_of_a_non_package(tmp_path: Path) -> None:
    """diff of a file that is not an .apkg is a clear error with exit 1."""
    bogus = tmp_path / "x.apkg"
    bogus.write_text("not a zip")
    code, _, err = run_cli("diff", str(bogus), str(bogus))
    assert code == 1
    assert "error[bad-package]" in err


def test_output_folder_gets_the_course_package(source: Path, tmp_path: Path, epoch: int) -> None:
    """-o naming a folder that does not exist yet writes <folder>/<course id>.apkg inside it."""
    code, out, _ = run_cli("build", str(source), "-o", str(tmp_path / "dist"))
    assert code == 0
    assert out.strip() == str(tmp_path / "dist" / "clinical-encounters.apkg")
    assert (tmp_path / "dist" / "clinical-encounters.apkg").is_file()


def test_with_course_needs_split(source: Path, tmp_path: Path) -> None:
    """--with-course without --split is a usage error (exit 2), not silently ignored."""
    code, _, err = run_cli("build", str(source), "--with-course", "-o", str(tmp_path / "x.apkg"))
    assert code == 2
    assert "--split" in err


def test_strict_build_refuses_warnings_and_writes_nothing(source: Path, tmp_path: Path) -> None:
    """build --strict stops on a warning: exit 1, the warning on stderr, no package, no ledger."""
    data = yaml.safe_load((source / E61).read_text(encoding="utf-8"))
    data["connects_to"] = ["E9.9"]
    (source / E61).write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    target = tmp_path / "d.apkg"
    code, out, err = run_cli("build", str(source), "-o", str(target), "--strict")
    assert code == 1
    assert out == ""
    assert "warning[unknown-connection]" in err
    assert not target.exists()
    assert not (source / "pathdeck.lock").exists()


def test_strict_build_refuses_a_deck_rename(source: Path, tmp_path: Path, epoch: int) -> None:
    """A stage rename is only a warning, but --strict stops on it like on any other."""
    run_cli("build", str(source), "-o", str(tmp_path / "d.apkg"))
    stage = source / "stage-06-the-therapeutic-alliance" / "stage.yaml"
    stage.write_text(stage.read_text(encoding="utf-8").replace("Therapeutic ", ""))
    code, _, err = run_cli("build", str(source), "-o", str(tmp_path / "d.apkg"), "--strict")
    assert code == 1
    assert "warning[deck-renamed]" in err


@pytest.mark.parametrize(
    ("args", "code", "out", "err"),
    [
        (["--version"], 0, f"pathdeck, version {__version__}", ""),
        (["check", "no-such-folder"], 1, "", "error[missing-source]"),
        (["build", "--jobs", "0"], 2, "", "Invalid value for '-j' / '--jobs'"),
    ],
)
def test_the_installed_command_exits_with_its_code_and_all_its_output(
    args: list[str], code: int, out: str, err: str, tmp_path: Path
) -> None:
    """`pathdeck` as a process (pathdeck.cli:run, which skips interpreter teardown) keeps the
    exit code and flushes everything it printed."""
    done = subprocess.run(
        [sys.executable, "-m", "pathdeck", *args],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == code, done.stderr
    assert out in done.stdout
    assert err in done.stderr


def test_the_installed_command_runs_exit_handlers(tmp_path: Path) -> None:
    """Exit handlers still run (coverage tools and the like rely on them)."""
    script = (
        "import atexit, sys\n"
        "from pathdeck.cli import run\n"
        "atexit.register(lambda: print('handler ran'))\n"
        "sys.argv = ['pathdeck', '--version']\n"
        "run()\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [f"pathdeck, version {__version__}", "handler ran"]


def test_a_problem_in_no_file_names_no_path(
    source: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A bad SOURCE_DATE_EPOCH is reported as `pathdeck: error[...]`, not at an invented file."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "soon")
    code, _, err = run_cli("build", str(source), "-o", str(tmp_path / "d.apkg"))
    assert code == 1
    assert err.splitlines()[0].startswith("pathdeck: error[bad-source-date-epoch]: ")
    assert "SOURCE_DATE_EPOCH:1:1" not in err


def test_an_output_without_apkg_says_it_is_a_folder(
    source: Path, tmp_path: Path, epoch: int
) -> None:
    """`-o mydeck` (no .apkg) is a folder: the build says so instead of switching silently."""
    target = tmp_path / "mydeck"
    code, out, err = run_cli("build", str(source), "-o", str(target))
    assert code == 0
    assert out.strip() == str(target / "clinical-encounters.apkg")
    assert f"-o {target} names a folder (no .apkg at the end)" in err
