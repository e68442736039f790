"""The pipeline: load -> validate -> cards -> identity -> package, in that order, nothing else."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from contextlib import ExitStack
from dataclasses import dataclass, replace
from pathlib import Path
from typing import NamedTuple

from pathdeck.cards import (
    concept_notes,
    course_notes,
    deck_part,
    retired_deck,
    stage_deck,
    stage_placements,
)
from pathdeck.cards.lint import lint_stage
from pathdeck.cards.notetypes import stable_id
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
    content_hash,
    read_ledger,
    refuse_fresh_start,
    resolve_rest,
    resolve_stage,
    transfer_items,
)
from pathdeck.ids import CONCEPT_ID
from pathdeck.load import StageListing, list_tree, load_stage
from pathdeck.markup import to_html
from pathdeck.output import exclusive, staged, write_text_atomically
from pathdeck.parallel import default_jobs, map_in_workers
from pathdeck.problems import ContentError, Location, Problem, sorted_problems
from pathdeck.progress import Progress, silent
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
class _Outcome:
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
class BuildReport(_Outcome):
    """What a build wrote and what a learner's next import will see."""

    output: Path

    def to_json(self) -> dict[str, object]:
        """The machine-readable report printed by `--json`."""
        return {"outputs": [str(self.output)], **self._json()}


def _missing_source(source: Path) -> ContentError:
    return ContentError.at(
        str(source),
        "missing-source",
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
    """One stage folder read: checked on its own, its parse problems, and for a build its
    concepts resolved where the ledger knows them by name."""

    check: StageCheck
    problems: tuple[Problem, ...]
    identities: StageIdentities | None


@dataclass(frozen=True, slots=True)
class _Reading:
    """A source tree read and checked; for a build, every note matched against the ledger."""

    checked: CheckReport
    ledger: Ledger
    matched: tuple[Matched, ...]
    now: int


def _draft_course(course: CourseCheck) -> Course | None:
    """The course as far as cards need it (id and title), before its stages are known."""
    raw = course.raw
    if raw is None or "id" not in raw or "title" not in raw:
        return None
    return Course(id=raw["id"], title=raw["title"])


def _read_stage(
    listing: StageListing, course: Course | None, identities: _Identities | None
) -> _StageRead:
    """Parse and check one stage folder; for a build, make its notes and resolve the concepts
    the ledger knows by id or `formerly` (the rest are matched across the course later)."""
    files, problems = load_stage(listing)
    checked = check_stage(files)
    stage = checked.stage
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
    """What a worker sends for a stage: without its ledger entries when none changed.

    Those are exactly the ledger lines the main process still holds unparsed, and they are
    only needed if the ledger is rewritten (Ledger.render parses them then); sending them was
    a fifth of what a worker sends.
    """
    found = read.identities
    if found is None or found.matched.touched:
        return read
    return read._replace(identities=replace(found, matched=replace(found.matched, entries=None)))


def _read(
    source: Path,
    progress: Progress,
    total: int,
    *,
    building: bool,
    concept_decks: bool = False,
    jobs: int | None = None,
) -> _Reading:
    """Read and check every stage and, when `building`, make and match its notes; then check
    the course.

    Stage folders are independent until the course-wide rules, and a concept the ledger knows
    by name only needs its own entries, so stages are read in parallel worker processes (see
    parallel.py); moves and renames are matched across the course afterwards.
    """
    if not source.is_dir():
        raise _missing_source(source)
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
    reads = map_in_workers(
        functools.partial(_read_stage, course=draft, identities=identities),
        listed.stages,
        jobs=default_jobs() if jobs is None else jobs,
        weights=[stage.files for stage in listed.stages],
        send=_sent_back,
    )
    progress("Checking", 1, total)
    parse_problems = [p for read in reads for p in read.problems]
    report = merge(
        course_check, [read.check for read in reads], [*listed.problems, *parse_problems]
    )
    checked = CheckReport(course=report.course, warnings=report.warnings)
    if deferred is not None:
        raise _ledger_error(source, report.course.id, deferred)
    if identities is None:  # `check`: the ledger is checked, nothing matched
        ledger = read_ledger(source, report.course.id)
        if ledger.fresh:  # a ledger git knows of but the tree lacks would stop the build
            refuse_fresh_start(report.course.id, source, ())
        return _Reading(checked, ledger, (), 0)
    try:
        matched = _matched(reads, report.course, identities)
    except ContentError as error:
        raise _ledger_error(source, report.course.id, error) from None
    return _Reading(checked, identities.ledger, matched, identities.now)


def _ledger_error(source: Path, course_id: str, found: ContentError) -> ContentError:
    """The ledger's problems exactly as reading it whole reports them (`pathdeck check`), or
    `found` when the ledger reads fine.

    A build parses note lines concept by concept, so it can meet problems in another order
    than a whole read; a damaged ledger is rare, so it is simply read again whole.
    """
    try:
        read_ledger(source, course_id)
    except ContentError as error:
        return error
    return found  # the ledger is fine: the problem was elsewhere (SOURCE_DATE_EPOCH)


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
            if found.matched.entries is not None:  # a worker's parse supersedes the lines
                ledger.pending.pop(key, None)
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
        code="former-id-in-use",
        message=(
            f"{first[0]} and {second[0]} both claim the concept published as {record.id}: one "
            "names it in 'formerly' while the other keeps its id and all its items unchanged; "
            "remove the 'formerly', or change the other concept"
        ),
    )


def check(source: Path, *, jobs: int | None = None, progress: Progress = silent) -> CheckReport:
    """Validate a source tree and its ledger, then lint the cards it would build; raise
    ContentError with every problem."""
    checked = _read(source, progress, 2, building=False, jobs=jobs).checked
    course = checked.course
    linted = map_in_workers(
        functools.partial(lint_stage, course),
        course.stages,
        jobs=default_jobs() if jobs is None else jobs,
        weights=[len(stage.concepts) for stage in course.stages],
    )
    progress("Checked", 2, 2)
    warnings = checked.warnings + tuple(p for found in linted for p in found)
    return replace(checked, warnings=sorted_problems(warnings))


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
    source: Path,
    output: Path | None = None,
    *,
    concept_decks: bool = False,
    accept_notetype_changes: bool = False,
    locked: bool = False,
    strict: bool = False,
    new_ledger: bool = False,
    allow_placeholders: bool = False,
    jobs: int | None = None,
    progress: Progress = silent,
) -> BuildReport:
    """Build an .apkg from a source tree and update its ledger; nothing is written on error.

    `progress(what, done, total)` hears of each of the BUILD_STEPS before it starts; `jobs`
    caps the processes reading the sources (default: one per CPU). Without a ledger, a course
    that shows signs of having been published is refused unless `new_ledger`.
    """
    if not source.is_dir():
        raise _missing_source(source)
    with exclusive(source):
        checked, resolution = plan(
            source,
            concept_decks=concept_decks,
            accept_notetype_changes=accept_notetype_changes,
            jobs=jobs,
            progress=progress,
        )
        course = checked.course
        if not allow_placeholders:
            refuse_placeholders(checked.warnings)
        if strict:
            _refuse_warnings(checked.warnings + resolution.warnings)
        target = output or default_output(course)
        if resolution.started_fresh and not new_ledger:
            refuse_fresh_start(course.id, source, [target])
        ledger_text = _ledger_update(source, resolution, locked=locked)
        progress(f"Writing {target.name}", 3, BUILD_STEPS)
        with staged() as staging:  # the ledger is replaced first, then the package
            if ledger_text is not None:
                staging.record(source / LEDGER_FILE, ledger_text)
            else:
                staging.sweep(source / LEDGER_FILE)
            _write(staging.output(target), course, resolution, concept_decks=concept_decks)
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


def _refuse_warnings(warnings: tuple[Problem, ...]) -> None:
    """`--strict`: any warning stops the build before anything is written."""
    if warnings:
        raise ContentError(warnings)


def _ledger_update(source: Path, resolution: Resolution, *, locked: bool) -> str | None:
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
            "ledger-out-of-date",
            "--locked: this build would change the ledger; build without --locked and commit "
            "the ledger",
        )
    return new_ledger


def _write(target: Path, course: Course, resolution: Resolution, *, concept_decks: bool) -> None:
    from pathdeck import package  # genanki loads only when a package is written

    top_id = stable_id(course.id, "deck")
    deck_ids = {deck_part(course.title): top_id}
    for stage in course.stages:
        deck_ids[stage_deck(course, stage)] = stable_id(course.id, "deck", "stage", stage.number)
    notes = sorted(resolution.notes, key=lambda n: n.spec.order)
    for note in notes:
        if note.spec.deck not in deck_ids:
            deck_ids[note.spec.deck] = stable_id(course.id, "deck", note.spec.deck)
    decks = [
        package.PackageDeck(
            id=deck_id,
            name=name,
            description=to_html(course.description or "") if deck_id == top_id else "",
        )
        for name, deck_id in deck_ids.items()
    ]
    records = resolution.ledger.notetypes
    notetypes = [
        package.PackageNoteType(notetype=nt, mod=records[role].changed)
        for role, nt in resolution.notetypes.items()
    ]
    notetype_ids = {role: notetype.id for role, notetype in resolution.notetypes.items()}
    new = tuple.__new__  # one per note: PackageNote's fields in order, minus its Python __new__
    package_notes = [
        new(
            package.PackageNote,
            (
                note.guid,
                notetype_ids[note.spec.role],
                note.spec.fields,
                note.spec.tags,
                deck_ids[note.spec.deck],
                due,
                note.mod,
                note.spec.retired,
            ),
        )
        for due, note in enumerate(notes, start=1)
    ]
    package.write_package(
        target,
        notetypes=notetypes,
        decks=decks,
        notes=package_notes,
        top_deck_id=top_id,
        created=max((n.mod for n in package_notes), default=0),
    )


def write_notes(
    target: Path, course: Course, resolution: Resolution, *, concept_decks: bool = False
) -> None:
    """Package `resolution`'s notes (all, or a chosen few) as a build would; no ledger update.

    For tools that render some notes of a planned build (the live preview re-renders only the
    notes that changed).
    """
    _write(target, course, resolution, concept_decks=concept_decks)


# ---------------------------------------------------------------- batch export


SPLITS = ("stage", "course")
"""How a batch build cuts a course: one package per stage, or one per course."""


@dataclass(frozen=True, slots=True, kw_only=True)
class SplitReport(_Outcome):
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
    match = CONCEPT_ID.match(concept_id)
    return int(match.group(1)) if match else None


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
    source: Path,
    folder: Path,
    *,
    split: str,
    with_course: bool,
    concept_decks: bool,
    accept_notetype_changes: bool,
    locked: bool,
    strict: bool,
    new_ledger: bool,
    allow_placeholders: bool,
    jobs: int | None,
) -> _Planned:
    checked, resolution = plan(
        source,
        concept_decks=concept_decks,
        accept_notetype_changes=accept_notetype_changes,
        jobs=jobs,
    )
    if not allow_placeholders:
        refuse_placeholders(checked.warnings)
    if strict:
        _refuse_warnings(checked.warnings + resolution.warnings)
    packages = split_packages(
        checked.course, resolution, folder, split=split, with_course=with_course
    )
    if resolution.started_fresh and not new_ledger:
        refuse_fresh_start(checked.course.id, source, [target for target, _, _ in packages])
    return _Planned(
        source=source,
        checked=checked,
        resolution=resolution,
        ledger=_ledger_update(source, resolution, locked=locked),
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
                        code="duplicate-output",
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
    concept_decks: bool = False,
    accept_notetype_changes: bool = False,
    locked: bool = False,
    strict: bool = False,
    new_ledger: bool = False,
    allow_placeholders: bool = False,
    jobs: int | None = None,
) -> tuple[SplitReport, ...]:
    """Build several source trees into `folder`, one .apkg per stage or per course.

    Every tree is validated and resolved first, with every problem gathered; nothing is written
    unless all of them pass. Each tree's ledger is updated once, like a single build's.
    """
    by_folder: dict[Path, Path] = {}
    for source in sources:  # one lock per folder: a second flock on it would wait forever
        by_folder.setdefault(source.resolve(), source)
    unique = list(by_folder.values())
    missing = [p for s in unique if not s.is_dir() for p in _missing_source(s).problems]
    if missing:
        raise ContentError(missing)
    with ExitStack() as stack:
        for folder_lock in sorted(by_folder):  # a fixed order, so two batches cannot deadlock
            stack.enter_context(exclusive(folder_lock))
        planned: list[_Planned] = []
        problems: list[Problem] = []
        for source in unique:
            try:
                planned.append(
                    _plan_batch(
                        source,
                        folder,
                        split=split,
                        with_course=with_course,
                        concept_decks=concept_decks,
                        accept_notetype_changes=accept_notetype_changes,
                        locked=locked,
                        strict=strict,
                        new_ledger=new_ledger,
                        allow_placeholders=allow_placeholders,
                        jobs=jobs,
                    )
                )
            except ContentError as exc:
                problems.extend(exc.problems)
        problems += _clashes(planned)
        if problems:
            raise ContentError(problems)
        with staged() as staging:  # every ledger is replaced first, then every package
            for item in planned:
                if item.ledger is not None:
                    staging.record(item.source / LEDGER_FILE, item.ledger)
                else:
                    staging.sweep(item.source / LEDGER_FILE)
                for target, part, notes in item.packages:
                    _write(staging.output(target), part, notes, concept_decks=concept_decks)
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


# ---------------------------------------------------------------- ledger recovery


@dataclass(frozen=True, slots=True, kw_only=True)
class RecoveryReport:
    """What `pathdeck ledger recover` wrote: the ledger, and how much of it matches the source."""

    ledger: Path
    notes: int
    exact: int  # notes whose published fields are exactly what the source gives now
    concepts: int

    def to_json(self) -> dict[str, object]:
        """The machine-readable report printed by `--json`."""
        return {
            "ledger": str(self.ledger),
            "notes": self.notes,
            "exact": self.exact,
            "concepts": self.concepts,
        }


def recover(source: Path, package: Path) -> RecoveryReport:
    """Rebuild a lost ledger from a published package, so that the next build matches every
    note as if the ledger had never been lost. An existing ledger is never replaced."""
    import sqlite3

    from pathdeck.identity.recover import read_release, recover_ledger
    from pathdeck.tools.exports import ExportError, open_export

    if not source.is_dir():
        raise _missing_source(source)
    with exclusive(source):
        course = check(source).course
        target = source / LEDGER_FILE
        if not read_ledger(source, course.id).fresh:
            raise ContentError.at(
                str(target),
                "ledger-exists",
                "the ledger exists and records published notes: recovery only replaces a "
                "missing or empty ledger (move it aside first if it is truly wrong)",
            )
        try:
            with open_export(package) as db:
                notes, notetypes = read_release(db)
        except (ExportError, sqlite3.Error, KeyError, ValueError) as exc:
            raise ContentError.at(str(package), "bad-package", f"cannot read {exc}") from None
        specs = course_notes(course)
        ledger = recover_ledger(course.id, notes, notetypes, specs, str(target))
        text = ledger.render()
        write_text_atomically(target, text)
    current = {content_hash(spec.fields, spec.tags) for spec in specs}
    return RecoveryReport(
        ledger=target,
        notes=len(ledger.entries),
        exact=sum(1 for entry in ledger.entries if entry.hash in current),
        concepts=len(ledger.concepts),
    )
