"""Shared helpers of the identity attack scenarios: a studied release and stricter checks."""

from __future__ import annotations

import shutil
from collections import Counter
from typing import Any

from learner import Course, Learner, write_concept
from pathdeck.identity import LEDGER_FILE, Entry, parse_ledger

E63 = "stage-06-the-therapeutic-alliance/e6-3-collaborative-agenda.yaml"

E63_CONCEPT: dict[str, Any] = {
    "id": "E6.3",
    "title": "Collaborative Agenda",
    "position": 3,
    "setting": "The first minutes of a follow-up visit, before anything clinical is discussed.",
    "opening_move": "Ask for the patient's list first, add yours, then agree the order aloud.",
    "sample_language": [
        "Before we start, what do you most want to make sure we cover today?",
        "I'd also like to look at your sleep; shall we do that second?",
    ],
    "pitfalls": [
        "Opening with your own checklist so the patient's concern comes up at the door.",
        "Agreeing an agenda and then abandoning it without saying so.",
    ],
    "red_flags": [
        {
            "sign": "The patient raises a new, serious symptom as they stand to leave",
            "meaning": "the agenda missed what mattered most to them.",
        }
    ],
    "anchor": "The agenda is built together at the start: their list, your list, one order.",
}


def studied(course: Course, learner: Learner, **options: Any) -> dict[str, Entry]:
    """The next release, imported and fully reviewed; the ledger as it was then."""
    course.release(**options)
    learner.take(course.out)
    learner.review_everything()
    assert learner.reviewed
    return course.ledger()


def codes(report: Any) -> list[str]:
    """The warning codes of a build report."""
    return [w.code for w in report.warnings]


def counts(report: Any, *names: str) -> tuple[int, ...]:
    """Some of a build's counts, in the order named."""
    return tuple(report.counts[name] for name in names)


def assert_history_follows_text(
    learner: Learner, before: dict[str, Entry], after: dict[str, Entry]
) -> None:
    """Stricter than assert_nothing_lost: a reviewed item that is still taught, word for word
    (in any concept), is still its reviewed note, not a new note beside a retired one."""
    reviewed: dict[tuple[str, str], list[str]] = {}
    for guid in learner.reviewed:
        entry = before[guid]
        if not entry.retired:
            reviewed.setdefault((entry.role.value, entry.text), []).append(guid)
    live = Counter((e.role.value, e.text) for e in after.values() if not e.retired)
    lost = []
    for (role, text), guids in sorted(reviewed.items()):
        if live[(role, text)] == 0 or len(guids) > 1:
            continue  # no longer taught, or taught twice: nothing to compare
        guid = guids[0]
        if guid not in after or after[guid].retired or after[guid].text != text:
            lost.append(f"{role}: {text!r} (was {guid})")
    assert lost == [], f"reviewed items taught again under a new note: {lost}"


def branch(course: Course, name: str) -> Course:
    """A copy of the course's source and package, as another branch's checkout."""
    copy = course.source.parent / name
    shutil.copytree(course.source, copy)
    out = course.out.with_name(f"{name}.apkg")
    shutil.copyfile(course.out, out)
    return Course(copy, out, course.monkeypatch, course.day)


def keep_both_sides(ours: Course, theirs: Course) -> None:
    """Resolve a ledger conflict as README says: keep the lines of both sides."""
    both = (ours.source / LEDGER_FILE).read_text(encoding="utf-8") + (
        theirs.source / LEDGER_FILE
    ).read_text(encoding="utf-8")
    (ours.source / LEDGER_FILE).write_text(both, encoding="utf-8")
    ours.day = max(ours.day, theirs.day)


def add_e63(course: Course) -> None:
    """A third concept in stage 6, for scenarios that need more than two."""
    write_concept(course.source, E63, E63_CONCEPT)


E63_MIN: dict[str, Any] = {
    "id": "E6.3",
    "title": "Collaborative Agenda",
    "position": 3,
    "pitfalls": ["Opening with your own checklist so the patient's concern comes up at the door."],
}


def reparses(course: Course) -> None:
    """The ledger the build wrote reads back whole, with every note."""
    text = (course.source / LEDGER_FILE).read_text(encoding="utf-8")
    ledger = parse_ledger(text, LEDGER_FILE)
    assert len(ledger.entries) == text.count('{"note": ')
