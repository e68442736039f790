"""A cohort gathered: every learner's export read and summed per item, in parallel shares."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from pathdeck._speed.claiming import claim_in_workers
from pathdeck._speed.parallel import MIN_WEIGHT_PER_WORKER, default_jobs
from pathdeck.package.read import ExportError, Extractions
from pathdeck.problems import Location, Problem
from pathdeck.progress import Progress, silent
from pathdeck.tools.insights.figures import COUNTS, add_counts
from pathdeck.tools.insights.published import PublishedItem
from pathdeck.tools.insights.reading import LearnerExport, Published, read_learner

EXPORT_SUFFIXES = (".apkg", ".colpkg")
BYTES_PER_WEIGHT = 20_000
"""A worker is forked for about 4 MB of exports (MIN_WEIGHT_PER_WORKER of these; a learner
of a 2,000-concept course): less is read faster in this process than a fork and its
pickled results cost."""
STEP = "Reading learners' exports"

GroupKey = tuple[str, str]
"""("stage" | "concept" | "role", its key): what per-group figures are summed under."""


@dataclass(slots=True, kw_only=True)
class Cohort:
    """Everything read from the learners' exports, before any ranking or privacy rule."""

    learners: int = 0
    foreign_notes: int = 0
    counts: dict[str, list[int]] = field(default_factory=dict)
    """Per item, its counts in figures.COUNTS order: list slots are the cheapest counters."""
    studied_by: dict[str, int] = field(default_factory=dict)
    """Per item, the learners who studied it as bits (bit n: the n-th input file read): a
    group's or a pool's learners are the union of its items', counted without naming anyone."""
    touched: dict[str, list[tuple[int, str]]] = field(default_factory=dict)
    """Per item, (learner number, fields) of every learner's copy no longer as published."""
    problems: list[Problem] = field(default_factory=list)
    read: list[Path] = field(default_factory=list)
    marks: list[tuple[Path, tuple[int, ...], int]] = field(default_factory=list)
    """Per file read: when its learner's first answers and last answer were given."""

    def merge(self, other: Cohort) -> None:
        """Add another share's learners (numbered apart from this one's) to this cohort."""
        self.learners += other.learners
        self.foreign_notes += other.foreign_notes
        mine = self.counts
        for guid, counts in other.counts.items():
            total = mine.get(guid)
            if total is None:
                mine[guid] = counts  # the other share is not used again
            else:
                add_counts(total, counts)
        for guid, bits in other.studied_by.items():
            self.studied_by[guid] = self.studied_by.get(guid, 0) | bits
        for guid, fields in other.touched.items():
            self.touched.setdefault(guid, []).extend(fields)
        self.problems += other.problems
        self.read += other.read
        self.marks += other.marks

    def put_in_order(self, files: Sequence[Path]) -> None:
        """List the files read, their problems and learners' copies in input order, as one
        process reading them one after another would: shares merged come in any order."""
        position = {path: number for number, path in reversed(list(enumerate(files)))}
        self.read.sort(key=position.__getitem__)
        self.marks.sort(key=lambda mark: position[mark[0]])
        self.problems.sort(key=lambda problem: position.get(Path(problem.location.path), -1))
        for copies in self.touched.values():
            copies.sort()


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
    files: Sequence[Path],
    published: Callable[[], Published],
    *,
    jobs: int | None = None,
    progress: Progress = silent,
    meanwhile: Callable[[], None] | None = None,
    extractions: Extractions | None = None,
) -> Cohort:
    """Read every export, in up to `jobs` processes, each taking the next file as it is free;
    one that cannot serve as a learner's reviews becomes a problem. The result is the same
    however the files are shared out. `published` (each published GUID's mod time and hash)
    is asked once in each process, as it starts reading: a worker works it out itself.
    `meanwhile` runs here while the workers read, before this process reads any. `extractions`
    is where this process extracts the collections (each worker has its own)."""
    weight = sum(_size(path) for path in files) // BYTES_PER_WEIGHT
    jobs = max(1, min(jobs or default_jobs(), weight // MIN_WEIGHT_PER_WORKER))

    def read(numbers: Iterable[int], here: bool) -> Cohort:
        if here:
            return _read_files(files, numbers, published(), progress, extractions)
        return _read_files(files, numbers, published(), silent, None)

    cohort, *others = claim_in_workers(read, len(files), jobs=jobs, meanwhile=meanwhile)
    for part in others:
        cohort.merge(part)
    cohort.put_in_order(files)
    progress(STEP, len(files), len(files))
    return cohort


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:  # reported when the file is read
        return 0


def _read_files(
    files: Sequence[Path],
    numbers: Iterable[int],
    published: Published,
    progress: Progress,
    extractions: Extractions | None,
) -> Cohort:
    """The learners of the files numbered `numbers`. Numbers are claimed in order, so the one
    just claimed is how far all the processes have come."""
    cohort = Cohort()
    with contextlib.ExitStack() as own:  # a worker's, or this process's when given none
        if extractions is None:
            extractions = own.enter_context(Extractions(keep=0))
        for number in numbers:
            progress(STEP, number, len(files))
            path = files[number]
            try:
                export = read_learner(path, published, extractions)
            except ExportError as error:
                cohort.problems.append(
                    Problem(location=Location(str(path)), code=error.code, message=error.reason)
                )
                continue
            add_learner(cohort, export, number=number)
    return cohort


def add_learner(cohort: Cohort, export: LearnerExport, *, number: int) -> None:
    """Sum one learner's notes into the cohort; `number` is the learner's bit in studied_by."""
    counts, studied_by = cohort.counts, cohort.studied_by
    learner = 1 << number
    width = len(COUNTS)
    answers, states, tags = export.answers, export.states, export.tags
    no_answers = (0,) * 7
    for guid, note_id, _, _ in export.notes:
        c = counts.get(guid)
        if c is None:
            c = counts[guid] = [0] * width
        # In COUNTS order: learners, reviews, learning, learning_again, review, lapses, ms,
        # leeches, suspended, flagged, marked.
        _, learning, learning_again, review, lapses, answered, ms = answers.get(note_id, no_answers)
        if answered:
            c[0] += 1
            c[1] += answered
            c[2] += learning
            c[3] += learning_again
            c[4] += review
            c[5] += lapses
            c[6] += ms
            studied_by[guid] = studied_by.get(guid, 0) | learner
        if note_id in states:
            suspended, flagged = states[note_id]
            c[8] += suspended
            c[9] += flagged
        if note_id in tags:
            leech, marked = tags[note_id]
            c[7] += leech
            c[10] += marked
    for guid, fields in export.touched.items():
        cohort.touched.setdefault(guid, []).append((number, fields))
    cohort.learners += 1
    cohort.foreign_notes += export.foreign_notes
    cohort.read.append(export.path)
    cohort.marks.append((export.path, export.first_reviews, export.last_review))


def same_learners(cohort: Cohort) -> list[Path]:
    """The files that hold a learner another file holds too (the same first answers), all but
    the one with the latest answers: a learner sent twice must count once, or an item two
    learners studied would pass --min-learners 3."""
    by_learner: dict[tuple[int, ...], list[tuple[int, int, Path]]] = {}
    for order, (path, first, last) in enumerate(cohort.marks):
        if first:  # no answers at all: nothing tells this learner apart
            by_learner.setdefault(first, []).append((-last, order, path))
    return sorted(
        (path for files in by_learner.values() for _, _, path in sorted(files)[1:]),
        key=cohort.read.index,
    )
