"""A release: every resolved part of a build assembled with its note types into the new ledger."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from pathdeck.cards import NoteType
from pathdeck.identity.ledger import ConceptRecord, Entry, Ledger
from pathdeck.identity.notetypes import resolve_notetypes
from pathdeck.identity.resolve import Matched, Published
from pathdeck.problems import Problem
from pathdeck.roles import Role

STATUSES = ("new", "updated", "unchanged", "retired", "restored")


@dataclass(frozen=True, slots=True, kw_only=True)
class Resolution:
    """The outcome of matching a build against the ledger."""

    notes: tuple[Published, ...]
    notetypes: dict[Role, NoteType]
    ledger: Ledger
    warnings: tuple[Problem, ...]
    ledger_changed: bool = True
    started_fresh: bool = False  # there was no ledger (or an empty one) to match against

    def counts(self) -> dict[str, int]:
        """How many notes are new, updated, unchanged, retired by this build, restored, retired."""
        totals = dict.fromkeys(STATUSES, 0)
        for note in self.notes:
            totals[note.status] += 1
        totals["retired_total"] = sum(1 for note in self.notes if note.spec.retired)
        return totals


def assemble(
    ledger: Ledger, parts: Iterable[Matched], *, now: int, accept_notetype_changes: bool = False
) -> Resolution:
    """The resolution of a build from its matched parts: note types checked, the new ledger."""
    types, records = resolve_notetypes(ledger, now, accept_changes=accept_notetype_changes)
    published: list[Published] = []
    entries: list[Entry] = []
    concepts: dict[str, ConceptRecord] = dict(ledger.concepts)
    warnings: list[Problem] = []
    touched = False
    for part in parts:
        published += part.published
        entries += part.entries or ()
        touched = touched or part.touched
        concepts.update((record.key, record) for record in part.concepts)
        warnings += part.warnings
    new_ledger = Ledger(
        course=ledger.course,
        notetypes=records,
        concepts=concepts,
        entries=entries,
        pending=ledger.pending,  # the lines of concepts whose entries all stayed as they were
        path=ledger.path,
    )
    return Resolution(
        notes=tuple(published),
        notetypes=types,
        ledger=new_ledger,
        warnings=tuple(warnings),
        ledger_changed=touched or records != ledger.notetypes or ledger.fresh,
        started_fresh=ledger.fresh,
    )
