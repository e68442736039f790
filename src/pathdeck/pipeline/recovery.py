"""Ledger recovery: a lost ledger rebuilt from the package learners last got."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pathdeck import problems as codes
from pathdeck.cards import course_notes
from pathdeck.identity import LEDGER_FILE, content_hash, read_ledger
from pathdeck.output import exclusive, write_text_atomically
from pathdeck.pipeline.run import check, missing_source
from pathdeck.problems import ContentError


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
    from pathdeck.identity.recover import recover_ledger
    from pathdeck.package.read import ExportError, read_package

    if not source.is_dir():
        raise missing_source(source)
    with exclusive(source):
        course = check(source).course
        target = source / LEDGER_FILE
        if not read_ledger(source, course.id).fresh:
            raise ContentError.at(
                str(target),
                codes.LEDGER_EXISTS,
                "the ledger exists and records published notes: recovery only replaces a "
                "missing or empty ledger (move it aside first if it is truly wrong)",
            )
        try:
            published = read_package(package)
        except ExportError as exc:
            raise ContentError.at(str(package), codes.BAD_PACKAGE, f"cannot read {exc}") from None
        specs = course_notes(course)
        ledger = recover_ledger(course.id, published.notes, published.notetypes, specs, str(target))
        text = ledger.render()
        write_text_atomically(target, text)
    current = {content_hash(spec.fields, spec.tags) for spec in specs}
    return RecoveryReport(
        ledger=target,
        notes=len(ledger.entries),
        exact=sum(1 for entry in ledger.entries if entry.hash in current),
        concepts=len(ledger.concepts),
    )
