"""Identity under hostile-but-real curriculum work: each scenario's learner reviewed everything
before the change, and the promise holds after it (no duplicate, no history on other content,
no blank front, sensible counts)."""

from __future__ import annotations

import shutil
import unicodedata
from typing import Any

import pytest

from attack_support import (
    E63,
    E63_MIN,
    add_e63,
    assert_history_follows_text,
    codes,
    counts,
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
    write_concept,
)
from pathdeck.identity import LEDGER_FILE
from pathdeck.problems import ContentError, Severity

pytestmark = pytest.mark.anki
__all__ = ["course", "learner"]  # fixtures


# ---------------------------------------------------------------- concept ids


def test_swapping_two_concepts_ids(course: Course, learner: Learner) -> None:
    """E6.1 and E6.2 trade ids (and files): each concept's notes follow its content."""
    before = studied(course, learner)
    one, two = read_concept(course.source, E61), read_concept(course.source, E62)
    write_concept(course.source, E61, {**two, "id": "E6.1", "position": 1})
    write_concept(course.source, E62, {**one, "id": "E6.2", "position": 2})
    report = course.release()
    assert counts(report, "new", "retired") == (0, 0)
    assert codes(report).count("concept-moved") == 2
    learner.take(course.out)
    after = course.ledger()
    assert_nothing_lost(learner, before, after)
    assert_history_follows_text(learner, before, after)
    assert set(after) == set(before)
    reparses(course)
    report = course.release()  # and the swap is stable on the next build
    assert counts(report, "new", "updated", "retired") == (0, 0, 0)


def test_rotating_three_concepts_ids(course: Course, learner: Learner) -> None:
    """E6.1 -> E6.2 -> E6.3 -> E6.1 in one build: three moves recognised by content."""
    add_e63(course)
    before = studied(course, learner)
    files = (E61, E62, E63)
    data = [read_concept(course.source, name) for name in files]
    for index, name in enumerate(files):
        moved = data[index - 1]
        write_concept(
            course.source, name, {**moved, "id": f"E6.{index + 1}", "position": index + 1}
        )
    report = course.release()
    assert counts(report, "new", "retired") == (0, 0)
    learner.take(course.out)
    after = course.ledger()
    assert_nothing_lost(learner, before, after)
    assert_history_follows_text(learner, before, after)


def test_inserting_a_concept_first_and_renumbering_the_rest(
    course: Course, learner: Learner
) -> None:
    """A new E6.1 is inserted; the old E6.1 and E6.2 shift to E6.2 and E6.3."""
    before = studied(course, learner)
    one, two = read_concept(course.source, E61), read_concept(course.source, E62)
    write_concept(course.source, E63, {**two, "id": "E6.3", "position": 3})
    write_concept(course.source, E62, {**one, "id": "E6.2", "position": 2})
    write_concept(
        course.source,
        E61,
        {
            "id": "E6.1",
            "title": "Before the First Visit",
            "position": 1,
            "pitfalls": ["Reading the referral letter as the patient's own account."],
        },
    )
    report = course.release()
    assert counts(report, "new", "retired") == (1, 0)
    learner.take(course.out)
    after = course.ledger()
    assert_nothing_lost(learner, before, after)
    assert_history_follows_text(learner, before, after)


def test_move_and_reuse_the_old_id_in_one_build(course: Course, learner: Learner) -> None:
    """E6.2 moves to E7.1, and an unrelated new concept takes the id E6.2 in the same build."""
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
            "title": "Telehealth Basics",
            "position": 2,
            "pitfalls": ["Starting the video visit without confirming the patient's location."],
        },
    )
    report = course.release()
    assert counts(report, "new", "retired") == (1, 0)
    assert "concept-moved" in codes(report)
    learner.take(course.out)
    after = course.ledger()
    assert_nothing_lost(learner, before, after)
    assert_history_follows_text(learner, before, after)
    new = [e for g, e in after.items() if g not in before]
    assert [e.concept for e in new] == ["E6.2~2"]


def test_renamed_twice_then_formerly_names_the_oldest_id(course: Course, learner: Learner) -> None:
    """E6.2 -> E6.3 (by content) -> E7.1 with `formerly: E6.2`, the id it was born with."""
    before = studied(course, learner)
    data = read_concept(course.source, E62)
    (course.source / E62).unlink()
    write_concept(course.source, E63, {**data, "id": "E6.3", "position": 3})
    course.release()
    learner.take(course.out)
    (course.source / E63).unlink()
    folder = add_stage(course.source, 7, "Endings")
    edited = {**data, "id": "E7.1", "position": 1, "formerly": "E6.2"}
    edited["pitfalls"] = ["Explaining the rupture away as the patient's resistance."]
    write_concept(course.source, f"{folder}/e7-1-repair.yaml", edited)
    report = course.release()
    assert "concept-moved" in codes(report)
    assert counts(report, "new", "retired") == (1, 3)
    learner.take(course.out)
    after = course.ledger()
    assert_nothing_lost(learner, before, after)
    assert_history_follows_text(learner, before, after)


def test_formerly_with_a_list_newest_first(course: Course, learner: Learner) -> None:
    """`formerly: [E6.3, E6.2]` after two renames, heavily edited: still the same concept."""
    before = studied(course, learner)
    data = read_concept(course.source, E62)
    (course.source / E62).unlink()
    write_concept(course.source, E63, {**data, "id": "E6.3", "position": 3})
    course.release()
    (course.source / E63).unlink()
    edited = {**data, "id": "E6.4", "position": 4, "formerly": ["E6.3", "E6.2"]}
    edited["sample_language"] = ["Tell me what felt off about last time."]
    write_concept(course.source, f"{STAGE6}/e6-4-repair.yaml", edited)
    report = course.release()
    assert counts(report, "new", "retired") == (1, 3)
    learner.take(course.out)
    assert_nothing_lost(learner, before, course.ledger())


def test_formerly_naming_a_live_concept_is_a_located_error(course: Course) -> None:
    """A split attempted with `formerly` pointing at a concept still in the source is refused
    before anything is written."""
    course.release()
    ledger = (course.source / LEDGER_FILE).read_bytes()
    write_concept(course.source, E63, {**E63_MIN, "formerly": "E6.2"})
    with pytest.raises(ContentError) as caught:
        course.release()
    (problem,) = (p for p in caught.value.problems if p.severity is Severity.ERROR)
    assert problem.code == "former-id-in-use"
    assert problem.location.path.endswith("e6-3-collaborative-agenda.yaml")
    assert (course.source / LEDGER_FILE).read_bytes() == ledger


def test_a_concept_id_written_in_lower_case_is_the_same_concept(
    course: Course, learner: Learner
) -> None:
    """`e6.2` for `E6.2` (Anki's tags ignore case): no new notes."""
    before = studied(course, learner)
    edit(course.source, E62, lambda d: d.__setitem__("id", "e6.2"))
    report = course.release()
    assert counts(report, "new", "retired") == (0, 0)
    learner.take(course.out)
    assert_nothing_lost(learner, before, course.ledger())


def test_moved_to_another_stage_and_most_items_rewritten_without_formerly(
    course: Course, learner: Learner
) -> None:
    """Documented: under a new id with most of it rewritten and no `formerly`, it is a new
    concept; the old notes retire, and no history lands on the rewritten text. The red flag and
    the case, kept word for word, are items that moved: they keep their notes."""
    before = studied(course, learner)
    data = read_concept(course.source, E62)
    (course.source / E62).unlink()
    folder = add_stage(course.source, 7, "Endings")
    data.update(
        id="E7.1",
        position=1,
        sample_language=["Tell me what felt off about last time.", "Can we try that again?"],
        pitfalls=["Explaining the rupture away as resistance.", "Changing the subject quickly."],
        anchor="A rupture named and owned is a chance to deepen the work, not a failure.",
    )
    write_concept(course.source, f"{folder}/e7-1-repair.yaml", data)
    report = course.release()
    assert "concept-moved" not in codes(report)
    assert "items-moved" in codes(report)
    assert report.counts["retired"] == 7
    learner.take(course.out)
    assert_nothing_lost(learner, before, course.ledger())


def test_moved_to_another_stage_with_every_item_lightly_edited(
    course: Course, learner: Learner
) -> None:
    """A move plus a copy-edit of every item: recognised by content, every note updated."""
    before = studied(course, learner)
    data = read_concept(course.source, E62)
    (course.source / E62).unlink()
    folder = add_stage(course.source, 7, "Endings")
    edits = {}
    for key in ("sample_language", "pitfalls"):
        for index, text in enumerate(data[key]):
            data[key][index] = text.replace(".", "!").replace("?", " now?")
            edits[text] = data[key][index]
    write_concept(course.source, f"{folder}/e7-1-repair.yaml", {**data, "id": "E7.1"})
    report = course.release()
    assert "concept-moved" in codes(report)
    assert counts(report, "new", "retired") == (0, 0)
    learner.take(course.out)
    assert_nothing_lost(learner, before, course.ledger(), edits)


def test_a_renumbered_stage_moves_all_its_concepts(course: Course, learner: Learner) -> None:
    """Stage 6 becomes stage 9 (folder, number and every concept id): recognised by content."""
    before = studied(course, learner)
    folder = add_stage(course.source, 9, "The Therapeutic Alliance")
    for name, new in ((E61, "e9-1.yaml"), (E62, "e9-2.yaml")):
        data = read_concept(course.source, name)
        data["id"] = data["id"].replace("E6.", "E9.")
        write_concept(course.source, f"{folder}/{new}", data)
    shutil.rmtree(course.source / STAGE6)
    report = course.release()
    assert counts(report, "new", "retired") == (0, 0)
    assert codes(report).count("concept-moved") == 2
    learner.take(course.out)
    assert_nothing_lost(learner, before, course.ledger())


# ---------------------------------------------------------------- items


def test_reorder_and_edit_every_item_at_once(course: Course, learner: Learner) -> None:
    """Every list reversed and every item reworded in one build: each note keeps its item."""
    before = studied(course, learner)
    edits: dict[str, str] = {}

    def rework(data: dict[str, Any]) -> None:
        for key in ("sample_language", "pitfalls", "listen_for"):
            reworded = [text.replace("the ", "the whole ", 1) for text in data[key]]
            edits.update(zip(data[key], reworded, strict=True))
            data[key] = reworded[::-1]

    edit(course.source, E61, rework)
    report = course.release()
    assert counts(report, "new", "retired") == (0, 0)
    learner.take(course.out)
    changed = {old: new for old, new in edits.items() if old != new}
    assert_nothing_lost(learner, before, course.ledger(), changed)


def test_an_item_listed_twice_and_then_once(course: Course, learner: Learner) -> None:
    """A pitfall pasted twice publishes two notes; removing the copy retires one, no new."""
    pitfall = "Assuming alliance because the patient is compliant."
    edit(course.source, E61, lambda d: d["pitfalls"].append(pitfall))
    before = studied(course, learner)
    assert sum(e.text == pitfall for e in before.values()) == 2
    edit(course.source, E61, lambda d: d["pitfalls"].pop())
    report = course.release()
    assert counts(report, "new", "retired") == (0, 1)
    learner.take(course.out)
    assert_nothing_lost(learner, before, course.ledger())
    edit(course.source, E61, lambda d: d["pitfalls"].append(pitfall))
    report = course.release()  # the copy comes back: the retired note is restored
    assert counts(report, "new", "restored") == (0, 1)
    reparses(course)


def test_items_that_differ_only_by_punctuation_and_case_reordered(
    course: Course, learner: Learner
) -> None:
    """Two pitfalls alike but for punctuation and case keep their own notes when reordered."""
    one, two = "Skipping the goal/task conversation.", "skipping the goal-task conversation!"
    edit(course.source, E61, lambda d: d.__setitem__("pitfalls", [one, two]))
    before = studied(course, learner)
    edit(course.source, E61, lambda d: d.__setitem__("pitfalls", [two, one]))
    report = course.release()
    assert counts(report, "new", "updated", "retired") == (0, 0, 0)
    learner.take(course.out)
    assert_nothing_lost(learner, before, course.ledger())


def test_an_item_edited_back_to_its_earlier_text(course: Course, learner: Learner) -> None:
    """A -> A' -> A: one note throughout, updated twice."""
    old = "Assuming alliance because the patient is compliant."
    new = "Assuming alliance merely because the patient is compliant."
    before = studied(course, learner)
    edit(course.source, E61, lambda d: d["pitfalls"].__setitem__(1, new))
    course.release()
    learner.take(course.out)
    edit(course.source, E61, lambda d: d["pitfalls"].__setitem__(1, old))
    report = course.release()
    assert counts(report, "new", "updated") == (0, 1)
    learner.take(course.out)
    after = course.ledger()
    assert_nothing_lost(learner, before, after)
    assert set(after) == set(before)


def test_an_item_rewritten_and_then_restored(course: Course, learner: Learner) -> None:
    """A -> B (beyond recognition: A retires, B is new) -> A: A's own note comes back."""
    old = "Assuming alliance because the patient is compliant."
    before = studied(course, learner)
    edit(
        course.source,
        E61,
        lambda d: d["pitfalls"].__setitem__(
            1, "Charting the session notes long after the visit ended."
        ),
    )
    assert counts(course.release(), "new", "retired") == (1, 1)
    learner.take(course.out)
    edit(course.source, E61, lambda d: d["pitfalls"].__setitem__(1, old))
    report = course.release()
    assert counts(report, "new", "restored", "retired") == (0, 1, 1)
    learner.take(course.out)
    assert_nothing_lost(learner, before, course.ledger())


@pytest.mark.parametrize("also_edited", [False, True])
def test_an_explicit_id_added_later_and_removed_again(
    course: Course, learner: Learner, also_edited: bool
) -> None:
    """An `id:` written onto a published item (with or without an edit), then taken away."""
    old = "Assuming alliance because the patient is compliant."
    text = old.replace("because", "just because") if also_edited else old
    before = studied(course, learner)
    edit(
        course.source,
        E61,
        lambda d: d["pitfalls"].__setitem__(1, {"id": "compliance", "text": text}),
    )
    report = course.release()
    assert report.counts["new"] == 0
    learner.take(course.out)
    edit(course.source, E61, lambda d: d["pitfalls"].__setitem__(1, text))
    report = course.release()
    assert counts(report, "new", "retired") == (0, 0)
    learner.take(course.out)
    after = course.ledger()
    assert_nothing_lost(learner, before, after, {old: text})
    assert set(after) == set(before)


def test_an_explicit_id_then_the_item_rewritten(course: Course, learner: Learner) -> None:
    """With an `id:` the item may be rewritten beyond recognition and keep its note."""
    edit(
        course.source,
        E61,
        lambda d: d["pitfalls"].__setitem__(1, {"id": "compliance", "text": d["pitfalls"][1]}),
    )
    before = studied(course, learner)
    rewrite = "Reading punctual attendance as proof of a working alliance."
    edit(
        course.source,
        E61,
        lambda d: d["pitfalls"].__setitem__(1, {"id": "compliance", "text": rewrite}),
    )
    report = course.release()
    assert counts(report, "new", "retired", "updated") == (0, 0, 1)
    learner.take(course.out)
    assert_nothing_lost(
        learner,
        before,
        course.ledger(),
        {"Assuming alliance because the patient is compliant.": rewrite},
    )


def test_an_explicit_id_moved_to_another_item_follows_the_id(
    course: Course, learner: Learner
) -> None:
    """Documented: the explicit id is the strongest evidence, so the note follows the id; the
    item that lost its id is matched by its text and keeps a note of its own."""
    a = "Assuming alliance because the patient is compliant."
    b = "Ignoring early signals of misalignment."
    edit(course.source, E61, lambda d: d["pitfalls"].__setitem__(1, {"id": "focus", "text": a}))
    before = studied(course, learner)

    def move_the_id(data: dict[str, Any]) -> None:
        data["pitfalls"][1] = a
        data["pitfalls"][3] = {"id": "focus", "text": b}

    edit(course.source, E61, move_the_id)
    report = course.release()
    learner.take(course.out)
    after = course.ledger()
    focus = next(g for g, e in before.items() if e.id == "focus")
    assert after[focus].text == b  # the id's note now carries b: by design, no warning
    assert report.counts["new"] == 1  # a had its note taken by the id and is new
    assert not [g for g in learner.guids() if g not in after]


# ---------------------------------------------------------------- text encodings


def test_nfd_accents_after_an_nfc_release(course: Course, learner: Learner) -> None:
    """An editor that saves NFD (macOS) after an NFC release: same items, no new notes."""
    phrase = "Le café est prêt : voulez-vous qu'on en parle ?"
    edit(course.source, E61, lambda d: d["sample_language"].append(phrase))
    edit(course.source, E61, lambda d: d["pitfalls"].append("Naïvely trusting the résumé."))
    before = studied(course, learner)

    def decompose(data: dict[str, Any]) -> None:
        for key in ("sample_language", "pitfalls"):
            data[key] = [unicodedata.normalize("NFD", t) for t in data[key]]

    edit(course.source, E61, decompose)
    report = course.release()
    assert counts(report, "new", "retired") == (0, 0)
    learner.take(course.out)
    after = course.ledger()
    assert set(after) == set(before)
    assert not learner.blank_fronts()


def test_ledger_with_crlf_line_endings(course: Course, learner: Learner) -> None:
    """A ledger checked out with CRLF (git autocrlf on Windows) reads like the original."""
    before = studied(course, learner)
    ledger = course.source / LEDGER_FILE
    ledger.write_bytes(ledger.read_bytes().replace(b"\n", b"\r\n"))
    edit(
        course.source,
        E61,
        lambda d: d["pitfalls"].append("Charting the alliance work long after the visit ended."),
    )
    report = course.release()
    assert counts(report, "new", "retired") == (1, 0)
    learner.take(course.out)
    assert_nothing_lost(learner, before, course.ledger())
    reparses(course)


# ---------------------------------------------------------------- many items


def _steps(count: int, word: str = "recheck") -> list[str]:
    return [
        f"Titration step {n}: raise the dose by {n * 5} mg and {word} levels in {n + 2} days."
        for n in range(1, count + 1)
    ]


def test_fifty_near_identical_items_reordered_edited_and_pruned(
    course: Course, learner: Learner
) -> None:
    """50 pitfalls alike but for their numbers: shuffled, each reworded, five removed."""
    steps = _steps(50)
    edit(course.source, E61, lambda d: d.__setitem__("pitfalls", steps))
    before = studied(course, learner)
    reworded = _steps(50, "re-check")
    kept = [r for index, r in enumerate(reworded) if index % 10 != 3]
    order = kept[1::2] + kept[0::2]
    edit(course.source, E61, lambda d: d.__setitem__("pitfalls", order))
    report = course.release()
    assert counts(report, "new", "retired") == (0, 5)
    learner.take(course.out)
    assert_nothing_lost(learner, before, course.ledger(), dict(zip(steps, reworded, strict=True)))
