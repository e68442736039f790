"""The insights command's core: published items of every source, the cohort read, summarised."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from pathdeck import problems as codes
from pathdeck.package.read import Extractions
from pathdeck.problems import ContentError, Location, Problem
from pathdeck.progress import Progress, silent
from pathdeck.tools.insights.cohort import export_files, gather, same_learners
from pathdeck.tools.insights.published import (
    PublishedItem,
    published_fields,
    published_guids,
    published_items,
)
from pathdeck.tools.insights.reading import Published
from pathdeck.tools.insights.report import Insights, summarise


def _existing(sources: Sequence[Path]) -> Sequence[Path]:
    for source in sources:
        if not source.is_dir():
            raise ContentError.at(
                str(source), codes.MISSING_SOURCE, f"source folder {source} does not exist"
            )
    return sources


def course_items(sources: Sequence[Path]) -> dict[str, PublishedItem]:
    """Every published item of every source; a source with problems stops the command."""
    items: dict[str, PublishedItem] = {}
    for source in _existing(sources):
        items.update(published_items(source))
    return items


def insights(
    inputs: Sequence[Path],
    *,
    sources: Sequence[Path],
    min_learners: int,
    jobs: int | None = None,
    progress: Progress = silent,
    prepare: Callable[[Mapping[str, PublishedItem]], None] = lambda items: None,
    figures_json: bool = False,
) -> tuple[Insights, tuple[Path, ...]]:
    """The report over every learner's export in `inputs`, and the files read as learners;
    `jobs` caps the processes that read the exports (default: one per CPU). `prepare` is
    given the course's items as soon as they are read, while the exports still are: an output
    makes ready there what it will write of every item; `figures_json` asks for the figures'
    JSON text (Insights.figures_json).

    Workers start reading exports at once, knowing only the published GUIDs (from the ledgers'
    note lines, a tenth of the time); the course itself, which takes longer to read, is read
    in this process while they read, and its ledger tells this process the same."""
    items: dict[str, PublishedItem] = {}

    def published() -> Published:
        if not items:  # a worker, forked before the course was read
            return _ledger_states(sources)
        return {guid: (item.changed, item.hash) for guid, item in items.items()}

    def read_course() -> None:
        items.update(course_items(sources))
        prepare(items)

    with Extractions(keep=KEPT) as extractions:
        cohort = gather(
            export_files(inputs),
            published,
            jobs=jobs,
            progress=progress,
            meanwhile=read_course,
            extractions=extractions,
        )
        twice = same_learners(cohort)
        if twice:  # rare, so the rest is simply read again without them
            once = export_files(inputs)
            for path in twice:  # the last of its copies: a file named twice is still read once
                del once[len(once) - 1 - once[::-1].index(path)]
            cohort = gather(once, published, jobs=jobs, progress=progress, extractions=extractions)
            cohort.problems += [_counted_once(path) for path in twice]
        cohort.problems += _empty_folders(inputs)

        def fields_of(guids: set[str]) -> dict[str, tuple[str, ...]]:
            return published_fields(guids, items, cohort.read, sources, extractions)

        report = summarise(cohort, items, min_learners, fields_of, jobs, figures_json)
        return report, tuple(cohort.read)


KEPT = 2
"""Collections of the first learners read here that stay extracted until the report is made:
the published text of the items learners edited is read back from copies still as
published, and another learner's copy is as published where the first one's is not (each
one kept saves a 30 MB decompression at 2,000 concepts, 35 ms of the serial end)."""


def _ledger_states(sources: Sequence[Path]) -> Published:
    """Each GUID the sources published, with its mod time and hash, from their ledgers alone."""
    published: dict[str, tuple[int, str]] = {}
    for source in _existing(sources):
        published.update(published_guids(source))
    return published


def _counted_once(path: Path) -> Problem:
    return Problem(
        location=Location(str(path)),
        code=codes.SAME_LEARNER_TWICE,
        message="holds the same learner's answers as another input (their first answers "
        "match): they are counted once, from the export with the latest answers",
    )


def _empty_folders(inputs: Sequence[Path]) -> list[Problem]:
    """A folder given as input that holds no export: probably the wrong folder."""
    return [
        Problem(
            location=Location(str(path)),
            code=codes.NO_EXPORTS,
            message="the folder holds no .apkg or .colpkg file",
        )
        for path in inputs
        if path.is_dir() and not export_files([path])
    ]


def refuse_writing_inputs(inputs: Sequence[Path], output: Path | None) -> None:
    """Stop before writing a report over a learner's export: inputs are never written to."""
    if output is None:
        return
    target = output.resolve()
    for path in export_files([p for p in inputs if p.exists()]):
        if path.resolve() == target:
            raise ContentError.at(
                str(output), codes.OUTPUT_IS_INPUT, "the report would overwrite a learner's export"
            )
