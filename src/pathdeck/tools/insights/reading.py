"""One learner's export read: per course note, what their cards and review log say."""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from pathdeck import problems as codes
from pathdeck.identity import content_hash
from pathdeck.package.read import ExportError, Extractions, open_export

# Review-log kinds Anki writes: 0 learning, 1 review, 2 relearning, 3 filtered deck,
# 4 manual (set due date, forget), 5 rescheduled. Only 0-3 are answers; ease 1 is "again".
# Answers are summed per note in SQLite, several times faster than in Python; reading the
# review log in its own order and sorting by note (NOT INDEXED) beats a lookup through its
# card index per row (38 ms against 46 ms for 69,000 answers). Each sum costs about what the
# sort does, and count(*) FILTER (...) a sixth less than sum(condition). Suspended and flagged
# cards are rare, so they are looked up apart: one query joining everything per note took a
# third longer.
ANSWERS = """
SELECT c.nid, count(*) FILTER (WHERE r.type = 0), count(*) FILTER (WHERE r.type = 0 AND r.ease = 1),
       count(*) FILTER (WHERE r.type = 1), count(*) FILTER (WHERE r.type = 1 AND r.ease = 1),
       count(*), sum(r.time)
FROM revlog AS r NOT INDEXED JOIN cards AS c ON c.id = r.cid
WHERE r.ease > 0 AND r.type IN (0, 1, 2, 3)
GROUP BY c.nid
"""
CARD_STATES = """
SELECT nid, sum(queue = -1), sum((flags & 7) != 0) FROM cards
WHERE queue = -1 OR flags & 7 GROUP BY nid
"""
# The notes are scanned once, for their GUID, id and mod time, and for their tags only where
# Anki's leech or marked tag might be among them (LIKE ignores case, as Anki's tags do): a
# second scan for those took 6.5 ms of a learner's 150.
NOTES = """
SELECT guid, id, mod, CASE WHEN tags LIKE '%leech%' OR tags LIKE '%marked%' THEN tags END
FROM notes
"""
NoteRow = tuple[str, int, int, str | None]
"""(guid, note id, mod, its tags if they might hold leech or marked) of a note."""
FIRST_REVIEWS = "SELECT id FROM revlog ORDER BY id LIMIT 8"
"""A review's id is the millisecond it was answered: two exports whose first eight answers
are the same are the same learner's collection (sent twice, or exported twice)."""
LAST_REVIEW = "SELECT max(id) FROM revlog"
HAS_SCHEDULING = (
    "SELECT EXISTS (SELECT 1 FROM revlog) OR EXISTS (SELECT 1 FROM cards WHERE type != 0)"
)


Published = Mapping[str, tuple[int, str]]
"""Each published GUID's note modification time and content hash (identity.content_hash)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class LearnerExport:
    """What one export holds of the courses, keyed by the learner's note ids."""

    path: Path
    notes: list[NoteRow]
    """Each course note."""
    answers: dict[int, tuple[int, ...]]
    """Per note id, over its cards: the note id, then learning answers, "again" among them,
    review answers, lapses, all answers and their milliseconds (notes never answered are
    left out)."""
    states: dict[int, tuple[int, int]]
    """Per note id with any: suspended cards, flagged cards."""
    tags: dict[int, tuple[int, int]]
    """Per note id with either: leech, marked (0 or 1)."""
    touched: dict[str, str]
    """The fields (`\\x1f`-separated) of each note that is no longer as published, by GUID:
    only those can hold a learner's edit."""
    foreign_notes: int
    first_reviews: tuple[int, ...]
    """When the learner's first answers were given: who they are, without naming them."""
    last_review: int
    """When their last answer was given (0 for none): the later of two exports holds more."""


def read_learner(
    path: Path, published: Published, extractions: Extractions | None = None
) -> LearnerExport:
    """Read one learner's export, knowing each published GUID's modification time and hash;
    ExportError when it cannot serve as one learner's reviews. `extractions` may keep its
    collection to be read again (see published_copies)."""
    with open_export(path, extractions) as db:
        try:
            every = db.execute(NOTES).fetchall()
            notes, modified, tags = _course_notes(every, published)
            export = LearnerExport(
                path=path,
                notes=notes,
                answers={row[0]: row for row in db.execute(ANSWERS)},
                states={nid: (s, f) for nid, s, f in db.execute(CARD_STATES)},
                tags=tags,
                touched=_touched_fields(db, modified, published),
                foreign_notes=len(every) - len(notes),
                first_reviews=tuple(row[0] for row in db.execute(FIRST_REVIEWS)),
                last_review=db.execute(LAST_REVIEW).fetchone()[0] or 0,
            )
            scheduled = bool(db.execute(HAS_SCHEDULING).fetchone()[0])
        except sqlite3.DatabaseError as exc:
            raise ExportError(
                path, codes.DAMAGED_EXPORT, f"the Anki export is damaged: {exc}"
            ) from None
    if not notes:
        raise ExportError(
            path,
            codes.FOREIGN_EXPORT,
            f"none of its {len(every)} note(s) belongs to the course(s) given with --source",
        )
    if not scheduled:
        raise ExportError(
            path,
            codes.EXPORTED_WITHOUT_SCHEDULING,
            "exported without scheduling: it holds no review history. Ask the learner to export "
            'again with "Include scheduling information" ticked (File → Export, Anki Deck Package)',
        )
    return export


def _course_notes(
    every: list[NoteRow], published: Published
) -> tuple[list[NoteRow], list[int], dict[int, tuple[int, int]]]:
    """The course's notes among all, the ids of those modified since they were published, and
    per note id the leech and marked tags (0 or 1) of those that might have them: one pass."""
    notes: list[NoteRow] = []
    modified: list[int] = []
    tags: dict[int, tuple[int, int]] = {}
    for note in every:
        state = published.get(note[0])
        if state is None:
            continue
        notes.append(note)
        if note[2] > state[0]:
            modified.append(note[1])
        if note[3] is not None:
            words = note[3].lower().split()
            tags[note[1]] = ("leech" in words, "marked" in words)
    return notes, modified, tags


def _touched_fields(db: sqlite3.Connection, ids: list[int], published: Published) -> dict[str, str]:
    """Fields of the notes (modified since publication) that are no longer as published: not
    just tagged (a leech, a learner's own tag), which changes the modification time only."""
    fields: dict[str, str] = {}
    for start in range(0, len(ids), 500):  # SQLite's limit on bound parameters is 999 or more
        chunk = ids[start : start + 500]
        marks = ",".join("?" * len(chunk))
        query = f"SELECT guid, mod, flds, tags FROM notes WHERE id IN ({marks})"  # noqa: S608
        for guid, mod, text, tags in db.execute(query, chunk):
            if not _as_published(published[guid], mod, text, tags):
                fields[guid] = text
    return fields


def published_copies(
    files: Sequence[Path], wanted: Published, extractions: Extractions | None = None
) -> dict[str, str]:
    """The fields (`\\x1f`-separated) of the wanted notes as published, by GUID, from learners'
    copies still as published, reading as few of the exports as it takes, those `extractions`
    kept first; a note no export holds so is left out."""
    found: dict[str, str] = {}
    missing = dict(wanted)
    ordered = sorted(files, key=lambda path: extractions is None or not extractions.kept(path))
    for path in ordered:
        if not missing:
            break
        try:
            with open_export(path, extractions) as db:
                db.execute(WANTED_TABLE)
                db.executemany("INSERT INTO temp.wanted VALUES (?)", [(g,) for g in missing])
                for guid, mod, fields, tags in db.execute(WANTED_COPIES):
                    if _as_published(missing[guid], mod, fields, tags):
                        found[guid] = fields
        except (ExportError, sqlite3.DatabaseError):
            continue  # read once already: its problem is reported
        missing = {guid: mod for guid, mod in missing.items() if guid not in found}
    return found


def _as_published(published: tuple[int, str], mod: int, fields: str, tags: str) -> bool:
    """Whether a learner's copy is as published: not modified since, or modified (a leech, a
    learner's own tag) with its fields and pathdeck's tags still the published ones."""
    changed, digest = published
    if mod == changed:
        return True
    ours = [tag for tag in tags.split() if tag.lower().startswith("pathdeck::")]
    return content_hash(fields.split("\x1f"), ours) == digest


# The wanted notes go into a temporary table (the export itself stays read-only), so SQLite
# hands back only their fields: a tenth of the notes' text, not all of it.
WANTED_TABLE = "CREATE TEMP TABLE wanted (guid TEXT PRIMARY KEY) WITHOUT ROWID"
WANTED_COPIES = """
SELECT n.guid, n.mod, n.flds, n.tags FROM notes AS n JOIN temp.wanted AS w ON w.guid = n.guid
"""
