"""The pipeline: load -> validate -> cards -> identity -> package, in that order, nothing else."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pathdeck.cards import Placement, course_notes, deck_part, placement, retired_deck, stage_deck
from pathdeck.curriculum import Course
from pathdeck.identity import LEDGER_FILE, Ledger, Resolution, build_time, read_ledger, resolve
from pathdeck.load import load_tree
from pathdeck.notetypes import stable_id
from pathdeck.output import exclusive, write_text_atomically
from pathdeck.problems import ContentError, Location, Problem
from pathdeck.progress import Progress, silent
from pathdeck.validate import validate


@dataclass(frozen=True, slots=True, kw_only=True)
class CheckReport:
    """A source tree that passed validation, with its warnings."""

    course: Course
    warnings: tuple[Problem, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class BuildReport:
    """What a build wrote and what a learner's next import will see."""

    output: Path
    course: Course
    counts: dict[str, int]
    notes: int
    ledger_written: bool
    warnings: tuple[Problem, ...]

    def to_json(self) -> dict[str, object]:
        """The machine-readable report printed by `--json`."""
        return {
            "output": str(self.output),
            "course": self.course.id,
            "notes": self.notes,
            "counts": self.counts,
            "ledger_written": self.ledger_written,
            "warnings": [w.to_json() for w in self.warnings],
        }


def _missing_source(source: Path) -> ContentError:
    return ContentError(
        [
            Problem(
                location=Location(str(source)),
                code="missing-source",
                message=f"source folder {source} does not exist",
            )
        ]
    )


def _check(source: Path, progress: Progress, total: int) -> tuple[CheckReport, Ledger]:
    if not source.is_dir():
        raise _missing_source(source)
    progress("Reading sources", 0, total)
    tree = load_tree(source)
    progress("Checking", 1, total)
    report = validate(tree)
    ledger = read_ledger(source, report.course.id)
    return CheckReport(course=report.course, warnings=report.warnings), ledger


def check(source: Path, *, progress: Progress = silent) -> CheckReport:
    """Validate a source tree and its ledger; raise ContentError with every problem."""
    checked, _ = _check(source, progress, 2)
    progress("Checked", 2, 2)
    return checked


BUILD_STEPS = 5
"""Reading sources, checking, making cards, matching the ledger, writing: progress counts these."""


def default_output(course: Course) -> Path:
    """Where `pathdeck build` writes when no -o is given."""
    return Path("dist") / f"{course.id}.apkg"


def _placements(course: Course, *, concept_decks: bool) -> dict[str, Placement]:
    return {
        concept.id: placement(course, stage, concept, concept_decks=concept_decks)
        for stage, concept in course.concepts()
    }


def plan(
    source: Path,
    *,
    concept_decks: bool = False,
    accept_notetype_changes: bool = False,
    progress: Progress = silent,
) -> tuple[CheckReport, Resolution]:
    """Everything a build decides, without writing: validated course and resolved identities."""
    checked, ledger = _check(source, progress, BUILD_STEPS)  # the ledger is read once
    course = checked.course
    progress("Making cards", 2, BUILD_STEPS)
    specs = course_notes(course, concept_decks=concept_decks)
    progress("Matching the ledger", 3, BUILD_STEPS)
    resolution = resolve(
        ledger,
        specs,
        _placements(course, concept_decks=concept_decks),
        retired_deck(course),
        now=build_time(),
        accept_notetype_changes=accept_notetype_changes,
    )
    return checked, resolution


def build(
    source: Path,
    output: Path | None = None,
    *,
    concept_decks: bool = False,
    accept_notetype_changes: bool = False,
    locked: bool = False,
    progress: Progress = silent,
) -> BuildReport:
    """Build an .apkg from a source tree and update its ledger; nothing is written on error.

    `progress(what, done, total)` hears of each of the BUILD_STEPS before it starts.
    """
    if not source.is_dir():
        raise _missing_source(source)
    with exclusive(source):
        checked, resolution = plan(
            source,
            concept_decks=concept_decks,
            accept_notetype_changes=accept_notetype_changes,
            progress=progress,
        )
        course = checked.course
        target = output or default_output(course)
        ledger_path = source / LEDGER_FILE
        new_ledger = resolution.ledger.render()
        old_ledger = ledger_path.read_text(encoding="utf-8") if ledger_path.exists() else None
        if locked and new_ledger != old_ledger:
            raise ContentError(
                [
                    Problem(
                        location=Location(str(ledger_path)),
                        code="ledger-out-of-date",
                        message="--locked: this build would change the ledger; build without "
                        "--locked and commit the ledger",
                    )
                ]
            )
        progress(f"Writing {target.name}", 4, BUILD_STEPS)
        _write(target, course, resolution, concept_decks=concept_decks)
        if new_ledger != old_ledger:
            write_text_atomically(ledger_path, new_ledger)
        progress("Built", BUILD_STEPS, BUILD_STEPS)
    return BuildReport(
        output=target,
        course=course,
        counts=resolution.counts(),
        notes=len(resolution.notes),
        ledger_written=new_ledger != old_ledger,
        warnings=checked.warnings + resolution.warnings,
    )


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
            description=(course.description or "") if deck_id == top_id else "",
        )
        for name, deck_id in deck_ids.items()
    ]
    records = resolution.ledger.notetypes
    notetypes = [
        package.PackageNoteType(notetype=nt, mod=records[role].changed)
        for role, nt in resolution.notetypes.items()
    ]
    package_notes = [
        package.PackageNote(
            guid=note.guid,
            notetype_id=resolution.notetypes[note.spec.role].id,
            fields=note.spec.fields,
            tags=note.spec.tags,
            deck_id=deck_ids[note.spec.deck],
            due=due,
            mod=note.mod,
            suspended=note.spec.retired,
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
