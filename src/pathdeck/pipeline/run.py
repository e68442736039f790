"""check, plan and build: the stages in order (read, validate, cards, identity, package)."""

from __future__ import annotations

import functools
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, NamedTuple

from pathdeck import problems as codes
from pathdeck._speed.parallel import CHECK_HOME_SHARE, HOME_SHARE, default_jobs, map_in_workers
from pathdeck.cards import (
    concept_notes,
    retired_deck,
    stage_placements,
)
from pathdeck.cards.lint import lint_stage
from pathdeck.curriculum import Course
from pathdeck.identity import (
    LEDGER_FILE,
    Ledger,
    Matched,
    Resolution,
    Resolver,
    StageIdentities,
    Unclaimed,
    assemble,
    build_time,
    read_ledger,
    resolve_rest,
    resolve_stage,
    transfer_items,
)
from pathdeck.identity.deferred import sent_back, superseded, whole_ledger_problems
from pathdeck.output import exclusive, staged
from pathdeck.package.rows import write_notes
from pathdeck.pipeline.options import BuildOptions
from pathdeck.pipeline.published import refuse_fresh_start
from pathdeck.problems import ContentError, Location, Problem, sorted_problems
from pathdeck.progress import Progress, silent
from pathdeck.source import StageListing, list_tree, load_stage
from pathdeck.validate import (
    CourseCheck,
    StageCheck,
    check_course,
    check_stage,
    merge,
    refuse_placeholders,
)


@dataclass(frozen=True, slots=True, kw_only=True)
class CheckReport:
    """A source tree that passed validation, with its warnings."""

    course: Course
    warnings: tuple[Problem, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class Outcome:
    """What every build reports of one course: counts, notes, ledger, warnings."""

    course: Course
    counts: dict[str, int]
    notes: int
    ledger_written: bool
    warnings: tuple[Problem, ...]

    def _json(self) -> dict[str, object]:
        return {
            "course": self.course.id,
            "notes": self.notes,
            "counts": self.counts,
            "ledger_written": self.ledger_written,
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class BuildReport(Outcome):
    """What a build wrote and what a learner's next import will see."""

    output: Path

    def to_json(self) -> dict[str, object]:
        """The machine-readable report printed by `--json`."""
        return {"outputs": [str(self.output)], **self._json()}


def missing_source(source: Path) -> ContentError:
    return ContentError.at(
        str(source),
        codes.MISSING_SOURCE,
        f"source folder {source} does not exist (run pathdeck in the folder that holds it or "
        "inside a course, or name the folder: pathdeck check PATH)",
    )


@dataclass(frozen=True, slots=True)
class _Identities:
    """What matching a stage's notes against the ledger needs, ready before stages are read."""

    ledger: Ledger  # note lines deferred: each stage parses its own concepts' lines
    now: int
    retired_deck: str
    concept_decks: bool


class _StageRead(NamedTuple):
    """One stage folder read: checked on its own, its parse problems, for a build its concepts
    resolved where the ledger knows them by name, for `check` its card warnings."""

    check: StageCheck
    problems: tuple[Problem, ...]
    identities: StageIdentities | None
    card_warnings: tuple[Problem, ...] = ()


@dataclass(frozen=True, slots=True)
class _Reading:
    """A source tree read and checked; for a build, every note matched against the ledger."""

    checked: CheckReport
    ledger: Ledger
    matched: tuple[Matched, ...]
    now: int
    card_warnings: tuple[Problem, ...] = ()


def _draft_course(course: CourseCheck) -> Course | None:
    """The course as far as cards need it (id and title), before its stages are known."""
    raw = course.raw
    if raw is None or "id" not in raw or "title" not in raw:
        return None
    return Course(id=raw["id"], title=raw["title"])


def _read_stage(
    listing: StageListing, course: Course | None, identities: _Identities | None, lint: bool
) -> _StageRead:
    """Parse and check one stage folder; for a build, make its notes and resolve the concepts
    the ledger knows by id or `formerly` (the rest are matched across the course later); when
    `lint`, lint the cards it would build, here where the stage is already in hand."""
    files, problems = load_stage(listing)
    checked = check_stage(files)
    stage = checked.stage
    if lint and course is not None and stage is not None:
        return _StageRead(checked, tuple(problems), None, tuple(lint_stage(course, stage)))
    if course is None or identities is None or stage is None:
        return _StageRead(checked, tuple(problems), None)
    placements = stage_placements(course, stage, concept_decks=identities.concept_decks)
    resolver = Resolver(course.id, identities.now, identities.retired_deck)
    concepts = (
        (concept, concept_notes(concept, placements[concept.id]), placements[concept.id])
        for concept in stage.concepts
    )
    found = resolve_stage(resolver, identities.ledger, concepts)
    return _StageRead(checked, tuple(problems), found)


def _sent_back(read: _StageRead) -> _StageRead:
    """What a worker sends for a stage (see identity.deferred)."""
    return read if read.identities is None else read._replace(identities=sent_back(read.identities))


class _WholeLedger:
    """`check` reads the whole ledger in this process while the workers read the stages, not
    after them (0.14 s of CPU at 2,000 concepts; the command gains about 0.04 s, as this
    process's share of stages then ends later); a damaged one is reported after the source's
    own problems, as ever."""

    def __init__(self, source: Path, course_id: str | None) -> None:
        self.source, self.course_id = source, course_id  # None: not read beside the workers
        self.found: Ledger | ContentError | None = None

    def read(self) -> None:
        """Read it now, keeping a problem for later."""
        if self.course_id is not None:
            try:
                self.found = read_ledger(self.source, self.course_id)
            except ContentError as error:
                self.found = error

    def checked(self, course_id: str) -> Ledger:
        """The ledger, checked; ContentError when it is damaged or missing though published."""
        found = self.found if self.found is not None else read_ledger(self.source, course_id)
        if isinstance(found, ContentError):
            raise found
        if found.fresh:  # a ledger git knows of but the tree lacks would stop the build
            refuse_fresh_start(course_id, self.source, ())
        return found


def _read(
    source: Path,
    progress: Progress,
    total: int,
    *,
    building: bool,
    lint: bool = False,
    concept_decks: bool = False,
    jobs: int | None = None,
) -> _Reading:
    """Read and check every stage and, when `building`, make and match its notes (when `lint`,
    lint its cards instead); then check the course.

    Stage folders are independent until the course-wide rules, and a concept the ledger knows
    by name only needs its own entries, so stages are read in parallel worker processes (see
    parallel.py); moves and renames are matched across the course afterwards.
    """
    if not source.is_dir():
        raise missing_source(source)
    progress("Reading sources", 0, total)
    listed = list_tree(source)
    course_check = check_course(listed.course, listed.course_path)
    draft = _draft_course(course_check)
    identities: _Identities | None = None
    deferred: ContentError | None = None  # reported after the source's own problems, as ever
    if building and draft is not None:
        try:
            ledger = read_ledger(source, draft.id, defer=True)
            identities = _Identities(ledger, build_time(), retired_deck(draft), concept_decks)
        except ContentError as error:
            deferred = error
    whole = _WholeLedger(source, None if building or draft is None else draft.id)
    reads = map_in_workers(
        functools.partial(_read_stage, course=draft, identities=identities, lint=lint),
        listed.stages,
        jobs=default_jobs() if jobs is None else jobs,
        weights=[stage.files for stage in listed.stages],
        send=_sent_back,
        home=CHECK_HOME_SHARE if lint else HOME_SHARE,
        meanwhile=whole.read,
    )
    progress("Checking", 1, total)
    parse_problems = [p for read in reads for p in read.problems]
    report = merge(
        course_check, [read.check for read in reads], [*listed.problems, *parse_problems]
    )
    checked = CheckReport(course=report.course, warnings=report.warnings)
    if deferred is not None:
        raise whole_ledger_problems(source, report.course.id, deferred)
    if identities is None:  # `check`: the ledger is checked, nothing matched
        ledger = whole.checked(report.course.id)
        card_warnings = tuple(p for read in reads for p in read.card_warnings)
        return _Reading(checked, ledger, (), 0, card_warnings)
    try:
        matched = _matched(reads, report.course, identities)
    except ContentError as error:
        raise whole_ledger_problems(source, report.course.id, error) from None
    return _Reading(checked, identities.ledger, matched, identities.now)


def _matched(
    reads: list[_StageRead], course: Course, identities: _Identities
) -> tuple[Matched, ...]:
    """Every stage's resolved concepts, then moves, renames, new concepts and retirements
    matched across the whole course."""
    ledger = identities.ledger
    parts: list[Matched] = []
    unclaimed: list[Unclaimed] = []
    claimed: dict[str, tuple[str, str]] = {}  # published key -> (concept id, its file)
    problems: list[Problem] = []
    for read in reads:
        found = read.identities
        if found is None:
            continue
        problems += found.problems
        for key, concept_id, source in found.claimed:
            if key in claimed:
                problems.append(_claimed_twice(ledger, key, claimed[key], (concept_id, source)))
            claimed[key] = (concept_id, source)
            superseded(ledger, key, found.matched)
        unclaimed += found.unclaimed
        parts.append(found.matched)
    resolver = Resolver(course.id, identities.now, identities.retired_deck)
    rest, found_problems = resolve_rest(resolver, ledger, unclaimed, set(claimed))
    problems += found_problems
    if problems:
        raise ContentError(problems)
    movers = Resolver(course.id, identities.now, identities.retired_deck)
    return tuple(transfer_items([*parts, rest], movers))


def _claimed_twice(
    ledger: Ledger, key: str, first: tuple[str, str], second: tuple[str, str]
) -> Problem:
    record = ledger.concepts[key]
    return Problem(
        location=Location(second[1]),
        code=codes.FORMER_ID_IN_USE,
        message=(
            f"{first[0]} and {second[0]} both claim the concept published as {record.id}: one "
            "names it in 'formerly' while the other keeps its id and all its items unchanged; "
            "remove the 'formerly', or change the other concept"
        ),
    )


def check(source: Path, *, jobs: int | None = None, progress: Progress = silent) -> CheckReport:
    """Validate a source tree and its ledger, and lint the cards it would build (in the same
    workers that read each stage: the stage is in hand there); raise ContentError with every
    problem."""
    reading = _read(source, progress, 2, building=False, lint=True, jobs=jobs)
    progress("Checked", 2, 2)
    checked = reading.checked
    return replace(checked, warnings=sorted_problems(checked.warnings + reading.card_warnings))


def outline(source: Path, *, jobs: int | None = None) -> tuple[CheckReport, Ledger]:
    """The validated course and its whole ledger, without making a card: what was published
    and where it sits (insights read this; planning every card took four times as long)."""
    reading = _read(source, silent, 1, building=False, jobs=jobs)
    return reading.checked, reading.ledger


BUILD_STEPS = 4
"""Reading sources (each stage parsed, checked, made into notes and matched against the
ledger), checking the course, assembling the ledger, writing: progress counts these."""


def default_output(course: Course) -> Path:
    """Where `pathdeck build` writes when no -o is given."""
    return Path("dist") / f"{course.id}.apkg"


def plan(
    source: Path,
    *,
    concept_decks: bool = False,
    accept_notetype_changes: bool = False,
    jobs: int | None = None,
    progress: Progress = silent,
) -> tuple[CheckReport, Resolution]:
    """Everything a build decides, without writing: validated course and resolved identities.

    `jobs` caps the processes that read the sources (default: one per CPU).
    """
    reading = _read(
        source, progress, BUILD_STEPS, building=True, concept_decks=concept_decks, jobs=jobs
    )
    progress("Assembling the ledger", 2, BUILD_STEPS)
    resolution = assemble(
        reading.ledger,
        reading.matched,
        now=reading.now,
        accept_notetype_changes=accept_notetype_changes,
    )
    return reading.checked, resolution


def build(
    source: Path, output: Path | None = None, *, progress: Progress = silent, **choices: Any
) -> BuildReport:
    """`build_with` for callers that name each choice: `choices` are BuildOptions' fields."""
    return build_with(source, output, BuildOptions(**choices), progress=progress)


def build_with(
    source: Path, output: Path | None, options: BuildOptions, *, progress: Progress = silent
) -> BuildReport:
    """Build an .apkg from a source tree and update its ledger; nothing is written on error.

    `progress(what, done, total)` hears of each of the BUILD_STEPS before it starts. Without a
    ledger, a course that shows signs of having been published is refused unless
    `options.new_ledger`.
    """
    if not source.is_dir():
        raise missing_source(source)
    with exclusive(source):
        checked, resolution = plan(
            source,
            concept_decks=options.concept_decks,
            accept_notetype_changes=options.accept_notetype_changes,
            jobs=options.jobs,
            progress=progress,
        )
        course = checked.course
        refuse_unpublishable(checked, resolution, options)
        target = output or default_output(course)
        if resolution.started_fresh and not options.new_ledger:
            refuse_fresh_start(course.id, source, [target])
        ledger_text = ledger_update(source, resolution, locked=options.locked)
        progress(f"Writing {target.name}", 3, BUILD_STEPS)
        with staged() as staging:  # the ledger is replaced first, then the package
            if ledger_text is not None:
                staging.record(source / LEDGER_FILE, ledger_text)
            else:
                staging.sweep(source / LEDGER_FILE)
            write_notes(
                staging.output(target), course, resolution, concept_decks=options.concept_decks
            )
        progress("Built", BUILD_STEPS, BUILD_STEPS)
    return BuildReport(
        output=target,
        course=course,
        counts=resolution.counts(),
        notes=len(resolution.notes),
        ledger_written=ledger_text is not None,
        warnings=checked.warnings + resolution.warnings,
    )


_COMPARE_CHUNK = 1 << 20


def _holds(path: Path, text: str) -> bool:
    """True when the file reads as exactly `text`; compared a chunk at a time, because a
    10,000-concept ledger is 30 MB and a second copy of it would set the build's peak memory."""
    if not path.exists():
        return False
    with path.open(encoding="utf-8") as old:
        for start in range(0, len(text), _COMPARE_CHUNK):
            if old.read(_COMPARE_CHUNK) != text[start : start + _COMPARE_CHUNK]:
                return False
        return old.read(1) == ""


def refuse_unpublishable(
    checked: CheckReport, resolution: Resolution, options: BuildOptions
) -> None:
    """Stop before anything is written: placeholders unless a draft, any warning if --strict."""
    if not options.allow_placeholders:
        refuse_placeholders(checked.warnings)
    if options.strict and (checked.warnings or resolution.warnings):
        raise ContentError(checked.warnings + resolution.warnings)


def ledger_update(source: Path, resolution: Resolution, *, locked: bool) -> str | None:
    """The ledger text to write after packaging, None when unchanged; refused under --locked."""
    ledger_path = source / LEDGER_FILE
    if not resolution.ledger_changed and ledger_path.exists():
        return None  # nothing to record: skip rendering and comparing a file of every note
    new_ledger = resolution.ledger.render()
    if _holds(ledger_path, new_ledger):
        return None
    if locked:
        raise ContentError.at(
            str(ledger_path),
            codes.LEDGER_OUT_OF_DATE,
            "--locked: this build would change the ledger; build without --locked and commit "
            "the ledger",
        )
    return new_ledger
