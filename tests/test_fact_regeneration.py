"""Key facts through a release: a learner reviews, the educator edits the facts (a typo, a
reorder, an insertion, a removal), and every reviewed fact card keeps its history."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from anki_helpers import import_default
from test_regeneration import (
    E61,
    T1,
    T2,
    edit,
    histories,
    learner_of_release_one,
    publish,
    review_everything,
)

pytestmark = pytest.mark.anki

CLOZE = re.compile(r"\{\{c[0-9]+::(.*?)\}\}")


def _facts_of(col: Any) -> dict[str, Any]:
    """Every live key-fact note by its text, blanks filled in."""
    found = {}
    for note_id in col.find_notes("tag:pathdeck::role::key-fact -tag:pathdeck::retired"):
        note = col.get_note(note_id)
        found[CLOZE.sub(r"\1", note["Text"])] = note
    return found


def _edit_facts(data: dict[str, Any]) -> None:
    facts = data["facts"]
    texts = [f["text"] for f in facts]
    typo = next(i for i, t in enumerate(texts) if "[[behaviors]]" in t)
    facts[typo]["text"] = texts[typo].replace("[[behaviors]]", "[[behaviours]]")
    removed = next(i for i, t in enumerate(texts) if "clinical instrument" in t)
    del facts[removed]
    facts.reverse()  # a reorder of everything that is left
    facts.insert(2, {"text": "Alliance is checked at [[every encounter]], not assumed."})


def test_edited_facts_keep_every_card_and_its_history(
    source: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Typo, reorder, insert and removal: reviewed fact cards keep id, schedule and log."""
    out = tmp_path / "out" / "course.apkg"
    col = learner_of_release_one(source, out, tmp_path, monkeypatch)
    review_everything(col)
    before = histories(col)
    bordin = next(n for t, n in _facts_of(col).items() if t.startswith("Bordin"))
    edit(source, E61, _edit_facts)
    report = publish(source, out, T2, monkeypatch)
    log = import_default(col, out).log
    assert (len(log.new), len(log.conflicting)) == (1, 0)
    assert report.counts["retired"] == 1
    after = histories(col)
    assert all(after[card_id] == history for card_id, history in before.items())
    facts = _facts_of(col)
    assert "Alliance is built through behaviours, not personality." in facts
    assert "Alliance is checked at every encounter, not assumed." in facts
    assert facts[next(t for t in facts if t.startswith("Bordin"))].id == bordin.id
    assert len(bordin.cards()) == 3
    (retired,) = col.find_notes("tag:pathdeck::retired")
    assert "clinical instrument" in col.get_note(retired)["Text"]
    col.close()


def test_a_new_learner_gets_no_retired_fact_in_the_course(
    source: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Someone importing after the edit gets the removed fact only in the retired-items deck."""
    out = tmp_path / "out" / "course.apkg"
    publish(source, out, T1, monkeypatch)
    edit(source, E61, _edit_facts)
    publish(source, out, T2, monkeypatch)
    from anki_helpers import fresh_collection

    col = fresh_collection(tmp_path / "newcomer")
    import_default(col, out)
    for card_id in col.find_cards("tag:pathdeck::retired"):
        assert col.decks.name(col.get_card(card_id).did).endswith("(retired items)")
        assert "no longer taught" in col.get_card(card_id).question()
    col.close()
