"""The identity ledger file: every note, concept and note type a course ever published."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from pathdeck import problems as codes
from pathdeck._speed.pickling import compact_pickle
from pathdeck.identity.keys import parse_guid
from pathdeck.ids import canonical_concept_id as canonical_id
from pathdeck.problems import ContentError, Location, Problem
from pathdeck.roles import Role

LEDGER_FILE = "pathdeck.lock"
LEDGER_FORMAT = 2
LEDGER_HEADER = (
    "# pathdeck identity ledger: commit it with the curriculum and never edit it by hand.\n"
    "# It remembers every note ever published, so a rebuild updates learners' notes in place\n"
    "# instead of duplicating them. After a merge, keep the lines of both sides.\n"
)


@compact_pickle
@dataclass(slots=True, kw_only=True)
class Entry:
    """One published note as the ledger remembers it; `concept` is the concept's key."""

    guid: str
    concept: str
    role: Role
    key: str
    id: str | None
    text: str
    hash: str
    changed: int
    retired: bool = False
    blanks: tuple[str, ...] = ()
    """A cloze note's blanks by cloze number (blanks[0] is c1), each its last published text."""


@dataclass(slots=True, kw_only=True)
class ConceptRecord:
    """A published concept: its permanent key, its id now and the deck its notes went to."""

    key: str
    id: str
    deck: str
    retired: bool = False
    """True once the concept left the curriculum (its notes are retired)."""
    aliases: tuple[str, ...] = ()
    """Other ids the concept went by in lines kept from both sides of a merge."""

    def to_json(self) -> dict[str, object]:
        """The ledger line."""
        line: dict[str, object] = {"concept": self.key, "id": self.id, "deck": self.deck}
        if self.retired:
            line["retired"] = True
        return line


@dataclass(slots=True, kw_only=True)
class NoteTypeRecord:
    """A published note type: its frozen schema, its version and when its looks last changed."""

    role: Role
    id: int
    version: int
    fields: list[str]
    templates: list[str]
    looks: str
    changed: int

    def to_json(self) -> dict[str, object]:
        """The ledger line for this note type."""
        return {
            "notetype": self.role.value,
            "id": self.id,
            "version": self.version,
            "fields": self.fields,
            "templates": self.templates,
            "looks": self.looks,
            "changed": self.changed,
        }


@dataclass(slots=True, kw_only=True)
class Ledger:
    """Everything a course has published: note types, concepts and notes."""

    course: str
    notetypes: dict[Role, NoteTypeRecord] = field(default_factory=dict)
    concepts: dict[str, ConceptRecord] = field(default_factory=dict)
    entries: list[Entry] = field(default_factory=list)
    pending: dict[str, list[tuple[int, str]]] = field(default_factory=dict)
    """Note lines not parsed yet, (line number, text) by concept key: see identity.deferred."""
    path: str = LEDGER_FILE
    fresh: bool = False
    """True when there was no ledger file (or only its header): nothing recorded yet."""
    _live_ids: dict[str, str] | None = None

    def live_key(self, concept_id: str) -> str | None:
        """The key of the concept in the curriculum under this id at the last build."""
        if self._live_ids is None:
            self._live_ids = {}
            for key in sorted(self.concepts):
                record = self.concepts[key]
                if not record.retired:
                    self._live_ids.setdefault(canonical_id(record.id), key)
        return self._live_ids.get(canonical_id(concept_id))

    def former_key(self, former_id: str) -> str | None:
        """The key of the concept once published as `former_id` (its id, key or a merged
        alias); a concept still in the curriculum before one that retired."""
        wanted = canonical_id(former_id)
        found = [
            key
            for key, record in self.concepts.items()
            if wanted in (canonical_id(record.id), key, *map(canonical_id, record.aliases))
        ]
        return min(found, key=lambda k: (self.concepts[k].retired, k), default=None)

    def named_key(self, concept_id: str, formerly: Iterable[str]) -> tuple[str | None, bool]:
        """The key of the published concept a concept names, and whether a `formerly` named
        it: the first former id the ledger knows, else its own id (which a build confirms
        by its notes)."""
        former = next(filter(None, map(self.former_key, formerly)), None)
        return (former, True) if former else (self.live_key(concept_id), False)

    def entries_of(self, concept_key: str) -> tuple[list[Entry], list[Problem]]:
        """A concept's pending entries, parsed into new objects, the lines left pending: a
        stage only considers a concept, and whether it is claimed is settled afterwards, the
        same way whether stages are read in one process or several."""
        problems: list[Problem] = []
        lines = self.pending.get(concept_key)
        return (note_entries(self.course, lines, self.path, problems) if lines else []), problems

    def take(self, concept_keys: Iterable[str]) -> tuple[list[Entry], list[Problem]]:
        """The entries of these concepts whose lines are still pending, parsed now and added to
        `entries`, with the damage or hand edits found in those lines."""
        taken: list[Entry] = []
        problems: list[Problem] = []
        for key in concept_keys:
            lines = self.pending.pop(key, None)
            if lines:
                taken += note_entries(self.course, lines, self.path, problems)
        self.entries += taken
        return taken, problems

    def render(self) -> str:
        """The ledger file's text: a header, then one JSON object a line in a stable order."""
        if self.pending:  # entries nobody needed until now
            _, problems = self.take(list(self.pending))
            if problems:  # pragma: no cover - the same lines were checked where they were taken
                raise ContentError(problems)
        encode = _LINE.encode
        lines = [LEDGER_HEADER + encode({"pathdeck-ledger": LEDGER_FORMAT, "course": self.course})]
        lines += [encode(self.notetypes[r].to_json()) for r in Role if r in self.notetypes]
        lines += [encode(self.concepts[k].to_json()) for k in sorted(self.concepts)]
        lines += [entry_line(e) for e in sorted(self.entries, key=_entry_order)]
        lines.append("")  # the last line ends too
        # One join makes the text: adding the header and the end to it would copy all of it
        # twice, and at 10,000 concepts those copies set the build's peak memory.
        return "\n".join(lines)


_LINE = json.JSONEncoder(
    ensure_ascii=False
)  # one encoder for every line: json.dumps makes one a call
_text = json.encoder.encode_basestring  # the C function json uses with ensure_ascii=False


def entry_line(e: Entry) -> str:
    """The note's ledger line, formatted directly: a first build renders one for every note,
    and that takes half the time of building and encoding a dict."""
    item_id = "null" if e.id is None else _text(e.id)
    blanks = f', "blanks": [{", ".join(map(_text, e.blanks))}]' if e.blanks else ""
    return (
        f'{{"note": {_text(e.guid)}, "concept": {_text(e.concept)}, "role": "{e.role.value}", '
        f'"key": {_text(e.key)}, "id": {item_id}, '
        f'"retired": {"true" if e.retired else "false"}, "changed": {e.changed}, '
        f'"hash": {_text(e.hash)}, "text": {_text(e.text)}{blanks}}}'
    )


def _entry_order(e: Entry) -> tuple[str, int, str]:
    return (e.concept, e.role.rank, e.key)


# ---------------------------------------------------------------- reading and checking the file


def corrupt(path: str, line: int, message: str, code: str = codes.LEDGER_CORRUPT) -> Problem:
    """A problem with the ledger file at a line."""
    return Problem(location=Location(path, line, 1), code=code, message=message)


_ROLES: dict[object, Role] = {role.value: role for role in Role}
_scan_json = json.scanner.make_scanner(json.JSONDecoder())  # type: ignore[attr-defined]


def json_line(line: str) -> object:
    """`json.loads(line)` for a ledger line, without json.loads' Python-level layers: a rebuild
    reads a line for every note. Anything unusual goes through json.loads for its message."""
    try:
        value, end = _scan_json(line, 0)
    except (StopIteration, ValueError):
        return json.loads(line)  # raises, with json's own description of the damage
    if end != len(line):
        return json.loads(line)  # trailing text: an error, or only whitespace
    return value


def role_named(value: object) -> Role:
    """The role a ledger line names, or ValueError as Role(value) would raise."""
    role = _ROLES.get(value) if isinstance(value, str) else None
    if role is None:
        raise ValueError(f"{value!r} is not a valid Role")
    return role


def _entry(data: dict[str, object]) -> Entry:
    blanks = data.get("blanks") or ()
    return Entry(
        guid=str(data["note"]),
        concept=str(data["concept"]),
        role=role_named(data["role"]),
        key=str(data["key"]),
        id=None if data.get("id") is None else str(data["id"]),
        text=str(data["text"]),
        hash=str(data["hash"]),
        changed=int(data["changed"]),  # type: ignore[call-overload]
        retired=bool(data.get("retired", False)),
        blanks=tuple(str(b) for b in blanks),  # type: ignore[attr-defined]
    )


def _notetype(data: dict[str, object]) -> NoteTypeRecord:
    return NoteTypeRecord(
        role=role_named(data["notetype"]),
        id=int(data["id"]),  # type: ignore[call-overload]
        version=int(data["version"]),  # type: ignore[call-overload]
        fields=[str(f) for f in data["fields"]],  # type: ignore[attr-defined]
        templates=[str(t) for t in data["templates"]],  # type: ignore[attr-defined]
        looks=str(data["looks"]),
        changed=int(data["changed"]),  # type: ignore[call-overload]
    )


def _concept(data: dict[str, object]) -> ConceptRecord:
    return ConceptRecord(
        key=str(data["concept"]),
        id=str(data["id"]),
        deck=str(data["deck"]),
        retired=bool(data.get("retired", False)),
    )


# The first two keys of a note line as pathdeck writes it: enough to file the line under its
# concept without parsing it. A line written any other way is parsed on the spot.
_NOTE_LINE = re.compile(r'\{"note": "[^"\\]*", "concept": "([^"\\]*)", ')


def note_entries(
    course: str, lines: list[tuple[int, str]], path: str, problems: list[Problem]
) -> list[Entry]:
    """One concept's note lines parsed, checked against their keys, merge duplicates folded."""
    entries: dict[str, Entry] = {}
    for number, line in lines:
        try:
            data = json_line(line)
            if not isinstance(data, dict):
                raise TypeError("not an object")
            entry = _entry(data)
        except (ValueError, TypeError, KeyError, AttributeError) as exc:
            problems.append(_damaged(path, number, exc))
            continue
        if not _keyed(course, entry):
            problems.append(_hand_edited(path, number, entry))
            continue
        kept = entries.get(entry.guid)
        entries[entry.guid] = entry if kept is None else merged(kept, entry)
    return list(entries.values())


def _keyed(course: str, entry: Entry) -> bool:
    """Whether the note's GUID spells its course, role and key (its concept part names the
    concept it was born in, which it may since have left: see identity.transfers)."""
    parts = parse_guid(entry.guid)
    return parts is not None and (parts[0], parts[2], parts[3]) == (course, entry.role, entry.key)


def merged(one: Entry, other: Entry) -> Entry:
    """One note listed twice, as keeping both sides of a merge leaves it: the later version,
    with the latest mod time (a learner may hold either side's release) and every blank."""
    later, earlier = (
        (one, other) if (one.changed, one.hash) >= (other.changed, other.hash) else (other, one)
    )
    if len(earlier.blanks) > len(later.blanks):
        later.blanks = later.blanks + earlier.blanks[len(later.blanks) :]
    return later


def _hand_edited(path: str, number: int, entry: Entry) -> Problem:
    return corrupt(
        path,
        number,
        f"note {entry.guid} does not match its concept, role and key ({entry.concept} "
        f"{entry.role.value} {entry.key}); the ledger was edited by hand - restore it from "
        "version control",
        codes.LEDGER_CONFLICT,
    )


def _damaged(path: str, number: int, exc: Exception) -> Problem:
    return corrupt(
        path,
        number,
        f"the ledger is damaged ({exc}); restore it from version control - "
        "rebuilding without it would give learners a duplicate of every edited note",
    )


_CONFLICT_MARKERS = ("<<<<<<<", "=======", ">>>>>>>", "|||||||")


def parse_ledger(text: str, path: str, *, defer: bool = False) -> Ledger:
    """Parse a ledger; any damage raises ContentError (never a silent re-keying).

    Lines kept from both sides of a merge are welcome: a note, concept or note type listed
    twice is folded into one. With `defer`, note lines are only filed by concept key
    (Ledger.pending): a build parses each concept's lines where it matches the concept, in
    parallel. Everything else is parsed and checked here.
    """
    ledger: Ledger | None = None
    problems: list[Problem] = []
    # Lines end at "\n" only: str.splitlines would also cut at U+2028, U+0085 and the other
    # separators JSON leaves unescaped inside a note's text. A "\r" before it (a ledger saved
    # on Windows) and a byte-order mark (saved by Notepad) are not part of the ledger.
    for number, raw in enumerate(text.removeprefix("\ufeff").split("\n"), start=1):
        line = raw.removesuffix("\r")
        if ledger is not None and (note := _NOTE_LINE.match(line)):
            ledger.pending.setdefault(note.group(1), []).append((number, line))
            continue
        if not line or line[0] == "#" or line.isspace():
            continue
        if line.startswith(_CONFLICT_MARKERS):
            problems.append(_conflict_marker(path, number))
            continue
        try:
            data = json_line(line)
            if not isinstance(data, dict):
                raise TypeError("not an object")
            ledger = _file_line(ledger, data, number)
        except (ValueError, TypeError, KeyError, AttributeError) as exc:
            problems.append(_damaged(path, number, exc))
    if problems or ledger is None:
        raise ContentError(problems or [corrupt(path, 1, "the ledger has no header line")])
    ledger.path = path
    orphans = [
        (lines[0][0], key) for key, lines in ledger.pending.items() if key not in ledger.concepts
    ]
    if orphans:
        raise ContentError([_orphaned(path, number, key) for number, key in orphans])
    if not defer:
        _, problems = ledger.take(list(ledger.pending))
        if problems:
            raise ContentError(problems)
    return ledger


def _file_line(ledger: Ledger | None, data: dict[str, object], number: int) -> Ledger:
    """Add one parsed line (the header first) to the ledger; returns the ledger."""
    if ledger is None:
        if data.get("pathdeck-ledger") != LEDGER_FORMAT:
            raise ValueError(
                f"the first line must be a format-{LEDGER_FORMAT} ledger header "
                f"(found {data.get('pathdeck-ledger')!r})"
            )
        return Ledger(course=str(data["course"]))
    if "pathdeck-ledger" in data and data.get("course") == ledger.course:
        pass  # the header again, from the other side of a merge
    elif "note" in data:
        ledger.pending.setdefault(str(data["concept"]), []).append((number, json.dumps(data)))
    elif "notetype" in data:
        record = _notetype(data)
        kept = ledger.notetypes.get(record.role)
        if kept is None or (record.version, record.changed) > (kept.version, kept.changed):
            ledger.notetypes[record.role] = record
    elif "concept" in data:
        record_c = _concept(data)
        kept_c = ledger.concepts.get(record_c.key)
        if kept_c is not None and kept_c.id != record_c.id:
            record_c.aliases = (*kept_c.aliases, kept_c.id)
        ledger.concepts[record_c.key] = record_c
    else:
        raise ValueError("unknown kind of line")
    return ledger


def _orphaned(path: str, number: int, key: str) -> Problem:
    return corrupt(
        path,
        number,
        f"notes of concept {key} but no line for the concept itself; the ledger was edited by "
        "hand - restore it from version control",
    )


def _conflict_marker(path: str, number: int) -> Problem:
    return corrupt(
        path,
        number,
        "the ledger has unresolved merge-conflict markers: delete the marker lines and keep "
        "the lines of both sides (pathdeck folds a note listed twice into one)",
        codes.LEDGER_CONFLICT,
    )
