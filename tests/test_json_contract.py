"""The --json contract: every command's report validates against the published output schema."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from cli_support import invoke
from pathdeck.report import SCHEMA_VERSION

REPO = Path(__file__).resolve().parent.parent
SCHEMA = REPO / "src" / "pathdeck" / "pathdeck.outputs.schema.json"
PAGES = Path(__file__).resolve().parent / "fixtures" / "pages"
E61 = "stage-06-the-therapeutic-alliance/e6-1-alliance-foundations.yaml"


def report(*args: str, code: int = 0) -> dict[str, Any]:
    """Run a command with --json; check its exit code and that stdout is one valid report."""
    result = invoke(*args, "--json")
    assert result.exit_code == code, result.output
    payload: dict[str, Any] = json.loads(result.stdout)
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator(schema).validate(payload)
    assert payload["schema_version"] == SCHEMA_VERSION
    return payload


def test_the_output_schema_is_a_valid_json_schema() -> None:
    """The shipped output schema is itself a valid draft 2020-12 schema."""
    jsonschema.Draft202012Validator.check_schema(json.loads(SCHEMA.read_text(encoding="utf-8")))


def test_schema_outputs_prints_the_shipped_file() -> None:
    """`pathdeck schema --outputs` prints exactly the schema shipped beside the source schema."""
    result = invoke("schema", "--outputs")
    assert (result.exit_code, result.stdout) == (0, SCHEMA.read_text(encoding="utf-8"))


def test_check_report(source: Path) -> None:
    """check --json: ok, counts of what was checked, and warnings as a list of problems."""
    payload = report("check", str(source))
    assert (payload["ok"], payload["concepts"], payload["errors"]) == (True, 1, [])
    assert isinstance(payload["warnings"], list)


def test_strict_check_with_warnings_is_not_ok(source: Path) -> None:
    """check --strict --json with a warning: ok false, the warning listed, exit 1."""
    concept = source / E61
    concept.write_text(concept.read_text(encoding="utf-8") + "connects_to: [E9.9]\n")
    payload = report("check", str(source), "--strict", code=1)
    assert payload["ok"] is False
    assert [w["code"] for w in payload["warnings"]] == ["unknown-connection"]


def test_content_errors_are_listed_under_errors(source: Path, tmp_path: Path) -> None:
    """A build stopped by a content error reports ok false and the error's location."""
    concept = source / E61
    concept.write_text(concept.read_text(encoding="utf-8").replace("pitfalls:", "pitfals:"))
    payload = report("build", str(source), "-o", str(tmp_path / "d.apkg"), code=1)
    assert payload["ok"] is False
    assert payload["command"] == "build"
    assert [(e["code"], e["path"].endswith(".yaml")) for e in payload["errors"]] == [
        ("unknown-key", True)
    ]


@pytest.mark.parametrize(
    "shape",
    [["-o", "{tmp}/d.apkg"], ["-o", "{tmp}/mydeck"], ["--split", "stage", "-o", "{tmp}/dist"]],
    ids=["one-file", "folder", "split"],
)
def test_build_has_one_shape_whatever_the_output(
    source: Path, tmp_path: Path, epoch: int, shape: list[str]
) -> None:
    """build --json has the same keys for one .apkg, an -o folder and --split: outputs a list."""
    args = [part.replace("{tmp}", str(tmp_path)) for part in shape]
    payload = report("build", str(source), *args)
    assert sorted(payload) == sorted(
        ["schema_version", "command", "ok", "dry_run", "outputs", "builds", "warnings", "errors"]
    )
    assert all(Path(path).is_file() for path in payload["outputs"])
    assert payload["builds"][0]["counts"]["new"] == 19


def test_diff_report(source: Path, tmp_path: Path, epoch: int) -> None:
    """diff --json: ok, whether anything changes, counts with snake_case kinds."""
    report("build", str(source), "-o", str(tmp_path / "v1.apkg"))
    payload = report("diff", str(tmp_path / "v1.apkg"), str(tmp_path / "v1.apkg"))
    assert (payload["ok"], payload["changes_anything"]) == (True, False)
    assert payload["counts"]["not_delivered"] == 0


def test_import_report(tmp_path: Path) -> None:
    """import --json names the course id, what it created and the files it wrote."""
    into = tmp_path / "decks"
    payload = report("import", str(PAGES), "--into", str(into))
    assert payload["course"] == "clinical-encounters"
    assert str(into / "course.yaml") in payload["created"]
    assert all(Path(path).is_file() for path in payload["outputs"])


def test_new_reports(tmp_path: Path) -> None:
    """new course/stage/concept --json: the file made and every file written."""
    into = str(tmp_path / "decks")
    course = report("new", "course", "demo", "Demo", "-s", into)
    stage = report("new", "stage", "1", "Basics", "-s", into)
    concept = report("new", "concept", "E1.1", "First", "-s", into)
    assert [p["command"] for p in (course, stage, concept)] == [
        "new course",
        "new stage",
        "new concept",
    ]
    assert concept["outputs"] == [concept["path"]]


@pytest.mark.parametrize("command", ["list", "stats"])
def test_list_and_stats_reports(source: Path, command: str) -> None:
    """list and stats --json count per role under snake_case keys."""
    payload = report(command, str(source))
    course = payload["courses"][0]
    counts = course["cards"] if command == "stats" else course["stages"][0]["concepts"][0]["cards"]
    assert "sample_language" in counts


@pytest.mark.anki
def test_preview_report(source: Path, tmp_path: Path) -> None:
    """preview --json lists the gallery's index among its outputs."""
    payload = report("preview", str(source), "-o", str(tmp_path / "preview"))
    assert payload["outputs"] == [payload["index"]]


@pytest.mark.parametrize(
    ("args", "command"),
    [
        (["stats", "--jsn"], "stats"),
        (["build", "--jobs", "0"], "build"),
        (["nosuchcommand"], None),
        (["new", "concept", "E1.x", "Title"], "new concept"),
    ],
)
def test_usage_errors_are_reports_too(args: list[str], command: str | None) -> None:
    """A usage error with --json prints a report on stdout (ok false, a usage-error) and exits 2."""
    payload = report(*args, code=2)
    assert (payload["ok"], payload["command"]) == (False, command)
    assert [(e["code"], e["path"]) for e in payload["errors"]] == [("usage-error", None)]


def test_dry_run_report(source: Path, tmp_path: Path, epoch: int) -> None:
    """build --dry-run --json has build's shape, dry_run true and the planned changes."""
    payload = report("build", str(source), "-o", str(tmp_path / "d.apkg"), "--dry-run")
    assert (payload["dry_run"], len(payload["builds"][0]["changes"])) == (True, 19)


def test_ledger_recover_report(source: Path, tmp_path: Path) -> None:
    """ledger recover --json: the ledger written (in outputs too) and how many notes it holds."""
    package = tmp_path / "release.apkg"
    assert invoke("build", str(source), "-o", str(package)).exit_code == 0
    (source / "pathdeck.lock").unlink()
    payload = report("ledger", "recover", "--from", str(package), str(source))
    assert payload["command"] == "ledger recover"
    assert payload["outputs"] == [str(source / "pathdeck.lock")]
    assert payload["notes"] == payload["exact"] > 0


@pytest.mark.anki
def test_insights_report(tmp_path: Path) -> None:
    """insights --json: the envelope with learners and items; a bad input is an error with no
    file name, since inputs are learners' exports."""
    from insights_support import simulate

    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SOURCE_DATE_EPOCH", "1780000000")
        source, exports = simulate(tmp_path)
    junk = tmp_path / "learner-x.apkg"
    junk.write_text("not an export", encoding="utf-8")
    payload = report("insights", *map(str, exports), str(junk), "--source", str(source), code=1)
    assert (payload["command"], payload["learners"]) == ("insights", len(exports))
    assert [(e["code"], e["path"]) for e in payload["errors"]] == [("not-an-export", None)]
    assert payload["items"]
