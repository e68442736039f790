"""Key facts: the cloze syntax, extraction in `pathdeck import`, and merging on re-import."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from pathdeck import cloze
from pathdeck.pages.facts import concept_sources, extract
from pathdeck.pages.importer import import_pages
from pathdeck.pages.parse import parse_page
from pathdeck.pages.shapes import sentence_fact
from test_pages import concepts

PAGES = Path(__file__).resolve().parent / "fixtures" / "pages"
SEED = PAGES / "stage-06-concept-1-alliance-foundations.txt"


@pytest.mark.parametrize(
    ("sentence", "fact"),
    [
        (
            "Assume capacity; then test the four abilities for this decision: understand, "
            "retain, weigh, communicate.",
            "Assume capacity; then test the four abilities for this decision: [[understand]], "
            "[[retain]], [[weigh]], [[communicate]].",
        ),
        (
            "Bordin's three components: bond (warmth, trust), goals (shared aims), tasks (how).",
            "Bordin's three components: [[bond]] (warmth, trust), [[goals]] (shared aims), "
            "[[tasks]] (how).",
        ),
        (
            "Hand over with SBAR: Situation, Background, Assessment, Recommendation.",
            "Hand over with SBAR: [[Situation]], [[Background]], [[Assessment]], "
            "[[Recommendation]].",
        ),
        ("The test is functional, not diagnostic.", "The test is [[functional]], not diagnostic."),
        (
            "Goals: shared understanding of what the work is for.",
            "[[Goals]]: shared understanding of what the work is for.",
        ),
        (
            'Mark each drug "continue", "stop" or "change".',
            'Mark each drug "[[continue]]", "[[stop]]" or "[[change]]".',
        ),
        (
            "Name the purpose (learning), the rules (confidential) & the time limit (30 min).",
            "Name the [[purpose]] (learning), the [[rules]] (confidential) & the [[time limit]] "
            "(30 min).",
        ),
        (
            "Remember: the patient, not the chart, is the source of truth.",
            "Remember: the [[patient]], not the chart, is the source of truth.",
        ),
        (
            "Use the 5 Ps: pain, pallor, pulselessness, paraesthesia, paralysis.",
            "Use the 5 Ps: [[pain]], [[pallor]], [[pulselessness]], [[paraesthesia]], "
            "[[paralysis]].",
        ),
        ("Use \\[brackets\\]: one, two, three.", None),  # a count-free list after a colon
    ],
)
def test_sentence_states_its_fact(sentence: str, fact: str | None) -> None:
    """Lists, acronyms, contrasts and definitions become facts with the right blanks."""
    found = sentence_fact(sentence)
    if fact is None:
        assert found is not None
        segments, problem = cloze.parse(found)
        assert problem is None
        assert cloze.answers(segments) == ("one", "two", "three")
    else:
        assert found == fact


@pytest.mark.parametrize(
    "sentence",
    [
        "The two abilities: understand, retain, weigh.",  # the count disagrees with the list
        "Maintain actively, not passively.",  # too little cue left around the blank
        "Better than technique.",
        "The signs to watch for: none.",
        "It was a long, slow, tiring shift for everyone on the ward that night.",
        "Real-world reality: handover quality varies across programs.",
        "Three things matter: timing, tone and who is in the room.",  # a clause, not an item
        "Note: if in doubt, ask, and then document.",
        "Ask about mood, sleep, appetite and energy.",  # nothing says a list of what
    ],
)
def test_sentence_without_a_plain_fact_gives_none(sentence: str) -> None:
    """Precision over recall: a sentence whose fact is not plain gives no fact."""
    assert sentence_fact(sentence) is None


def test_seed_gets_bordins_three_components_as_one_fact() -> None:
    """The seed page's opening move becomes one fact with bond, goals and tasks as blanks."""
    concept = parse_page(SEED.read_text(encoding="utf-8"), SEED.name).concept
    answers = [cloze.answers(cloze.parse(f.text)[0]) for f in extract(concept_sources(concept))]
    assert ("bond", "goals", "tasks") in answers


@given(st.text(alphabet="ab[]\\ ", max_size=30))
def test_cloze_write_reads_back(text: str) -> None:
    """Segments written in the fact syntax parse back to the same segments."""
    segments = (cloze.Segment(text=text), cloze.Segment(text=f"x{text}", blank=True))
    kept = tuple(s for s in segments if s.text)
    assert cloze.parse(cloze.write(kept)) == (kept, None)


@given(concepts())
@settings(max_examples=60, deadline=None)
def test_every_extracted_fact_reads_with_a_blank(drawn: tuple[object, str, int]) -> None:
    """Whatever a page says, each fact extraction writes parses, has a blank and (but for the
    listen-for fact, which joins the cues) reads as its source sentence."""
    concept = drawn[0]
    for fact in extract(concept_sources(concept)):  # type: ignore[arg-type]
        segments, problem = cloze.parse(fact.text)
        assert problem is None
        assert cloze.answers(segments)
        if not fact.text.startswith("Listen for: "):
            assert cloze.plain_text(segments) == fact.source


def _facts_file(into: Path) -> Path:
    return next(into.glob("stage-06-*/e6-1-*.yaml"))


def _import(page: Path, into: Path) -> dict[str, object]:
    result = import_pages([page], into, force=True, course_title=None)
    assert result.ok, result.problems
    document = yaml.safe_load(_facts_file(into).read_text(encoding="utf-8"))
    assert isinstance(document, dict)
    return document


def _texts(document: dict[str, object]) -> list[str]:
    items = document.get("facts", [])
    assert isinstance(items, list)
    return [item if isinstance(item, str) else item["text"] for item in items]


def test_reimport_keeps_the_educators_facts(tmp_path: Path) -> None:
    """Corrected, added and deleted facts stay as the educator left them on re-import."""
    page = tmp_path / SEED.name
    shutil.copy(SEED, page)
    into = tmp_path / "decks"
    document = _import(page, into)
    facts = document["facts"]
    assert isinstance(facts, list)
    corrected = "Alliance is built through [[behaviours]], not personality."
    deleted = next(f for f in facts if "clinical instrument" in f["text"])
    for item in facts:
        if "through [[behaviors]]" in item["text"]:
            item["text"] = corrected
    facts.remove(deleted)
    facts.append("Hand-written: [[alliance]] first.")
    _facts_file(into).write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")

    page.write_text(page.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    again = _import(page, into)
    texts = _texts(again)
    assert corrected in texts
    assert "Hand-written: [[alliance]] first." in texts
    assert not any("clinical instrument" in text for text in texts)
    assert deleted["from"] in again["dropped_facts"]  # type: ignore[operator]


def test_reimport_re_extracts_a_changed_sentence(tmp_path: Path) -> None:
    """An unedited fact whose sentence changed on the page is replaced by the new one's fact."""
    page = tmp_path / SEED.name
    shutil.copy(SEED, page)
    into = tmp_path / "decks"
    _import(page, into)
    text = page.read_text(encoding="utf-8")
    page.write_text(text.replace("clinical instrument", "clinical tool"), encoding="utf-8")
    texts = _texts(_import(page, into))
    assert "Treat it as a [[clinical tool]], not a happy accident." in texts
    assert not any("clinical instrument" in t for t in texts)


def test_reimporting_an_unchanged_page_writes_nothing(tmp_path: Path) -> None:
    """The merge is stable: the same page imported again with --force leaves the file as is."""
    into = tmp_path / "decks"
    _import(SEED, into)
    before = _facts_file(into).read_bytes()
    result = import_pages([SEED], into, force=True, course_title=None)
    assert (result.unchanged, _facts_file(into).read_bytes()) == ((SEED,), before)
