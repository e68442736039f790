"""A cohort gathered: every learner's export read and summed per item, in parallel shares."""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

from pathdeck._speed.parallel import default_jobs, map_in_workers
from pathdeck.package.read import ExportError
from pathdeck.problems import Location, Problem
from pathdeck.progress import Progress, silent
from pathdeck.tools.insights.figures import COUNTS, add_counts
from pathdeck.tools.insights.published import PublishedItem
from pathdeck.tools.insights.reading import LearnerExport, Published, read_learner

EXPORT_SUFFIXES = (".apkg", ".colpkg")
BYTES_PER_WEIGHT = 20_000
"""A worker is forked for about 4 MB of exports (a learner of a 2,000-concept course): less
is read faster in this process than a fork and its pickled results cost."""
PLAN_LEARNERS = 5
"""Reading the course and its ledger costs about what reading five of its learners does
(0.7 s against 0.14 s a learner, 2,000 concepts: both grow with the course), so the process
that reads it reads that many fewer exports."""
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
    touched: dict[str, list[str]] = field(default_factory=dict)
    """Per item, the fields of every learner's copy that is no longer as published."""
    problems: list[Problem] = field(default_factory=list)
    read: list[Path] = field(default_factory=list)
    marks: list[tuple[Path, tuple[int, ...], int]] = field(default_factory=list)
    """Per file read: when its learner's first answers and last answer were given."""

    def merge(self, other: Cohort) -> None:
        """Add another share's learners (numbered after this one's) to this cohort."""
        self.learners += other.learners
        self.foreign_notes += other.foreign_notes
        for guid, counts in other.counts.items():
            add_counts(self.counts.setdefault(guid, [0] * len(COUNTS)), counts)
        for guid, bits in other.studied_by.items():
            self.studied_by[guid] = self.studied_by.get(guid, 0) | bits
        for guid, fields in other.touched.items():
            self.touched.setdefault(guid, []).extend(fields)
        self.problems += other.problems
        self.read += other.read
        self.marks += other.marks


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


class Share(NamedTuple):
    """Consecutive input files read by one process; `first` numbers its first learner."""

    first: int
    files: tuple[Path, ...]
    shows_progress: bool


def gather(
    files: Sequence[Path],
    published: Callable[[], Published],
    *,
    jobs: int | None = None,
    progress: Progress = silent,
    meanwhile: Callable[[], None] | None = None,
) -> Cohort:
    """Read every export, in up to `jobs` processes; one that cannot serve as a learner's
    reviews becomes a problem. The result is the same however the files are shared out.
    `published` (each published GUID's mod time and hash) is asked once in each process, as
    it starts reading: a worker works it out itself. `meanwhile` runs here while the workers
    read, before this process's own share."""
    jobs = jobs or default_jobs()
    bounds = _bounds(len(files), jobs, head_start=meanwhile is not None)
    shares = [
        Share(first=start, files=tuple(files[start:end]), shows_progress=number == 0)
        for number, (start, end) in enumerate(bounds)
    ]
    weights = [max(1, sum(_size(p) for p in s.files) // BYTES_PER_WEIGHT) for s in shares]
    read = functools.partial(_read_share, published=published, total=len(files), progress=progress)
    cohort = Cohort()
    parts = map_in_workers(read, shares, jobs=jobs, weights=weights, meanwhile=meanwhile)
    for part in parts:
        cohort.merge(part)
    progress(STEP, len(files), len(files))
    return cohort


def _bounds(count: int, jobs: int, *, head_start: bool) -> list[tuple[int, int]]:
    """(start, end) of each process's files, this process's first (maybe empty): equal shares,
    except that this process, when it also reads the course, leaves PLAN_LEARNERS per worker
    to them."""
    if count == 0 or jobs == 1:
        return [(0, count)] if count else []
    head = max(0, (count - PLAN_LEARNERS * (jobs - 1) * head_start) // jobs)
    rest = count - head
    ends = [head] + [head + rest * n // (jobs - 1) for n in range(1, jobs)]
    starts = [0, *ends[:-1]]
    bounds = list(zip(starts, ends, strict=True))
    return bounds[:1] + [(a, b) for a, b in bounds[1:] if b > a]


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:  # reported when the file is read
        return 0


def _read_share(
    share: Share, *, published: Callable[[], Published], total: int, progress: Progress
) -> Cohort:
    """One process's learners. Only the first share (read in this process) draws progress,
    scaled as if the others kept pace."""
    cohort = Cohort()
    states = published()
    for done, path in enumerate(share.files):
        if share.shows_progress:
            progress(STEP, done * total // len(share.files), total)
        try:
            export = read_learner(path, states)
        except ExportError as error:
            cohort.problems.append(
                Problem(location=Location(str(path)), code=error.code, message=error.reason)
            )
            continue
        add_learner(cohort, export, number=share.first + done)
    return cohort


def add_learner(cohort: Cohort, export: LearnerExport, *, number: int) -> None:
    """Sum one learner's notes into the cohort; `number` is the learner's bit in studied_by."""
    counts, studied_by = cohort.counts, cohort.studied_by
    learner = 1 << number
    width = len(COUNTS)
    answers, states, tags = export.answers, export.states, export.tags
    no_answers = (0,) * 6
    for guid, note_id, _ in export.notes:
        c = counts.get(guid)
        if c is None:
            c = counts[guid] = [0] * width
        # In COUNTS order: learners, reviews, learning, learning_again, review, lapses, ms,
        # leeches, suspended, flagged, marked.
        learning, learning_again, review, lapses, answered, ms = answers.get(note_id, no_answers)
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
        cohort.touched.setdefault(guid, []).append(fields)
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
