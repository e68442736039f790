"""Cloze numbers as identity will set them, checked in the real anki library: a renumbered
fact keeps its cards, a retired blank's card says so, a retired fact shows the notice on all."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from anki_helpers import fresh_collection, import_default
from pathdeck.cards import FIELDS, RETIRED_TAG, course_notes, number_blanks, retired_note
from pathdeck.cards.key_fact import RETIRED_BLANK
from pathdeck.curriculum import Fact
from pathdeck.pipeline import build
from pathdeck.roles import Role
from pathdeck.source import load_tree
from pathdeck.validate import validate

pytestmark = pytest.mark.anki

TEXT = FIELDS[Role.KEY_FACT].index("Text")


def _visible(html: str) -> str:
    html = re.sub(r"<style>.*?</style>", " ", html, flags=re.DOTALL)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


@pytest.fixture
def bordin(source: Path, tmp_path: Path, epoch: int) -> Iterator[tuple[Any, Any]]:
    """A learner's collection and its note of Bordin's three components (c1..c3)."""
    build(source, tmp_path / "deck.apkg")
    col = fresh_collection(tmp_path / "learner")
    import_default(col, tmp_path / "deck.apkg")
    note_id = next(
        n
        for n in col.find_notes("tag:pathdeck::role::key-fact")
        if "Bordin" in col.get_note(n)["Text"]
    )
    yield col, col.get_note(note_id)
    col.close()


def _without_goals(source: Path) -> Any:
    """Bordin's fact after the educator deleted its middle blank: bond and tasks remain."""
    course = validate(load_tree(source)).course
    (stage,) = course.stages
    (concept,) = stage.concepts
    fact = Fact(text="Bordin's three components: [[bond]], goals, [[tasks]].")
    edited = replace(course, stages=(replace(stage, concepts=(replace(concept, facts=(fact,)),)),))
    return next(n for n in course_notes(edited) if n.role is Role.KEY_FACT)


def test_retired_blank_keeps_its_card_with_the_notice(source: Path, bordin: Any) -> None:
    """The middle blank deleted: bond stays c1, tasks stays c3, and card 2 stays and says it is
    no longer taught; cards 1 and 3 never show that notice."""
    col, note = bordin
    spec = number_blanks(_without_goals(source), (1, 3), (2,))  # identity keeps tasks as c3
    assert spec.blanks == ("bond", "tasks")
    note["Text"] = spec.fields[TEXT]
    col.update_note(note)
    cards = {card.ord: card for card in note.cards()}
    assert sorted(cards) == [0, 1, 2]
    assert RETIRED_BLANK in _visible(cards[1].question())
    for ord_ in (0, 2):
        assert RETIRED_BLANK not in _visible(cards[ord_].question())
        assert RETIRED_BLANK not in _visible(cards[ord_].answer())
        assert "[...]" in _visible(cards[ord_].question())
    assert "tasks" in _visible(cards[0].question())  # the other blank is context
    assert "tasks" in _visible(cards[2].answer())


def test_retired_fact_shows_the_notice_on_every_card(source: Path, bordin: Any) -> None:
    """A fact gone from the curriculum keeps its three cards, none blank, each with the notice."""
    col, note = bordin
    gone = retired_note(Role.KEY_FACT, "E6.1", "Bordin: bond, goals, tasks.", None, "Old", blanks=3)
    note["Text"] = gone.fields[TEXT]
    note["Retired"] = gone.fields[FIELDS[Role.KEY_FACT].index("Retired")]
    col.update_note(note)
    assert RETIRED_TAG in gone.tags
    cards = note.cards()
    assert len(cards) == 3
    for card in cards:
        front = _visible(card.question())
        assert "Retired from the curriculum" in front
        assert RETIRED_BLANK in front
