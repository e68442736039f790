"""A cohort gathered: every learner's export read and summed per item and per group."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from pathdeck.problems import Location, Problem
from pathdeck.progress import Progress, silent
from pathdeck.tools.exports import ExportError
from pathdeck.tools.insights.edits import FieldEdit, field_edits
from pathdeck.tools.insights.figures import Tally
from pathdeck.tools.insights.published import PublishedItem
from pathdeck.tools.insights.reading import LearnerExport, NoteReviews, read_learner

EXPORT_SUFFIXES = (".apkg", ".colpkg")

GroupKey = tuple[str, str]
"""("stage" | "concept" | "role", its key): what per-group figures are summed under."""


@dataclass(slots=True, kw_only=True)
class Cohort:
    """Everything read from the learners' exports, before any ranking or privacy rule."""

    learners: int = 0
    foreign_notes: int = 0
    tallies: dict[str, Tally] = field(default_factory=dict)
    studied_by: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    """Per item, the learners who studied it as bits (bit n: the n-th learner read): a group's
    or a pool's learners are the union of its items', counted without naming anyone."""
    edits: dict[str, list[FieldEdit]] = field(default_factory=lambda: defaultdict(list))
    problems: list[Problem] = field(default_factory=list)
    read: list[Path] = field(default_factory=list)


def group_keys(item: PublishedItem) -> tuple[GroupKey, GroupKey, GroupKey]:
    """The stage, concept and role an item's figures also count towards."""
    return (
        ("stage", f"{item.course_id}/{item.stage}"),
        ("concept", f"{item.course_id}/{item.concept_id}"),
        ("role", item.role.value),
    )


def export_files(inputs: Sequence[Path]) -> list[Path]:
    """The inputs as files, one learner each: a folder stands for every export directly in it."""
    files: list[Path] = []
    for path in inputs:
        if path.is_dir():
            files += sorted(p for p in path.iterdir() if p.suffix.lower() in EXPORT_SUFFIXES)
        else:
            files.append(path)
    return files


def gather(
    files: Sequence[Path], items: Mapping[str, PublishedItem], *, progress: Progress = silent
) -> Cohort:
    """Read every export; one that cannot serve as a learner's reviews becomes a problem."""
    cohort = Cohort()
    for done, path in enumerate(files):
        progress("Reading learners' exports", done, len(files))
        try:
            export = read_learner(path, items)
        except ExportError as error:
            cohort.problems.append(
                Problem(location=Location(str(path)), code=error.code, message=error.reason)
            )
            continue
        add_learner(cohort, export, items)
    progress("Reading learners' exports", len(files), len(files))
    return cohort


def add_learner(cohort: Cohort, export: LearnerExport, items: Mapping[str, PublishedItem]) -> None:
    """Sum one learner's notes into the cohort."""
    tallies, studied_by = cohort.tallies, cohort.studied_by
    learner = 1 << cohort.learners
    for note in export.notes:
        item = items[note.guid]
        tally = tallies.get(note.guid)
        if tally is None:
            tally = tallies[note.guid] = Tally()
        _add_note(tally, note)
        if note.answers:
            studied_by[note.guid] |= learner
        if note.mod > item.changed:  # touched after it was published: maybe edited
            cohort.edits[note.guid] += field_edits(item, note.fields)
    cohort.learners += 1
    cohort.foreign_notes += export.foreign_notes
    cohort.read.append(export.path)


def _add_note(tally: Tally, note: NoteReviews) -> None:
    if note.answers:
        tally.learners += 1
        tally.reviews += note.answers
        tally.learning += note.learning
        tally.learning_again += note.learning_again
        tally.review += note.review
        tally.lapses += note.lapses
        tally.ms += note.ms
    tally.suspended += note.suspended
    tally.flagged += note.flagged
    if note.tags.strip():
        tags = note.tags.lower().split()
        tally.leeches += "leech" in tags
        tally.marked += "marked" in tags
