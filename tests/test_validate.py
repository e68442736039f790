"""Validate stage: every rule's fixture gives exactly its diagnostics; check reports them all."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from cli_support import run_cli
from conftest import DECKS, FIXTURES, REPO
from pathdeck.problems import CODES, ContentError, Problem
from pathdeck.source import load_tree
from pathdeck.validate import Report, validate

SCENARIOS = sorted(p.name for p in FIXTURES.iterdir() if (p / "expected.txt").is_file())
DIAGNOSTIC = re.compile(
    r"^(?P<path>[^:]+):(?P<line>\d+):(?P<column>\d+): (?P<severity>error|warning)\[(?P<code>[a-z0-9-]+)\]"
)


def diagnostics(scenario: str, monkeypatch: pytest.MonkeyPatch) -> tuple[Problem, ...]:
    """Every problem validating a fixture folder gives, with paths relative to the folder."""
    monkeypatch.chdir(FIXTURES / scenario)
    try:
        return validate(load_tree(Path())).warnings
    except ContentError as exc:
        return exc.problems


def expected(scenario: str) -> list[str]:
    """The fixture's expected diagnostics: `path:line:col: severity[code]`, comments dropped."""
    lines = (FIXTURES / scenario / "expected.txt").read_text(encoding="utf-8").splitlines()
    return [line for line in lines if line.strip() and not line.startswith("#")]


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_fixture_gives_exactly_its_expected_diagnostics(
    scenario: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each tests/fixtures/<scenario>/ yields the (path, line, column, code) list of expected.txt."""
    found = [
        f"{p.location}: {p.severity.value}[{p.code}]" for p in diagnostics(scenario, monkeypatch)
    ]
    assert found == expected(scenario)


def test_fixtures_cover_every_validation_code() -> None:
    """Every code the loader and validator can raise has a fixture that produces it."""
    raised = {
        code.id for code in CODES.values() if {"source", "validate", "cloze"} & set(code.raised_in)
    }
    covered = {
        match.group("code")
        for scenario in SCENARIOS
        for line in expected(scenario)
        if (match := DIAGNOSTIC.match(line))
    }
    # Covered by tests/test_load.py instead: they need files that cannot be committed as fixtures.
    elsewhere = {"file-too-large", "unreadable-file", "bad-key"}
    assert raised - covered - elsewhere == set()


def test_real_curriculum_is_clean() -> None:
    """decks/ validates without a single error or warning."""
    assert validate(load_tree(DECKS)).warnings == ()


def test_unknown_key_suggests_the_close_one(monkeypatch: pytest.MonkeyPatch) -> None:
    """A misspelt key (`pitfals`) is answered with "did you mean 'pitfalls'?"."""
    problem = diagnostics("unknown-key", monkeypatch)[0]
    assert (problem.location.line, problem.code) == (4, "unknown-key")
    assert "did you mean 'pitfalls'?" in problem.message


def test_text_that_yaml_retypes_says_quote_this(monkeypatch: pytest.MonkeyPatch) -> None:
    """`title: no` is refused with the quoted spelling to use instead."""
    problem = diagnostics("text-needs-quotes", monkeypatch)[0]
    assert problem.code == "not-text"
    assert 'quote this: "no"' in problem.message


def test_duplicate_concept_id_names_both_files(monkeypatch: pytest.MonkeyPatch) -> None:
    """The duplicate is reported in one file and names the other, with its line."""
    problem = diagnostics("duplicate-concept-id", monkeypatch)[0]
    assert problem.location.path == str(Path("stage-01") / "e1-1.yaml")
    assert str(Path("stage-01") / "e1-1-copy.yaml") + ":1" in problem.message


def test_stage_mismatch_names_the_stage(monkeypatch: pytest.MonkeyPatch) -> None:
    """A concept filed under the wrong stage is told both stage numbers."""
    problem = diagnostics("concept-stage-mismatch", monkeypatch)[0]
    assert "stage 6" in problem.message
    assert "stage 2" in problem.message


def test_shorthand_item_becomes_its_text(tmp_path: Path) -> None:
    """A bare string in `pitfalls` is the pitfall's text, stripped of surrounding spaces."""
    (tmp_path / "course.yaml").write_text("id: c\ntitle: C\n")
    (tmp_path / "s").mkdir()
    (tmp_path / "s" / "stage.yaml").write_text("number: 1\ntitle: S\nconcepts: 1\n")
    (tmp_path / "s" / "c.yaml").write_text(
        "id: E1.1\ntitle: T\nposition: 1\nanchor: A.\nprove_it: {scenario: S.}\n"
        "pitfalls:\n  - '  Talking first.  '\n  - {text: Rushing., id: rush}\n"
    )
    report = validate(load_tree(tmp_path))
    ((_, concept),) = report.course.concepts()
    assert [(p.text, p.id) for p in concept.pitfalls] == [
        ("Talking first.", None),
        ("Rushing.", "rush"),
    ]


def test_concepts_are_ordered_by_position(tmp_path: Path) -> None:
    """Concepts come in position order, whatever their file names."""
    (tmp_path / "course.yaml").write_text("id: c\ntitle: C\n")
    (tmp_path / "s").mkdir()
    (tmp_path / "s" / "stage.yaml").write_text("number: 1\ntitle: S\nconcepts: 2\n")
    for name, position in (("a.yaml", 2), ("b.yaml", 1)):
        (tmp_path / "s" / name).write_text(
            f"id: E1.{position}\ntitle: T\nposition: {position}\nanchor: A.\nprove_it: {{scenario: S.}}\n"
        )
    report = validate(load_tree(tmp_path))
    assert [c.id for _, c in report.course.concepts()] == ["E1.1", "E1.2"]


def test_returns_a_report_with_warnings_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """A source with only warnings validates: the report carries them, nothing is raised."""
    monkeypatch.chdir(FIXTURES / "thin-concept")
    report = validate(load_tree(Path()))
    assert isinstance(report, Report)
    assert [p.code for p in report.warnings] == ["missing-anchor", "missing-prove-it"]


# ------------------------------------------------------------------------------ pathdeck check


def test_check_prints_each_problem_as_path_line_col(monkeypatch: pytest.MonkeyPatch) -> None:
    """check of a broken source exits 1, prints nothing on stdout and one line per problem on stderr."""
    monkeypatch.chdir(FIXTURES / "many-problems")
    code, out, err = run_cli("check", ".")
    assert (code, out) == (1, "")
    *lines, summary = err.splitlines()
    assert [match.group(0) for line in lines if (match := DIAGNOSTIC.match(line))] == expected(
        "many-problems"
    )
    assert len(lines) == 5
    assert summary == "pathdeck: stopped: 5 error(s), 0 warning(s); nothing was written"


def test_check_json_lists_every_problem(monkeypatch: pytest.MonkeyPatch) -> None:
    """check --json prints ok, counts and each problem's path, line, column and code on stdout."""
    monkeypatch.chdir(FIXTURES / "many-problems")
    code, out, _ = run_cli("check", ".", "--json")
    report = json.loads(out)
    assert code == 1
    assert (report["ok"], len(report["errors"]), report["warnings"]) == (False, 5, [])
    found = [(p["path"], p["line"], p["column"], p["code"]) for p in report["errors"]]
    assert found[0] == ("course.yaml", 1, 1, "missing-key")
    assert len(found) == 5


def test_check_json_of_a_clean_source(source: Path) -> None:
    """check --json of decks/ says ok with its concept and stage counts and no problems."""
    code, out, _ = run_cli("check", str(source), "--json")
    assert code == 0
    assert json.loads(out) == {
        "schema_version": 1,
        "command": "check",
        "ok": True,
        "source": str(source),
        "concepts": 1,
        "stages": 1,
        "warnings": [],
        "errors": [],
    }


def test_check_passes_with_warnings(monkeypatch: pytest.MonkeyPatch) -> None:
    """Warnings alone are printed on stderr and check still exits 0."""
    monkeypatch.chdir(FIXTURES / "thin-concept")
    code, out, err = run_cli("check", ".")
    assert code == 0
    assert "warning[missing-anchor]" in err
    assert out.strip() == ".: 1 concept(s) in 1 stage(s): ok"


def test_check_strict_fails_on_warnings(monkeypatch: pytest.MonkeyPatch) -> None:
    """check --strict exits 1 when there are warnings, and does not claim ok."""
    monkeypatch.chdir(FIXTURES / "thin-concept")
    code, out, err = run_cli("check", ".", "--strict")
    assert (code, out) == (1, "")
    assert "pathdeck: --strict: 0 error(s), 2 warning(s)" in err


def test_check_strict_json_is_not_ok(monkeypatch: pytest.MonkeyPatch) -> None:
    """check --strict --json with warnings reports ok false and the warnings."""
    monkeypatch.chdir(FIXTURES / "thin-concept")
    code, out, _ = run_cli("check", ".", "--strict", "--json")
    report = json.loads(out)
    assert (code, report["ok"], len(report["warnings"])) == (1, False, 2)


def test_check_with_too_many_arguments_is_usage(tmp_path: Path) -> None:
    """A second SOURCE is wrong usage: exit 2, no diagnostics."""
    code, _, err = run_cli("check", str(tmp_path), str(tmp_path))
    assert code == 2
    assert "error[" not in err


def test_every_problem_code_is_documented() -> None:
    """Each code in the registry has a row in the README's Diagnostics section, and vice versa."""
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme.split("\n## Diagnostics\n", 1)[1].split("\n## ", 1)[0]
    documented = set(re.findall(r"^\| `([a-z0-9-]+)` \|", section, flags=re.MULTILINE))
    # A failure here: declare the new code in problems.py and document it in README.md.
    assert set(CODES) == documented


def test_a_file_that_failed_to_parse_causes_no_warnings_elsewhere(source: Path) -> None:
    """A concept that cannot be parsed is not reported as an unknown connection in others."""
    stage = source / "stage-06-the-therapeutic-alliance"
    (stage / "e6-2-second.yaml").write_text(
        "id: E6.2\ntitle: Second\nposition: 2\nconnects_to: [E6.1]\n"
        "anchor: An anchor.\nprove_it:\n  scenario: A case.\n",
        encoding="utf-8",
    )
    (stage / "e6-1-alliance-foundations.yaml").write_text(
        "id: E6.1\n title: Broken\n", encoding="utf-8"
    )
    code, out, err = run_cli("check", str(source))
    assert (code, out) == (1, "")
    assert (
        "e6-1-alliance-foundations.yaml:2:2: error[yaml-syntax]: YAML syntax: wrong indentation"
        in err
    )
    assert "warning[" not in err
