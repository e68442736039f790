"""`build --dry-run`: what a build would publish against the ledger, with nothing written."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pathdeck.pipeline.options import BuildOptions
from pathdeck.pipeline.run import default_output, plan
from pathdeck.problems import Problem
from pathdeck.validate import refuse_placeholders

PUBLISHED = ("new", "updated", "retired", "restored")
"""The statuses a learner's next import would notice; unchanged notes are left out."""


@dataclass(frozen=True, slots=True, kw_only=True)
class PlannedChange:
    """One note the build would publish differently than the ledger remembers."""

    concept: str
    status: str
    role: str
    summary: str

    def to_json(self) -> dict[str, object]:
        """The change in `build --dry-run --json`."""
        return {
            "concept": self.concept,
            "status": self.status,
            "role": self.role,
            "summary": self.summary,
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class DryRun:
    """What `build` would write and publish; deck renames are among the warnings."""

    source: Path
    course: str
    target: Path
    counts: dict[str, int]
    notes: int
    ledger_changes: bool
    changes: tuple[PlannedChange, ...]
    warnings: tuple[Problem, ...]

    def to_json(self) -> dict[str, object]:
        """The source tree's entry in `build --dry-run --json`."""
        return {
            "source": str(self.source),
            "course": self.course,
            "outputs": [str(self.target)],
            "notes": self.notes,
            "counts": self.counts,
            "ledger_written": False,
            "ledger_would_change": self.ledger_changes,
            "changes": [change.to_json() for change in self.changes],
        }


def _summary(text: str) -> str:
    line = " ".join(text.split())
    return line if len(line) <= 70 else line[:69] + "…"


def dry_run(source: Path, output: Path | None, options: BuildOptions) -> DryRun:
    """Plan the build of `source` and report it; reads the ledger, writes nothing."""
    checked, resolution = plan(
        source,
        concept_decks=options.concept_decks,
        accept_notetype_changes=options.accept_notetype_changes,
        jobs=options.jobs,
    )
    if not options.allow_placeholders:
        refuse_placeholders(checked.warnings)
    notes = sorted(resolution.notes, key=lambda note: note.spec.order)
    changes = tuple(
        PlannedChange(
            concept=note.spec.concept_id,
            status=note.status,
            role=note.spec.role.value,
            summary=_summary(note.spec.match_text),
        )
        for note in notes
        if note.status in PUBLISHED
    )
    return DryRun(
        source=source,
        course=checked.course.id,
        target=output or default_output(checked.course),
        counts=resolution.counts(),
        notes=len(resolution.notes),
        ledger_changes=resolution.ledger_changed,
        changes=changes,
        warnings=checked.warnings + resolution.warnings,
    )
