"""A course that is released again and again, and a learner who studies every release in Anki."""

from __future__ import annotations

import html
import re
import shutil
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml

from anki_helpers import fresh_collection, import_default
from pathdeck.identity import Entry, read_ledger
from pathdeck.pipeline import BuildReport, build

COURSE_ID = "clinical-encounters"
T1 = 1_780_000_000
DAY = 86_400
STAGE6 = "stage-06-the-therapeutic-alliance"
E61 = f"{STAGE6}/e6-1-alliance-foundations.yaml"
E62 = f"{STAGE6}/e6-2-rupture-and-repair.yaml"

E62_CONCEPT: dict[str, Any] = {
    "id": "E6.2",
    "title": "Rupture and Repair",
    "position": 2,
    "setting": "When the alliance strains: cancellations, silence, sudden agreement.",
    "opening_move": "Name the rupture without blame and invite the patient's view.",
    "sample_language": [
        "It sounds like something about our last visit didn't sit right with you.",
        "I may have pushed too quickly there; can we slow down together?",
        "What would make these visits feel more useful to you?",
    ],
    "pitfalls": [
        "Defending yourself instead of exploring the patient's experience.",
        "Ignoring withdrawal because the patient stays polite.",
        "Apologising so much that the patient must comfort you.",
    ],
    "red_flags": [
        {
            "sign": "The patient agrees with everything and then stops attending",
            "meaning": "often a withdrawal rupture the patient cannot voice.",
        }
    ],
    "anchor": "Ruptures are repaired by naming them, owning your part and re-aligning goals.",
    "prove_it": {
        "scenario": "A patient cancels two visits right after you changed their medication. "
        "What do you do?"
    },
}


def read_concept(source: Path, name: str) -> dict[str, Any]:
    """A concept file as a dict."""
    data: dict[str, Any] = yaml.safe_load((source / name).read_text(encoding="utf-8"))
    return data


def write_concept(source: Path, name: str, data: dict[str, Any]) -> None:
    """Write a concept dict as YAML, creating its folder."""
    path = source / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


def edit(source: Path, name: str, change: Any) -> None:
    """Load a concept file, let `change` edit the dict, write it back."""
    data = read_concept(source, name)
    change(data)
    write_concept(source, name, data)


def add_stage(source: Path, number: int, title: str, concepts: int = 8) -> str:
    """A new stage folder with its stage.yaml; returns the folder name."""
    folder = f"stage-{number:02d}-{title.lower().replace(' ', '-')}"
    (source / folder).mkdir()
    (source / folder / "stage.yaml").write_text(
        f"number: {number}\ntitle: {title}\nconcepts: {concepts}\n", encoding="utf-8"
    )
    return folder


@dataclass
class Course:
    """A source tree released on successive days into one package path."""

    source: Path
    out: Path
    monkeypatch: pytest.MonkeyPatch
    day: int = 0

    def release(self, **options: Any) -> BuildReport:
        """Build the next day's release."""
        self.monkeypatch.setenv("SOURCE_DATE_EPOCH", str(T1 + self.day * DAY))
        self.day += 1
        return build(self.source, self.out, **options)

    def ledger(self) -> dict[str, Entry]:
        """Every note the ledger records, by GUID."""
        return {e.guid: e for e in read_ledger(self.source, COURSE_ID).entries}

    def keep_release(self, name: str) -> Path:
        """A copy of the current package, as an educator might keep one."""
        kept = self.out.with_name(name)
        shutil.copyfile(self.out, kept)
        return kept


@pytest.fixture
def course(source: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Course:
    """decks/ with a second concept, E6.2, never released yet."""
    write_concept(source, E62, E62_CONCEPT)
    return Course(source, tmp_path / "dist" / "course.apkg", monkeypatch)


_CLOZE = re.compile(r"\{\{c\d+::(.*?)(?:::[^}]*)?\}\}", re.DOTALL)


def visible(markup: str) -> str:
    """The words a learner reads in some card HTML."""
    markup = re.sub(r"<style>.*?</style>", " ", markup, flags=re.DOTALL)
    markup = re.sub(r"<[^>]+>", " ", _CLOZE.sub(r"\1", markup))
    return re.sub(r"\s+", " ", html.unescape(markup)).strip()


@dataclass
class Learner:
    """A learner's Anki collection, imported with default options and fully reviewed."""

    col: Any
    reviewed: set[str] = field(default_factory=set)

    @classmethod
    def new(cls, folder: Path) -> Learner:
        """A fresh collection."""
        return cls(fresh_collection(folder))

    def take(self, package: Path) -> Any:
        """Import a release as a learner does: double-click, default options."""
        return import_default(self.col, package).log

    def review_everything(self) -> None:
        """Study every due card once with 'Good', whatever deck it is in."""
        for deck in self.col.decks.all_names_and_ids():
            config = self.col.decks.config_dict_for_deck_id(deck.id)
            config["new"]["perDay"] = 9999
            config["rev"]["perDay"] = 9999
            self.col.decks.update_config(config)
        for card_id in self.col.find_cards("is:new OR is:due OR is:learn"):
            card = self.col.get_card(card_id)
            card.start_timer()
            self.col.sched.answerCard(card, 3)
        self.reviewed = {self.col.get_note(nid).guid for nid in self.col.find_notes("prop:reps>0")}

    def guids(self) -> set[str]:
        """Every note's GUID."""
        return {self.col.get_note(nid).guid for nid in self.col.find_notes("")}

    def history(self) -> dict[int, tuple[str, int]]:
        """Each card's note GUID and review count, by card id."""
        cards = (self.col.get_card(cid) for cid in self.col.find_cards(""))
        return {card.id: (self.col.get_note(card.nid).guid, card.reps) for card in cards}

    def blank_fronts(self) -> list[str]:
        """The GUIDs of notes with a card whose front shows nothing but its labels."""
        blank = []
        for card_id in self.col.find_cards(""):
            card = self.col.get_card(card_id)
            note = self.col.get_note(card.nid)
            front = visible(card.question())
            if front == self._front_without_content(note, card.ord) or "cloze" in front.lower():
                blank.append(f"{note.guid} card {card.ord + 1}: {front!r}")
        return blank

    def _front_without_content(self, note: Any, ord_: int) -> str:
        """What the card's front shows when the note's own fields are empty: labels only."""
        empty = self.col.new_note(note.note_type())
        for name in _LABEL_FIELDS & set(note.keys()):
            empty[name] = note[name]
        return visible(empty.ephemeral_card(ord_).question())

    def close(self) -> None:
        """Close the collection."""
        self.col.close()


_LABEL_FIELDS = frozenset({"Breadcrumb", "Concept", "Stage"})


@pytest.fixture
def learner(tmp_path: Path) -> Any:
    """A learner with a fresh collection."""
    student = Learner.new(tmp_path / "learner")
    yield student
    student.close()


def assert_nothing_lost(
    learner: Learner,
    before: dict[str, Entry],
    after: dict[str, Entry],
    edits: dict[str, str] | None = None,
) -> None:
    """What the brief promises across a release: every note the learner reviewed is still
    published (live or retired), a live one still carries its own item (`edits` maps an old
    text to its edited text), no item reaches the learner twice, no card shows a blank front."""
    edits = edits or {}
    for guid in learner.reviewed:
        assert guid in after, f"{guid} was published, reviewed, and is no longer in the ledger"
        old, new = before[guid], after[guid]
        if not new.retired:
            assert (new.role, new.text) == (old.role, edits.get(old.text, old.text)), guid
    live = [
        (after[g].concept, after[g].role, after[g].text)
        for g in learner.guids()
        if not after[g].retired
    ]
    twice = [item for item, count in Counter(live).items() if count > 1]
    assert twice == [], f"items the learner has twice: {twice}"
    assert learner.guids() <= set(after), "notes the ledger forgot"
    blank = learner.blank_fronts()
    assert blank == [], blank
