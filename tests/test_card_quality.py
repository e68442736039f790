"""Cards that teach, measured: the issue's four figures on the seed and every fixture page,
rendered by the official anki library, and the card linter on a concept made to be weak."""

from __future__ import annotations

import statistics
from pathlib import Path

import pytest

from bench.card_quality import ALIKE, Figures, measure_pages
from cli_support import invoke

FIXTURES = Path(__file__).resolve().parent / "fixtures"
PAGES = sorted((FIXTURES / "pages").glob("*.txt"))
WEAK = FIXTURES / "weak-cards"

# Every enumeration the fixture pages state: each item must be the answer of some card.
ENUMERATIONS = (
    *("bond", "goals", "tasks"),  # E6.1, Bordin's three components
    *("understand", "retain", "weigh", "communicate"),  # E11.1, the four abilities
    *("purpose", "rules", "time limit"),  # E10.2, the debrief's frame
    *("patient", "pharmacy", "GP letter", "continue", "stop", "change"),  # E12.3
    *("Situation", "Background", "Assessment", "Recommendation"),  # E3.2, SBAR
    *("Perception", "Invitation", "Knowledge", "Emotions", "Strategy"),  # E4.1, SPIKES
    *("naming", "understanding", "respecting", "supporting"),  # E4.1, responses to emotion
)


@pytest.fixture(scope="module")
def figures() -> Figures:
    """The seed and every fixture page, imported, built, rendered and measured."""
    return measure_pages(PAGES, ENUMERATIONS)


@pytest.mark.anki
def test_no_two_notes_of_a_concept_have_alike_fronts(figures: Figures) -> None:
    """(a) No two cards of one concept from different notes read >= 0.85 alike."""
    assert figures.cards > 100
    assert figures.alike == [], f"fronts >= {ALIKE} alike"


@pytest.mark.anki
def test_every_front_has_three_words_of_its_own(figures: Figures) -> None:
    """(b) Each front has three words that any other note's front of its concept lacks."""
    assert figures.thin == []


@pytest.mark.anki
def test_answers_are_short(figures: Figures) -> None:
    """(c) The words to check are few: median <= 30, every card <= 80."""
    assert statistics.median(figures.answer_sizes) <= 30
    assert figures.largest_answer <= 80


@pytest.mark.anki
def test_every_enumerated_item_is_asked(figures: Figures) -> None:
    """(d) Each item of each enumeration is the answer of a card whose front does not show it."""
    assert figures.missed == []


def test_check_warns_about_each_weak_card(monkeypatch: pytest.MonkeyPatch) -> None:
    """The linter flags every weakness of the weak-cards concept, at its line, with its code."""
    monkeypatch.chdir(WEAK)
    result = invoke("check", ".")
    assert result.exit_code == 0
    found = [
        line.split("]", 1)[0] + "]" for line in result.stderr.splitlines() if "warning[" in line
    ]
    lines = (WEAK / "card-lint.txt").read_text(encoding="utf-8").splitlines()
    assert found == [line for line in lines if line and not line.startswith("#")]


def test_check_strict_fails_on_weak_cards() -> None:
    """`check --strict` exits 1 when the linter has something to say."""
    assert invoke("check", "--strict", str(WEAK)).exit_code == 1


def test_the_shipped_deck_lints_clean() -> None:
    """decks/ has no card warning: its cards read well."""
    decks = Path(__file__).resolve().parent.parent / "decks"
    result = invoke("check", "--strict", str(decks))
    assert (result.exit_code, "warning" in result.stderr) == (0, False)
