"""Identifiers: one spelling per concept id, and one place that says what an id is."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conftest import REPO
from pathdeck.ids import (
    CONCEPT_ID_TEXT,
    ConceptNumbers,
    canonical_concept_id,
    concept_id_mistake,
    concept_numbers,
    is_course_id,
    is_item_id,
)


@pytest.mark.parametrize(
    ("text", "numbers"),
    [("E6.1", (6, 1)), ("e6.1", (6, 1)), ("6.12", (6, 12)), ("Stage12.9999", (12, 9999))],
)
def test_concept_ids_name_stage_and_number(text: str, numbers: tuple[int, int]) -> None:
    """A concept id gives its stage and number."""
    assert concept_numbers(text) == ConceptNumbers(*numbers)


@pytest.mark.parametrize(
    ("text", "mistake"),
    [
        ("E٦.1", "'٦' is not one of the digits 0-9"),
        ("E６.1", "'６' is not one of the digits 0-9"),
        ("E6.01", "without leading zeros: E6.1"),
        ("E06.1", "without leading zeros: E6.1"),
        ("E0.1", "numbered from 1"),
        ("E6.0", "numbered from 1"),
        ("E6.10000", "up to 9999"),
        ("E6.1\n", "a concept id is letters"),
        ("E6-1", "a concept id is letters"),
        ("Ε6.1", "a concept id is letters"),  # a Greek capital epsilon
    ],
)
def test_look_alike_concept_ids_are_refused_with_the_reason(text: str, mistake: str) -> None:
    """Ids that only look right are refused, and the message says what is wrong."""
    assert concept_numbers(text) is None
    assert mistake in concept_id_mistake(text)


def test_ids_differing_in_case_compare_equal() -> None:
    """`e6.1` and `E6.1` have one comparison key; `E6.1` and `E6.11` do not."""
    assert canonical_concept_id("e6.1") == canonical_concept_id("E6.1")
    assert canonical_concept_id("E6.1") != canonical_concept_id("E6.11")


@given(st.text(max_size=14))
def test_a_concept_id_has_one_spelling_of_its_numbers(text: str) -> None:
    """Any accepted id is ASCII and spells its numbers exactly as int() prints them."""
    numbers = concept_numbers(text)
    if numbers is not None:
        assert text.isascii()
        assert text.endswith(f"{numbers.stage}.{numbers.number}")


@given(st.from_regex(re.compile(CONCEPT_ID_TEXT), fullmatch=True))
def test_every_id_the_pattern_finds_is_a_concept_id(text: str) -> None:
    """The in-text pattern (page connection lines) accepts exactly the concept ids."""
    assert concept_numbers(text) is not None


def test_course_and_item_ids() -> None:
    """Course ids are slugs; item ids are letters, digits, '.', '-', '_'."""
    assert is_course_id("clinical-encounters")
    assert not is_course_id("Clinical Encounters")
    assert not is_course_id("clinical--encounters")
    assert is_item_id("rf-no-shows.2")
    assert not is_item_id("-leading-dash")


def test_id_formats_live_only_in_ids_py() -> None:
    """No other module compiles a concept id pattern of its own (a second copy drifts)."""
    own = re.compile(r"\[A-Za-z\]\{0,8\}|\(\\d\+\)\\\.|concept_numbers\s*=|COURSE_ID\s*=")
    others = [
        path.name
        for path in (REPO / "src" / "pathdeck").rglob("*.py")
        if path.name != "ids.py" and own.search(path.read_text(encoding="utf-8"))
    ]
    assert others == []
