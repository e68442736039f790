"""Batch export: several source trees, one .apkg per stage or per course, all or nothing."""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import ExitStack
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from pathdeck import problems as codes
from pathdeck.curriculum import Course
from pathdeck.identity import LEDGER_FILE, Resolution
from pathdeck.ids import concept_numbers
from pathdeck.output import exclusive, staged
from pathdeck.package.rows import write_notes
from pathdeck.pipeline.options import BuildOptions
from pathdeck.pipeline.published import refuse_fresh_start
from pathdeck.pipeline.run import (
    CheckReport,
    Outcome,
    ledger_update,
    missing_source,
    plan,
    refuse_unpublishable,
)
from pathdeck.problems import ContentError, Location, Problem

SPLITS = ("stage", "course")
"""How a batch build cuts a course: one package per stage, or one per course."""


@dataclass(frozen=True, slots=True, kw_only=True)
class SplitReport(Outcome):
    """What a batch build wrote for one source tree."""

    source: Path
    outputs: tuple[Path, ...]

    def to_json(self) -> dict[str, object]:
        """The machine-readable report of one source tree in `build --json`."""
        return {
            "source": str(self.source),
            "outputs": [str(path) for path in self.outputs],
            **self._json(),
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class _Planned:
    source: Path
    checked: CheckReport
    resolution: Resolution
    ledger: str | None
    packages: tuple[tuple[Path, Course, Resolution], ...]


def _stage_of(concept_id: str) -> int | None:
    # A concept id names its stage (the validator enforces it), also for a concept since removed.
    numbers = concept_numbers(concept_id)
    return numbers.stage if numbers else None


def split_packages(
    course: Course, resolution: Resolution, folder: Path, *, split: str, with_course: bool
) -> tuple[tuple[Path, Course, Resolution], ...]:
    """Each package of a batch build: its path, the part of the course it holds, its notes.

    Every part shares the whole course's resolution, so a note has one GUID and one mod time in
    every file: a learner who imports stage files and the whole course never gets duplicates.
    """
    whole = (folder / f"{course.id}.apkg", course, resolution)
    if split == "course":
        return (whole,)
    parts = []
    for stage in course.stages:
        notes = tuple(n for n in resolution.notes if _stage_of(n.spec.concept_id) == stage.number)
        if notes:  # a stage without concepts yet has nothing to import
            target = folder / f"{course.id}-stage-{stage.number:02d}.apkg"
            parts.append(
                (target, replace(course, stages=(stage,)), replace(resolution, notes=notes))
            )
    return (*parts, whole) if with_course else tuple(parts)


def _plan_batch(
    source: Path, folder: Path, options: BuildOptions, *, split: str, with_course: bool
) -> _Planned:
    checked, resolution = plan(
        source,
        concept_decks=options.concept_decks,
        accept_notetype_changes=options.accept_notetype_changes,
        jobs=options.jobs,
    )
    refuse_unpublishable(checked, resolution, options)
    packages = split_packages(
        checked.course, resolution, folder, split=split, with_course=with_course
    )
    if resolution.started_fresh and not options.new_ledger:
        refuse_fresh_start(checked.course.id, source, [target for target, _, _ in packages])
    return _Planned(
        source=source,
        checked=checked,
        resolution=resolution,
        ledger=ledger_update(source, resolution, locked=options.locked),
        packages=packages,
    )


def _clashes(planned: list[_Planned]) -> list[Problem]:
    owner: dict[Path, Path] = {}
    problems = []
    for item in planned:
        for target, _, _ in item.packages:
            if target in owner:
                problems.append(
                    Problem(
                        location=Location(str(item.source / "course.yaml")),
                        code=codes.DUPLICATE_OUTPUT,
                        message=f"{owner[target]} and {item.source} would both write {target}: "
                        "two source trees with the same course id",
                    )
                )
            owner.setdefault(target, item.source)
    return problems


def build_split(
    sources: Sequence[Path],
    folder: Path,
    *,
    split: str = "stage",
    with_course: bool = False,
    **choices: Any,
) -> tuple[SplitReport, ...]:
    """`build_split_with` for callers that name each choice: `choices` are BuildOptions' fields."""
    options = BuildOptions(**choices)
    return build_split_with(sources, folder, options, split=split, with_course=with_course)


def build_split_with(
    sources: Sequence[Path],
    folder: Path,
    options: BuildOptions,
    *,
    split: str = "stage",
    with_course: bool = False,
) -> tuple[SplitReport, ...]:
    """Build several source trees into `folder`, one .apkg per stage or per course.

    Every tree is validated and resolved first, with every problem gathered; nothing is written
    unless all of them pass. Each tree's ledger is updated once, like a single build's.
    """
    by_folder: dict[Path, Path] = {}
    for source in sources:  # one lock per folder: a second flock on it would wait forever
        by_folder.setdefault(source.resolve(), source)
    unique = list(by_folder.values())
    missing = [p for s in unique if not s.is_dir() for p in missing_source(s).problems]
    if missing:
        raise ContentError(missing)
    with ExitStack() as stack:
        for folder_lock in sorted(by_folder):  # a fixed order, so two batches cannot deadlock
            stack.enter_context(exclusive(folder_lock))
        planned = _plan_all(unique, folder, options, split=split, with_course=with_course)
        with staged() as staging:  # every ledger is replaced first, then every package
            for item in planned:
                if item.ledger is not None:
                    staging.record(item.source / LEDGER_FILE, item.ledger)
                else:
                    staging.sweep(item.source / LEDGER_FILE)
                for target, part, notes in item.packages:
                    write_notes(
                        staging.output(target), part, notes, concept_decks=options.concept_decks
                    )
    return tuple(
        SplitReport(
            source=item.source,
            outputs=tuple(target for target, _, _ in item.packages),
            course=item.checked.course,
            counts=item.resolution.counts(),
            notes=len(item.resolution.notes),
            ledger_written=item.ledger is not None,
            warnings=item.checked.warnings + item.resolution.warnings,
        )
        for item in planned
    )


def _plan_all(
    sources: list[Path], folder: Path, options: BuildOptions, *, split: str, with_course: bool
) -> list[_Planned]:
    """Every tree planned, with the problems of all of them (and of their outputs) at once."""
    planned: list[_Planned] = []
    problems: list[Problem] = []
    for source in sources:
        try:
            planned.append(
                _plan_batch(source, folder, options, split=split, with_course=with_course)
            )
        except ContentError as exc:
            problems.extend(exc.problems)
    problems += _clashes(planned)
    if problems:
        raise ContentError(problems)
    return planned
