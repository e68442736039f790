"""Course statistics for `pathdeck list` and `stats`: stages, concepts and cards per role."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from pathdeck.cards import NoteSpec, concept_notes, placement
from pathdeck.cards.notetypes import CLOZE_FIELD, FIELDS, note_type
from pathdeck.curriculum import Course
from pathdeck.roles import Role

# Every front template opens with `{{#Field}}`: Anki makes the card only when that field has text.
_GUARD = re.compile(r"^\s*\{\{#([^}]+)\}\}")
_CLOZE_NUMBER = re.compile(r"\{\{c([0-9]+)::")


@dataclass(frozen=True, slots=True, kw_only=True)
class ConceptStats:
    """One concept: where it is and how many notes and cards each role gives it."""

    id: str
    title: str
    position: int
    path: str
    notes: dict[Role, int]
    cards: dict[Role, int]

    def to_json(self) -> dict[str, object]:
        """The concept in `pathdeck list --json`."""
        return {
            "id": self.id,
            "title": self.title,
            "position": self.position,
            "path": self.path,
            "notes": _by_role(self.notes),
            "cards": _by_role(self.cards),
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class StageStats:
    """One stage and its concepts, in curriculum order."""

    number: int
    title: str
    folder: str
    planned: int
    concepts: tuple[ConceptStats, ...]

    @property
    def notes(self) -> dict[Role, int]:
        """Notes per role over the stage's concepts."""
        return _sum(c.notes for c in self.concepts)

    @property
    def cards(self) -> dict[Role, int]:
        """Cards per role over the stage's concepts."""
        return _sum(c.cards for c in self.concepts)

    def to_json(self, *, with_concepts: bool) -> dict[str, object]:
        """The stage in `pathdeck list --json` (with concepts) or `stats --json` (without)."""
        data: dict[str, object] = {
            "number": self.number,
            "title": self.title,
            "folder": self.folder,
            "planned": self.planned,
        }
        if with_concepts:
            data["concepts"] = [c.to_json() for c in self.concepts]
        else:
            data["concepts"] = len(self.concepts)
            data["notes"] = _by_role(self.notes)
            data["cards"] = _by_role(self.cards)
        return data


@dataclass(frozen=True, slots=True, kw_only=True)
class CourseStats:
    """A source tree's course, stage by stage."""

    source: Path
    id: str
    title: str
    stages: tuple[StageStats, ...]

    @property
    def concepts(self) -> int:
        """How many concepts the course has."""
        return sum(len(s.concepts) for s in self.stages)

    @property
    def notes(self) -> dict[Role, int]:
        """Notes per role over the whole course."""
        return _sum(s.notes for s in self.stages)

    @property
    def cards(self) -> dict[Role, int]:
        """Cards per role over the whole course."""
        return _sum(s.cards for s in self.stages)

    def to_json(self, *, with_concepts: bool) -> dict[str, object]:
        """The course in `pathdeck list --json` or `stats --json`."""
        data: dict[str, object] = {
            "source": str(self.source),
            "id": self.id,
            "title": self.title,
            "stages": [s.to_json(with_concepts=with_concepts) for s in self.stages],
        }
        if not with_concepts:
            data["concepts"] = self.concepts
            data["notes"] = _by_role(self.notes)
            data["cards"] = _by_role(self.cards)
        return data


def _sum(counts: Iterable[dict[Role, int]]) -> dict[Role, int]:
    total: Counter[Role] = Counter()
    for each in counts:
        total.update(each)
    return {role: total[role] for role in Role}


def _by_role(counts: dict[Role, int]) -> dict[str, int]:
    # JSON keys are snake_case (sample_language); role values stay kebab-case in tags and GUIDs
    by_role = {role.value.replace("-", "_"): counts[role] for role in Role}
    return by_role | {"total": sum(counts.values())}


def card_guards(course_id: str) -> dict[Role, tuple[int | None, ...]]:
    """Per role, for each card template, the index of the field its card needs (None: always)."""
    guards = {}
    for role in Role:
        indexes = []
        for template in note_type(role, course_id).templates:
            match = _GUARD.match(template.front)
            indexes.append(FIELDS[role].index(match.group(1)) if match else None)
        guards[role] = tuple(indexes)
    return guards


def cards_of(note: NoteSpec, guards: dict[Role, tuple[int | None, ...]]) -> int:
    """How many cards Anki makes from a note: one per template whose front has its field, or
    for a cloze note one per cloze number."""
    if note.role.cloze:
        return len(set(_CLOZE_NUMBER.findall(note.fields[FIELDS[note.role].index(CLOZE_FIELD)])))
    return sum(1 for index in guards[note.role] if index is None or note.fields[index].strip())


def course_stats(source: Path, course: Course) -> CourseStats:
    """Count notes and cards per role for every concept of a validated course."""
    guards = card_guards(course.id)
    stages = []
    for stage in course.stages:
        concepts = []
        for concept in stage.concepts:
            notes = concept_notes(concept, placement(course, stage, concept, concept_decks=False))
            note_counts: Counter[Role] = Counter(n.role for n in notes)
            card_counts: Counter[Role] = Counter()
            for note in notes:
                card_counts[note.role] += cards_of(note, guards)
            concepts.append(
                ConceptStats(
                    id=concept.id,
                    title=concept.title,
                    position=concept.position,
                    path=concept.source,
                    notes={role: note_counts[role] for role in Role},
                    cards={role: card_counts[role] for role in Role},
                )
            )
        stages.append(
            StageStats(
                number=stage.number,
                title=stage.title,
                folder=stage.folder,
                planned=stage.concept_count,
                concepts=tuple(concepts),
            )
        )
    return CourseStats(source=source, id=course.id, title=course.title, stages=tuple(stages))


# ---------------------------------------------------------------- text


def outline(stats: CourseStats) -> list[str]:
    """`pathdeck list`: the course, its stages and their concepts with card counts."""
    lines = [f"{stats.title} ({stats.id}): {stats.source}"]
    for stage in stats.stages:
        cards = sum(stage.cards.values())
        lines.append(
            f"  Stage {stage.number} · {stage.title}: {len(stage.concepts)} of {stage.planned} "
            f"concepts, {cards} cards  ({stage.folder})"
        )
        width = max((len(c.id) for c in stage.concepts), default=0)
        for concept in stage.concepts:
            total = sum(concept.cards.values())
            lines.append(f"    {concept.id:<{width}}  {concept.title}  ({total} cards)")
    return lines


def table(stats: CourseStats) -> list[str]:
    """`pathdeck stats`: a stage-by-role table of card counts, with totals."""
    header = ["stage", "concepts", *(role.value for role in Role), "cards"]
    rows = [
        [
            str(stage.number),
            f"{len(stage.concepts)}/{stage.planned}",
            *(str(stage.cards[role]) for role in Role),
            str(sum(stage.cards.values())),
        ]
        for stage in stats.stages
    ]
    planned = sum(s.planned for s in stats.stages)
    rows.append(
        [
            "total",
            f"{stats.concepts}/{planned}",
            *(str(stats.cards[role]) for role in Role),
            str(sum(stats.cards.values())),
        ]
    )
    widths = [max(len(row[i]) for row in (header, *rows)) for i in range(len(header))]

    def line(row: list[str]) -> str:
        cells = [row[0].ljust(widths[0])] + [
            c.rjust(w) for c, w in zip(row[1:], widths[1:], strict=True)
        ]
        return "  ".join(cells).rstrip()

    return [f"{stats.title} ({stats.id}): {stats.source}", line(header), *map(line, rows)]
