"""Whether a course was published: what stops a build that has no ledger from starting afresh."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from pathdeck import identity
from pathdeck.identity.keys import GUID_SEPARATOR
from pathdeck.package.read import count_guids


def refuse_fresh_start(course_id: str, source: Path, outputs: Iterable[Path]) -> None:
    """Raise `ledger-missing` when git knows the ledger or an output already holds notes of
    the course (identity.refuse_fresh_start, told what each output package holds)."""
    prefix = course_id + GUID_SEPARATOR
    identity.refuse_fresh_start(source, {path: count_guids(path, prefix) for path in outputs})
