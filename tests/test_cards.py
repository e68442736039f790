"""Cards stage: each role's notes for E6.1 match the golden file; pure helpers behave."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings

from conftest import DECKS
from pathdeck.cards import course_notes
from pathdeck.cards.build import phrase_hint, pitfall_split, sentence_case
from pathdeck.cards.notetypes import FIELDS
from pathdeck.curriculum import Concept, Course, Phrase, Pitfall, Stage
from pathdeck.load import load_tree
from pathdeck.markup import to_html
from pathdeck.validate import validate
from test_pages import concepts

GOLDEN = Path(__file__).parent / "golden" / "e6-1-notes.jsonl"


def _golden_lines(course: Course) -> list[str]:
    lines = []
    for note in course_notes(course):
        record = {
            "role": note.role.value,
            "concept": note.concept_id,
            "index": note.position,
            "deck": note.deck,
            "tags": list(note.tags),
            "fields": dict(zip(FIELDS[note.role], note.fields, strict=True)),
        }
        lines.append(json.dumps(record, ensure_ascii=False, sort_keys=True))
    return lines


def test_e6_1_notes_match_golden(update_golden: bool) -> None:
    """The notes generated from decks/ E6.1 equal tests/golden/e6-1-notes.jsonl line for line."""
    course = validate(load_tree(DECKS)).course
    lines = _golden_lines(course)
    if update_golden:
        GOLDEN.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert GOLDEN.read_text(encoding="utf-8").splitlines() == lines


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Assuming alliance because the patient is compliant.",
            ("Assuming alliance because ", "the patient is compliant", "."),
        ),
        (
            "Treating alliance as a personality trait rather than a set of behaviors.",
            ("Treating alliance as a personality trait rather than ", "a set of behaviors", "."),
        ),
        (
            "Skipping the explicit goal/task conversation.",
            ("Skipping ", "the explicit goal/task conversation", "."),
        ),
        ("Rushing.", ("", "Rushing", ".")),
    ],
)
def test_pitfall_split_hides_what_follows_the_pivot(
    text: str, expected: tuple[str, str, str]
) -> None:
    """The recall part of a pitfall is what follows its pivot word, or all but the first word."""
    assert pitfall_split(text) == expected


def test_phrase_hint_never_gives_the_whole_phrase() -> None:
    """A hint shows at most the first third of the words, and nothing for very short phrases."""
    assert phrase_hint("What are you hoping we can accomplish together?") == "“What are …”"
    assert phrase_hint("Go on.") == ""


def _one_concept_course(concept: Concept) -> Course:
    stage = Stage(number=1, title="Basics", concept_count=1, folder="s1", concepts=(concept,))
    return Course(id="c", title="C", stages=(stage,))


def test_authored_intent_replaces_the_hint() -> None:
    """With an authored intent the front shows the intent and no opening words."""
    concept = Concept(
        id="E1.1",
        title="T",
        position=1,
        stage_number=1,
        sample_language=(
            Phrase(text="Tell me more about that please.", intent="Invite elaboration"),
        ),
    )
    (note,) = course_notes(_one_concept_course(concept))
    fields = dict(zip(FIELDS[note.role], note.fields, strict=True))
    assert fields["Cue"] == "Invite elaboration"
    assert fields["Hint"] == ""


def test_authored_prompt_and_instead_are_used() -> None:
    """An authored pitfall prompt and instead replace the generated cloze and fallback."""
    concept = Concept(
        id="E1.1",
        title="T",
        position=1,
        stage_number=1,
        anchor="Anchor text.",
        pitfalls=(
            Pitfall(text="Talking too much.", prompt="What fills the silence?", instead="Wait."),
        ),
    )
    pitfall = next(
        n for n in course_notes(_one_concept_course(concept)) if n.role.value == "pitfall"
    )
    fields = dict(zip(FIELDS[pitfall.role], pitfall.fields, strict=True))
    assert fields["Prompt"] == "What fills the silence?"
    assert fields["Instead"] == "Wait."


def test_concept_without_anchor_or_documentation_has_no_anchor_note() -> None:
    """No anchor and no documentation: no anchor note, so no card with an empty answer."""
    concept = Concept(id="E1.1", title="T", position=1, stage_number=1)
    assert course_notes(_one_concept_course(concept)) == []


FRONT_FIELDS = {
    "sample-language": ("Cue", "Hint"),
    "pitfall": ("Prompt",),
    "red-flag": ("Sign",),
    "prove-it": ("Scenario",),
}
ANSWER_FIELD = {
    "sample-language": "Phrase",
    "pitfall": "Pitfall",
    "red-flag": "Meaning",
    "prove-it": "ModelAnswer",
}


@given(concepts())
@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_every_note_has_a_front_that_hides_its_answer(drawn: tuple[Concept, str, int]) -> None:
    """For any concept, every note's front has text, and no front holds its own answer."""
    concept = drawn[0]
    for note in course_notes(_one_concept_course(concept)):
        fields = dict(zip(FIELDS[note.role], note.fields, strict=True))
        role = note.role.value
        if role == "anchor":
            assert fields["Anchor"] or fields["Documentation"]
            continue
        front = " ".join(fields[name] for name in FRONT_FIELDS[role])
        answer = fields[ANSWER_FIELD[role]]
        assert front.strip()
        assert answer.strip()
        context = " ".join(t or "" for t in (concept.title, concept.setting, concept.opening_move))
        if len(answer.split()) >= 3 and answer not in to_html(context):
            # the answer is never whole on the front, unless the author's own context quotes it
            assert answer not in front


def test_red_flag_meaning_starts_with_a_capital() -> None:
    """A meaning written as the sign's continuation starts its own line with a capital letter."""
    assert sentence_case("often signals an alliance issue.") == "Often signals an alliance issue."
    assert sentence_case("«quoted» start") == "«quoted» start"
    assert sentence_case("") == ""
