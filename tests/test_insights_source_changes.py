"""Insights over a course whose source moved on after the release learners hold: three
learners in the real anki library study release 1, the educator edits the source, then asks."""

from __future__ import annotations

import json
import random
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from anki_helpers import fresh_collection, import_default
from cli_support import run_cli
from insights_support import FIXTURE, export_as, study_everything_due, study_rounds
from pathdeck.pipeline import build
from pathdeck.tools.insights.published import published_fields, published_items
from pathdeck.tools.insights.report import Insights
from pathdeck.tools.insights.run import insights

pytestmark = pytest.mark.anki

COURSE = "Acute Psychiatry (ED & inpatient)"
DE_ESCALATION = Path("stage-03-de-escalation") / "e3-1-verbal-de-escalation.yaml"
TITLE = "Verbal De-escalation (Project BETA)"


@dataclass(frozen=True, slots=True, kw_only=True)
class Release:
    """The course as built for release 1, and three learners' exports of it."""

    source: Path
    exports: tuple[Path, ...]
    package: Path

    def edited(self, scratch: Path, change: dict[Path, tuple[str, str]]) -> Path:
        """A copy of the source with each file's first text replaced by the second."""
        copy = scratch / "edited"
        shutil.copytree(self.source, copy)
        for name, (old, new) in change.items():
            text = (copy / name).read_text(encoding="utf-8")
            assert old in text
            (copy / name).write_text(text.replace(old, new), encoding="utf-8")
        return copy


def fail_some(rng: random.Random) -> Callable[[object], int]:
    """A learner who answers "again" to about a third of the cards, "good" to the rest."""
    return lambda card: 1 if rng.random() < 0.3 else 3


@pytest.fixture(scope="module")
def release(tmp_path_factory: pytest.TempPathFactory) -> Release:
    """Release 1 of the fixture course, studied by three learners over two rounds."""
    scratch = tmp_path_factory.mktemp("release")
    source = scratch / "course"
    shutil.copytree(FIXTURE, source)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SOURCE_DATE_EPOCH", "1780000000")
        apkg = build(source, scratch / "release-1.apkg").output
    exports = []
    for number in range(3):
        col = fresh_collection(scratch / f"learner-{number}")
        import_default(col, apkg)
        study_rounds(col, COURSE, fail_some(random.Random(number)), rounds=2)
        exports.append(export_as(col, scratch / "exports", f"learner-{number}", "apkg"))
        col.close()
    return Release(source=source, exports=tuple(exports), package=apkg)


def report_of(release: Release, source: Path) -> Insights:
    report, _ = insights(release.exports, sources=[source], min_learners=1)
    return report


def test_a_concept_renamed_since_the_release_keeps_its_items(
    release: Release, tmp_path: Path
) -> None:
    """E3.1 renamed E3.4 (`formerly: [E3.1]`) before the next build: its notes are still the
    concept's, taught in stage 3 under its new id, not retired."""
    renamed = release.edited(
        tmp_path,
        {
            DE_ESCALATION: ("id: E3.1\n", "id: E3.4\nformerly: [E3.1]\n"),
            DE_ESCALATION.parent / "stage.yaml": ("concepts: 3", "concepts: 4"),
        },
    )
    assert_taught_as_e3_4(report_of(release, renamed))


def assert_taught_as_e3_4(report: Insights) -> None:
    renamed_items = [i for i in report.ranked if i.item.stage != 2]
    assert len(renamed_items) == 6
    for insight in renamed_items:
        item = insight.item
        assert (item.concept_id, item.concept_title, item.stage) == ("E3.4", TITLE, 3)
        assert not item.retired


def test_a_concept_renamed_without_formerly_is_found_by_its_notes(
    release: Release, tmp_path: Path
) -> None:
    """E3.1 renamed E3.4 with no `formerly`: a build recognises it by its notes (every one
    matches), and so do insights."""
    renamed = release.edited(
        tmp_path,
        {
            DE_ESCALATION: ("id: E3.1\n", "id: E3.4\n"),
            DE_ESCALATION.parent / "stage.yaml": ("concepts: 3", "concepts: 4"),
        },
    )
    assert_taught_as_e3_4(report_of(release, renamed))


def late_learner(
    release: Release, folder: Path, change: Callable[[Any], None], name: str = "late-learner"
) -> Path:
    """A learner who imports release 1, answers one card, makes `change` and exports."""
    col = fresh_collection(folder / name)
    import_default(col, release.package)
    study_everything_due(col, COURSE, lambda card: 3, limit=1)
    change(col)
    export = export_as(col, folder, name, "apkg")
    col.close()
    return export


PLANTS = "Believing that asking about suicide plants"


def test_emphasis_added_by_a_learner_is_no_edit(release: Release, tmp_path: Path) -> None:
    """A learner who puts a word in bold (Ctrl+B in Anki's editor) changed no text: markup
    aside, what the card says is as published."""

    def embolden(col: Any) -> None:
        (note_id,) = col.find_notes(f'"Pitfall:{PLANTS}*"')
        note = col.get_note(note_id)
        assert "the idea;" in note["Pitfall"]
        note["Pitfall"] = note["Pitfall"].replace("the idea;", "the <b>idea</b>;")
        col.update_note(note)

    export = late_learner(release, tmp_path, embolden)
    report, _ = insights([export, *release.exports], sources=[release.source], min_learners=1)
    assert report.problems == ()
    assert [i.edits for i in report.items if i.edits] == []


def test_a_retired_concept_is_reported_apart_from_every_stage(
    release: Release, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """E2.2 dropped and the course rebuilt: its items are retired and belong to no stage; the
    table and --json say so, with no made-up stage number."""
    dropped = release.edited(tmp_path, {})
    (dropped / "stage-02-risk-assessment" / "e2-2-violence-risk.yaml").unlink()
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1780100000")
    build(dropped, tmp_path / "release-2.apkg")
    args = ("insights", *map(str, release.exports), "--source", str(dropped))
    code, out, _ = run_cli(*args, "--min-learners", "1")
    assert code == 0
    stages = out.split("Retention per stage\n", 1)[1].splitlines()[1:]
    assert [line.split("  ")[-1] for line in stages if line.strip()] == [
        "Stage 2 · Risk Assessment",
        "Stage 3 · De-escalation: Words First",
        "No longer in the course",
    ]
    code, out, _ = run_cli(*args, "--min-learners", "1", "--json")
    items = json.loads(out)["items"]
    gone = [i for i in items if i["concept_id"] == "E2.2"]
    assert gone
    assert {(i["stage"], i["stage_title"], i["retired"]) for i in gone} == {(None, "", True)}
    assert {i["stage"] for i in items} == {None, 2, 3}


def test_leeches_are_no_edits_when_the_source_moved_on(release: Release, tmp_path: Path) -> None:
    """Both learners holding a pitfall have it as a leech (Anki tags it, which touches the
    note) and the educator has since reworded it: their copies are still the published card,
    so the report shows that card and no learner edited it."""

    def leech(col: Any) -> None:
        (note_id,) = col.find_notes(f'"Pitfall:{PLANTS}*"')
        note = col.get_note(note_id)
        note.add_tag("leech")
        col.update_note(note)

    exports = [late_learner(release, tmp_path, leech, f"learner-{n}") for n in range(2)]
    reworded = release.edited(
        tmp_path,
        {Path("stage-02-risk-assessment") / "e2-1-suicide-risk.yaml": ("plants the", "seeds the")},
    )
    report, _ = insights(exports, sources=[reworded], min_learners=1)
    assert [i.edits for i in report.items if i.edits] == []
    items = published_items(reworded)
    (guid,) = [guid for guid, item in items.items() if item.text.startswith(PLANTS)]
    card = " ".join(published_fields({guid}, items, exports, [reworded])[guid])
    assert "plants the idea" in card
    assert "seeds the" not in card


def test_decomposed_accents_are_no_edit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A pitfall typed with a decomposed accent (e + U+0301, as macOS pastes it): Anki stores
    every imported field composed (NFC). Both learners holding it marked it, so no copy is
    as published and the published text comes from the source; the accent is no edit."""
    source = tmp_path / "course"
    shutil.copytree(FIXTURE, source)
    concept = source / DE_ESCALATION
    text = concept.read_text(encoding="utf-8")
    concept.write_text(text.replace("feel heard.", "feel heard (cafe\u0301 talk)."), "utf-8")
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1780000000")
    package = build(source, tmp_path / "release-1.apkg").output
    exports = []
    for number in range(2):
        col = fresh_collection(tmp_path / f"learner-{number}")
        import_default(col, package)
        study_everything_due(col, COURSE, lambda card: 3)
        (note_id,) = col.find_notes("café")
        note = col.get_note(note_id)
        assert "cafe\u0301" not in note["Pitfall"]  # composed on import
        note.add_tag("marked")
        col.update_note(note)
        exports.append(export_as(col, tmp_path / "exports", f"learner-{number}", "apkg"))
        col.close()
    report, _ = insights(exports, sources=[source], min_learners=1)
    assert [i.edits for i in report.items if i.edits] == []


def test_the_tables_stage_counts_are_the_review_answers_json_reports(release: Release) -> None:
    """The count beside each stage's retention is what --json calls `review` (answers on review
    cards, which retention is over), and the table does not call it `reviews`, which --json
    and the README use for every answer."""
    args = ("insights", *map(str, release.exports), "--source", str(release.source))
    _, out, _ = run_cli(*args)
    _, payload, _ = run_cli(*args, "--json")
    head, *rows = out.split("Retention per stage\n", 1)[1].split("\n\n")[0].splitlines()
    assert "reviews" not in head.split()
    stages = json.loads(payload)["stages"]
    assert [row.split()[1] for row in rows] == [str(s["figures"]["review"]) for s in stages]
