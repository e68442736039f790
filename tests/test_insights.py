"""pathdeck insights over a simulated cohort: four learners in the real anki library."""

from __future__ import annotations

import functools
import json
import shutil
from pathlib import Path

import pytest

from anki_helpers import fresh_collection, import_default
from cli_support import run_cli
from fork_support import started_workers
from insights_support import (  # the cohort fixture is used by name, so it is imported here
    COURSE,
    FLAGGED,
    HARD_TEXTS,
    MARKED,
    RETIRED,
    SUSPENDED,
    TYPO,
    Cohort,
    add_own_note,
    cohort,
    export_as,
    export_without_scheduling,
    study_rounds,
)
from pathdeck.tools.insights.edits import visible_text
from pathdeck.tools.insights.report import Insights
from pathdeck.tools.insights.run import insights

__all__ = ["cohort"]  # a fixture from insights_support
pytestmark = pytest.mark.anki


def report_of(cohort: Cohort, min_learners: int = 3) -> Insights:
    """The insights over the four exports."""
    report, _ = insights(cohort.exports, sources=[cohort.source], min_learners=min_learners)
    return report


def test_every_export_format_is_one_learner(cohort: Cohort) -> None:
    """Modern and legacy .apkg and .colpkg exports are all read: four learners, no problems."""
    report = report_of(cohort)
    assert report.learners == 4
    assert report.problems == ()


def test_designated_items_rank_first(cohort: Cohort) -> None:
    """The two items learners were made to fail most are the two hardest."""
    ranked = report_of(cohort).ranked
    assert {i.item.guid for i in ranked[:2]} == {cohort.guid(t) for t in HARD_TEXTS}
    assert ranked[0].figures is not None
    assert ranked[-1].figures is not None
    assert ranked[0].figures.score > ranked[-1].figures.score


def test_figures_count_reviews_and_lapses(cohort: Cohort) -> None:
    """A hard item has lapses on review cards, learners who all studied it, and answer counts."""
    hard = next(i for i in report_of(cohort).ranked if i.item.guid == cohort.guid(HARD_TEXTS[0]))
    figures = hard.figures
    assert figures is not None
    assert figures.learners == 4
    assert figures.lapses > 0
    assert figures.review >= figures.lapses
    assert figures.reviews >= figures.learning + figures.review
    assert figures.again_rate is not None
    assert figures.again_rate > 0.3


def test_learners_edit_is_surfaced(cohort: Cohort) -> None:
    """The learner's typo fix is reported against the published text, word by word."""
    report = report_of(cohort)
    (edited,) = [i for i in report.items if i.edits]
    assert edited.item.guid == cohort.guid(TYPO)
    (edit,) = edited.edits
    assert (edit.field, edit.learners) == ("Pitfall", 1)
    assert [(c.removed, c.added) for c in edit.changes] == [("then", "than")]
    assert "then chance" in edit.published
    assert "than chance" in edit.edited


def test_an_edit_nobody_else_holds_is_diffed_against_the_source(cohort: Cohort) -> None:
    """The editing learner alone: no copy is still as published, so the published text comes
    from the course itself, and the edit reads the same."""
    report, _ = insights(cohort.exports[:1], sources=[cohort.source], min_learners=1)
    (edited,) = [i for i in report.items if i.edits]
    assert edited.item.guid == cohort.guid(TYPO)
    (edit,) = edited.edits
    assert [(c.removed, c.added) for c in edit.changes] == [("then", "than")]
    assert "then chance" in edit.published


def test_hardest_items_carry_the_text_learners_saw(cohort: Cohort) -> None:
    """The items a report names come with their card as published, read from learners' copies."""
    for insight in report_of(cohort).ranked[:2]:
        shown = " ".join(visible_text(text) for _, text in insight.item.shown_fields)
        assert " ".join(insight.item.text.split()[:4]) in shown


def test_own_note_is_ignored_and_counted(cohort: Cohort) -> None:
    """The note a learner wrote for themselves is not an item, only a count."""
    report = report_of(cohort)
    assert report.foreign_notes == 1
    assert {i.item.guid for i in report.items} <= set(cohort.items)


def test_marked_suspended_and_flagged(cohort: Cohort) -> None:
    """Each learner's mark, suspension, flag and leech shows on the item it was made on."""
    figures = {i.item.guid: i.figures for i in report_of(cohort).ranked}
    marked, suspended, flagged = (figures[cohort.guid(t)] for t in (MARKED, SUSPENDED, FLAGGED))
    assert marked is not None
    assert (marked.marked, marked.suspended, marked.flagged) == (1, 0, 0)
    assert suspended is not None
    assert suspended.suspended == 1
    assert flagged is not None
    assert flagged.flagged == 1
    assert flagged.leeches == 1


def test_items_too_few_learners_studied_are_pooled(cohort: Cohort) -> None:
    """Stage 3, studied by two learners, is pooled at --min-learners 3 and shown at 2."""
    report = report_of(cohort, min_learners=3)
    assert all(i.item.stage == 2 for i in report.ranked)
    assert report.pooled_items > 0
    assert report.pooled is None  # only two learners stand behind the pool
    stages = {g.label: g.figures for g in report.groups["stage"]}
    assert stages["Stage 3 · De-escalation: Words First"] is None
    assert stages["Stage 2 · Risk Assessment"] is not None
    shown = report_of(cohort, min_learners=2)
    assert {i.item.stage for i in shown.ranked} == {2, 3}
    assert shown.pooled_items == 0


def test_retired_item_is_reported_as_retired(cohort: Cohort) -> None:
    """An item the later release retired is still mapped, and marked retired."""
    report = report_of(cohort, min_learners=2)
    (retired,) = [i for i in report.ranked if i.item.retired]
    assert retired.item.text == RETIRED


def test_json_report(cohort: Cohort) -> None:
    """--json: hardest first, each item located with figures and edits; no file names."""
    code, out, _ = run_cli(
        "insights", *map(str, cohort.exports), "--source", str(cohort.source), "--json"
    )
    assert code == 0
    payload = json.loads(out)
    assert (payload["ok"], payload["learners"], payload["foreign_notes"]) == (True, 4, 1)
    scores = [i["figures"]["score"] for i in payload["items"] if i["figures"]]
    assert scores == sorted(scores, reverse=True)
    first = payload["items"][0]
    assert {"stage", "concept_id", "role", "text", "figures", "edits", "retired"} <= set(first)
    assert next(s["label"] for s in payload["stages"]) == "Stage 2 · Risk Assessment"
    assert "learner-" not in out


def test_csv_report(cohort: Cohort, tmp_path: Path) -> None:
    """--csv writes one row per item shown, ranked, for a spreadsheet."""
    target = tmp_path / "items.csv"
    code, out, _ = run_cli(
        "insights",
        str(cohort.scratch / "exports"),
        "--source",
        str(cohort.source),
        "--csv",
        str(target),
    )
    assert code == 0
    assert out.strip() == str(target)
    rows = target.read_text(encoding="utf-8").splitlines()
    assert rows[0].startswith("rank,course,stage,concept_id")
    assert [r.split(",")[0] for r in rows[1:]] == [str(n) for n in range(1, len(rows))]
    assert len(rows) - 1 == len(report_of(cohort).ranked)


def test_terminal_table(cohort: Cohort) -> None:
    """The table lists the hardest items with concept and role, then retention per stage."""
    code, out, _ = run_cli("insights", *map(str, cohort.exports), "--source", str(cohort.source))
    assert code == 0
    lines = out.splitlines()
    assert lines[0].startswith("4 learner(s)")
    first = lines[lines.index(next(line for line in lines if line.lstrip().startswith("#"))) + 1]
    assert first.split()[0] == "1"
    assert any(text[:20] in first for text in HARD_TEXTS)
    assert "Retention per stage" in lines
    assert "learner-" not in out


def test_verbose_names_files_only_on_stderr(cohort: Cohort) -> None:
    """-v lists the files read on stderr; the report itself still names none."""
    code, out, err = run_cli(
        "-v", "insights", *map(str, cohort.exports), "--source", str(cohort.source), "--json"
    )
    assert code == 0
    assert "learner-0.apkg" in err
    assert "learner-" not in out


def test_bad_inputs_are_located_and_the_rest_reported(cohort: Cohort, tmp_path: Path) -> None:
    """Damaged, unscheduled, foreign and missing inputs are each a problem; the others count."""
    folder = tmp_path / "inbox"
    folder.mkdir()
    for export in cohort.exports[:2]:
        shutil.copy(export, folder / export.name)
    good = (folder / cohort.exports[0].name).read_bytes()
    (folder / "damaged.apkg").write_bytes(good[: len(good) // 3])
    (folder / "essay.apkg").write_text("not an export\n")
    col = fresh_collection(tmp_path / "late-learner")
    import_default(col, cohort.scratch / "release-1.apkg")
    export_without_scheduling(col, folder / "unscheduled.apkg")
    add_own_note(col, "only mine", "yes")
    col.close()
    foreign = fresh_collection(tmp_path / "other-course")
    add_own_note(foreign, "another course", "entirely")
    export_as(foreign, folder, "other-course", "apkg")
    foreign.close()
    missing = tmp_path / "never-sent.colpkg"
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    code, out, err = run_cli("insights", str(folder), str(missing), "--source", str(cohort.source))
    assert code == 1
    assert out.splitlines()[0].startswith("2 learner(s)")
    for name, problem in (
        ("damaged.apkg", "error[damaged-export]"),
        ("essay.apkg", "error[not-an-export]"),
        ("unscheduled.apkg", "exported without scheduling"),
        ("other-course.apkg", "error[foreign-export]"),
    ):
        (line,) = [line for line in err.splitlines() if line.startswith(f"{folder / name}:1:1: ")]
        assert problem in line
    assert f"{missing}:1:1: error[unreadable-export]" in err
    assert "Traceback" not in err
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before


def test_a_learner_sent_twice_counts_once(cohort: Cohort, tmp_path: Path) -> None:
    """The same export under two names, or a learner's older and newer exports, is one
    learner: else an item two learners studied would pass --min-learners 3."""
    once = report_of(cohort)
    resent = tmp_path / "resent-learner-0.apkg"
    shutil.copy(cohort.exports[0], resent)
    report, read = insights([*cohort.exports, resent], sources=[cohort.source], min_learners=3)
    assert report.learners == 4
    (problem,) = report.problems
    assert (problem.code, problem.location.path) == ("same-learner-twice", str(resent))
    assert [i.figures for i in report.ranked] == [i.figures for i in once.ranked]
    assert resent not in read


def test_of_one_learners_two_exports_the_later_is_kept(cohort: Cohort, tmp_path: Path) -> None:
    """A learner who studied on after their first export: the newer export is the one read."""
    col = fresh_collection(tmp_path / "learner")
    import_default(col, cohort.scratch / "release-1.apkg")
    study_rounds(col, COURSE, lambda card: 3, rounds=1)
    earlier = export_as(col, tmp_path / "exports", "earlier", "apkg")
    study_rounds(col, COURSE, lambda card: 1, rounds=1)
    later = export_as(col, tmp_path / "exports", "later", "colpkg")
    col.close()
    report, read = insights([later, earlier], sources=[cohort.source], min_learners=1)
    assert report.learners == 1
    assert read == (later,)
    assert [p.location.path for p in report.problems] == [str(earlier)]
    assert sum(i.figures.lapses for i in report.ranked if i.figures) > 0  # the later answers


def test_report_never_overwrites_an_input(cohort: Cohort) -> None:
    """--html over a learner's export is refused before anything is read or written."""
    target = cohort.exports[0]
    before = target.read_bytes()
    code, _, err = run_cli(
        "insights", str(target), "--source", str(cohort.source), "--html", str(target)
    )
    assert code == 1
    assert "error[output-is-input]" in err
    assert target.read_bytes() == before


def test_parallel_shares_give_the_serial_result(
    cohort: Cohort, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Exports read by forked workers sum to exactly what one process reads."""
    from pathdeck._speed import parallel
    from pathdeck.tools.insights import cohort as gathering
    from pathdeck.tools.insights.published import published_guids

    items = functools.partial(published_guids, cohort.source)
    files = [*cohort.exports, cohort.source / "course.yaml"]  # a bad input in a worker's share
    serial = gathering.gather(files, items, jobs=1)
    monkeypatch.setattr(gathering, "BYTES_PER_WEIGHT", 1)  # even small exports get a worker
    monkeypatch.setattr(parallel, "can_fork", lambda: True)
    returned: list[object] = []
    real_result = parallel._Worker.result

    def result(worker: parallel._Worker) -> list[object] | None:
        found = real_result(worker)
        returned.append(found)
        return found

    monkeypatch.setattr(parallel._Worker, "result", result)
    planned: list[int] = []
    forked = gathering.gather(files, items, jobs=2, meanwhile=lambda: planned.append(1))
    assert planned == [1]  # the course is planned here once, while the worker reads
    assert returned
    assert None not in returned  # the worker's share came back, it was not redone here
    assert forked.learners == serial.learners == 4
    assert forked.counts == serial.counts
    assert forked.studied_by == serial.studied_by
    assert forked.touched == serial.touched
    assert (forked.read, forked.problems) == (serial.read, serial.problems)
    assert [p.code for p in forked.problems] == ["not-an-export"]


def test_groups_summed_in_a_worker_are_those_summed_here(
    cohort: Cohort, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The per-group figures a forked worker sums while this process ranks are the same."""
    from pathdeck._speed import parallel
    from pathdeck.tools.insights.cohort import gather
    from pathdeck.tools.insights.report import summarise
    from pathdeck.tools.insights.run import course_items

    items = course_items([cohort.source])
    states = {guid: (item.changed, item.hash) for guid, item in items.items()}
    gathered = gather(cohort.exports, lambda: states, jobs=1)
    here = summarise(gathered, items, 1, jobs=1, figures_json=True)
    monkeypatch.setattr(parallel, "MIN_WEIGHT_PER_WORKER", 1)
    monkeypatch.setattr(parallel, "can_fork", lambda: True)
    pids = started_workers(monkeypatch)
    forked = summarise(gathered, items, 1, jobs=2, figures_json=True)
    assert len(pids) == 1  # the groups were summed in a worker
    assert forked == here
    assert forked.groups["stage"]
    assert len(forked.figures_json) == len(forked.ranked)


def test_no_temporary_file_is_left_behind(
    cohort: Cohort, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Learners' collections are extracted to read them, some kept until the report is made
    (published text is read back from them), and none is left once the command is done, by
    this process or by a worker."""
    import tempfile

    from pathdeck._speed import parallel
    from pathdeck.tools.insights import cohort as gathering

    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setenv("TMPDIR", str(scratch))
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    monkeypatch.setattr(gathering, "BYTES_PER_WEIGHT", 1)  # even small exports get a worker
    monkeypatch.setattr(parallel, "can_fork", lambda: True)
    report, read = insights(cohort.exports, sources=[cohort.source], min_learners=1, jobs=2)
    assert report.learners == len(read) == 4
    assert any(item.edits for item in report.items)  # published text was read back
    assert not list(scratch.iterdir())


def test_unpublished_course_is_refused(cohort: Cohort, source: Path) -> None:
    """A source never built has no ledger: no export can be mapped to it, and it says so."""
    code, out, err = run_cli("insights", *map(str, cohort.exports), "--source", str(source))
    assert code == 1
    assert out == ""
    assert f"{source}:1:1: error[unpublished-course]" in err


def test_a_reader_that_leaves_early_is_no_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`pathdeck insights --json | head`: the report's rest goes nowhere, with no traceback."""
    import io
    import sys

    from pathdeck.cli import insights as command

    class Gone(io.BytesIO):
        def write(self, data: object) -> int:
            raise BrokenPipeError

    with (tmp_path / "stdout").open("w") as target:
        stdout = io.TextIOWrapper(Gone())
        monkeypatch.setattr(stdout, "fileno", target.fileno)
        monkeypatch.setattr(sys, "stdout", stdout)
        command._echo_large("{}")  # no exception


def test_the_same_file_given_twice_is_one_learner(cohort: Cohort) -> None:
    """One export named twice on the command line counts once, not zero times."""
    once = report_of(cohort)
    twice = cohort.exports[0]
    report, read = insights([*cohort.exports, twice], sources=[cohort.source], min_learners=3)
    assert report.learners == 4
    assert [i.figures for i in report.ranked] == [i.figures for i in once.ranked]
    assert read == tuple(cohort.exports)
