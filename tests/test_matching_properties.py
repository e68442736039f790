"""Properties of ledger matching: every single edit keeps the identity of every other item."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from pathdeck.cards import NoteSpec
from pathdeck.identity import Entry, match_items
from pathdeck.roles import Role

WORDS = st.sampled_from(
    [
        "patient",
        "alliance",
        "goals",
        "tasks",
        "bond",
        "trust",
        "listen",
        "plan",
        "review",
        "safety",
        "risk",
        "dose",
        "family",
        "consent",
        "capacity",
        "handoff",
        "silence",
        "rupture",
        "repair",
        "agenda",
        "priorities",
    ]
)
SENTENCE = st.lists(WORDS, min_size=4, max_size=12).map(lambda w: " ".join(w).capitalize() + ".")
ITEMS = st.lists(SENTENCE, min_size=1, max_size=8, unique=True)


def spec(index: int, text: str) -> NoteSpec:
    """A pitfall note spec at a list position."""
    return NoteSpec(
        role=Role.PITFALL,
        concept_id="E1.1",
        item_id=None,
        position=index,
        match_text=text,
        fields=(text,),
        tags=(),
        deck="d",
        order=(1, 1, 1, index),
    )


def published(texts: list[str]) -> list[Entry]:
    """Ledger entries as the first release of `texts` would record them."""
    return [
        Entry(
            guid=f"g{i}",
            concept="E1.1",
            role=Role.PITFALL,
            key=str(i + 1),
            id=None,
            position=i,
            text=t,
            hash="h",
            changed=0,
        )
        for i, t in enumerate(texts)
    ]


def identities(texts: list[str], entries: list[Entry]) -> dict[str, str]:
    """Text -> matched GUID for a new version of the list."""
    matched = match_items([spec(i, t) for i, t in enumerate(texts)], entries)
    return {texts[i]: e.guid for i, e in matched.items()}


@settings(max_examples=300, deadline=None)
@given(ITEMS, st.randoms(use_true_random=False))
def test_reordering_keeps_every_identity(texts: list[str], rnd: object) -> None:
    """Any permutation of the items maps each item back to its own note."""
    entries = published(texts)
    shuffled = list(texts)
    rnd.shuffle(shuffled)  # type: ignore[attr-defined]
    assert identities(shuffled, entries) == {t: f"g{i}" for i, t in enumerate(texts)}


@settings(max_examples=300, deadline=None)
@given(ITEMS, SENTENCE, st.integers(min_value=0))
def test_insertion_keeps_every_other_identity(texts: list[str], new: str, where: int) -> None:
    """An inserted item anywhere leaves every existing item on its own note."""
    if new in texts:
        return
    entries = published(texts)
    edited = list(texts)
    edited.insert(where % (len(texts) + 1), new)
    found = identities(edited, entries)
    for i, text in enumerate(texts):
        assert found[text] == f"g{i}"


@settings(max_examples=300, deadline=None)
@given(ITEMS, st.integers(min_value=0))
def test_removal_keeps_every_other_identity(texts: list[str], which: int) -> None:
    """Removing one item leaves the others on their notes and matches nothing to the removed one."""
    entries = published(texts)
    gone = which % len(texts)
    edited = [t for i, t in enumerate(texts) if i != gone]
    found = identities(edited, entries)
    assert found == {t: f"g{i}" for i, t in enumerate(texts) if i != gone}


@settings(max_examples=300, deadline=None)
@given(ITEMS, st.integers(min_value=0), st.integers(min_value=0))
def test_typo_fix_keeps_the_items_identity(texts: list[str], which: int, at: int) -> None:
    """A one-character change in one item keeps it, and every other item, on its own note."""
    entries = published(texts)
    target = which % len(texts)
    text = texts[target]
    position = at % len(text)
    typo = text[:position] + ("x" if text[position] != "x" else "y") + text[position + 1 :]
    if typo in texts:
        return
    edited = list(texts)
    edited[target] = typo
    found = identities(edited, entries)
    assert found == {t: f"g{i}" for i, t in enumerate(edited)}
