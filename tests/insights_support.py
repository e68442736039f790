"""Learners in the real anki library: review with the scheduler, export the ways Anki offers;
the simulated cohort the insights tests share."""

from __future__ import annotations

import random
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from anki.collection import ExportAnkiPackageOptions

from anki_helpers import fresh_collection, import_default
from pathdeck.pipeline import build
from pathdeck.tools.insights.published import PublishedItem, published_items

EXPORT_KINDS = ("apkg", "apkg-legacy", "colpkg", "colpkg-legacy")
"""Anki's modern .apkg with scheduling, the legacy (2.1.x) .apkg, and whole-collection backups."""


def export_as(col: Any, folder: Path, name: str, kind: str) -> Path:
    """Export `col` as `kind` with the library's own export functions; the collection stays open."""
    folder.mkdir(parents=True, exist_ok=True)
    legacy = kind.endswith("-legacy")
    if kind.startswith("colpkg"):
        path = folder / f"{name}.colpkg"
        col.export_collection_package(str(path), include_media=False, legacy=legacy)
        col.reopen()  # a collection package export closes the collection, as a full sync does
        return path
    path = folder / f"{name}.apkg"
    options = ExportAnkiPackageOptions(
        with_scheduling=True, with_deck_configs=True, with_media=False, legacy=legacy
    )
    col.export_anki_package(out_path=str(path), options=options, limit=None)
    return path


def export_without_scheduling(col: Any, path: Path) -> Path:
    """The export a learner makes when they leave "Include scheduling information" unticked."""
    options = ExportAnkiPackageOptions(
        with_scheduling=False, with_deck_configs=False, with_media=False, legacy=False
    )
    col.export_anki_package(out_path=str(path), options=options, limit=None)
    return path


def study_everything_due(col: Any, deck: str, ease_for: Any, limit: int = 10_000) -> int:
    """Answer every card the scheduler offers in `deck`, `ease_for(card)` choosing the button."""
    col.decks.select(col.decks.id_for_name(deck))
    answered = 0
    while answered < limit and (card := col.sched.getCard()) is not None:
        card.start_timer()
        col.sched.answerCard(card, ease_for(card))
        answered += 1
    return answered


def make_reviews_due(col: Any) -> None:
    """Let time pass: every card a learner has seen is due again today (logged as a manual
    reschedule, which insights never counts as an answer)."""
    seen = list(col.find_cards("-is:new -is:suspended"))
    if seen:
        col.sched.set_due_date(seen, "0")


def study_rounds(col: Any, deck: str, ease_for: Any, rounds: int) -> None:
    """Several study sessions in `deck`, each followed by the wait that makes cards due again."""
    for _ in range(rounds):
        study_everything_due(col, deck, ease_for, limit=2_000)
        make_reviews_due(col)


def card_ids_of(col: Any, guid: str) -> list[int]:
    """The cards of the note with `guid` in a learner's collection."""
    note_id = col.db.scalar("SELECT id FROM notes WHERE guid = ?", guid)
    return list(col.card_ids_of_note(note_id))


def note_of(col: Any, guid: str) -> Any:
    """The learner's copy of the note with `guid`."""
    return col.get_note(col.db.scalar("SELECT id FROM notes WHERE guid = ?", guid))


def add_own_note(col: Any, front: str, back: str) -> None:
    """A card the learner writes for themselves, in Anki's Basic note type."""
    note = col.new_note(col.models.by_name("Basic"))
    note["Front"], note["Back"] = front, back
    col.add_note(note, col.decks.id_for_name("Default"))


FIXTURE = Path(__file__).resolve().parent / "fixtures" / "insights-course"
COURSE = "Acute Psychiatry (ED & inpatient)"
STAGE_2 = f"{COURSE}::Stage 02 · Risk Assessment"
HARD_TEXTS = (
    "Believing that asking about suicide plants the idea",
    "Command hallucinations to harm a named person",
)
TYPO = "Relying on gut feeling alone"
RETIRED = 'Offering "a shot to calm down" as the first option.'
MARKED = "Ask about suicide directly"
SUSPENDED = "Recent discharge from an inpatient unit"
FLAGGED = "The best predictor of violence is past violence"


@dataclass(frozen=True, slots=True, kw_only=True)
class Cohort:
    """The course's source after a later release, the learners' exports, and the items."""

    source: Path
    exports: tuple[Path, ...]
    items: dict[str, PublishedItem]
    scratch: Path

    def guid(self, text: str) -> str:
        """The GUID of the one item whose text starts with `text`."""
        (guid,) = [g for g, item in self.items.items() if item.text.startswith(text)]
        return guid


def ease_for(col: Any, hard: set[str], rng: random.Random) -> Any:
    """Answer "again" on most cards of the hard notes and a few of the others, else "good"."""

    def ease(card: Any) -> int:
        failing = 0.7 if col.get_note(card.nid).guid in hard else 0.05
        return 1 if rng.random() < failing else 3

    return ease


def simulate(scratch: Path) -> tuple[Path, tuple[Path, ...]]:
    """Four learners study, two of them only stage 2; one edits, one writes a note of their own."""
    source = scratch / "course"
    shutil.copytree(FIXTURE, source)
    apkg = build(source, scratch / "release-1.apkg").output
    items = published_items(source)
    by_text = {item.text: guid for guid, item in items.items()}
    hard = {g for text, g in by_text.items() if text.startswith(HARD_TEXTS)}
    exports = []
    for number, kind in enumerate(EXPORT_KINDS):
        col = fresh_collection(scratch / f"learner-{number}")
        import_default(col, apkg)
        deck = COURSE if number < 2 else STAGE_2
        study_rounds(col, deck, ease_for(col, hard, random.Random(number)), rounds=4)
        personalise(col, number, {text[:30]: g for text, g in by_text.items()})
        exports.append(export_as(col, scratch / "exports", f"learner-{number}", kind))
        col.close()
    return source, tuple(exports)


def personalise(col: Any, number: int, guid_of: dict[str, str]) -> None:
    """What individual learners do besides answering: fix a typo, mark, suspend, flag, add a
    note, and one note turns into a leech."""

    def guid(text: str) -> str:
        return next(g for start, g in guid_of.items() if start.startswith(text[:30]))

    if number == 0:
        note = note_of(col, guid(TYPO))
        note["Pitfall"] = note["Pitfall"].replace("better then chance", "better than chance")
        col.update_note(note)
        marked = note_of(col, guid(MARKED))
        marked.add_tag("marked")
        col.update_note(marked)
    if number == 1:
        col.sched.suspend_cards(card_ids_of(col, guid(SUSPENDED)))
        add_own_note(col, "Lithium level after dose change?", "5-7 days")
    if number == 2:
        col.set_user_flag_for_cards(1, card_ids_of(col, guid(FLAGGED)))
    if number == 3:  # Anki tags a leech itself after 8 lapses; tags ignore case
        leech = note_of(col, guid(FLAGGED))
        leech.add_tag("Leech")
        col.update_note(leech)


def retire_one_pitfall(source: Path) -> None:
    """The educators' next release drops a pitfall: it is retired, not forgotten."""
    concept = source / "stage-03-de-escalation" / "e3-1-verbal-de-escalation.yaml"
    text = concept.read_text(encoding="utf-8")
    concept.write_text(text.replace(f"  - {RETIRED}\n", ""), encoding="utf-8")
    build(source, source.parent / "release-2.apkg")


@pytest.fixture(scope="module")
def cohort(tmp_path_factory: pytest.TempPathFactory) -> Cohort:
    """The simulated cohort, built once for the module."""
    scratch = tmp_path_factory.mktemp("cohort")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SOURCE_DATE_EPOCH", "1780000000")
        source, exports = simulate(scratch)
        patch.setenv("SOURCE_DATE_EPOCH", "1780100000")
        retire_one_pitfall(source)
    return Cohort(source=source, exports=exports, items=published_items(source), scratch=scratch)
