"""Identity attacks from the hostile review that broke the promise, each fixed and kept here:
items moving between concepts (moved phrase, split, merge, two branches' same new id); a
concept's id claim settled across the course, word-for-word matches first (move + reused
copy, swapped or renumbered formulaic concepts); `formerly` naming a current id or a retired
generation; a rewrite that keeps some items word for word; ledger text with U+2028 or NEL, a
BOM; punctuation twins under --new-ledger; recovery from a learner who tagged notes; note
lines without their concept line."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from attack_support import (
    E63,
    E63_CONCEPT,
    assert_history_follows_text,
    branch,
    codes,
    counts,
    keep_both_sides,
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
    write_concept,
)
from pathdeck.identity import LEDGER_FILE, parse_ledger
from pathdeck.pipeline import recover
from pathdeck.problems import ContentError

pytestmark = pytest.mark.anki
__all__ = ["course", "learner"]  # fixtures

TELEHEALTH: dict[str, Any] = {
    "id": "E6.2",
    "title": "Telehealth Basics",
    "position": 2,
    "pitfalls": ["Starting the video visit without confirming the patient's location."],
}


# ---------------------------------------------------------------- items crossing concepts


def test_a_phrase_moved_to_another_concept_keeps_its_note(course: Course, learner: Learner) -> None:
    """A sample-language phrase cut from E6.1 and pasted into E6.2, word for word."""
    before = studied(course, learner)
    phrase = "What are you hoping we can accomplish together?"
    edit(course.source, E61, lambda d: d["sample_language"].remove(phrase))
    edit(course.source, E62, lambda d: d["sample_language"].append(phrase))
    report = course.release()
    assert counts(report, "new", "retired") == (0, 0)
    learner.take(course.out)
    assert_history_follows_text(learner, before, course.ledger())


def test_splitting_a_concept_in_two(course: Course, learner: Learner) -> None:
    """E6.2 keeps its phrases; its pitfalls and red flag move, unchanged, to a new E6.3."""
    before = studied(course, learner)
    data = read_concept(course.source, E62)
    write_concept(
        course.source,
        E63,
        {
            "id": "E6.3",
            "title": "Repair Pitfalls",
            "position": 3,
            "pitfalls": data.pop("pitfalls"),
            "red_flags": data.pop("red_flags"),
        },
    )
    write_concept(course.source, E62, data)
    report = course.release()
    assert counts(report, "new", "retired") == (0, 0)
    learner.take(course.out)
    assert_history_follows_text(learner, before, course.ledger())


def test_merging_two_concepts_into_one(course: Course, learner: Learner) -> None:
    """E6.2 is folded into E6.1: its phrases and pitfalls appended there, E6.2 deleted."""
    before = studied(course, learner)
    two = read_concept(course.source, E62)
    (course.source / E62).unlink()

    def absorb(data: dict[str, Any]) -> None:
        data["sample_language"] += two["sample_language"]
        data["pitfalls"] += two["pitfalls"]

    edit(course.source, E61, absorb)
    report = course.release()
    assert report.counts["new"] == 0
    learner.take(course.out)
    assert_history_follows_text(learner, before, course.ledger())


def test_merging_with_formerly_naming_the_absorbed_concept(
    course: Course, learner: Learner
) -> None:
    """The same merge, with `formerly: E6.2` on E6.1 (it now holds what E6.2 was): E6.1's own
    notes must not be the price."""
    before = studied(course, learner)
    two = read_concept(course.source, E62)
    (course.source / E62).unlink()

    def absorb(data: dict[str, Any]) -> None:
        data["sample_language"] += two["sample_language"]
        data["pitfalls"] += two["pitfalls"]
        data["formerly"] = "E6.2"

    edit(course.source, E61, absorb)
    report = course.release()
    learner.take(course.out)
    after = course.ledger()
    e61 = {g for g, e in before.items() if e.concept == "E6.1"}
    retired = sorted(after[g].text[:40] for g in e61 if after[g].retired)
    assert retired == [], f"E6.1's own notes retired by the merge: {retired}"
    assert report.counts["new"] == 0


# ---------------------------------------------------------------- concept ids claimed greedily


def test_moved_concept_and_its_old_id_reused_by_a_copy(course: Course, learner: Learner) -> None:
    """E6.2 moves to E7.1 (untouched); a new E6.2 starts from a copy of two of its pitfalls.
    The moved concept is E6.2's content and must keep its notes; the copy is new."""
    before = studied(course, learner)
    data = read_concept(course.source, E62)
    folder = add_stage(course.source, 7, "Endings")
    write_concept(
        course.source, f"{folder}/e7-1-repair.yaml", {**data, "id": "E7.1", "position": 1}
    )
    write_concept(
        course.source,
        E62,
        {
            "id": "E6.2",
            "title": "Repair in Group Work",
            "position": 2,
            "pitfalls": [*data["pitfalls"][:2], "Repairing with one member in front of the group."],
        },
    )
    report = course.release()
    assert "concept-moved" in codes(report)
    assert counts(report, "retired") == (0,)
    learner.take(course.out)
    after = course.ledger()
    assert_nothing_lost(learner, before, after)
    moved = {g for g, e in after.items() if not e.retired and e.text in data["sample_language"]}
    assert moved <= set(before), "E7.1's phrases arrived as new notes"


def test_move_with_formerly_while_the_old_id_is_reused(course: Course, learner: Learner) -> None:
    """E6.2 moves to E7.1, rewritten enough to need `formerly: E6.2`, and E6.2 is given to an
    unrelated new concept: there must be a way to say so."""
    before = studied(course, learner)
    data = read_concept(course.source, E62)
    folder = add_stage(course.source, 7, "Endings")
    data.update(id="E7.1", position=1, formerly="E6.2")
    data["sample_language"] = ["Tell me what felt off about last time.", "Can we try again?"]
    data["pitfalls"] = ["Explaining the rupture away as resistance."]
    write_concept(course.source, f"{folder}/e7-1-repair.yaml", data)
    write_concept(course.source, E62, TELEHEALTH)
    report = course.release()  # refused today: former-id-in-use
    assert "concept-moved" in codes(report)
    learner.take(course.out)
    assert_nothing_lost(learner, before, course.ledger())


def test_formerly_names_an_id_that_an_earlier_concept_also_had(
    course: Course, learner: Learner
) -> None:
    """E6.2 retires; Telehealth takes the id E6.2 and is studied; then it moves to E7.1 with
    `formerly: E6.2`. Its notes are Telehealth's, not those of the concept retired long ago."""
    studied(course, learner)
    (course.source / E62).unlink()
    course.release()
    write_concept(course.source, E62, TELEHEALTH)
    before = studied(course, learner)
    (course.source / E62).unlink()
    folder = add_stage(course.source, 7, "Telehealth")
    write_concept(
        course.source,
        f"{folder}/e7-1-telehealth.yaml",
        {**TELEHEALTH, "id": "E7.1", "position": 1, "formerly": "E6.2"},
    )
    report = course.release()
    assert counts(report, "new", "retired") == (0, 0)
    learner.take(course.out)
    after = course.ledger()
    assert_nothing_lost(learner, before, after)
    assert_history_follows_text(learner, before, after)


def test_swapping_the_ids_of_two_similar_concepts(course: Course, learner: Learner) -> None:
    """Two sibling concepts written to one pattern (their pitfalls alike but for a word or
    two) trade ids: each keeps its own notes, none takes the other's history."""
    stem = [
        "Interrupting before the patient has finished the {} story.",
        "Summarising the {} history without checking it with the patient.",
        "Writing the {} plan before asking what the patient wants from it.",
    ]
    sleep = {
        "id": "E6.2",
        "title": "Sleep History",
        "position": 2,
        "pitfalls": [s.format("sleep") for s in stem] + ["Forgetting to ask about naps."],
    }
    mood = {
        "id": "E6.3",
        "title": "Mood History",
        "position": 3,
        "pitfalls": [s.format("mood") for s in stem] + ["Forgetting to ask about irritability."],
    }
    write_concept(course.source, E62, sleep)
    write_concept(course.source, E63, mood)
    before = studied(course, learner)
    write_concept(course.source, E62, {**mood, "id": "E6.2", "position": 2})
    write_concept(course.source, E63, {**sleep, "id": "E6.3", "position": 3})
    report = course.release()
    learner.take(course.out)
    after = course.ledger()
    assert_nothing_lost(learner, before, after)
    assert counts(report, "new", "retired") == (0, 0)  # updated: their breadcrumbs' ids


def test_a_rewrite_under_the_same_id_keeps_the_items_it_kept(
    course: Course, learner: Learner
) -> None:
    """Documented as 'id reused', but a learner still loses history: E6.2 rewritten except
    for one phrase kept word for word. That phrase must keep its note."""
    before = studied(course, learner)
    kept = read_concept(course.source, E62)["sample_language"][0]
    write_concept(
        course.source,
        E62,
        {**TELEHEALTH, "title": "Rupture and Repair", "sample_language": [kept]},
    )
    course.release()
    learner.take(course.out)
    assert_history_follows_text(learner, before, course.ledger())


# ---------------------------------------------------------------- the ledger file


@pytest.mark.parametrize("separator", ["\u2028", "\u2029"])
def test_an_item_with_a_unicode_line_separator_rebuilds(
    course: Course, learner: Learner, separator: str
) -> None:
    """Text pasted from a word processor can hold U+2028/U+2029 (or NEL): the ledger written
    must read back, and the next build must run."""
    text = f"Assuming alliance{separator}because the patient is compliant."
    edit(course.source, E61, lambda d: d["pitfalls"].append(text))
    course.release()
    ledger = (course.source / LEDGER_FILE).read_text(encoding="utf-8")
    parse_ledger(ledger, LEDGER_FILE)
    report = course.release()
    assert counts(report, "new", "retired") == (0, 0)


def test_an_item_with_a_next_line_character_rebuilds(course: Course) -> None:
    """NEL (U+0085, an ellipsis mis-decoded from cp1252) in an item: the ledger reads back."""
    path = course.source / E61
    text = path.read_text(encoding="utf-8")
    text = text.replace(
        "- Ignoring early signals of misalignment.",
        '- "Ignoring early\\Nsignals of misalignment in the first visits."',
    )
    path.write_text(text, encoding="utf-8")
    course.release()
    assert "Ignoring early\x85signals of misalignment in the first visits." in (
        course.source / LEDGER_FILE
    ).read_text(encoding="utf-8")
    parse_ledger((course.source / LEDGER_FILE).read_text(encoding="utf-8"), LEDGER_FILE)
    assert counts(course.release(), "new", "retired") == (0, 0)


def test_a_ledger_saved_with_a_byte_order_mark(course: Course, learner: Learner) -> None:
    """A ledger opened and saved in Windows Notepad gains a UTF-8 BOM: it is the same ledger."""
    before = studied(course, learner)
    ledger = course.source / LEDGER_FILE
    ledger.write_bytes(b"\xef\xbb\xbf" + ledger.read_bytes())
    report = course.release()
    assert counts(report, "new", "retired") == (0, 0)
    learner.take(course.out)
    assert_nothing_lost(learner, before, course.ledger())


def test_a_new_ledger_after_reordering_punctuation_twins(
    course: Course, learner: Learner, tmp_path: Path
) -> None:
    """Two pitfalls alike but for punctuation, reordered, then --new-ledger: README promises
    that no note ever receives another item's text."""
    one, two = "Skipping the goal/task conversation.", "Skipping the goal-task conversation!"
    edit(course.source, E61, lambda d: d.__setitem__("pitfalls", [one, two]))
    before = studied(course, learner)
    edit(course.source, E61, lambda d: d.__setitem__("pitfalls", [two, one]))
    course.release()
    (course.source / LEDGER_FILE).unlink()
    course.release(new_ledger=True)
    after = course.ledger()
    swapped = [g for g in before if g in after and after[g].text != before[g].text]
    assert swapped == [], [(before[g].text, after[g].text) for g in swapped]


def test_renumbering_formulaic_concepts_after_an_insert(course: Course, learner: Learner) -> None:
    """Concepts written to one template (E6.3 to E6.6): a new concept is inserted before them
    and each id shifts by one, nothing else edited. Each concept keeps its own notes."""
    for n in range(3, 7):
        write_concept(
            course.source,
            f"{STAGE6}/e6-{n}.yaml",
            {
                "id": f"E6.{n}",
                "title": f"Topic {n}",
                "position": n,
                "pitfalls": [f"Forgetting topic {n} item {k} entirely." for k in range(3)],
                "sample_language": [f"Shall we talk about topic {n}, part {k}?" for k in range(2)],
            },
        )
    before = studied(course, learner)
    shifted = []
    for n in range(6, 2, -1):
        data = read_concept(course.source, f"{STAGE6}/e6-{n}.yaml")
        shifted.append({**data, "id": f"E6.{n + 1}", "position": n + 1})
        (course.source / STAGE6 / f"e6-{n}.yaml").unlink()
    for data in shifted:
        write_concept(course.source, f"{STAGE6}/e6-{data['position']}.yaml", data)
    write_concept(course.source, f"{STAGE6}/e6-3.yaml", {**TELEHEALTH, "id": "E6.3", "position": 3})
    report = course.release()
    learner.take(course.out)
    assert_nothing_lost(learner, before, course.ledger())
    assert counts(report, "new", "retired") == (1, 0)  # updated: their breadcrumbs' ids


# ---------------------------------------------------------------- retired notes' second card


def test_the_anchor_removed_while_the_documentation_stays(course: Course, learner: Learner) -> None:
    """The anchor note (one card since the card redesign) retires with its notice; the
    documentation example makes no note of its own, so nothing is new; no blank front."""
    before = studied(course, learner)
    edit(course.source, E61, lambda d: d.pop("anchor"))
    report = course.release()
    assert counts(report, "new", "retired") == (0, 1)
    learner.take(course.out)
    assert_nothing_lost(learner, before, course.ledger())


@pytest.mark.parametrize("how", ["concept-deleted", "anchor-rewritten"])
def test_retiring_an_anchor_with_a_documentation_card(
    course: Course, learner: Learner, how: str
) -> None:
    """E6.1 has a documentation example, so its anchor note has two cards. Retiring that note
    (the concept deleted, or the anchor rewritten beyond recognition) must not leave the
    learner's reviewed 'Document it' card with a blank front."""
    before = studied(course, learner)
    if how == "concept-deleted":
        (course.source / E61).unlink()
    else:
        rewrite = "Every visit either strengthens or strains the working relationship."
        edit(course.source, E61, lambda d: d.__setitem__("anchor", rewrite))
    course.release()
    learner.take(course.out)
    assert_nothing_lost(learner, before, course.ledger())


# ---------------------------------------------------------------- two branches, one new id


def test_two_branches_each_add_a_concept_under_the_same_new_id(
    course: Course, learner: Learner, tmp_path: Path
) -> None:
    """Two educators each add 'the next concept', E6.3, on their own branch and release it.
    The merge keeps ours as E6.3 and renumbers theirs to E6.4: neither branch's learners may
    lose the history of the concept they studied."""
    course.release()
    other = branch(course, "other")
    write_concept(course.source, E63, E63_CONCEPT)
    ours = studied(course, learner)
    other_learner = Learner.new(tmp_path / "other-learner")
    theirs_concept = {
        "id": "E6.3",
        "title": "Ending Treatment Well",
        "position": 3,
        "sample_language": ["We have three visits left; what do you want to use them for?"],
        "pitfalls": ["Announcing the ending at the last visit.", "Letting the ending drift."],
    }
    write_concept(other.source, E63, theirs_concept)
    theirs = studied(other, other_learner)
    keep_both_sides(course, other)
    write_concept(
        course.source,
        f"{STAGE6}/e6-4-ending.yaml",
        {**theirs_concept, "id": "E6.4", "position": 4},
    )
    report = course.release()
    assert counts(report, "new", "retired") == (0, 0)
    for student, before in ((learner, ours), (other_learner, theirs)):
        student.take(course.out)
        assert_nothing_lost(student, before, course.ledger())
        assert_history_follows_text(student, before, course.ledger())
    other_learner.close()


def test_a_new_ledger_after_a_concept_moved(course: Course, learner: Learner) -> None:
    """README: --new-ledger finds again only items of concepts that kept the id they were
    first published under. E6.2 moved to E7.1 untouched, then the ledger is lost and the
    educator starts a new one anyway: the moved items arrive again under new GUIDs, and no
    note carries another item's text; E6.1's notes keep theirs."""
    before = studied(course, learner)
    data = read_concept(course.source, E62)
    (course.source / E62).unlink()
    folder = add_stage(course.source, 7, "Endings")
    write_concept(
        course.source, f"{folder}/e7-1-repair.yaml", {**data, "id": "E7.1", "position": 1}
    )
    course.release()
    learner.take(course.out)
    (course.source / LEDGER_FILE).unlink()
    course.release(new_ledger=True)
    learner.take(course.out)
    after = course.ledger()
    for guid in learner.reviewed & set(after):
        assert (after[guid].role, after[guid].text) == (before[guid].role, before[guid].text)
    assert {g for g in after if g.split(":")[1] == "E6.1"} <= set(before)
    assert all(g.split(":")[1] == "E7.1" for g in set(after) - set(before))


# ---------------------------------------------------------------- recovery from a learner's export


def test_recovery_from_an_export_of_a_learner_who_tagged_notes(
    course: Course, learner: Learner, tmp_path: Path
) -> None:
    """The ledger is lost and recovered from a learner's export in which Anki or the learner
    tagged three notes (`marked`, `leech`). The rebuild changes nothing, so it must publish
    no update: an update replaces every other learner's tags and edits on those notes."""
    from insights_support import export_as

    other = Learner.new(tmp_path / "other-learner")
    studied(course, learner)
    other.take(course.out)
    other.review_everything()
    tagged = [learner.col.get_note(nid) for nid in list(learner.col.find_notes(""))[:3]]
    for note in tagged:
        note.add_tag("marked")
        learner.col.update_note(note)
    mine = next(
        other.col.get_note(n)
        for n in other.col.find_notes("")
        if other.col.get_note(n).guid == tagged[0].guid
    )
    mine.add_tag("my-own-tag")
    other.col.update_note(mine)
    exported = export_as(learner.col, tmp_path / "export", "learner", "apkg")
    (course.source / LEDGER_FILE).unlink()
    course.out.unlink()
    recover(course.source, exported)
    course.day += 400  # the next release comes after the learners' edits, as in life
    report = course.release()
    other.take(course.out)
    kept = other.col.get_note(mine.id).tags
    other.close()
    assert "my-own-tag" in kept
    assert counts(report, "new", "updated") == (0, 0)


# ---------------------------------------------------------------- a hand-resolved conflict


def test_a_ledger_missing_a_concept_line(course: Course, learner: Learner) -> None:
    """A conflict resolved by hand drops E6.1's concept line but keeps its note lines. Like
    any damage, that stops the build at the ledger (today it builds, gives the learner a
    second copy of the item edited since its birth, and writes those notes' lines twice)."""
    studied(course, learner)
    fixed = "Assuming alliance simply because the patient is compliant."
    edit(course.source, E61, lambda d: d["pitfalls"].__setitem__(1, fixed))
    studied(course, learner)
    ledger = course.source / LEDGER_FILE
    lines = ledger.read_text(encoding="utf-8").splitlines(keepends=True)
    ledger.write_text(
        "".join(line for line in lines if not line.startswith('{"concept": "E6.1"')),
        encoding="utf-8",
    )
    with pytest.raises(ContentError) as refused:
        course.release()
    assert refused.value.problems[0].location.path.endswith(LEDGER_FILE)
