"""Identity under real curriculum work: a learner who reviewed every card imports each release."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from learner import (
    E61,
    E62,
    E62_CONCEPT,
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
from pathdeck.pipeline import recover
from pathdeck.problems import ContentError

pytestmark = pytest.mark.anki
__all__ = ["course", "learner"]  # fixtures

INSERTED = "Rushing to interventions before the goals are agreed."


def studied(course: Course, learner: Learner) -> dict[str, Any]:
    """Release one, imported and fully reviewed; the ledger as it was."""
    course.release()
    learner.take(course.out)
    learner.review_everything()
    assert learner.reviewed
    return course.ledger()


def codes(report: Any) -> list[str]:
    """The warning codes of a build report."""
    return [w.code for w in report.warnings]


# ---------------------------------------------------------------- 1. moves and renames


def test_concept_moved_to_another_stage_and_renumbered(course: Course, learner: Learner) -> None:
    """E6.2 becomes E7.1 in a new stage: recognised by content, every note keeps its GUID."""
    before = studied(course, learner)
    data = read_concept(course.source, E62)
    (course.source / E62).unlink()
    folder = add_stage(course.source, 7, "Endings")
    write_concept(
        course.source,
        f"{folder}/e7-1-rupture-and-repair.yaml",
        {**data, "id": "E7.1", "position": 1},
    )
    report = course.release()
    assert report.counts["new"] == 0
    assert report.counts["retired"] == 0
    assert "concept-moved" in codes(report)
    moved = next(w for w in report.warnings if w.code == "concept-moved")
    assert "E6.2 is now E7.1" in moved.message
    assert "never moves cards" in moved.message
    learner.take(course.out)
    assert_nothing_lost(learner, before, course.ledger())
    assert {e.guid for e in course.ledger().values()} == set(before)


def test_concept_id_renamed_within_its_stage(course: Course, learner: Learner) -> None:
    """E6.2 renamed E6.3 (and moved to position 3): same notes, no duplicates."""
    before = studied(course, learner)
    data = read_concept(course.source, E62)
    (course.source / E62).unlink()
    write_concept(
        course.source, f"{STAGE6}/e6-3-repair.yaml", {**data, "id": "E6.3", "position": 3}
    )
    report = course.release()
    assert (report.counts["new"], report.counts["retired"]) == (0, 0)
    learner.take(course.out)
    assert_nothing_lost(learner, before, course.ledger())


def test_formerly_keeps_identity_through_a_move_with_heavy_edits(
    course: Course, learner: Learner
) -> None:
    """`formerly: E6.2` names the old id: kept even when most of the text changed too."""
    before = studied(course, learner)
    data = read_concept(course.source, E62)
    (course.source / E62).unlink()
    folder = add_stage(course.source, 7, "Endings")
    data.update(
        id="E7.1",
        position=1,
        formerly="E6.2",
        sample_language=["Tell me what felt off about last time.", data["sample_language"][2]],
    )
    write_concept(course.source, f"{folder}/e7-1-repair.yaml", data)
    report = course.release()
    assert "concept-moved" in codes(report)
    assert report.counts["new"] == 1  # the one new phrase
    learner.take(course.out)
    assert_nothing_lost(learner, before, course.ledger())


def test_a_reused_concept_id_is_a_new_concept(course: Course, learner: Learner) -> None:
    """E6.2 deleted and its id given to unrelated content: the old notes retire, the new
    ones are new, never the old history on the new text."""
    before = studied(course, learner)
    write_concept(
        course.source,
        E62,
        {
            "id": "E6.2",
            "title": "Telehealth Basics",
            "position": 2,
            "pitfalls": ["Starting the video visit without confirming the patient's location."],
            "anchor": "Confirm identity, location and a callback number before anything else.",
        },
    )
    report = course.release()
    assert "concept-id-reused" in codes(report)
    assert report.counts["new"] == 2
    assert report.counts["retired"] == 9
    learner.take(course.out)
    after = course.ledger()
    assert_nothing_lost(learner, before, after)
    new = {g for g, e in after.items() if e.concept == "E6.2~2"}
    assert len(new) == 2
    assert not new & set(before)


def test_a_removed_concept_that_returns_gets_its_history_back(
    course: Course, learner: Learner
) -> None:
    """A concept removed for a release and put back later comes back as the same notes."""
    before = studied(course, learner)
    (course.source / E62).unlink()
    assert course.release().counts["retired"] == 9
    learner.take(course.out)
    write_concept(course.source, E62, E62_CONCEPT)
    report = course.release()
    assert (report.counts["new"], report.counts["restored"]) == (0, 9)
    learner.take(course.out)
    assert_nothing_lost(learner, before, course.ledger())


# ---------------------------------------------------------------- 2. a lost ledger


def _lose_the_ledger_after_an_insert(course: Course, learner: Learner) -> dict[str, Any]:
    studied(course, learner)
    edit(course.source, E61, lambda d: d["pitfalls"].insert(0, INSERTED))
    course.release()
    learner.take(course.out)
    learner.review_everything()
    return course.ledger()


@pytest.mark.parametrize("how", ["deleted", "header-only"])
def test_a_lost_ledger_is_refused_when_the_course_was_published(
    course: Course, learner: Learner, how: str
) -> None:
    """No silent start from nothing: the package beside the build shows the course is live."""
    _lose_the_ledger_after_an_insert(course, learner)
    ledger = course.source / LEDGER_FILE
    package = course.out.read_bytes()
    if how == "deleted":
        ledger.unlink()
    else:
        ledger.write_text(ledger.read_text(encoding="utf-8").splitlines(keepends=True)[3])
    with pytest.raises(ContentError) as caught:
        course.release()
    assert [p.code for p in caught.value.problems] == ["ledger-missing"]
    assert "pathdeck ledger recover --from" in caught.value.problems[0].message
    assert course.out.read_bytes() == package


def test_a_dangling_ledger_link_is_an_error_not_a_fresh_start(
    course: Course, learner: Learner
) -> None:
    """A ledger that is a link to nothing is unreadable, never 'no ledger yet'."""
    _lose_the_ledger_after_an_insert(course, learner)
    ledger = course.source / LEDGER_FILE
    ledger.unlink()
    ledger.symlink_to(course.source / "gone.lock")
    with pytest.raises(ContentError) as caught:
        course.release()
    (problem,) = caught.value.problems
    assert problem.code in {"unreadable-file", "ledger-unreadable"}
    assert problem.location.path.endswith(LEDGER_FILE)


def test_recovered_ledger_rebuilds_as_if_never_lost(course: Course, learner: Learner) -> None:
    """Lose the ledger, recover it from the last release, rebuild: 0 new notes, 0 swaps."""
    before = _lose_the_ledger_after_an_insert(course, learner)
    saved = (course.source / LEDGER_FILE).read_text(encoding="utf-8")
    (course.source / LEDGER_FILE).unlink()
    report = recover(course.source, course.out)
    assert (report.notes, report.exact) == (len(before), len(before))
    assert (course.source / LEDGER_FILE).read_text(encoding="utf-8") == saved
    built = course.release()
    assert built.counts["new"] == 0
    assert built.counts["updated"] == 0
    learner.take(course.out)
    assert_nothing_lost(learner, before, course.ledger())


def test_recovery_after_edits_since_the_release(course: Course, learner: Learner) -> None:
    """Recovered from an older release, the educator's later edits match like edits do."""
    before = _lose_the_ledger_after_an_insert(course, learner)
    fixed = "Assuming alliance simply because the patient is compliant."
    edit(course.source, E61, lambda d: d["pitfalls"].__setitem__(2, fixed))
    (course.source / LEDGER_FILE).unlink()
    recover(course.source, course.out)
    report = course.release()
    assert (report.counts["new"], report.counts["updated"]) == (0, 1)
    learner.take(course.out)
    edits = {"Assuming alliance because the patient is compliant.": fixed}
    assert_nothing_lost(learner, before, course.ledger(), edits)


def test_recovery_never_replaces_a_ledger(course: Course) -> None:
    """`ledger recover` refuses to overwrite a ledger that records notes."""
    course.release()
    with pytest.raises(ContentError) as caught:
        recover(course.source, course.out)
    assert [p.code for p in caught.value.problems] == ["ledger-exists"]


def test_a_new_ledger_at_worst_makes_edited_items_new(course: Course, learner: Learner) -> None:
    """Forced to start over (--new-ledger), keys from text at birth find every item that was
    never edited; an edited item becomes new, and no note ever carries another item's text."""
    studied(course, learner)
    edit(
        course.source,
        E61,
        lambda d: d["pitfalls"].__setitem__(1, "Assuming alliance since the patient is compliant."),
    )
    course.release()
    learner.take(course.out)
    learner.review_everything()
    before = course.ledger()
    (course.source / LEDGER_FILE).unlink()
    course.release(new_ledger=True)
    learner.take(course.out)
    after = course.ledger()
    assert len(set(after) - set(before)) == 1  # only the item edited since its birth
    for guid in learner.reviewed & set(after):
        assert (after[guid].role, after[guid].text) == (before[guid].role, before[guid].text)


def test_a_hand_deleted_ledger_line_gives_no_duplicate(course: Course, learner: Learner) -> None:
    """An unchanged item whose line was deleted gets its own GUID back from its text."""
    before = studied(course, learner)
    ledger = course.source / LEDGER_FILE
    lines = ledger.read_text(encoding="utf-8").splitlines(keepends=True)
    gone = next(i for i, line in enumerate(lines) if '"role": "pitfall"' in line)
    ledger.write_text("".join(lines[:gone] + lines[gone + 1 :]), encoding="utf-8")
    report = course.release()
    assert report.counts["new"] == 1
    learner.take(course.out)
    assert_nothing_lost(learner, before, course.ledger())
    assert learner.guids() == set(before)


# ---------------------------------------------------------------- 3. branches and merges


def _git(repo: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.org", *args],
        cwd=repo,
        capture_output=True,
        text=True,
        check=False,
    )
    return done.stdout + done.stderr


@pytest.mark.parametrize("how", ["git-merge", "union-driver", "every-line-of-both"])
def test_two_branches_adding_items_merge_cleanly(
    course: Course, learner: Learner, how: str
) -> None:
    """Two branches each add a pitfall and release; after the merge (plain git, git's union
    driver, or every line of both sides kept by hand) the build runs, and a learner of one
    branch gets the other branch's item and no duplicate."""
    repo = course.source
    if how == "union-driver":
        (repo / ".gitattributes").write_text(f"{LEDGER_FILE} merge=union\n", encoding="utf-8")
    edit(repo, E61, lambda d: None)  # written the way the branches will write it
    studied(course, learner)
    _git(repo, "init", "-q", "-b", "main")
    _git(repo, "add", "-A")
    _git(repo, "commit", "-qm", "release one")
    _git(repo, "checkout", "-qb", "other")
    first = "Letting the agenda belong to the clinician alone."
    edit(repo, E61, lambda d: d["pitfalls"].insert(0, first))
    course.release()
    _git(repo, "commit", "-qam", "other: a pitfall first")
    theirs = (repo / LEDGER_FILE).read_text(encoding="utf-8")
    _git(repo, "checkout", "-q", "main")
    edit(repo, E61, lambda d: d["pitfalls"].append(INSERTED))
    course.release()
    _git(repo, "commit", "-qam", "main: a pitfall last")
    ours = (repo / LEDGER_FILE).read_text(encoding="utf-8")
    learner.take(course.out)
    learner.review_everything()
    before = course.ledger()
    _git(repo, "merge", "-q", "other", "-m", "merge")
    ledger = repo / LEDGER_FILE
    markers = ("<<<<<<<", "=======", ">>>>>>>")
    kept = [
        line
        for line in ledger.read_text(encoding="utf-8").splitlines(True)
        if not line.startswith(markers)
    ]
    ledger.write_text(
        ours + theirs if how == "every-line-of-both" else "".join(kept), encoding="utf-8"
    )
    report = course.release()
    assert report.counts["new"] == 0  # both items were published, each on its branch
    learner.take(course.out)
    after = course.ledger()
    assert_nothing_lost(learner, before, after)
    pitfalls = {e.text for e in after.values() if e.concept == "E6.1" and e.role.value == "pitfall"}
    assert {first, INSERTED} <= pitfalls
    assert len(pitfalls) == 6


def test_the_same_item_added_on_two_branches_is_one_note(course: Course) -> None:
    """Two branches that add the same text hand out the same key: one note after the merge."""
    course.release()
    copy = course.source.parent / "other"
    shutil.copytree(course.source, copy)
    edit(course.source, E61, lambda d: d["pitfalls"].append(INSERTED))
    edit(copy, E61, lambda d: d["pitfalls"].append(INSERTED))
    course.release()
    other = Course(copy, course.out.with_name("other.apkg"), course.monkeypatch, course.day)
    other.release()
    assert set(course.ledger()) == set(other.ledger())


# ---------------------------------------------------------------- 4. and 5. best match, rewrites


def test_near_identical_items_delete_first_edit_second(course: Course, learner: Learner) -> None:
    """The first's note retires and the second's note takes the edit: position never wins."""
    first = "Skipping the explicit goal conversation at the first visit."
    second = "Skipping the explicit task conversation at the first visit."
    edit(course.source, E61, lambda d: d.__setitem__("pitfalls", [first, second]))
    before = studied(course, learner)
    edited = "Skipping the explicit task conversation at every visit."
    edit(course.source, E61, lambda d: d.__setitem__("pitfalls", [edited]))
    report = course.release()
    assert (report.counts["new"], report.counts["retired"], report.counts["updated"]) == (0, 1, 1)
    learner.take(course.out)
    assert_nothing_lost(learner, before, course.ledger(), {second: edited})


@pytest.mark.parametrize("field", ["anchor", "prove_it"])
def test_a_one_per_concept_note_rewritten_beyond_recognition_is_new(
    course: Course, learner: Learner, field: str
) -> None:
    """A complete rewrite of the anchor (or case) retires the old note and publishes a new one."""
    before = studied(course, learner)
    rewrite = "Repair begins with curiosity about the patient's experience, never defence."
    value: Any = rewrite if field == "anchor" else {"scenario": "A new patient arrives " + rewrite}
    edit(course.source, E62, lambda d: d.__setitem__(field, value))
    report = course.release()
    assert (report.counts["new"], report.counts["retired"]) == (1, 1)
    learner.take(course.out)
    assert_nothing_lost(learner, before, course.ledger())


def test_a_one_per_concept_note_lightly_edited_keeps_its_history(
    course: Course, learner: Learner
) -> None:
    """A reworded anchor is still the anchor: an update, not a new note."""
    before = studied(course, learner)
    old = E62_CONCEPT["anchor"]
    new = old.replace("re-aligning goals", "re-aligning shared goals")
    edit(course.source, E62, lambda d: d.__setitem__("anchor", new))
    report = course.release()
    assert report.counts["new"] == 0
    learner.take(course.out)
    after = course.ledger()
    assert_nothing_lost(learner, before, after, {old: new})
    assert [e.text for e in after.values() if e.role.value == "anchor" and e.concept == "E6.2"] == [
        new
    ]


@pytest.mark.parametrize("kind", ["apkg", "apkg-legacy", "colpkg"])
def test_recovery_from_a_learners_export(course: Course, learner: Learner, kind: str) -> None:
    """With no release kept, one learner's export (any format Anki writes) recovers the ledger:
    the rebuild publishes no new note and moves no history."""
    from insights_support import export_as

    before = _lose_the_ledger_after_an_insert(course, learner)
    exported = export_as(learner.col, course.out.parent / "export", "learner", kind)
    (course.source / LEDGER_FILE).unlink()
    course.out.unlink()
    report = recover(course.source, exported)
    assert report.notes == len(before)
    built = course.release()
    assert built.counts["new"] == 0
    assert set(course.ledger()) == set(before)
    learner.take(course.out)
    assert_nothing_lost(learner, before, course.ledger())


def test_recovery_from_an_export_when_the_source_has_decomposed_accents(
    course: Course, learner: Learner
) -> None:
    """Text pasted with decomposed accents (e + U+0301, as some PDFs and Macs give it): Anki
    stores every field composed, so a learner's export must still recover the ledger."""
    from insights_support import export_as

    def accented(data: dict[str, Any]) -> None:
        data["pitfalls"].append("Treating the cafe\u0301 chat as a re\u0301sume\u0301 of the plan")
        data["anchor"] = data["anchor"] + " Ne\u0301gociez."

    studied(course, learner)
    edit(course.source, E61, accented)
    course.release()
    learner.take(course.out)
    learner.review_everything()
    before = course.ledger()
    exported = export_as(learner.col, course.out.parent / "export", "learner", "apkg")
    (course.source / LEDGER_FILE).unlink()
    course.out.unlink()
    report = recover(course.source, exported)
    assert report.exact == report.notes == len(before)
    built = course.release()
    assert [built.counts[k] for k in ("new", "updated", "retired")] == [0, 0, 0]
    learner.take(course.out)
    assert_nothing_lost(learner, before, course.ledger())


def test_recovery_from_a_file_that_is_no_package(course: Course, tmp_path: Path) -> None:
    """A file that is not an Anki package is a located error, and no ledger is written."""
    course.release()
    (course.source / LEDGER_FILE).unlink()
    junk = tmp_path / "notes.apkg"
    junk.write_text("not a zip", encoding="utf-8")
    with pytest.raises(ContentError) as caught:
        recover(course.source, junk)
    assert [p.code for p in caught.value.problems] == ["bad-package"]
    assert not (course.source / LEDGER_FILE).exists()


# ---------------------------------------------------------------- 7. no blank cards


OPTIONAL = (
    "tagline",
    "setting",
    "opening_move",
    "sample_language",
    "pitfalls",
    "red_flags",
    "documentation",
    "real_world",
    "key_point",
    "body",
    "anchor",
    "prove_it",
    "facts",
)


@pytest.mark.parametrize("field", OPTIONAL)
def test_removing_an_optional_part_leaves_no_blank_card(
    course: Course, learner: Learner, field: str
) -> None:
    """Whatever optional part of a page is deleted, every card the learner has still shows
    something: its item, or the retired notice."""
    before = studied(course, learner)
    edit(course.source, E61, lambda d: d.pop(field, None))
    course.release()
    learner.take(course.out)
    assert_nothing_lost(learner, before, course.ledger())


# ---------------------------------------------------------------- key facts: blanks keep numbers

BORDIN = "Bordin's three components: "


def _bordin(data: dict[str, Any], change: Any) -> None:
    fact = next(f for f in data["facts"] if f["text"].startswith(BORDIN))
    fact["text"] = change(fact["text"])


def _cards_of(learner: Learner, words: str) -> dict[int, tuple[int, str, str]]:
    """Card number -> (reviews, front, back) of the key fact whose text has `words`."""
    col = learner.col
    facts = [col.get_note(n) for n in col.find_notes("tag:pathdeck::role::key-fact")]
    (note,) = [n for n in facts if words in visible(n["Text"])]
    cards = (col.get_card(card_id) for card_id in col.card_ids_of_note(note.id))
    return {
        card.ord + 1: (card.reps, visible(card.question()), visible(card.answer()))
        for card in cards
    }


def test_deleting_a_blank_never_moves_its_history_to_the_next(
    course: Course, learner: Learner
) -> None:
    """Bordin's fact loses its middle blank: card 3 (tasks) keeps its history, and card 2
    (goals) stays, showing the retired notice, never the third blank's question."""
    before = studied(course, learner)
    cards = _cards_of(learner, BORDIN)
    assert sorted(cards) == [1, 2, 3]
    assert all(reps for reps, _, _ in cards.values())
    edit(course.source, E61, lambda d: _bordin(d, lambda t: t.replace("[[goals]]", "goals")))
    report = course.release()
    assert report.counts["new"] == 0
    learner.take(course.out)
    assert_nothing_lost(learner, before, course.ledger())
    after = _cards_of(learner, BORDIN)
    assert sorted(after) == [1, 2, 3]
    assert after[3][0] == cards[3][0]
    assert "tasks" in after[3][2]
    assert "no longer taught" in after[2][1]  # card 2's front asks nothing any more


def test_a_new_blank_takes_a_new_number(course: Course, learner: Learner) -> None:
    """A blank added at the front of a fact becomes card 4; cards 1-3 keep their answers."""
    studied(course, learner)
    edit(
        course.source,
        E61,
        lambda d: _bordin(d, lambda t: t.replace("Bordin's three", "[[Bordin]]'s three")),
    )
    course.release()
    learner.take(course.out)
    after = _cards_of(learner, BORDIN)
    assert sorted(after) == [1, 2, 3, 4]
    assert "bond" in after[1][2]
    assert "tasks" in after[3][2]
    assert "[...]" in after[4][1]
    assert "Bordin" in after[4][2]


def test_facts_keep_identity_through_typo_reorder_insert_and_removal(
    course: Course, learner: Learner
) -> None:
    """The regeneration guarantees hold for facts like for pitfalls."""
    before = studied(course, learner)
    facts = read_concept(course.source, E61)["facts"]
    old = facts[2]["text"]
    typo = old.replace("happy accident", "happy acident")

    def change(data: dict[str, Any]) -> None:
        data["facts"][2]["text"] = typo
        data["facts"].reverse()
        data["facts"].insert(
            1, {"text": "Alliance is checked at [[every encounter]], not assumed."}
        )
        del data["facts"][-1]

    edit(course.source, E61, change)
    report = course.release()
    assert (report.counts["new"], report.counts["retired"]) == (1, 1)
    learner.take(course.out)
    assert_nothing_lost(
        learner,
        before,
        course.ledger(),
        {
            facts[2]["text"].replace("[[", "").replace("]]", ""): typo.replace("[[", "").replace(
                "]]", ""
            )
        },
    )


def test_check_reports_a_ledger_that_git_has_but_the_tree_lacks(course: Course) -> None:
    """In CI, `pathdeck check` already stops on a deleted ledger of a published course."""
    from pathdeck.pipeline import check

    course.release()
    _git(course.source, "init", "-q")
    _git(course.source, "add", "-A")
    _git(course.source, "commit", "-qm", "release one")
    check(course.source)
    (course.source / LEDGER_FILE).unlink()
    with pytest.raises(ContentError) as caught:
        check(course.source)
    assert [p.code for p in caught.value.problems] == ["ledger-missing"]
    assert "git has the ledger" in caught.value.problems[0].message
