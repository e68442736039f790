"""One learner's export read: per course note, what their cards and review log say."""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from pathdeck.tools.exports import ExportError, open_export
from pathdeck.tools.insights.published import PublishedItem

# Review-log kinds Anki writes: 0 learning, 1 review, 2 relearning, 3 filtered deck,
# 4 manual (set due date, forget), 5 rescheduled. Only 0-3 are answers; ease 1 is "again".
# Answers are summed per note in SQLite, which is several times faster than in Python; tags
# are matched there too (LIKE ignores case, as Anki's tags do).
NOTE_REVIEWS = """
WITH answers AS (
    SELECT c.nid AS nid,
           sum(r.type = 0) AS learning,
           sum(r.type = 0 AND r.ease = 1) AS learning_again,
           sum(r.type = 1) AS review,
           sum(r.type = 1 AND r.ease = 1) AS lapses,
           count(*) AS answers,
           sum(r.time) AS ms
    FROM revlog AS r JOIN cards AS c ON c.id = r.cid
    WHERE r.ease > 0 AND r.type IN (0, 1, 2, 3)
    GROUP BY c.nid
), states AS (
    SELECT nid, sum(queue = -1) AS suspended, sum((flags & 7) != 0) AS flagged
    FROM cards GROUP BY nid
)
SELECT n.guid, n.id, n.mod,
       ' ' || n.tags || ' ' LIKE '% leech %', ' ' || n.tags || ' ' LIKE '% marked %',
       s.suspended, s.flagged,
       coalesce(a.learning, 0), coalesce(a.learning_again, 0), coalesce(a.review, 0),
       coalesce(a.lapses, 0), coalesce(a.answers, 0), coalesce(a.ms, 0)
FROM notes AS n JOIN states AS s ON s.nid = n.id LEFT JOIN answers AS a ON a.nid = n.id
"""
NOTE_COUNT = "SELECT count(*) FROM notes"
HAS_SCHEDULING = (
    "SELECT EXISTS (SELECT 1 FROM revlog) OR EXISTS (SELECT 1 FROM cards WHERE type != 0)"
)


NoteRow = tuple[str, int, int, int, int, int, int, int, int, int, int, int, int]
"""One course note in one learner's collection, as NOTE_REVIEWS selects it: guid, id, mod,
leech and marked (0 or 1), then over its cards: suspended and flagged cards, learning answers,
"again" among them, review answers, lapses, all answers and their milliseconds.

Plain tuples, not named ones: 50 learners of a large course are over a million rows, and
naming each row took a sixth of the time it takes to read them."""


@dataclass(frozen=True, slots=True, kw_only=True)
class LearnerExport:
    """What one export holds of the courses: their notes' reviews, and how many notes are not theirs."""

    path: Path
    notes: tuple[NoteRow, ...]
    touched: dict[str, str]
    """The fields (`\\x1f`-separated) of each note modified after it was published, by GUID."""
    foreign_notes: int


def read_learner(path: Path, items: Mapping[str, PublishedItem]) -> LearnerExport:
    """Read one learner's export; ExportError when it cannot serve as one learner's reviews."""
    with open_export(path) as db:
        try:
            notes = tuple(_course_rows(db, items))
            total = db.execute(NOTE_COUNT).fetchone()[0]
            scheduled = bool(db.execute(HAS_SCHEDULING).fetchone()[0])
            touched = _touched_fields(db, notes, items)
        except sqlite3.DatabaseError as exc:
            raise ExportError(
                path, "damaged-export", f"the Anki export is damaged: {exc}"
            ) from None
    foreign = total - len(notes)
    if not notes:
        raise ExportError(
            path,
            "foreign-export",
            f"none of its {foreign} note(s) belongs to the course(s) given with --source",
        )
    if not scheduled:
        raise ExportError(
            path,
            "exported-without-scheduling",
            "exported without scheduling: it holds no review history. Ask the learner to export "
            'again with "Include scheduling information" ticked (File → Export, Anki Deck Package)',
        )
    return LearnerExport(path=path, notes=notes, touched=touched, foreign_notes=foreign)


def _course_rows(db: sqlite3.Connection, items: Mapping[str, PublishedItem]) -> list[NoteRow]:
    return [row for row in db.execute(NOTE_REVIEWS) if row[0] in items]


def _touched_fields(
    db: sqlite3.Connection, notes: tuple[NoteRow, ...], items: Mapping[str, PublishedItem]
) -> dict[str, str]:
    """Fields of the notes modified after publication: only those can hold a learner's edit."""
    ids = [note_id for guid, note_id, mod, *_ in notes if mod > items[guid].changed]
    fields: dict[str, str] = {}
    for start in range(0, len(ids), 500):  # SQLite's limit on bound parameters is 999 or more
        chunk = ids[start : start + 500]
        marks = ",".join("?" * len(chunk))
        query = f"SELECT guid, flds FROM notes WHERE id IN ({marks})"  # noqa: S608 - only ?s
        fields.update(db.execute(query, chunk).fetchall())
    return fields
