"""One learner's export read: per course note, what their cards and review log say."""

from __future__ import annotations

import sqlite3
from collections.abc import Container
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

from pathdeck.tools.exports import ExportError, open_export

# Review-log kinds Anki writes: 0 learning, 1 review, 2 relearning, 3 filtered deck,
# 4 manual (set due date, forget), 5 rescheduled. Only 0-3 are answers; ease 1 is "again".
NOTE_REVIEWS = """
WITH answers AS (
    SELECT cid,
           sum(type = 0) AS learning,
           sum(type = 0 AND ease = 1) AS learning_again,
           sum(type = 1) AS review,
           sum(type = 1 AND ease = 1) AS lapses,
           count(*) AS answers,
           sum(time) AS ms
    FROM revlog WHERE ease > 0 AND type IN (0, 1, 2, 3) GROUP BY cid
)
SELECT n.guid, n.mod, n.tags, n.flds,
       sum(c.queue = -1), sum((c.flags & 7) != 0),
       coalesce(sum(a.learning), 0), coalesce(sum(a.learning_again), 0),
       coalesce(sum(a.review), 0), coalesce(sum(a.lapses), 0),
       coalesce(sum(a.answers), 0), coalesce(sum(a.ms), 0)
FROM notes AS n JOIN cards AS c ON c.nid = n.id LEFT JOIN answers AS a ON a.cid = c.id
GROUP BY n.id
"""
NOTES_WITHOUT_CARDS = "SELECT guid FROM notes WHERE id NOT IN (SELECT nid FROM cards)"
HAS_SCHEDULING = (
    "SELECT EXISTS (SELECT 1 FROM revlog) OR EXISTS (SELECT 1 FROM cards WHERE type != 0)"
)


class NoteReviews(NamedTuple):
    """One course note in one learner's collection: its state and their answers, over its cards.

    A named tuple: a cohort of 50 learners of a large course reads over a million of them.
    """

    guid: str
    mod: int
    tags: str
    fields: str
    suspended: int
    flagged: int
    learning: int
    learning_again: int
    review: int
    lapses: int
    answers: int
    ms: int


@dataclass(frozen=True, slots=True, kw_only=True)
class LearnerExport:
    """What one export holds of the courses: their notes' reviews, and how many notes are not theirs."""

    path: Path
    notes: tuple[NoteReviews, ...]
    foreign_notes: int


def read_learner(path: Path, course_guids: Container[str]) -> LearnerExport:
    """Read one learner's export; ExportError when it cannot serve as one learner's reviews."""
    with open_export(path) as db:
        try:
            rows = db.execute(NOTE_REVIEWS).fetchall()
            cardless = db.execute(NOTES_WITHOUT_CARDS).fetchall()
            scheduled = bool(db.execute(HAS_SCHEDULING).fetchone()[0])
        except sqlite3.DatabaseError as exc:
            raise ExportError(
                path, "damaged-export", f"the Anki export is damaged: {exc}"
            ) from None
    notes = tuple(NoteReviews._make(row) for row in rows if row[0] in course_guids)
    foreign = len(rows) + len(cardless) - len(notes)
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
    return LearnerExport(path=path, notes=notes, foreign_notes=foreign)
