"""End to end: build decks/ and import it into the official anki library as a learner would."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from anki_helpers import fresh_collection, import_default, notes_by_role
from pathdeck.pipeline import build

pytestmark = pytest.mark.anki

ROLES = {
    "sample-language": "Sample language",
    "pitfall": "Pitfall",
    "red-flag": "Red flag",
    "prove-it": "Prove it",
    "anchor": "Anchor",
    "key-fact": "Key fact",
}
CLOZE = re.compile(r"\{\{c([0-9]+)::(.*?)\}\}")


def visible_text(html: str) -> str:
    """What a learner reads: markup, styles and entities reduced to plain words."""
    html = re.sub(r"<style>.*?</style>", " ", html, flags=re.DOTALL)
    html = re.sub(r"</?(?:span|b|i|mark)\b[^>]*>", "", html)  # inline: no word break
    html = re.sub(r"<[^>]+>", " ", html)
    html = html.replace("&nbsp;", " ").replace("&amp;", "&").replace("&lt;", "<")
    html = html.replace("&gt;", ">").replace("&#123;", "{").replace("&#125;", "}")
    html = html.replace("&#91;", "[").replace("&#93;", "]")
    return re.sub(r"\s+", " ", html).strip()


@pytest.fixture
def learner(source: Path, tmp_path: Path, epoch: int) -> Any:
    """A fresh collection that imported the built deck with Anki's default options."""
    apkg = build(source, tmp_path / "out" / "course.apkg").output
    col = fresh_collection(tmp_path / "learner")
    import_default(col, apkg)
    yield col
    col.close()


def test_every_role_is_its_own_note_type(learner: Any) -> None:
    """Each of the six roles arrives as one note type whose name holds the role's words."""
    names = [m.name for m in learner.models.all_names_and_ids() if m.name.startswith("pathdeck")]
    assert len(names) == 6
    for words in ROLES.values():
        assert sum(words in name for name in names) == 1


def test_one_note_per_item(learner: Any) -> None:
    """E6.1 gives one note per phrase, pitfall, red flag and fact, one prove-it and anchor note."""
    counts = {role: len(notes) for role, notes in notes_by_role(learner).items()}
    assert counts == {
        "sample-language": 3,
        "pitfall": 4,
        "red-flag": 1,
        "prove-it": 1,
        "anchor": 1,
        "key-fact": 9,
    }


def test_bordins_components_are_one_note_with_three_cards(learner: Any) -> None:
    """Bordin's bond, goals and tasks: one note, a card per blank, the others shown as context."""
    (note,) = [n for n in notes_by_role(learner)["key-fact"] if "Bordin" in n["Text"]]
    cards = sorted(note.cards(), key=lambda c: c.ord)
    assert len(cards) == 3
    for card, (answer, others) in zip(
        cards,
        [("bond", ("goals", "tasks")), ("goals", ("bond", "tasks")), ("tasks", ("bond", "goals"))],
        strict=True,
    ):
        front = visible_text(card.question())
        assert f" {answer} (" not in front
        assert "[...]" in front
        assert all(f"{other} (" in front for other in others)
        assert f"{answer} (" in visible_text(card.answer())


def test_stage_deck_under_course_deck(learner: Any) -> None:
    """All cards sit in the zero-padded stage deck under the course deck."""
    expected = "Clinical Encounters::Stage 06 · The Therapeutic Alliance"
    names = {d.name for d in learner.decks.all_names_and_ids()}
    assert {"Clinical Encounters", expected} <= names
    for card_id in learner.find_cards(""):
        assert learner.decks.name(learner.get_card(card_id).did) == expected


def test_no_blank_fronts_and_answers_not_on_fronts(learner: Any) -> None:
    """Every card's front has words, differs from its back and never shows the item it asks for."""
    answers = {
        "sample-language": "Phrase",
        "pitfall": "Pitfall",
        "red-flag": "Meaning",
        "prove-it": "ModelAnswer",
    }
    for card_id in learner.find_cards(""):
        card = learner.get_card(card_id)
        front, back = visible_text(card.question()), visible_text(card.answer())
        assert len(front) > 20
        assert front != back
        note = card.note()
        role = next(t for t in note.tags if t.startswith("pathdeck::role::")).split("::")[-1]
        if role in answers:
            answer = visible_text(note[answers[role]])
            assert answer not in front
            assert answer in back
        if role == "key-fact":
            asked = [a for n, a in CLOZE.findall(note["Text"]) if int(n) == card.ord + 1]
            assert "[...]" in front
            assert all(visible_text(a) in back for a in asked)


def test_anchor_card_hides_the_anchor(learner: Any) -> None:
    """The anchor card asks for the anchor without showing it; the back states it."""
    (anchor,) = notes_by_role(learner)["anchor"]
    cards = anchor.cards()
    assert len(cards) == 1  # one template per note type: never a second, blank card
    statement = visible_text(anchor["Anchor"])
    first = next(c for c in cards if c.ord == 0)
    assert statement not in visible_text(first.question())
    assert statement in visible_text(first.answer())


def test_pitfall_cards_blank_the_lesson(learner: Any) -> None:
    """A pitfall hides its lesson, never the excuse after "because"; three words of cue stay."""
    prompts = {visible_text(n["Prompt"]) for n in notes_by_role(learner)["pitfall"]}
    assert "[…] because the patient is compliant." in prompts
    assert "Treating alliance as a personality trait rather than […]." in prompts
    assert all(len(p.replace("[…]", "").split()) >= 3 for p in prompts)


def test_tags_name_course_stage_role_and_concept(learner: Any) -> None:
    """Every note carries the course, stage, role and verbatim concept-id tags."""
    for note_id in learner.find_notes(""):
        tags = set(learner.get_note(note_id).tags)
        assert {
            "pathdeck::course::clinical-encounters",
            "pathdeck::stage::06",
            "pathdeck::E6.1",
        } <= tags
        assert any(t.startswith("pathdeck::role::") for t in tags)


def test_new_cards_follow_curriculum_order(learner: Any) -> None:
    """The new queue presents sample language, pitfalls, red flag, prove it, anchor, facts."""
    order = []
    for card_id in learner.find_cards("", order="c.due, c.ord"):
        note = learner.get_card(card_id).note()
        order.append(next(t for t in note.tags if t.startswith("pathdeck::role::")).split("::")[-1])
    facts = len(learner.find_cards("tag:pathdeck::role::key-fact"))
    assert facts == 27
    assert order == (
        ["sample-language"] * 3
        + ["pitfall"] * 4
        + ["red-flag", "prove-it", "anchor"]
        + ["key-fact"] * facts
    )


def test_phrases_keep_their_source_order(learner: Any) -> None:
    """Within a role, items are introduced in the order the educator wrote them."""
    phrases = [
        visible_text(learner.get_card(c).note()["Phrase"])
        for c in learner.find_cards("tag:pathdeck::role::sample-language", order="c.due")
    ]
    assert phrases[0] == "What are you hoping we can accomplish together?"
    assert phrases[2].startswith("I want to check in")


def test_collection_integrity_is_clean(learner: Any) -> None:
    """Anki's own integrity check finds nothing to repair after the import."""
    message, ok = learner.fix_integrity()
    assert ok
    assert "Database rebuilt and optimized." in message
    assert len(message.splitlines()) == 1


def test_scheduler_serves_the_cards(learner: Any) -> None:
    """The learner can study: the scheduler's first card is the first phrase of E6.1."""
    learner.decks.select(learner.decks.id_for_name("Clinical Encounters"))
    card = learner.sched.getCard()
    assert card is not None
    assert "sample-language" in " ".join(card.note().tags)
    assert visible_text(card.note()["Phrase"]).startswith("What are you hoping")
