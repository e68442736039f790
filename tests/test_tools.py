"""The educator's toolbox on the command line: schema, new, list, stats, split builds, CI, help."""

from __future__ import annotations

import json
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from cli_support import run_cli
from pathdeck.validate import schema as source_schema
from pathdeck.validate.jsonschema import SCHEMA_FILE, render

REPO = Path(__file__).resolve().parent.parent
STAGE6 = "stage-06-the-therapeutic-alliance"
STAGE7 = "stage-07-endings"


def add_stage_seven(source: Path) -> None:
    """A second stage with one concept, so a course has more than one stage to split."""
    folder = source / STAGE7
    folder.mkdir()
    (folder / "stage.yaml").write_text("number: 7\ntitle: Endings\nconcepts: 2\n")
    (folder / "e7-1-planned-endings.yaml").write_text(
        "id: E7.1\ntitle: Planned Endings\nposition: 1\n"
        "sample_language:\n  - Let's plan our last sessions together.\n"
        "anchor: Endings are planned with the patient, not announced.\n"
    )


def second_course(source: Path, tmp_path: Path) -> Path:
    """A copy of `source` published as another course (another id)."""
    other = tmp_path / "other"
    shutil.copytree(source, other)
    (other / "course.yaml").write_text("id: other-course\ntitle: Other Course\n")
    return other


# ---------------------------------------------------------------- schema


def test_schema_prints_the_json_schema() -> None:
    """`schema` prints the generated JSON Schema on stdout and nothing on stderr."""
    code, out, err = run_cli("schema")
    assert (code, out, err) == (0, render(), "")


def test_schema_output_writes_the_file(tmp_path: Path) -> None:
    """`schema -o FILE` writes the schema there and prints the path."""
    target = tmp_path / "decks" / SCHEMA_FILE
    code, out, _ = run_cli("schema", "-o", str(target))
    assert (code, out.strip(), target.read_text(encoding="utf-8")) == (0, str(target), render())


# ---------------------------------------------------------------- new


def test_new_concept_passes_check(source: Path) -> None:
    """A scaffolded concept leaves the course valid: `check` still exits 0."""
    code, out, _ = run_cli("new", "concept", "E6.2", "Rupture and Repair", "-s", str(source))
    assert code == 0
    assert out.strip() == str(source / STAGE6 / "e6-2-rupture-and-repair.yaml")
    assert run_cli("check", str(source), "--allow-placeholders")[0] == 0


def test_untouched_scaffold_is_refused_by_check_and_build(source: Path, tmp_path: Path) -> None:
    """TODOs left in a scaffold fail check and build (no package, no ledger) unless a draft."""
    run_cli("new", "concept", "E6.2", "Rupture and Repair", "-s", str(source))
    target = tmp_path / "d.apkg"
    code, _, err = run_cli("check", str(source))
    assert (code, "error[placeholder-text]" in err) == (1, True)
    code, _, err = run_cli("build", str(source), "-o", str(target))
    assert (code, "error[placeholder-text]" in err, target.exists()) == (1, True, False)
    assert not (source / "pathdeck.lock").exists()
    code, _, err = run_cli("build", str(source), "-o", str(target), "--allow-placeholders")
    assert (code, "warning[placeholder-text]" in err, target.is_file()) == (0, True, True)


def test_scaffolded_item_ids_are_comments(source: Path) -> None:
    """Item ids start commented out, so copying an item block makes no duplicate-item-id."""
    run_cli("new", "concept", "E6.2", "Rupture and Repair", "-s", str(source))
    concept = source / STAGE6 / "e6-2-rupture-and-repair.yaml"
    text = concept.read_text(encoding="utf-8")
    assert "\n    # id: TODO\n" in text
    assert "\n    id: TODO\n" not in text
    block = "  - text: TODO\n    # id: TODO\n"
    concept.write_text(text.replace(block, block + block, 1), encoding="utf-8")
    code, _, err = run_cli("check", str(source), "--allow-placeholders")
    assert (code, "duplicate-item-id" in err) == (0, False)


def test_new_concept_has_every_field_commented(source: Path) -> None:
    """Every concept field appears in the scaffold, each under a comment describing it."""
    run_cli("new", "concept", "E6.2", "Rupture and Repair", "-s", str(source))
    lines = (
        (source / STAGE6 / "e6-2-rupture-and-repair.yaml").read_text(encoding="utf-8").splitlines()
    )
    keys = {
        match.group(1): number
        for number, line in enumerate(lines)
        if (match := re.match(r"^(?:# )?([a-z_]+):", line))
    }
    assert set(keys) == set(source_schema.CONCEPT.fields)
    assert all(lines[keys[name] - 1].lstrip().startswith("#") for name in keys)


def test_new_concept_fills_id_title_and_position(source: Path) -> None:
    """The scaffold's id, title and position come from the arguments (E6.2: position 2)."""
    run_cli("new", "concept", "E6.2", "Rupture: and Repair", "-s", str(source))
    data = yaml.safe_load(
        (source / STAGE6 / "e6-2-rupture-and-repair.yaml").read_text(encoding="utf-8")
    )
    assert (data["id"], data["title"], data["position"]) == ("E6.2", "Rupture: and Repair", 2)


def test_new_file_points_editors_at_the_schema(source: Path) -> None:
    """The first line is a yaml-language-server modeline whose relative path reaches the schema."""
    (source / SCHEMA_FILE).unlink()
    code, out, _ = run_cli("new", "concept", "E6.2", "Rupture and Repair", "-s", str(source))
    concept = source / STAGE6 / "e6-2-rupture-and-repair.yaml"
    first = concept.read_text(encoding="utf-8").splitlines()[0]
    schema_path = (concept.parent / first.split("$schema=", 1)[1]).resolve()
    assert (code, out.splitlines()[0]) == (0, str(source / SCHEMA_FILE))
    assert schema_path.read_text(encoding="utf-8") == render()


def test_new_stage_passes_check(source: Path) -> None:
    """A scaffolded stage gets its own folder and leaves the course valid."""
    code, out, _ = run_cli("new", "stage", "7", "Endings", "--concepts", "4", "-s", str(source))
    assert (code, out.strip()) == (0, str(source / STAGE7 / "stage.yaml"))
    assert run_cli("check", str(source))[0] == 0


def test_new_course_starts_a_source_folder(tmp_path: Path) -> None:
    """`new course` creates the folder and a course.yaml that checks clean."""
    source = tmp_path / "course"
    code, _, _ = run_cli("new", "course", "my-course", "My Course", "-s", str(source))
    assert code == 0
    assert run_cli("check", str(source), "--allow-placeholders")[0] == 0


def test_new_concept_without_its_stage_is_a_content_error(source: Path) -> None:
    """A concept for a stage the course lacks exits 1 with a located problem; nothing is written."""
    before = sorted(source.rglob("*"))
    code, out, err = run_cli("new", "concept", "E9.1", "Nowhere", "-s", str(source))
    assert (code, out) == (1, "")
    assert f"{source}:1:1: error[unknown-stage]" in err
    assert sorted(source.rglob("*")) == before


def test_new_concept_beyond_the_plan_is_refused(source: Path) -> None:
    """A position past the stage's planned count is what `check` would refuse: exit 1, no file."""
    code, _, err = run_cli("new", "concept", "E6.9", "Too Far", "-s", str(source))
    assert code == 1
    assert "error[position-out-of-range]" in err
    assert not (source / STAGE6 / "e6-9-too-far.yaml").exists()


def test_new_concept_never_overwrites(source: Path) -> None:
    """An id the course already has exits 1 and points at the existing concept."""
    code, _, err = run_cli("new", "concept", "E6.1", "Again", "-s", str(source))
    assert code == 1
    assert re.search(r"e6-1-alliance-foundations\.yaml:\d+:\d+: error\[already-exists\]", err)


def test_new_concept_stage_must_agree_with_id(source: Path) -> None:
    """--stage that contradicts the id is a usage error (exit 2)."""
    code, out, err = run_cli("new", "concept", "E6.2", "X", "--stage", "7", "-s", str(source))
    assert (code, out) == (2, "")
    assert "E6.2 belongs to stage 6, not stage 7" in err


def test_new_concept_rejects_a_malformed_id(source: Path) -> None:
    """An id that is not like E6.1 is a usage error (exit 2)."""
    code, _, err = run_cli("new", "concept", "six", "X", "-s", str(source))
    assert code == 2
    assert "not a concept id like E6.1" in err


# ---------------------------------------------------------------- list and stats


def test_list_prints_stages_and_concepts(source: Path) -> None:
    """`list` prints each stage and its concepts with their card counts."""
    code, out, err = run_cli("list", str(source))
    assert (code, err) == (0, "")
    assert "  Stage 6 · The Therapeutic Alliance: 1 of 8 concepts, 37 cards" in out
    assert "    E6.1  Alliance Foundations  (37 cards)" in out


def test_list_json_nests_concepts_in_stages(source: Path) -> None:
    """`list --json` gives each concept's card counts per role inside its stage."""
    code, out, _ = run_cli("list", str(source), "--json")
    concept = json.loads(out)["courses"][0]["stages"][0]["concepts"][0]
    assert code == 0
    assert (concept["id"], concept["cards"]["anchor"], concept["cards"]["total"]) == ("E6.1", 1, 37)


def test_list_takes_several_sources(source: Path, tmp_path: Path) -> None:
    """`list A B` reports both courses."""
    other = second_course(source, tmp_path)
    code, out, _ = run_cli("list", str(source), str(other), "--json")
    assert code == 0
    assert [c["id"] for c in json.loads(out)["courses"]] == ["clinical-encounters", "other-course"]


def test_list_of_a_broken_source_exits_1(source: Path) -> None:
    """`list` of a source with errors prints diagnostics on stderr and nothing on stdout."""
    (source / "course.yaml").write_text("id: clinical-encounters\n")
    code, out, err = run_cli("list", str(source))
    assert (code, out) == (1, "")
    assert "error[missing-key]" in err


def test_stats_prints_a_table_per_stage_and_role(source: Path) -> None:
    """`stats` prints a header of roles, one row per stage and a total row."""
    add_stage_seven(source)
    code, out, _ = run_cli("stats", str(source))
    rows = [line.split() for line in out.splitlines()[1:]]
    assert code == 0
    assert rows == [
        [
            "stage",
            "concepts",
            "sample-language",
            "pitfall",
            "red-flag",
            "prove-it",
            "anchor",
            "key-fact",
            "cards",
        ],
        ["6", "1/8", "3", "4", "1", "1", "1", "27", "37"],
        ["7", "1/2", "1", "0", "0", "0", "1", "0", "2"],
        ["total", "2/10", "4", "4", "1", "1", "2", "27", "39"],
    ]


@pytest.mark.anki
def test_stats_counts_the_cards_anki_makes(source: Path, tmp_path: Path, epoch: int) -> None:
    """The card total of `stats --json` is the number of cards Anki creates on import."""
    from anki_helpers import fresh_collection, import_default

    add_stage_seven(source)
    _, out, _ = run_cli("stats", str(source), "--json")
    run_cli("build", str(source), "-o", str(tmp_path / "deck.apkg"))
    col = fresh_collection(tmp_path / "learner")
    import_default(col, tmp_path / "deck.apkg")
    assert json.loads(out)["courses"][0]["cards"]["total"] == len(col.find_cards(""))


# ---------------------------------------------------------------- split builds


def test_split_stage_writes_one_package_per_stage(source: Path, tmp_path: Path, epoch: int) -> None:
    """`build --split stage -o DIR/` writes one .apkg per stage and prints their paths."""
    add_stage_seven(source)
    out_dir = tmp_path / "dist"
    code, out, _ = run_cli("build", str(source), "--split", "stage", "-o", f"{out_dir}/")
    names = ["clinical-encounters-stage-06.apkg", "clinical-encounters-stage-07.apkg"]
    assert code == 0
    assert out.splitlines() == [str(out_dir / name) for name in names]
    assert sorted(p.name for p in out_dir.iterdir()) == names


def test_split_with_course_adds_the_whole_course(source: Path, tmp_path: Path, epoch: int) -> None:
    """--with-course adds the whole-course package beside the stage packages."""
    out_dir = tmp_path / "dist"
    code, out, _ = run_cli(
        "build", str(source), "--split", "stage", "--with-course", "-o", str(out_dir)
    )
    assert code == 0
    assert out.splitlines()[-1] == str(out_dir / "clinical-encounters.apkg")


def test_build_takes_several_sources(source: Path, tmp_path: Path, epoch: int) -> None:
    """`build A B -o DIR` builds each course into DIR and updates each ledger."""
    other = second_course(source, tmp_path)
    out_dir = tmp_path / "dist"
    code, out, _ = run_cli("build", str(source), str(other), "-o", str(out_dir), "--json")
    builds = json.loads(out)["builds"]
    assert code == 0
    assert [b["outputs"] for b in builds] == [
        [str(out_dir / "clinical-encounters.apkg")],
        [str(out_dir / "other-course.apkg")],
    ]
    assert (source / "pathdeck.lock").is_file()
    assert (other / "pathdeck.lock").is_file()


def test_two_sources_of_one_course_are_refused(source: Path, tmp_path: Path) -> None:
    """Two trees with the same course id would overwrite each other: exit 1, nothing written."""
    twin = tmp_path / "twin"
    shutil.copytree(source, twin)
    out_dir = tmp_path / "dist"
    code, _, err = run_cli("build", str(source), str(twin), "--split", "stage", "-o", str(out_dir))
    assert code == 1
    assert "error[duplicate-output]" in err
    assert not out_dir.exists()


def test_split_refuses_an_apkg_output(source: Path, tmp_path: Path) -> None:
    """--split with -o naming an .apkg is a usage error (exit 2)."""
    code, _, err = run_cli("build", str(source), "--split", "stage", "-o", str(tmp_path / "x.apkg"))
    assert code == 2
    assert "-o names a folder" in err


def test_split_locked_with_a_stale_ledger_writes_nothing(source: Path, tmp_path: Path) -> None:
    """--locked refuses a split build that would change the ledger, and writes no package."""
    out_dir = tmp_path / "dist"
    code, _, err = run_cli("build", str(source), "--split", "stage", "--locked", "-o", str(out_dir))
    assert code == 1
    assert "error[ledger-out-of-date]" in err
    assert not out_dir.exists()


@pytest.mark.anki
def test_stage_and_course_packages_never_duplicate(
    source: Path, tmp_path: Path, epoch: int
) -> None:
    """A learner importing both stage files and then the whole course gets each note once."""
    from anki_helpers import fresh_collection, import_default

    add_stage_seven(source)
    out_dir = tmp_path / "dist"
    run_cli("build", str(source), "--split", "stage", "--with-course", "-o", str(out_dir))
    col = fresh_collection(tmp_path / "learner")
    notetypes = len(col.models.all_names_and_ids())
    for name in ("stage-07", "stage-06"):
        import_default(col, out_dir / f"clinical-encounters-{name}.apkg")
    whole = import_default(col, out_dir / "clinical-encounters.apkg").log
    assert (len(whole.new), len(whole.conflicting), len(whole.duplicate)) == (0, 0, 21)
    assert len(col.find_notes("")) == 21
    assert len(col.models.all_names_and_ids()) == notetypes + 6


# ---------------------------------------------------------------- help and completion


def test_help_gives_every_command_a_one_line_summary() -> None:
    """`--help` lists each command on one untruncated line, then examples."""
    code, out, _ = run_cli("--help")
    commands = out.split("Commands:\n", 1)[1].split("\n\n", 1)[0].splitlines()
    assert code == 0
    assert all(re.match(r"^  [a-z]+ +\S.*\.$", line) for line in commands)
    assert "Examples:" in out
    assert 'pathdeck new concept E6.2 "Rupture and Repair"' in out


def test_bash_completion_script() -> None:
    """_PATHDECK_COMPLETE=bash_source prints click's bash completion script."""
    code, out, _ = run_cli(env={"_PATHDECK_COMPLETE": "bash_source"})
    assert code == 0
    assert "_pathdeck_completion()" in out


def test_completion_offers_commands() -> None:
    """Completing `pathdeck st` offers the stats command."""
    env = {"_PATHDECK_COMPLETE": "bash_complete", "COMP_WORDS": "pathdeck st", "COMP_CWORD": "1"}
    code, out, _ = run_cli(env=env)
    assert code == 0
    assert "plain,stats" in out.splitlines()


def test_cli_import_leaves_the_tools_unloaded() -> None:
    """Importing the CLI loads none of the tools' modules, so `--help` stays instant."""
    probe = (
        "import sys, pathdeck.cli; "
        "print(sorted(m for m in ('pathdeck.validate.jsonschema', 'pathdeck.tools.scaffold', 'pathdeck.tools.stats', "
        "'pathdeck.pipeline', 'yaml') if m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"


# ---------------------------------------------------------------- CI recipe and hooks


def test_pre_commit_hook_runs_pathdeck_check() -> None:
    """.pre-commit-hooks.yaml offers a hook running `pathdeck check` over the whole tree."""
    hooks = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    hook = next(h for h in hooks if h["id"] == "pathdeck-check")
    assert (hook["entry"], hook["language"], hook["pass_filenames"]) == (
        "pathdeck check",
        "python",
        False,
    )


def workflow_commands() -> list[list[str]]:
    """The pathdeck command lines of the documented CI workflow, in order."""
    workflow = yaml.safe_load(
        (REPO / "docs/examples/publish-decks.yml").read_text(encoding="utf-8")
    )
    lines = [
        line.strip()
        for job in workflow["jobs"].values()
        for step in job["steps"]
        for line in step.get("run", "").splitlines()
    ]
    return [shlex.split(line)[1:] for line in lines if line.startswith("pathdeck ")]


def test_ci_recipe_commands_work(
    source: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each pathdeck command of the CI workflow succeeds on a course whose ledger is committed."""
    monkeypatch.chdir(tmp_path)
    run_cli("build", str(source), "-o", str(tmp_path / "local.apkg"))  # the educator's local build
    commands = workflow_commands()
    codes = [run_cli(*args)[0] for args in commands]
    assert [c[0] for c in commands] == ["check", "build"]
    assert codes == [0, 0]
    assert (tmp_path / "dist" / "clinical-encounters.apkg").is_file()


def test_ci_doc_shows_the_example_workflow() -> None:
    """docs/ci.md includes docs/examples/publish-decks.yml verbatim."""
    workflow = (REPO / "docs/examples/publish-decks.yml").read_text(encoding="utf-8")
    assert f"```yaml\n{workflow}```" in (REPO / "docs/ci.md").read_text(encoding="utf-8")


def workflow_install_line() -> str:
    """The `pip install` command of the documented CI workflow."""
    workflow = yaml.safe_load(
        (REPO / "docs/examples/publish-decks.yml").read_text(encoding="utf-8")
    )
    runs = [step.get("run", "") for job in workflow["jobs"].values() for step in job["steps"]]
    return str(next(run for run in runs if "pip install" in run))


def test_ci_recipe_installs_pathdeck_from_git(tmp_path: Path) -> None:
    """The recipe's install line, its placeholders filled with this repository and its HEAD
    commit, really installs this pathdeck (no package index release is assumed)."""
    line = workflow_install_line()
    assert "git+https://github.com/OWNER/pathdeck@REF" in line
    head = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=REPO, capture_output=True, text=True, check=True
    ).stdout.strip()
    filled = line.replace("https://github.com/OWNER/pathdeck", REPO.as_uri()).replace("REF", head)
    args = shlex.split(filled)
    assert args[:4] == ["python", "-m", "pip", "install"]
    target = tmp_path / "site"
    done = subprocess.run(
        [sys.executable, *args[1:], "--no-deps", "-q", "--target", str(target)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert (target / "pathdeck" / "cli" / "__init__.py").is_file()


def test_pre_commit_snippets_pin_what_ci_installs() -> None:
    """Every documented pre-commit config names the repository and ref CI installs (placeholders
    the reader fills in), never a release tag that does not exist."""
    install = workflow_install_line()
    snippets = []
    for doc in ("README.md", "docs/ci.md"):
        text = (REPO / doc).read_text(encoding="utf-8")
        snippets += re.findall(r"```yaml\n(repos:\n.*?)```", text, flags=re.DOTALL)
    assert len(snippets) == 2
    for snippet in snippets:
        [repo] = yaml.safe_load(snippet)["repos"]
        assert (repo["rev"], repo["hooks"][0]["id"]) == ("REF", "pathdeck-check")
        assert f"git+{repo['repo']}@{repo['rev']}" in install
