"""Safe regeneration: a learner re-imports an edited, rebuilt deck and loses nothing."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from anki_helpers import fresh_collection, import_default
from pathdeck.cards import notetypes
from pathdeck.pages.importer import import_pages
from pathdeck.pipeline import BuildReport, build

pytestmark = pytest.mark.anki

T1 = 1_780_000_000
T2 = T1 + 86_400
E61 = "stage-06-the-therapeutic-alliance/e6-1-alliance-foundations.yaml"
E62 = "stage-06-the-therapeutic-alliance/e6-2-rupture-and-repair.yaml"
TYPO = "Assuming aliance because the patient is compliant."
FIXED = "Assuming alliance because the patient is compliant."
INSERTED = "Rushing to interventions before the goals are agreed."

E62_PHRASES = [
    "It sounds like something about our last visit didn't sit right with you.",
    "I may have pushed too quickly there; can we slow down together?",
    "What would make these visits feel more useful to you?",
]
E62_CONCEPT: dict[str, Any] = {
    "id": "E6.2",
    "title": "Rupture and Repair",
    "position": 2,
    "setting": "When the alliance strains: cancellations, silence, sudden agreement.",
    "opening_move": "Name the rupture without blame and invite the patient's view.",
    "sample_language": list(E62_PHRASES),
    "pitfalls": [
        "Defending yourself instead of exploring the patient's experience.",
        "Ignoring withdrawal because the patient stays polite.",
        "Apologising so much that the patient must comfort you.",
    ],
    "anchor": "Ruptures are repaired by naming them, owning your part and re-aligning goals.",
    "prove_it": {
        "scenario": "A patient cancels two visits right after you changed their medication. What do you do?"
    },
}


def edit(source: Path, name: str, change: Any) -> None:
    """Load a concept file, let `change` edit the dict, write it back."""
    path = source / name
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


def publish(source: Path, out: Path, epoch: int, monkeypatch: pytest.MonkeyPatch) -> BuildReport:
    """Build at a given SOURCE_DATE_EPOCH, as an educator's release on that day."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(epoch))
    return build(source, out)


def review_everything(col: Any) -> None:
    """Study every card once with 'Easy', so each card has review history to lose."""
    deck_id = col.decks.id_for_name("Clinical Encounters")
    config = col.decks.config_dict_for_deck_id(deck_id)
    config["new"]["perDay"] = 9999
    col.decks.update_config(config)
    col.decks.select(deck_id)
    for _ in range(1000):
        card = col.sched.getCard()
        if card is None:
            return
        col.sched.answerCard(card, 4)
    raise AssertionError("the scheduler kept serving cards")


def learner_of_release_one(
    source: Path, out: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Any:
    """Publish `source` at T1 into `out`; a fresh learner imports it with the default options."""
    publish(source, out, T1, monkeypatch)
    col = fresh_collection(tmp_path / "learner")
    import_default(col, out)
    return col


@dataclass(frozen=True)
class History:
    """What a learner would lose: a card's schedule and its review log."""

    note_id: int
    interval: int
    due: int
    reviews: int
    logged: int


def histories(col: Any) -> dict[int, History]:
    """Every card's scheduling state and review-log size, by card id."""
    result = {}
    for card_id in col.find_cards(""):
        card = col.get_card(card_id)
        logged = col.db.scalar("select count() from revlog where cid = ?", card_id)
        result[card_id] = History(card.nid, card.ivl, card.due, card.reps, logged)
    return result


def note_with(col: Any, field: str, text: str) -> Any:
    """The one note whose field contains `text`."""
    notes = [col.get_note(nid) for nid in col.find_notes("")]
    matches = [n for n in notes if field in n and text in re.sub(r"<[^>]+>", "", n[field])]
    assert len(matches) == 1, f"{len(matches)} notes with {text!r} in {field}"
    return matches[0]


@pytest.fixture
def two_concepts(source: Path) -> Path:
    """decks/ plus a second concept, E6.2, and a typo in one of E6.1's pitfalls."""
    (source / E62).write_text(
        yaml.safe_dump(E62_CONCEPT, allow_unicode=True, sort_keys=False), encoding="utf-8"
    )
    edit(source, E61, lambda d: d["pitfalls"].__setitem__(1, TYPO))
    return source


def apply_release_two(source: Path) -> None:
    """The educator's edits: typo fix, reorder, insertion at the top, one phrase removed."""

    def e61(data: dict[str, Any]) -> None:
        data["pitfalls"][1] = FIXED  # (a) a typo fix
        data["pitfalls"].insert(0, INSERTED)  # (c) a new pitfall at the top
        del data["sample_language"][2]  # (d) one phrase removed

    def e62(data: dict[str, Any]) -> None:
        data["sample_language"].reverse()  # (b) reordered phrases ...
        data["pitfalls"] = data["pitfalls"][1:] + data["pitfalls"][:1]  # ... and pitfalls

    edit(source, E61, e61)
    edit(source, E62, e62)


@dataclass
class Release:
    """The state after a learner studied release one, edited a note and imported release two."""

    col: Any
    before: dict[int, History]
    log: Any
    report: BuildReport
    note_types_before: int


@pytest.fixture
def release_two(two_concepts: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    """Release one studied by a learner, then release two imported over it."""
    out = tmp_path / "dist" / "course.apkg"
    col = learner_of_release_one(two_concepts, out, tmp_path, monkeypatch)
    review_everything(col)
    flag = note_with(col, "Sign", "no-shows")
    flag["Meaning"] = flag["Meaning"] + " My own note: ask about transport."
    flag.add_tag("marked")
    col.update_note(flag)
    before = histories(col)
    note_types_before = len(col.models.all_names_and_ids())
    apply_release_two(two_concepts)
    report = publish(two_concepts, out, T2, monkeypatch)
    log = import_default(col, out).log
    yield Release(col, before, log, report, note_types_before)
    col.close()


def test_exactly_one_new_note_arrives(release_two: Release) -> None:
    """Only the inserted pitfall is new to the learner; nothing conflicts or duplicates."""
    assert len(release_two.log.new) == 1
    assert INSERTED in release_two.log.new[0].fields[1]
    assert len(release_two.log.conflicting) == 0
    assert len(release_two.log.missing_notetype) == 0
    # Anki lists notes it already has up to date as "duplicate" (skipped): the unchanged ones
    assert len(release_two.log.duplicate) == release_two.report.counts["unchanged"]


def test_no_new_note_types(release_two: Release) -> None:
    """The rebuild reuses the learner's note types instead of adding copies."""
    assert len(release_two.col.models.all_names_and_ids()) == release_two.note_types_before


def test_every_reviewed_card_keeps_its_history(release_two: Release) -> None:
    """Each card studied before the update keeps its id, interval, due date and review log."""
    after = histories(release_two.col)
    for card_id, history in release_two.before.items():
        assert after[card_id] == history


def test_typo_fix_arrives_as_an_update(release_two: Release) -> None:
    """The corrected pitfall replaces the typo on the learner's existing note."""
    note = note_with(release_two.col, "Pitfall", "the patient is compliant")
    assert "alliance</span> because" in note["Pitfall"]
    assert "aliance" not in note["Pitfall"].replace("alliance", "")
    assert note.id in {n.id.nid for n in release_two.log.updated}


def test_learner_edit_and_tag_survive(release_two: Release) -> None:
    """The learner's own text and 'marked' tag on an untouched note are still there."""
    note = note_with(release_two.col, "Sign", "no-shows")
    assert "My own note: ask about transport." in note["Meaning"]
    assert "marked" in note.tags


def test_removed_phrase_is_retired_and_reported(release_two: Release) -> None:
    """The removed phrase's note is tagged retired, shows the notice, and the build counted it."""
    retired = release_two.col.find_notes("tag:pathdeck::retired")
    assert len(retired) == 1
    note = release_two.col.get_note(retired[0])
    assert re.sub(r"<[^>]+>", "", note["Phrase"]).startswith("I want to check in")
    assert "Retired from the curriculum" in note["Retired"]
    assert release_two.report.counts["retired"] == 1


def test_build_report_counts_the_release(release_two: Release) -> None:
    """The educator's report says one new note, one retired, and how many changed."""
    counts = release_two.report.counts
    assert counts["new"] == 1
    assert counts["retired"] == 1
    # the typo fix alone: no other card shows the phrases or the pitfall
    assert counts["updated"] == 1
    assert counts["unchanged"] == release_two.report.notes - 3


def test_reordered_items_keep_their_notes(release_two: Release) -> None:
    """After reordering E6.2, every phrase is still on the note it was published as."""
    col = release_two.col
    phrases = [
        re.sub(r"<[^>]+>", "", col.get_note(nid)["Phrase"])
        for nid in col.find_notes("tag:pathdeck::E6.2 tag:pathdeck::role::sample-language")
    ]
    assert sorted(phrases) == sorted(E62_PHRASES)


def test_new_learner_gets_retired_notes_outside_the_course(
    two_concepts: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A first import of release two puts the retired phrase outside the course deck, suspended."""
    out = tmp_path / "course.apkg"
    publish(two_concepts, out, T1, monkeypatch)
    apply_release_two(two_concepts)
    publish(two_concepts, out, T2, monkeypatch)
    col = fresh_collection(tmp_path / "newcomer")
    import_default(col, out)
    retired_cards = col.find_cards("tag:pathdeck::retired")
    assert len(retired_cards) == 1
    card = col.get_card(retired_cards[0])
    assert col.decks.name(card.did) == "Clinical Encounters (retired items)"
    assert len(col.find_cards('deck:"Clinical Encounters" tag:pathdeck::retired')) == 0
    col.close()


def test_restored_phrase_returns_with_its_history(
    two_concepts: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A phrase removed in one release and restored in the next is the learner's old card again."""
    out = tmp_path / "course.apkg"
    col = learner_of_release_one(two_concepts, out, tmp_path, monkeypatch)
    review_everything(col)
    phrase = note_with(col, "Phrase", "I want to check in")
    before = histories(col)
    original = yaml.safe_load((two_concepts / E61).read_text(encoding="utf-8"))["sample_language"]
    edit(two_concepts, E61, lambda d: d["sample_language"].pop())
    publish(two_concepts, out, T2, monkeypatch)
    import_default(col, out)
    assert "pathdeck::retired" in col.get_note(phrase.id).tags
    stage = "Clinical Encounters::Stage 06 · The Therapeutic Alliance"
    assert col.decks.name(col.get_card(phrase.card_ids()[0]).did) == stage  # never moved
    edit(two_concepts, E61, lambda d: d.__setitem__("sample_language", original))
    publish(two_concepts, out, T2 + 86_400, monkeypatch)
    log = import_default(col, out).log
    assert len(log.new) == 0
    restored = col.get_note(phrase.id)
    assert "pathdeck::retired" not in restored.tags
    assert restored["Retired"] == ""
    card_id = restored.card_ids()[0]
    assert histories(col)[card_id] == before[card_id]
    col.close()


SEED_PAGE = (
    Path(__file__).parent / "fixtures" / "pages" / "stage-06-concept-1-alliance-foundations.txt"
)
SEED_PITFALLS = (
    "Treating alliance as a personality trait rather than a set of behaviors. "
    "Assuming alliance because the patient is compliant. "
    "Skipping the explicit goal/task conversation. "
    "Ignoring early signals of misalignment."
)
PHRASE_BULLET = (
    "  • \"I want to check in — how is this going for you? What's working and what isn't?\"\n"
)


def test_edited_pages_reimported_with_force_update_in_place(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Educators who re-import edited pages with --force get the same safe update as YAML edits."""
    page = tmp_path / "page.txt"
    seed = SEED_PAGE.read_text(encoding="utf-8")
    assert SEED_PITFALLS in seed
    assert PHRASE_BULLET in seed
    page.write_text(seed.replace("Assuming alliance because", "Assuming aliance because"))
    source = tmp_path / "decks"
    assert import_pages([page], source, force=False, course_title=None).ok
    out = tmp_path / "course.apkg"
    col = learner_of_release_one(source, out, tmp_path, monkeypatch)
    review_everything(col)
    before = histories(col)
    pitfalls = SEED_PITFALLS.split(". ")
    reordered = ". ".join([INSERTED.rstrip("."), *reversed(pitfalls[:-1]), pitfalls[-1]])
    page.write_text(seed.replace(SEED_PITFALLS, reordered).replace(PHRASE_BULLET, ""))
    assert import_pages([page], source, force=True, course_title=None).ok
    report = publish(source, out, T2, monkeypatch)
    log = import_default(col, out).log
    assert (len(log.new), len(log.conflicting)) == (1, 0)
    assert report.counts["retired"] == 1
    after = histories(col)
    assert all(after[card_id] == history for card_id, history in before.items())
    fixed = note_with(col, "Pitfall", "the patient is compliant")
    assert "alliance</span> because" in fixed["Pitfall"]
    col.close()


def test_style_change_reaches_the_learners_note_types(
    source: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A CSS edit updates the learner's existing note types in place: no copies, no skipped notes."""
    out = tmp_path / "course.apkg"
    col = learner_of_release_one(source, out, tmp_path, monkeypatch)
    types_before = len(col.models.all_names_and_ids())
    monkeypatch.setattr(notetypes, "stylesheet", lambda: ".card { color: #123456; }")
    publish(source, out, T2, monkeypatch)
    log = import_default(col, out).log
    pathdeck_types = [m for m in col.models.all() if m["name"].startswith("pathdeck")]
    assert len(col.models.all_names_and_ids()) == types_before
    assert all(m["css"] == ".card { color: #123456; }" for m in pathdeck_types)
    assert (len(log.new), len(log.conflicting)) == (0, 0)
    col.close()
