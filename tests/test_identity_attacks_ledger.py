"""Identity attacks on the ledger's life: lost and recovered, interrupted, merged from branches,
read in worker processes; each scenario's learner reviewed everything before the change."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from attack_support import (
    E63,
    E63_MIN,
    assert_history_follows_text,
    branch,
    codes,
    counts,
    keep_both_sides,
    reparses,
    studied,
)
from learner import (
    E61,
    E62,
    STAGE6,
    Course,
    Learner,
    add_stage,
    assert_nothing_lost,
    course,
    edit,
    learner,
    read_concept,
    visible,
    write_concept,
)
from pathdeck.identity import LEDGER_FILE
from pathdeck.pipeline import build, recover
from pathdeck.problems import ContentError

pytestmark = pytest.mark.anki
__all__ = ["course", "learner"]  # fixtures


# ---------------------------------------------------------------- a lost ledger


def test_ledger_lost_after_a_move_recovered_from_the_last_release(
    course: Course, learner: Learner
) -> None:
    """E6.2 moved to E7.1 and released; the ledger is lost; recovery from that release and a
    rebuild change nothing."""
    before = studied(course, learner)
    data = read_concept(course.source, E62)
    (course.source / E62).unlink()
    folder = add_stage(course.source, 7, "Endings")
    write_concept(
        course.source, f"{folder}/e7-1-repair.yaml", {**data, "id": "E7.1", "position": 1}
    )
    course.release()
    learner.take(course.out)
    saved = (course.source / LEDGER_FILE).read_text(encoding="utf-8")
    (course.source / LEDGER_FILE).unlink()
    report = recover(course.source, course.out)
    assert report.exact == report.notes
    assert (course.source / LEDGER_FILE).read_text(encoding="utf-8") == saved
    built = course.release()
    assert counts(built, "new", "updated", "retired") == (0, 0, 0)
    assert "concept-moved" not in codes(built)
    learner.take(course.out)
    assert_nothing_lost(learner, before, course.ledger())


def test_ledger_lost_after_a_swap_and_a_retirement(course: Course, learner: Learner) -> None:
    """Ids swapped, one pitfall retired, released; the ledger lost and recovered: the rebuild
    is a no-op and the retired note stays retired."""
    before = studied(course, learner)
    one, two = read_concept(course.source, E61), read_concept(course.source, E62)
    one["pitfalls"].pop()
    write_concept(course.source, E61, {**two, "id": "E6.1", "position": 1})
    write_concept(course.source, E62, {**one, "id": "E6.2", "position": 2})
    course.release()
    learner.take(course.out)
    (course.source / LEDGER_FILE).unlink()
    recover(course.source, course.out)
    built = course.release()
    assert counts(built, "new", "updated", "retired", "restored") == (0, 0, 0, 0)
    learner.take(course.out)
    assert_nothing_lost(learner, before, course.ledger())


# ---------------------------------------------------------------- an interrupted build


def test_a_build_interrupted_between_ledger_and_package(
    course: Course, learner: Learner, tmp_path: Path
) -> None:
    """Killed after the ledger was replaced but before the package: the next build writes the
    package that build would have written, and the learner loses nothing."""
    before = studied(course, learner)
    first = course.keep_release("first.apkg")
    edit(
        course.source,
        E61,
        lambda d: d["pitfalls"].insert(0, "Charting the alliance work long after the visit ended."),
    )
    course.release()
    intended = course.out.read_bytes()
    course.out.write_bytes(first.read_bytes())  # the package rename never happened
    stale = course.out.with_name(f".{course.out.name}.abc.tmp")
    stale.write_bytes(b"half a package")
    course.day -= 1  # the same day's rebuild
    report = course.release()
    assert not report.ledger_written
    assert course.out.read_bytes() == intended
    learner.take(course.out)
    assert_nothing_lost(learner, before, course.ledger())


# ---------------------------------------------------------------- branches and merges


def test_merge_where_both_branches_edit_the_same_item(
    course: Course, learner: Learner, tmp_path: Path
) -> None:
    """Both branches reword one pitfall and release; the merge takes a third wording: one note,
    updated for learners of either branch."""
    old = "Assuming alliance because the patient is compliant."
    ours_text = "Assuming alliance just because the patient is compliant."
    theirs_text = "Assuming an alliance because the patient is so compliant."
    merged_text = "Assuming an alliance just because the patient is compliant."
    before = studied(course, learner)
    other = branch(course, "other")
    other_learner = Learner.new(tmp_path / "other-learner")
    other_learner.take(other.out)
    other_learner.review_everything()
    edit(course.source, E61, lambda d: d["pitfalls"].__setitem__(1, ours_text))
    course.release()
    learner.take(course.out)
    edit(other.source, E61, lambda d: d["pitfalls"].__setitem__(1, theirs_text))
    other.release()
    other_learner.take(other.out)
    keep_both_sides(course, other)
    edit(course.source, E61, lambda d: d["pitfalls"].__setitem__(1, merged_text))
    report = course.release()
    assert counts(report, "new", "retired") == (0, 0)
    after = course.ledger()
    assert set(after) == set(before)
    for student in (learner, other_learner):
        student.take(course.out)
        assert_nothing_lost(student, before, after, {old: merged_text})
        guid = next(g for g, e in after.items() if e.text == merged_text)
        (note,) = (
            n for n in map(student.col.get_note, student.col.find_notes("")) if n.guid == guid
        )
        assert "an alliance just because" in visible(note["Pitfall"])
    other_learner.close()
    reparses(course)


def test_merge_where_one_branch_moves_a_concept_and_the_other_edits_it(
    course: Course, learner: Learner, tmp_path: Path
) -> None:
    """Ours moves E6.2 to E7.1; theirs edits a pitfall of E6.2 and adds one. The merge has
    E7.1 with theirs' edits: every note keeps its identity."""
    before = studied(course, learner)
    other = branch(course, "other")
    data = read_concept(course.source, E62)
    (course.source / E62).unlink()
    folder = add_stage(course.source, 7, "Endings")
    write_concept(
        course.source, f"{folder}/e7-1-repair.yaml", {**data, "id": "E7.1", "position": 1}
    )
    course.release()
    learner.take(course.out)
    fixed = "Defending yourself instead of exploring what the patient experienced."
    added = "Promising it will never happen again."

    def theirs(d: dict[str, Any]) -> None:
        d["pitfalls"][0] = fixed
        d["pitfalls"].append(added)

    edit(other.source, E62, theirs)
    other.release()
    keep_both_sides(course, other)
    edit(course.source, f"{folder}/e7-1-repair.yaml", theirs)
    report = course.release()
    assert counts(report, "new", "retired") == (0, 0)
    learner.take(course.out)
    after = course.ledger()
    assert_nothing_lost(learner, before, after, {data["pitfalls"][0]: fixed})
    assert set(before) < set(after)
    reparses(course)


@pytest.mark.parametrize("order", ["ours-first", "theirs-first"])
def test_merge_where_one_branch_deletes_a_concept_the_other_edits(
    course: Course, learner: Learner, order: str
) -> None:
    """Ours deletes E6.2 (its notes retire); theirs edits it. The merge keeps the edited
    concept: its notes come back live, no new notes but the one theirs added."""
    before = studied(course, learner)
    other = branch(course, "other")
    (course.source / E62).unlink()
    course.release()
    learner.take(course.out)
    added = "Promising it will never happen again."
    edit(other.source, E62, lambda d: d["pitfalls"].append(added))
    other.release()
    if order == "ours-first":
        keep_both_sides(course, other)
    else:
        keep_both_sides(other, course)
        (course.source / LEDGER_FILE).write_text(
            (other.source / LEDGER_FILE).read_text(encoding="utf-8"), encoding="utf-8"
        )
        course.day = max(course.day, other.day)
    write_concept(course.source, E62, read_concept(other.source, E62))
    report = course.release()
    assert report.counts["new"] == 0
    assert report.counts["retired"] == 0
    learner.take(course.out)
    after = course.ledger()
    assert_nothing_lost(learner, before, after)
    live = [g for g in learner.guids() if not after[g].retired]
    assert len(live) == len(before) + 1
    assert not [g for g, e in after.items() if e.retired]


# ---------------------------------------------------------------- ids near the separator rules


@pytest.mark.parametrize("item_id", ["a:b", "x y", ":"])
def test_an_item_id_that_would_break_the_guid_is_a_located_error(
    course: Course, item_id: str
) -> None:
    """An item id with the GUID separator (or a space) is refused with file and line."""
    edit(
        course.source,
        E61,
        lambda d: d["pitfalls"].__setitem__(0, {"id": item_id, "text": "A pitfall."}),
    )
    with pytest.raises(ContentError) as caught:
        course.release()
    assert [p.code for p in caught.value.problems] == ["bad-item-id"]
    assert caught.value.problems[0].location.line > 0


@pytest.mark.parametrize("course_id", ["clinical:encounters", "Clinical", "a--b"])
def test_a_course_id_that_would_break_the_guid_is_a_located_error(
    source: Path, tmp_path: Path, course_id: str
) -> None:
    """A course id with the separator, upper case or a double hyphen never reaches a GUID."""
    (source / "course.yaml").write_text(f'id: "{course_id}"\ntitle: Clinical\n', encoding="utf-8")
    with pytest.raises(ContentError) as caught:
        build(source, tmp_path / "out.apkg")
    assert caught.value.problems[0].location.path.endswith("course.yaml")


def test_long_concept_ids_and_item_ids_round_trip_through_recovery(
    course: Course, learner: Learner
) -> None:
    """The longest ids the formats allow survive a lost ledger: the GUID splits back."""
    long_id = "ABCDEFGH6.9999"
    data = {**E63_MIN, "id": long_id, "position": 9999}
    data["pitfalls"] = [
        {"id": "x" * 64, "text": data["pitfalls"][0]},
        {"id": "a.b_c-d", "text": "A pitfall."},
    ]
    (course.source / STAGE6 / "stage.yaml").write_text(
        "number: 6\ntitle: The Therapeutic Alliance\nconcepts: 9999\n", encoding="utf-8"
    )
    write_concept(course.source, f"{STAGE6}/long.yaml", data)
    before = studied(course, learner)
    (course.source / LEDGER_FILE).unlink()
    recover(course.source, course.out)
    report = course.release()
    assert counts(report, "new", "updated", "retired") == (0, 0, 0)
    assert set(course.ledger()) == set(before)


# ---------------------------------------------------------------- more one-per-concept notes


def test_a_reused_id_survives_a_lost_ledger(course: Course, learner: Learner) -> None:
    """E6.2 given to unrelated content (key E6.2~2), released, the ledger lost and recovered:
    the rebuild changes nothing and both generations keep their notes."""
    studied(course, learner)
    write_concept(
        course.source,
        E62,
        {
            "id": "E6.2",
            "title": "Telehealth Basics",
            "position": 2,
            "pitfalls": ["Starting the video visit without confirming the patient's location."],
        },
    )
    before = studied(course, learner)
    (course.source / LEDGER_FILE).unlink()
    recover(course.source, course.out)
    report = course.release()
    assert counts(report, "new", "updated", "retired", "restored") == (0, 0, 0, 0)
    assert "concept-id-reused" not in codes(report)
    learner.take(course.out)
    assert_nothing_lost(learner, before, course.ledger())


def test_dry_run_of_a_swap_plans_what_the_build_does(course: Course, learner: Learner) -> None:
    """`build --dry-run` after a swap of ids runs without a traceback and writes nothing."""
    from cli_support import invoke

    studied(course, learner)
    one, two = read_concept(course.source, E61), read_concept(course.source, E62)
    write_concept(course.source, E61, {**two, "id": "E6.1", "position": 1})
    write_concept(course.source, E62, {**one, "id": "E6.2", "position": 2})
    ledger = (course.source / LEDGER_FILE).read_bytes()
    result = invoke("build", str(course.source), "--dry-run")
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    assert "Traceback" not in result.output
    assert (course.source / LEDGER_FILE).read_bytes() == ledger


@pytest.mark.parametrize("theirs_last", [True, False])
def test_two_branches_rename_one_concept_differently(
    course: Course, learner: Learner, theirs_last: bool
) -> None:
    """Ours renames E6.2 to E6.3, theirs to E6.4; the merge keeps E6.4: one concept, no new
    notes, whichever line of the ledger git put last."""
    before = studied(course, learner)
    other = branch(course, "other")
    data = read_concept(course.source, E62)
    (course.source / E62).unlink()
    write_concept(course.source, E63, {**data, "id": "E6.3", "position": 3})
    course.release()
    learner.take(course.out)
    (other.source / E62).unlink()
    write_concept(other.source, f"{STAGE6}/e6-4.yaml", {**data, "id": "E6.4", "position": 4})
    other.release()
    if theirs_last:
        keep_both_sides(course, other)
    else:
        keep_both_sides(other, course)
        (course.source / LEDGER_FILE).write_bytes((other.source / LEDGER_FILE).read_bytes())
        course.day = other.day
    (course.source / E63).unlink()
    write_concept(course.source, f"{STAGE6}/e6-4.yaml", {**data, "id": "E6.4", "position": 4})
    report = course.release()
    assert counts(report, "new", "retired") == (0, 0)
    learner.take(course.out)
    assert_nothing_lost(learner, before, course.ledger())
    assert set(course.ledger()) == set(before)


# ---------------------------------------------------------------- stages read in worker processes


@pytest.fixture
def forking(monkeypatch: pytest.MonkeyPatch) -> int:
    """Every stage folder worth a worker process, as in a course of hundreds of files. (The
    browser tests leave Playwright's idle threads in this process, beside which pathdeck
    refuses to fork; idle ones hold no lock, so these tests fork anyway, as test_parallel's.)"""
    import os

    import pathdeck._speed.parallel as parallel_module

    monkeypatch.setattr(parallel_module, "can_fork", lambda: hasattr(os, "fork"))
    monkeypatch.setattr(parallel_module, "MIN_WEIGHT_PER_WORKER", 1)
    return 2


def _three_stages(course: Course) -> tuple[str, str]:
    seven = add_stage(course.source, 7, "Endings")
    eight = add_stage(course.source, 8, "Handoffs")
    write_concept(
        course.source,
        f"{seven}/e7-1-ending.yaml",
        {
            "id": "E7.1",
            "title": "Ending Treatment Well",
            "position": 1,
            "pitfalls": ["Announcing the ending at the last visit.", "Letting the ending drift."],
        },
    )
    write_concept(
        course.source,
        f"{eight}/e8-1-handoff.yaml",
        {
            "id": "E8.1",
            "title": "Structured Handoff",
            "position": 1,
            "pitfalls": ["Handing off from memory instead of a shared list."],
        },
    )
    return seven, eight


def test_moves_across_stages_read_in_workers(
    course: Course, learner: Learner, forking: int
) -> None:
    """Stages read in parallel: E6.2 moves to stage 8 as E8.2, E7.1 swaps ids with E8.1 and
    E6.2's old id goes to new content, all in one build; every note keeps its identity."""
    seven, eight = _three_stages(course)
    before = studied(course, learner, jobs=forking)
    two = read_concept(course.source, E62)
    ending = read_concept(course.source, f"{seven}/e7-1-ending.yaml")
    handoff = read_concept(course.source, f"{eight}/e8-1-handoff.yaml")
    write_concept(course.source, f"{eight}/e8-2-repair.yaml", {**two, "id": "E8.2", "position": 2})
    write_concept(course.source, f"{seven}/e7-1-ending.yaml", {**handoff, "id": "E7.1"})
    write_concept(course.source, f"{eight}/e8-1-handoff.yaml", {**ending, "id": "E8.1"})
    write_concept(
        course.source,
        E62,
        {
            "id": "E6.2",
            "title": "Telehealth Basics",
            "position": 2,
            "pitfalls": ["Starting the video visit without confirming the patient's location."],
        },
    )
    report = course.release(jobs=forking)
    assert counts(report, "new", "retired") == (1, 0)
    assert codes(report).count("concept-moved") == 3
    learner.take(course.out)
    after = course.ledger()
    assert_nothing_lost(learner, before, after)
    assert_history_follows_text(learner, before, after)
    reparses(course)
    report = course.release(jobs=forking)
    assert counts(report, "new", "updated", "retired") == (0, 0, 0)
    assert not report.ledger_written


def test_an_untouched_stage_read_in_a_worker_keeps_its_ledger_lines(
    course: Course, learner: Learner, forking: int
) -> None:
    """A worker sends back no entries for a stage that changed nothing: the rewritten ledger
    still holds every one of its notes."""
    seven, _ = _three_stages(course)
    before = studied(course, learner, jobs=forking)
    edit(
        course.source,
        f"{seven}/e7-1-ending.yaml",
        lambda d: d["pitfalls"].append("Going straight to the plan before the patient has spoken."),
    )
    report = course.release(jobs=forking)
    assert counts(report, "new", "retired") == (1, 0)
    assert set(before) < set(course.ledger())
    reparses(course)


def test_recovered_from_a_release_older_than_a_move(course: Course, learner: Learner) -> None:
    """The ledger is lost after E6.2 moved to E7.1, and only the release before the move is
    at hand: recovery from it, then a build, recognises the move and duplicates nothing."""
    before = studied(course, learner)
    old_release = course.keep_release("before-the-move.apkg")
    data = read_concept(course.source, E62)
    (course.source / E62).unlink()
    folder = add_stage(course.source, 7, "Endings")
    write_concept(
        course.source, f"{folder}/e7-1-repair.yaml", {**data, "id": "E7.1", "position": 1}
    )
    course.release()
    learner.take(course.out)
    (course.source / LEDGER_FILE).unlink()
    recover(course.source, old_release)
    report = course.release()
    assert counts(report, "new", "retired") == (0, 0)
    learner.take(course.out)
    assert_nothing_lost(learner, before, course.ledger())


def test_two_builds_at_once_and_one_killed(course: Course, learner: Learner) -> None:
    """Two `pathdeck build`s of one edited source start together and one is killed (SIGTERM)
    mid-way: the survivor's ledger and package agree, and the learner loses nothing."""
    before = studied(course, learner)
    edit(
        course.source,
        E61,
        lambda d: d["pitfalls"].insert(0, "Charting the alliance work long after the visit ended."),
    )
    command = [sys.executable, "-m", "pathdeck", "build", str(course.source), "-o", str(course.out)]
    env = {**os.environ, "SOURCE_DATE_EPOCH": str(1_780_000_000 + 86_400)}
    first = subprocess.Popen(command, env=env, stderr=subprocess.PIPE, text=True)
    second = subprocess.Popen(command, env=env, stderr=subprocess.PIPE, text=True)
    second.send_signal(signal.SIGTERM)
    _, first_err = first.communicate(timeout=120)
    _, second_err = second.communicate(timeout=120)
    assert first.returncode == 0, first_err
    assert "Traceback" not in first_err + second_err
    assert not list(course.out.parent.glob("*.tmp"))
    assert not list(course.source.glob("*.tmp"))
    reparses(course)
    learner.take(course.out)
    assert_nothing_lost(learner, before, course.ledger())
    assert len(set(course.ledger()) - set(before)) == 1


def test_a_learners_own_tag_survives_a_rebuild_that_changes_nothing(
    course: Course, learner: Learner
) -> None:
    """A release later than a learner's tagging, which changes nothing, leaves the tag."""
    studied(course, learner)
    note = learner.col.get_note(learner.col.find_notes("")[0])
    note.add_tag("my-own-tag")
    learner.col.update_note(note)
    course.day += 400  # later than the learner's edit
    report = course.release()
    assert counts(report, "new", "updated") == (0, 0)
    learner.take(course.out)
    assert "my-own-tag" in learner.col.get_note(note.id).tags
