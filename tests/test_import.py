"""pathdeck import: pages become concept files, each page written whole or not at all."""

from __future__ import annotations

import dataclasses
import html
import json
import re
import shutil
import time
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cli_support import run_cli as cli
from pathdeck.curriculum import Concept
from pathdeck.pages import naming, writes
from pathdeck.pages.facts import concept_sources, extract
from pathdeck.pages.importer import ImportResult, import_pages
from pathdeck.pages.parse import parse_page
from pathdeck.pages.render import render_page
from pathdeck.source import load_tree
from pathdeck.validate import validate
from pathdeck.validate.jsonschema import COURSE_MODELINE, STAGE_FOLDER_MODELINE
from test_pages import concepts

REPO = Path(__file__).resolve().parent.parent
PAGES = Path(__file__).resolve().parent / "fixtures" / "pages"
SEED = PAGES / "stage-06-concept-1-alliance-foundations.txt"
RECONCILIATION = PAGES / "stage-12-concept-3-medication-reconciliation.txt"
DEBRIEFING = PAGES / "stage-10-concept-2-debriefing-after-a-critical-incident.txt"
CAPACITY = PAGES / "stage-11-concept-1-capacity.txt"
DECKS_E61 = REPO / "decks" / "stage-06-the-therapeutic-alliance" / "e6-1-alliance-foundations.yaml"
E61 = Path("stage-06-the-therapeutic-alliance") / "e6-1-alliance-foundations.yaml"


def run(
    pages: list[Path], into: Path, *, force: bool = False, course: str | None = None
) -> ImportResult:
    """Import `pages` into `into`."""
    return import_pages(pages, into, force=force, course_title=course)


def codes(result: ImportResult) -> list[str]:
    """The codes of every problem of every failed page."""
    return [p.code for p in result.problems]


def files_under(root: Path) -> dict[str, bytes]:
    """Every file below `root` (hidden ones included) by relative path, with its bytes."""
    return {
        str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()
    }


def write_page(folder: Path, name: str, text: str) -> Path:
    """A page file with `text`."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def retitled_seed(folder: Path, stage_title: str) -> Path:
    """The seed page with another stage title."""
    text = SEED.read_text(encoding="utf-8").replace("The Therapeutic Alliance", stage_title, 1)
    return write_page(folder, "retitled.txt", text)


# --- writing ---------------------------------------------------------------------------------


def test_seed_reproduces_the_decks_yaml_exactly(tmp_path: Path) -> None:
    """Importing the seed page writes decks/'s E6.1 file byte for byte."""
    result = run([SEED], tmp_path)
    assert result.ok
    assert (tmp_path / E61).read_bytes() == DECKS_E61.read_bytes()


def test_course_and_stage_files_are_created(tmp_path: Path) -> None:
    """A new folder gets course.yaml and the stage's folder with its stage.yaml."""
    result = run([SEED], tmp_path / "new")
    root = tmp_path / "new"
    assert yaml.safe_load((root / "course.yaml").read_text()) == {
        "id": "clinical-encounters",
        "title": "Clinical Encounters",
    }
    stage = root / "stage-06-the-therapeutic-alliance" / "stage.yaml"
    expected = "number: 6\ntitle: The Therapeutic Alliance\nconcepts: 8\n"
    assert stage.read_text() == STAGE_FOLDER_MODELINE + expected
    schema_file = root / "pathdeck.schema.json"
    assert set(result.written) == {schema_file, root / "course.yaml", stage, root / E61}


def test_course_title_option_names_the_course(tmp_path: Path) -> None:
    """--course gives the new course.yaml its title and a slug of it as id."""
    run([SEED], tmp_path, course="Psychiatry Core Skills, Année 1")
    assert yaml.safe_load((tmp_path / "course.yaml").read_text()) == {
        "id": "psychiatry-core-skills-annee-1",
        "title": "Psychiatry Core Skills, Année 1",
    }


def test_existing_course_is_left_alone(tmp_path: Path) -> None:
    """An existing course.yaml is never rewritten; a different --course title is a warning."""
    (tmp_path / "course.yaml").write_text("id: mine\ntitle: Mine\n")
    result = run([SEED], tmp_path, course="Other")
    assert (tmp_path / "course.yaml").read_text() == "id: mine\ntitle: Mine\n"
    assert [w.code for w in result.warnings] == ["course-title-differs"]


def test_pages_across_stages(tmp_path: Path) -> None:
    """Four pages make four stage folders, each with its stage.yaml and concept."""
    result = run([SEED, RECONCILIATION, DEBRIEFING, CAPACITY], tmp_path)
    assert result.ok
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "course.yaml",
        "pathdeck.schema.json",
        "stage-06-the-therapeutic-alliance",
        "stage-10-equipe-securite-debriefing",
        "stage-11-capacity-consent",
        "stage-12-safe-prescribing-handover",
    ]
    assert (tmp_path / "stage-12-safe-prescribing-handover" / "stage.yaml").read_text() == (
        STAGE_FOLDER_MODELINE + "number: 12\ntitle: Safe Prescribing & Handover\nconcepts: 10\n"
    )
    assert (
        tmp_path
        / "stage-11-capacity-consent"
        / "e11-1-capacity-decision-specific-time-specific.yaml"
    ).is_file()
    assert (
        result.summary() == "imported 4 pages (4 new, 0 replaced), 2 warnings"
    )  # capacity: no key point, a flag without meaning


def with_facts(concept: Concept) -> Concept:
    """The concept as the import writes it: with the facts its page states."""
    return dataclasses.replace(concept, facts=tuple(extract(concept_sources(concept))))


def test_imported_folder_validates_to_the_parsed_concepts(tmp_path: Path) -> None:
    """The written YAML validates, and each concept equals the page it came from."""
    pages = [SEED, RECONCILIATION, DEBRIEFING, CAPACITY]
    run(pages, tmp_path)
    course = validate(load_tree(tmp_path)).course
    loaded = {c.id: dataclasses.replace(c, source="") for _, c in course.concepts()}
    for page in pages:
        parsed = parse_page(page.read_text(encoding="utf-8"), page.name).concept
        assert loaded[parsed.id] == dataclasses.replace(with_facts(parsed), source="")
    assert [s.title for s in course.stages] == [
        "The Therapeutic Alliance",
        "Équipe, Sécurité & Débriefing",
        "Capacity & Consent",
        "Safe Prescribing & Handover",
    ]


def test_no_temporary_files_are_left(tmp_path: Path) -> None:
    """After an import only the YAML files remain: no hidden temporaries."""
    run([SEED, RECONCILIATION], tmp_path)
    assert not list(tmp_path.rglob(".*"))


def test_a_parked_draft_is_not_taken_for_the_concept(tmp_path: Path) -> None:
    """A draft (`_name.yaml`) or hidden file holding the page's concept is left alone, as
    `check` leaves it out: the import writes the concept file the build reads."""
    run([SEED], tmp_path)
    written = tmp_path / E61
    for parked in ("_draft.yaml", ".backup.yaml"):
        shutil.copy(written, written.with_name(parked))
    written.unlink()
    result = run([SEED], tmp_path)
    assert [p.path for p in result.imported] == [written]
    assert validate(load_tree(tmp_path)).course.stages[0].concepts[0].id == "E6.1"
    assert (written.parent / "_draft.yaml").read_bytes() == written.read_bytes()


def test_a_byte_order_mark_does_not_hide_the_course_id(tmp_path: Path) -> None:
    """A course.yaml saved with a BOM (as Windows editors do) still names its course."""
    run([SEED], tmp_path)
    (tmp_path / "course.yaml").write_bytes(b"\xef\xbb\xbfid: my-course\ntitle: My Course\n")
    assert run([CAPACITY], tmp_path).course_id == "my-course"


def test_existing_stage_folder_is_reused_whatever_its_name(tmp_path: Path) -> None:
    """A stage already defined in a hand-named folder receives the page's concept."""
    folder = tmp_path / "06-alliance"
    folder.mkdir()
    (folder / "stage.yaml").write_text("number: 6\ntitle: The Therapeutic Alliance\nconcepts: 8\n")
    result = run([SEED], tmp_path)
    assert [p.path for p in result.imported] == [folder / "e6-1-alliance-foundations.yaml"]
    assert not (tmp_path / "stage-06-the-therapeutic-alliance").exists()


def test_stage_size_difference_is_a_warning(tmp_path: Path) -> None:
    """A page counting a different stage size imports, warns, and leaves stage.yaml alone."""
    folder = tmp_path / "stage-06-the-therapeutic-alliance"
    folder.mkdir()
    (folder / "stage.yaml").write_text("number: 6\ntitle: The Therapeutic Alliance\nconcepts: 9\n")
    result = run([SEED], tmp_path)
    assert result.ok
    assert [w.code for w in result.warnings] == ["stage-size-differs"]
    assert "concepts: 9" in (folder / "stage.yaml").read_text()


def test_page_warnings_are_reported(tmp_path: Path) -> None:
    """Warnings a page gives while parsing reach the result, with the page's path."""
    result = run([CAPACITY], tmp_path)
    assert sorted((w.location.path, w.code) for w in result.warnings) == [
        (str(CAPACITY), "page-key-point-unmarked"),
        (str(CAPACITY), "page-red-flag-without-meaning"),
    ]


# --- refusing --------------------------------------------------------------------------------


def test_reimport_of_the_same_page_is_unchanged(tmp_path: Path) -> None:
    """Importing a page again leaves its file untouched and counts it as unchanged."""
    run([SEED], tmp_path)
    before = (tmp_path / E61).stat().st_mtime_ns
    result = run([SEED], tmp_path)
    assert (result.ok, result.unchanged, result.written) == (True, (SEED,), ())
    assert (tmp_path / E61).stat().st_mtime_ns == before
    assert result.summary() == "imported 0 pages, 1 unchanged"


def test_existing_concept_is_not_overwritten(tmp_path: Path) -> None:
    """A different concept with the same id is refused with `concept-exists`; nothing changes."""
    run([SEED], tmp_path)
    (tmp_path / E61).write_text((tmp_path / E61).read_text().replace("Alliance is", "Rapport is"))
    before = files_under(tmp_path)
    result = run([SEED], tmp_path)
    assert codes(result) == ["concept-exists"]
    assert files_under(tmp_path) == before


def test_force_replaces_an_existing_concept(tmp_path: Path) -> None:
    """--force overwrites the concept and reports it as replaced."""
    run([SEED], tmp_path)
    (tmp_path / E61).write_text("id: E6.1\ntitle: Old\nposition: 1\n")
    result = run([SEED], tmp_path, force=True)
    assert [p.replaced for p in result.imported] == [True]
    assert (tmp_path / E61).read_bytes() == DECKS_E61.read_bytes()
    assert result.summary() == "imported 1 page (0 new, 1 replaced)"


def test_concept_is_found_under_another_file_name(tmp_path: Path) -> None:
    """An existing E6.1 under another name is refused, and --force rewrites that very file."""
    run([SEED], tmp_path)
    renamed = tmp_path / "stage-06-the-therapeutic-alliance" / "foundations.yaml"
    (tmp_path / E61).rename(renamed)
    renamed.write_text(renamed.read_text().replace("position: 1", "position: 2"))
    assert codes(run([SEED], tmp_path)) == ["concept-exists"]
    run([SEED], tmp_path, force=True)
    assert renamed.read_bytes() == DECKS_E61.read_bytes()
    assert not (tmp_path / E61).exists()


def test_stage_title_conflict(tmp_path: Path) -> None:
    """A page whose stage title differs from stage.yaml's is an error at its stage line."""
    run([SEED], tmp_path / "decks")
    before = files_under(tmp_path / "decks")
    result = run([retitled_seed(tmp_path / "pages", "Alliance")], tmp_path / "decks", force=True)
    assert [(p.location.line, p.code) for p in result.problems] == [(1, "stage-title-conflict")]
    assert files_under(tmp_path / "decks") == before


def test_stage_title_conflict_within_one_run(tmp_path: Path) -> None:
    """Two pages naming stage 6 differently: the second fails against the first's stage.yaml."""
    other = retitled_seed(tmp_path / "pages", "Alliance")
    result = run([SEED, other], tmp_path / "decks")
    assert [f.page for f in result.failed] == [other]
    assert codes(result) == ["stage-title-conflict"]


def test_same_concept_twice_in_one_run(tmp_path: Path) -> None:
    """The same concept id from two pages of one run is `duplicate-page`, even with --force."""
    copy = write_page(tmp_path / "pages", "copy.txt", SEED.read_text(encoding="utf-8"))
    result = run([SEED, copy], tmp_path / "decks", force=True)
    assert codes(result) == ["duplicate-page"]


def test_folder_of_another_stage_is_not_taken_over(tmp_path: Path) -> None:
    """A folder with the new stage's name but another stage's stage.yaml is refused."""
    folder = tmp_path / "stage-06-the-therapeutic-alliance"
    folder.mkdir()
    (folder / "stage.yaml").write_text("number: 7\ntitle: Other\nconcepts: 3\n")
    assert codes(run([SEED], tmp_path)) == ["stage-folder-taken"]


def test_unreadable_stage_file_blocks_pages_of_unknown_stages(tmp_path: Path) -> None:
    """A broken stage.yaml might be any stage, so only pages of known stages go ahead."""
    broken = tmp_path / "stage-99" / "stage.yaml"
    broken.parent.mkdir()
    broken.write_text("number: [\n")
    known = tmp_path / "stage-12-safe-prescribing-handover"
    known.mkdir()
    (known / "stage.yaml").write_text(
        "number: 12\ntitle: Safe Prescribing & Handover\nconcepts: 10\n"
    )
    result = run([SEED, RECONCILIATION], tmp_path)
    assert [f.page for f in result.failed] == [SEED]
    assert [(p.location.path, p.code) for p in result.problems] == [
        (str(broken), "stage-unreadable")
    ]
    assert [p.page for p in result.imported] == [RECONCILIATION]


# --- failing safely --------------------------------------------------------------------------


def test_bad_page_writes_nothing(tmp_path: Path) -> None:
    """A page that cannot be parsed leaves the target folder exactly as it was (here: absent)."""
    page = write_page(tmp_path / "pages", "bad.txt", "Stage 6: X\nConcept one of eight\n")
    result = run([page], tmp_path / "decks")
    assert [(p.location.path, p.location.line, p.code) for p in result.problems] == [
        (str(page), 2, "page-bad-concept-line")
    ]
    assert not (tmp_path / "decks").exists()


def test_batch_is_all_or_nothing_per_page(tmp_path: Path) -> None:
    """Good pages are imported, bad ones fail whole, and the summary counts both."""
    bad = write_page(tmp_path / "pages", "bad.txt", "hello\n")
    result = run([SEED, bad, CAPACITY], tmp_path / "decks")
    assert [p.page for p in result.imported] == [SEED, CAPACITY]
    assert [f.page for f in result.failed] == [bad]
    assert not result.ok
    assert result.summary() == "imported 2 pages (2 new, 0 replaced), 1 failed, 2 warnings"


@pytest.mark.parametrize(
    ("content", "code"),
    [
        (b"", "page-empty"),
        (b"\xff\xfe\x00S\x00t\x00a\x00g\x00e", "page-not-utf8"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "page-not-utf8"),
        (b"Stage 6: X\x00\x01\x02", "page-control-character"),
    ],
)
def test_junk_pages_fail_cleanly(tmp_path: Path, content: bytes, code: str) -> None:
    """Empty, UTF-16, binary and control-character pages fail with a code, not a traceback."""
    page = tmp_path / "junk.txt"
    page.write_bytes(content)
    result = run([page], tmp_path / "decks")
    assert codes(result) == [code]


def test_missing_page_file(tmp_path: Path) -> None:
    """A page path that does not exist is `page-unreadable`."""
    result = run([tmp_path / "nope.txt"], tmp_path / "decks")
    assert codes(result) == ["page-unreadable"]


def test_failed_write_removes_what_the_page_created(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """When the concept file cannot be written, the course, stage and folders made for it go too."""
    real = writes.write_atomically

    def failing(write: Any) -> None:
        if write.path.name not in {"course.yaml", "stage.yaml"}:
            raise OSError(28, "No space left on device", str(write.path))
        real(write)

    monkeypatch.setattr(writes, "write_atomically", failing)
    result = run([SEED], tmp_path / "decks")
    assert codes(result) == ["write-failed"]
    assert list(tmp_path.iterdir()) == []


# --- properties -----------------------------------------------------------------------


@given(concepts())
@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
def test_imported_page_validates_to_its_concept(tmp_path: Path, drawn: Any) -> None:
    """A rendered page, imported and validated, gives back the concept it came from."""
    concept, stage_title, count = drawn
    root = tmp_path / f"run-{time.monotonic_ns()}"
    page = write_page(
        root, "page.txt", render_page(concept, stage_title=stage_title, concept_count=count)
    )
    result = run([page], root / "decks")
    assert result.ok, result.problems
    course = validate(load_tree(root / "decks")).course
    [(_, loaded)] = course.concepts()
    assert dataclasses.replace(loaded, source="") == dataclasses.replace(
        with_facts(concept), source=""
    )
    shutil.rmtree(root)


# --- end to end: pages -> YAML -> .apkg -> Anki ----------------------------------------------


def _plain(field: str) -> str:
    """A note field as a learner reads it: tags dropped, entities decoded."""
    return html.unescape(re.sub(r"<[^>]+>", "", field))


@pytest.mark.anki
def test_imported_pages_build_and_open_in_anki(tmp_path: Path, epoch: int) -> None:
    """Pages of four stages import, build and arrive in Anki with every item and exact text."""
    from anki_helpers import fresh_collection, import_default, notes_by_role
    from pathdeck.pipeline import build

    pages = tmp_path / "pages"
    pages.mkdir()
    for page in (SEED, RECONCILIATION, DEBRIEFING, CAPACITY):
        shutil.copy(page, pages)
    result = run(sorted(pages.iterdir()), tmp_path / "decks")
    assert result.ok
    apkg = build(tmp_path / "decks", tmp_path / "out" / "course.apkg").output
    col = fresh_collection(tmp_path / "learner")
    try:
        import_default(col, apkg)
        counts = {role: len(notes) for role, notes in notes_by_role(col).items()}
        assert counts == {
            "sample-language": 10,
            "pitfall": 14,
            "red-flag": 5,  # a sign the page gives no meaning or action for has no card
            "prove-it": 3,
            "anchor": 4,
            "key-fact": 16,
        }
        assert {
            "Clinical Encounters::Stage 06 · The Therapeutic Alliance",
            "Clinical Encounters::Stage 10 · Équipe, Sécurité & Débriefing",
            "Clinical Encounters::Stage 11 · Capacity & Consent",
            "Clinical Encounters::Stage 12 · Safe Prescribing & Handover",
        } <= {d.name for d in col.decks.all_names_and_ids()}
        fields = [f for n in col.find_notes("") for f in col.get_note(n).fields]
        assert not [f for f in fields if "notebook page" in f or "Margin " in f]
        pitfalls = {_plain(n["Pitfall"]) for n in notes_by_role(col)["pitfall"]}
        assert "Forgetting to reconcile eGFR < 30 & renally cleared drugs." in pitfalls
        assert any("eGFR &lt; " in f and "30 &amp; renally" in f for f in fields)
        signs = {_plain(n["Sign"]) for n in notes_by_role(col)["red-flag"]}
        assert "INR > 5 or signs of bleeding" in signs
        _, ok = col.fix_integrity()
        assert ok
    finally:
        col.close()


# --- the command line ------------------------------------------------------------------------


def test_cli_import_prints_paths_and_summary(tmp_path: Path) -> None:
    """`pathdeck import` prints each written concept and the summary on stdout, exit 0."""
    code, out, err = cli("import", str(SEED), str(DEBRIEFING), "--into", str(tmp_path))
    assert code == 0
    assert out.splitlines() == [
        str(tmp_path / E61),
        str(
            tmp_path
            / "stage-10-equipe-securite-debriefing"
            / "e10-2-debriefing-after-a-critical-incident.yaml"
        ),
        "imported 2 pages (2 new, 0 replaced)",
    ]
    assert err.splitlines() == [
        f"created {tmp_path / 'course.yaml'}: course id 'clinical-encounters' (permanent: it "
        "names every note learners get; edit it now if it is wrong, before the first build)",
        f"created stage folder {tmp_path / 'stage-06-the-therapeutic-alliance'}",
        f"created stage folder {tmp_path / 'stage-10-equipe-securite-debriefing'}",
    ]


def test_cli_import_failure_exits_1_with_located_problems(tmp_path: Path) -> None:
    """A failed page exits 1 and its problem goes to stderr as path:line:col: error[code]."""
    bad = write_page(tmp_path / "pages", "bad.txt", "Stage 6: X\nConcept one\n")
    code, out, err = cli("import", str(SEED), str(bad), "--into", str(tmp_path / "decks"))
    assert code == 1
    assert out.splitlines()[-1] == "imported 1 page (1 new, 0 replaced), 1 failed"
    assert f"\n{bad}:2:1: error[page-bad-concept-line]: " in err
    assert "Traceback" not in err


def test_cli_import_refuses_then_forces(tmp_path: Path) -> None:
    """A changed concept is refused without --force and replaced with it."""
    cli("import", str(SEED), "--into", str(tmp_path))
    (tmp_path / E61).write_text("id: E6.1\ntitle: Old\nposition: 1\n")
    code, _, err = cli("import", str(SEED), "--into", str(tmp_path))
    assert (code, "error[concept-exists]" in err) == (1, True)
    code, out, _ = cli("import", str(SEED), "--into", str(tmp_path), "--force")
    assert (code, out.splitlines()[-1]) == (0, "imported 1 page (0 new, 1 replaced)")


def test_cli_import_course_title(tmp_path: Path) -> None:
    """--course names the course.yaml the import creates."""
    cli("import", str(SEED), "--into", str(tmp_path), "--course", "Core Skills")
    course = (tmp_path / "course.yaml").read_text()
    assert course == f"{COURSE_MODELINE}id: core-skills\ntitle: Core Skills\n"


def test_cli_import_json(tmp_path: Path) -> None:
    """--json prints one report: ok, what was imported, and every problem and warning."""
    code, out, _ = cli("import", str(CAPACITY), "--into", str(tmp_path), "--json")
    report = json.loads(out)
    assert code == 0
    assert (report["ok"], report["errors"], len(report["warnings"])) == (True, [], 2)
    assert [i["concept"] for i in report["imported"]] == ["E11.1"]
    assert report["warnings"][0]["code"] == "page-key-point-unmarked"


def test_cli_import_quiet_hides_warnings(tmp_path: Path) -> None:
    """-q leaves only errors on stderr."""
    code, _, err = cli("-q", "import", str(CAPACITY), "--into", str(tmp_path))
    assert (code, err) == (0, "")


def test_cli_import_needs_into(tmp_path: Path) -> None:
    """Without --into the command is a usage error (exit 2)."""
    code, _, err = cli("import", str(SEED))
    assert code == 2
    assert "--into" in err


def test_cli_import_of_a_folder_of_pages(tmp_path: Path) -> None:
    """A folder argument imports its .txt pages in name order; -o is short for --into."""
    pages = tmp_path / "pages"
    pages.mkdir()
    for page in (SEED, CAPACITY):
        shutil.copy(page, pages)
    (pages / "notes.md").write_text("not a page")
    (pages / ".hidden.txt").write_text("not a page either")
    code, out, _ = cli("import", str(pages), "-o", str(tmp_path / "decks"))
    assert code == 0
    assert out.splitlines()[-1] == "imported 2 pages (2 new, 0 replaced), 2 warnings"


def test_cli_import_of_an_empty_folder_is_a_usage_error(tmp_path: Path) -> None:
    """A folder without pages exits 2 rather than importing nothing quietly."""
    code, _, err = cli("import", str(tmp_path), "--into", str(tmp_path / "decks"))
    assert code == 2
    assert "no .txt pages" in err


def test_cli_imported_folder_builds(tmp_path: Path) -> None:
    """`pathdeck build` accepts what `pathdeck import` wrote."""
    pages = [str(p) for p in (SEED, RECONCILIATION, DEBRIEFING, CAPACITY)]
    assert cli("import", *pages, "--into", str(tmp_path / "decks"))[0] == 0
    code, out, _ = cli("build", str(tmp_path / "decks"), "-o", str(tmp_path / "course.apkg"))
    assert code == 0
    assert out.strip() == str(tmp_path / "course.apkg")


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("Straße Ærø Øst", "strasse-aero-ost"),
        ("Łódź", "lodz"),
        ("Клиническая практика", "klinicheskaia-praktika"),
        ("Κλινική", "klinike"),
        ("臨床の基本", "lin-chuang-noji-ben"),
        ("Débrief — équipe", "debrief-equipe"),
    ],
)
def test_course_ids_transliterate_every_script(title: str, expected: str) -> None:
    """A title in any script gives a course id of its own letters (no more `course` for all)."""
    assert naming.course_id(title) == expected


def test_a_title_with_nothing_to_spell_an_id_is_refused(tmp_path: Path) -> None:
    """A course title without letters or digits: no-course-id, nothing written; --course-id works."""
    into = tmp_path / "decks"
    code, _, err = cli("import", str(SEED), "--into", str(into), "--course", "✚ ✚")
    assert code == 1
    assert "pathdeck: error[no-course-id]" in err
    assert not into.exists()
    code, _, err = cli(
        "import", str(SEED), "--into", str(into), "--course", "✚ ✚", "--course-id", "cross"
    )
    assert code == 0
    assert "course id 'cross'" in err


def test_two_titles_that_give_one_course_id_are_refused(tmp_path: Path) -> None:
    """Two courses whose titles give one id ("Straße", "Strasse") cannot be built together."""
    for name, title in (("a", "Straße"), ("b", "Strasse")):
        assert cli("import", str(SEED), "--into", str(tmp_path / name), "--course", title)[0] == 0
    code, _, err = cli(
        "build", str(tmp_path / "a"), str(tmp_path / "b"), "-o", str(tmp_path / "dist")
    )
    assert code == 1
    assert "error[duplicate-output]" in err
    assert "same course id" in err
    assert not (tmp_path / "dist").exists()


@given(st.text(max_size=80))
def test_slugs_are_ascii_words_for_any_text(text: str) -> None:
    """Whatever the script, a slug is lowercase ASCII words joined by '-' (or empty)."""
    assert re.fullmatch(r"(?:[a-z0-9]+(?:-[a-z0-9]+)*)?", naming.slug(text))
