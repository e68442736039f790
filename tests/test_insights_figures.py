"""Insights' values on their own: word diffs of learners' edits, figures, the hardness score."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from pathdeck.roles import Role
from pathdeck.tools.insights.edits import field_edits, merge_identical, visible_text, word_changes
from pathdeck.tools.insights.figures import Figures
from pathdeck.tools.insights.published import PublishedItem

WORDS = st.lists(
    st.sampled_from(["the", "then", "than", "C-SSRS", "(RCT", "&", "—", "e.g.", "1.5"])
)


def pitfall(text: str) -> PublishedItem:
    """A published pitfall note whose Pitfall field says `text`."""
    return PublishedItem(
        guid="g",
        course_id="c",
        stage=2,
        stage_title="Risk",
        concept_id="E2.1",
        concept_title="Suicide",
        role=Role.PITFALL,
        text=text,
        retired=False,
        field_names=("Prompt", "Pitfall", "Instead", "Breadcrumb", "Concept", "Stage", "Retired"),
        fields=("Asking […]", text, "", "Stage 2 · E2.1", "E2.1 Suicide", "Stage 2", ""),
        changed=1,
        hash="",
        order=(2, 1, 1, 0),
    )


@given(WORDS, WORDS)
def test_changes_exactly_when_the_words_differ(old: list[str], new: list[str]) -> None:
    """A diff is empty exactly when the two texts have the same words."""
    changes = word_changes(" ".join(old), " ".join(new))
    assert (changes == ()) == (old == new)


@given(WORDS, WORDS)
def test_changes_take_words_from_each_side(old: list[str], new: list[str]) -> None:
    """Removed words come from the published text, added words from the learner's."""
    for change in word_changes(" ".join(old), " ".join(new)):
        assert set(change.removed.split()) <= set(old)
        assert set(change.added.split()) <= set(new)
        assert change.removed or change.added


def test_markup_only_change_is_no_edit() -> None:
    """Bolding a word, or Anki's editor turning a space into &nbsp;, changes no words."""
    item = pitfall("Asking &quot;you're not thinking of it?&quot; invites a no.")
    theirs = list(item.fields)
    theirs[1] = 'Asking "you\'re <b>not</b> thinking of it?"&nbsp;invites a no.'
    theirs[3] = "my own breadcrumb"  # fields that only orient the learner are not the item
    assert field_edits(item, "\x1f".join(theirs)) == ()


def test_typo_fix_is_one_change_with_its_context() -> None:
    """A one-word correction is reported with the published words just before it."""
    item = pitfall("Unstructured judgement is barely better then chance.")
    theirs = list(item.fields)
    theirs[1] = "Unstructured judgement is barely better than chance."
    (edit,) = field_edits(item, "\x1f".join(theirs))
    (change,) = edit.changes
    assert (change.before, change.removed, change.added) == (
        "judgement is barely better",
        "then",
        "than",
    )


def test_identical_edits_are_counted_once() -> None:
    """Two learners making the same correction are one entry for two learners."""
    item = pitfall("better then chance")
    theirs = "\x1f".join([item.fields[0], "better than chance", *item.fields[2:]])
    merged = merge_identical([*field_edits(item, theirs), *field_edits(item, theirs)])
    assert [(e.edited, e.learners) for e in merged] == [("better than chance", 2)]


def test_visible_text_decodes_entities_and_drops_markup() -> None:
    """What a learner reads: `&lt;`, `&amp;` decoded, tags gone, spaces collapsed."""
    assert visible_text("<b>a</b>&nbsp;&lt;&amp;<br>b  c") == "a <& b c"


def test_rates_are_none_before_any_answer() -> None:
    """An item nobody answered has no rates and scores zero."""
    figures = Figures()
    assert (figures.again_rate, figures.lapse_rate, figures.retention) == (None, None, None)
    assert figures.mean_seconds is None
    assert figures.score == 0


@given(st.integers(1, 60), st.integers(0, 20), st.integers(1, 20))
def test_more_learners_with_the_same_rates_score_higher(
    learners: int, lapses: int, extra: int
) -> None:
    """The score trusts an item more as more learners show the same struggle."""
    review = lapses + 5

    def figures(n: int) -> Figures:
        return Figures(
            learners=n, learning=10 * n, learning_again=3 * n, review=review * n, lapses=lapses * n
        )

    few, many = figures(learners), figures(learners + extra)
    assert few.again_rate == many.again_rate
    assert few.lapse_rate == many.lapse_rate
    assert many.score > few.score


@given(st.integers(0, 50), st.integers(0, 50))
def test_score_grows_with_lapses(lapses: int, more: int) -> None:
    """Among items seen by as many learners, more lapses on as many reviews rank harder."""
    base = Figures(learners=4, learning=40, learning_again=8, review=100, lapses=lapses)
    worse = Figures(learners=4, learning=40, learning_again=8, review=100, lapses=lapses + more)
    assert worse.score >= base.score
    assert 0 <= base.score <= 200


def test_only_whole_leech_and_marked_tags_count() -> None:
    """Anki's tags ignore case and are whole words: `leeches` or `deck::leech` is no leech."""
    from pathdeck.tools.insights.reading import _course_notes

    published = {f"g{n}": (100, "hash") for n in range(6)}
    every = [
        ("g0", 1, 100, " Leech "),
        ("g1", 2, 100, " leeches deck::leech "),
        ("g2", 3, 150, " MARKED leech "),
        ("g3", 4, 90, None),
        ("foreign", 5, 200, " leech "),
        ("g5", 6, 101, " marked"),
    ]
    notes, modified, tags = _course_notes(every, published)
    assert [note[0] for note in notes] == ["g0", "g1", "g2", "g3", "g5"]
    assert modified == [3, 6]  # modified after publication: maybe a learner's edit
    assert {note_id: (int(a), int(b)) for note_id, (a, b) in tags.items() if a or b} == {
        1: (1, 0),
        3: (1, 1),
        6: (0, 1),
    }


@given(st.lists(st.integers(0, 10**9), min_size=11, max_size=11))
def test_figures_json_text_is_what_json_writes(counts: list[int]) -> None:
    """The figures' hand-made JSON text is the text json writes for to_json, number for number."""
    import json

    figures = Figures.of(counts)
    text = figures.json_text()
    assert text == json.dumps(figures.to_json(), ensure_ascii=False)
    assert json.loads(text) == figures.to_json()
