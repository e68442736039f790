"""Properties of ledger matching: every single edit keeps the identity of every other item."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from pathdeck.cards import NoteSpec
from pathdeck.identity import SIMILAR, Entry, match_items
from pathdeck.identity.matching import similarity
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
            text=t,
            hash="h",
            changed=0,
        )
        for i, t in enumerate(texts)
    ]


def identities(texts: list[str], entries: list[Entry]) -> dict[str, str]:
    """Text -> matched GUID for a new version of the list."""
    matched = match_items([spec(i, t) for i, t in enumerate(texts)], entries)
    return {texts[i]: entries[n].guid for i, n in matched.items()}


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


def _typo(text: str, at: int) -> str:
    position = at % len(text)
    return text[:position] + ("x" if text[position] != "x" else "y") + text[position + 1 :]


EDITS = st.lists(
    st.tuples(st.sampled_from(["typo", "drop", "insert"]), st.integers(0, 999)), max_size=6
)


@settings(max_examples=400, deadline=None)
@given(ITEMS, EDITS, SENTENCE, st.randoms(use_true_random=False))
def test_a_unique_better_match_is_never_swapped(
    texts: list[str], edits: list[tuple[str, int]], new: str, rnd: object
) -> None:
    """After random typos, removals, insertions and a shuffle, every item whose most similar
    note is unique, and which is that note's unique most similar item, keeps that note."""
    edited = list(texts)
    for kind, at in edits:
        if kind == "typo" and edited:
            i = at % len(edited)
            edited[i] = _typo(edited[i], at)
        elif kind == "drop" and edited:
            del edited[at % len(edited)]
        elif kind == "insert":
            edited.insert(at % (len(edited) + 1), new)
    rnd.shuffle(edited)  # type: ignore[attr-defined]
    edited = list(dict.fromkeys(edited))  # an exact duplicate is one item
    entries = published(texts)
    found = identities(edited, entries)
    score = [[similarity(item, note) for note in texts] for item in edited]
    for i, item in enumerate(edited):
        best = max(range(len(texts)), key=lambda n: score[i][n])
        unique_for_item = all(score[i][n] < score[i][best] for n in range(len(texts)) if n != best)
        unique_for_note = all(score[j][best] < score[i][best] for j in range(len(edited)) if j != i)
        if score[i][best] >= SIMILAR and unique_for_item and unique_for_note:
            assert found[item] == f"g{best}"


def test_near_identical_items_keep_their_own_notes() -> None:
    """Two near-identical items: delete the first, edit the second; the second keeps its note."""
    first = "Skipping the explicit goal conversation at the first visit."
    second = "Skipping the explicit task conversation at the first visit."
    edited = "Skipping the explicit task conversation at every visit."
    entries = published([first, second])
    assert identities([edited], entries) == {edited: "g1"}
