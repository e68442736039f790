"""Cards stage: each role's notes for E6.1 match the golden file; the role builders behave."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import DECKS
from pathdeck.cards import FIELDS, course_notes, number_blanks, retired_note
from pathdeck.cards.pitfall import blank_pitfall
from pathdeck.cards.red_flag import meaning_and_action
from pathdeck.cards.sample_language import key_words
from pathdeck.cards.words import sentence_case
from pathdeck.curriculum import Concept, Course, Fact, Phrase, Pitfall, ProveIt, RedFlag, Stage
from pathdeck.markup import plain, to_html
from pathdeck.roles import Role
from pathdeck.source import load_tree
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
            "blanks": list(note.blanks),
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


def _course(**parts: object) -> Course:
    concept = Concept(id="E1.1", title="Talking", position=1, stage_number=1, **parts)  # type: ignore[arg-type]
    stage = Stage(number=1, title="Basics", concept_count=1, folder="s1", concepts=(concept,))
    return Course(id="c", title="C", stages=(stage,))


def _fields(course: Course, role: Role) -> list[dict[str, str]]:
    return [
        dict(zip(FIELDS[n.role], n.fields, strict=True))
        for n in course_notes(course)
        if n.role is role
    ]


@pytest.mark.parametrize(
    ("text", "hidden", "shown"),
    [
        # the excuse after "because" stays as the cue; the mistake is what the learner recalls
        ("Assuming alliance because the patient is compliant.", "Assuming alliance", ""),
        (
            "Treating alliance as a personality trait rather than a set of behaviors.",
            "a set of behaviors",
            "Treating alliance as a personality trait rather than ",
        ),
        ("Ignoring early signals of misalignment.", "misalignment", "Ignoring early signals of "),
        (
            "Testing capacity only when the patient disagrees with you.",
            "Testing capacity only",
            "",
        ),
    ],
)
def test_pitfall_hides_the_lesson_not_the_excuse(text: str, hidden: str, shown: str) -> None:
    """The blank is the mistake before an excuse, or the lesson after "rather than"."""
    blanked = blank_pitfall(text)
    assert blanked is not None
    assert (blanked.hidden, blanked.before) == (hidden, shown)
    assert blanked.cue_words >= 3


def test_pitfall_too_short_to_blank() -> None:
    """A pitfall of three words has nothing sensible to blank (the linter says so)."""
    assert blank_pitfall("Rushing the patient.") is None


def test_instead_is_the_page_sentence_that_answers_each_pitfall() -> None:
    """Each pitfall's 'instead' is a different page sentence sharing its words, or nothing."""
    course = _course(
        body=("Alliance is built through behaviors, not personality. Compliance is not alliance.",),
        pitfalls=(
            Pitfall(text="Treating alliance as a personality trait rather than behaviors."),
            Pitfall(text="Assuming alliance because the patient is compliant."),
            Pitfall(text="Forgetting the weekend rota entirely."),
        ),
    )
    insteads = [f["Instead"] for f in _fields(course, Role.PITFALL)]
    assert insteads == [
        "Alliance is built through behaviors, not personality.",
        "Compliance is not alliance.",
        "",
    ]


def test_authored_prompt_and_instead_are_used() -> None:
    """An authored pitfall prompt and instead replace the generated blank and page sentence."""
    course = _course(
        pitfalls=(
            Pitfall(text="Talking too much.", prompt="What fills the silence?", instead="Wait."),
        ),
    )
    (fields,) = _fields(course, Role.PITFALL)
    assert (fields["Prompt"], fields["Instead"]) == ("What fills the silence?", "Wait.")


def test_sample_language_front_is_the_phrase_with_its_key_words_hidden() -> None:
    """Without an intent the front frames the phrase and hides its longest key words."""
    before, hidden, after = (
        key_words("What are you hoping we can accomplish together?") or ("",) * 3
    )
    assert (before, hidden, after) == ("What are you hoping we can ", "accomplish together", "?")
    assert key_words("Go on.") is None


def test_authored_intent_is_the_whole_front() -> None:
    """With an authored intent the front says what the phrase is for, and hides all of it."""
    course = _course(
        sample_language=(Phrase(text="Tell me more about that please.", intent="Invite more"),)
    )
    (fields,) = _fields(course, Role.SAMPLE_LANGUAGE)
    assert (fields["Purpose"], fields["Prompt"]) == ("Invite more", "")


def test_red_flag_imperative_meaning_is_an_action() -> None:
    """An instruction in the meaning is shown under "Do"; what the sign signals stays."""
    flag = RedFlag(sign="New confusion", meaning="treat delirium first; reassess when it clears")
    assert meaning_and_action(flag) == ("", "treat delirium first; reassess when it clears")
    flag = RedFlag(sign="No-shows", meaning="often signals an alliance issue", action="Ask.")
    assert meaning_and_action(flag) == ("often signals an alliance issue", "Ask.")


def test_bare_red_flag_gets_no_invented_answer() -> None:
    """A sign with neither meaning nor action makes no card rather than an invented back."""
    course = _course(red_flags=(RedFlag(sign="The decision is life-threatening"),))
    assert _fields(course, Role.RED_FLAG) == []


def test_prove_it_back_is_a_few_points_that_bear_on_the_case() -> None:
    """The back lists two to four page points; the breadcrumb names the stage, not the concept."""
    course = _course(
        anchor="Compliance is not alliance. Check the alliance at every visit.",
        facts=(Fact(text="A [[compliant]] patient who is not improving may not be allied."),),
        prove_it=ProveIt(scenario="A compliant patient is not improving after months."),
    )
    (fields,) = _fields(course, Role.PROVE_IT)
    points = fields["ModelAnswer"].count("<li>")
    assert 2 <= points <= 4
    assert "compliant patient who is not improving" in fields["ModelAnswer"]
    assert "Talking" not in fields["Breadcrumb"]


def test_concept_without_anchor_has_no_anchor_note() -> None:
    """No anchor: no anchor note, whatever else the concept has (never a blank card)."""
    assert _fields(_course(documentation="Note it."), Role.ANCHOR) == []


def test_fact_is_one_cloze_note_with_a_card_per_blank() -> None:
    """A fact's blanks become c1..cn of one note; `blanks` lists their answers in order."""
    course = _course(facts=(Fact(text="Bordin: [[bond]], [[goals]], [[tasks]] \\[sic\\]."),))
    (note,) = [n for n in course_notes(course) if n.role is Role.KEY_FACT]
    assert note.blanks == ("bond", "goals", "tasks")
    assert note.match_text == "Bordin: bond, goals, tasks [sic]."
    text = dict(zip(FIELDS[note.role], note.fields, strict=True))["Text"]
    assert text == "Bordin: {{c1::bond}}, {{c2::goals}}, {{c3::tasks}} &#91;sic&#93;."


def test_number_blanks_renumbers_and_keeps_retired_cards() -> None:
    """Blank i takes numbers[i]; each retired number keeps a card that says so."""
    course = _course(facts=(Fact(text="[[bond]] and [[tasks]] matter."),))
    (note,) = [n for n in course_notes(course) if n.role is Role.KEY_FACT]
    text = number_blanks(note, (1, 3), (2,)).fields[0]
    assert text.startswith("{{c1::bond}} and {{c3::tasks}} matter.")
    assert "{{c2::::this blank is no longer taught" in text
    with pytest.raises(ValueError, match="distinct"):
        number_blanks(note, (1, 1))


def test_retired_cloze_note_keeps_every_card_with_the_notice() -> None:
    """A retired fact that had three blanks keeps cards 1..3, each showing the notice."""
    note = retired_note(Role.KEY_FACT, "E1.1", "Bordin: bond, goals, tasks.", None, "Old", blanks=3)
    text = note.fields[0]
    assert all(f"{{{{c{n}::::" in text for n in (1, 2, 3))
    assert note.retired


@given(concepts())
@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_every_note_has_a_front_that_hides_its_answer(drawn: tuple[Concept, str, int]) -> None:
    """For any concept, every note's front has text, and no front holds its whole answer."""
    concept = drawn[0]
    stage = Stage(number=1, title="Basics", concept_count=1, folder="s1", concepts=(concept,))
    for note in course_notes(Course(id="c", title="C", stages=(stage,))):
        fields = dict(zip(FIELDS[note.role], note.fields, strict=True))
        front = {
            Role.SAMPLE_LANGUAGE: fields.get("Purpose", "") + fields.get("Prompt", ""),
            Role.PITFALL: fields.get("Prompt", ""),
            Role.RED_FLAG: fields.get("Sign", ""),
            Role.PROVE_IT: fields.get("Scenario", ""),
            Role.ANCHOR: fields.get("Concept", ""),
            Role.KEY_FACT: fields.get("Text", ""),
        }[note.role]
        assert plain(front).strip()
        if note.role is Role.SAMPLE_LANGUAGE and fields["Prompt"]:
            assert to_html(concept.sample_language[note.position].text) not in fields["Prompt"]


def test_red_flag_meaning_starts_with_a_capital() -> None:
    """A meaning written as the sign's continuation starts its own line with a capital letter."""
    assert sentence_case("often signals an alliance issue.") == "Often signals an alliance issue."
    assert sentence_case("«quoted» start") == "«quoted» start"
    assert sentence_case("") == ""


_PIECE = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), max_size=12
)


@given(st.lists(st.tuples(_PIECE, _PIECE.filter(str.strip)), min_size=1, max_size=5))
@settings(max_examples=150, deadline=None)
def test_every_blank_is_one_card_that_hides_it(pieces: list[tuple[str, str]]) -> None:
    """For any fact, each blank makes one card whose front hides exactly that blank."""
    from pathdeck import cloze
    from pathdeck.cards.lint import BLANK, faces

    segments = tuple(
        s
        for text, answer in pieces
        for s in (cloze.Segment(text=text), cloze.Segment(text=answer, blank=True))
        if s.text
    )
    concept = Concept(
        id="E1.1", title="T", position=1, stage_number=1, facts=(Fact(text=cloze.write(segments)),)
    )
    stage = Stage(number=1, title="Basics", concept_count=1, folder="s1", concepts=(concept,))
    notes = course_notes(Course(id="c", title="C", stages=(stage,)))
    (note,) = notes
    cards = faces(concept, notes)
    assert len(cards) == len(note.blanks) == len(pieces)
    assert all(card.front.count(BLANK) >= 1 and card.front.strip() for card in cards)
