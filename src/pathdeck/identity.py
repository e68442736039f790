"""Identity stage: stable GUIDs and mod times from the ledger; never derived from text or position."""

from __future__ import annotations

import binascii
import difflib
import functools
import hashlib
import json
import os
import re
import time
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

from pathdeck.cards import NoteSpec, Placement, retired_note
from pathdeck.cards.notetypes import NoteType, note_type
from pathdeck.pickling import compact_pickle, named_tuple_reduce
from pathdeck.problems import ContentError, Location, Problem, Severity
from pathdeck.roles import CONCEPT_KEY, Role

LEDGER_FILE = "pathdeck.lock"
LEDGER_FORMAT = 1
LEDGER_HEADER = (
    "# pathdeck identity ledger: commit it with the curriculum and never edit it by hand.\n"
    "# It remembers every note ever published, so a rebuild updates learners' notes in place\n"
    "# instead of duplicating them. Losing it would make the next build a brand-new deck.\n"
)
SIMILAR_AT_SAME_POSITION = 0.5
SIMILAR_ANYWHERE = 0.6


@compact_pickle
@dataclass(slots=True, kw_only=True)
class Entry:
    """One published note as the ledger remembers it."""

    guid: str
    concept: str
    role: Role
    key: str
    id: str | None
    position: int
    text: str
    hash: str
    changed: int
    retired: bool = False

    def to_json(self) -> dict[str, object]:
        """The ledger line, keys in a fixed order for readable diffs."""
        return {
            "note": self.guid,
            "concept": self.concept,
            "role": self.role.value,
            "key": self.key,
            "id": self.id,
            "position": self.position,
            "retired": self.retired,
            "changed": self.changed,
            "hash": self.hash,
            "text": self.text,
        }


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
    """Everything a course has published: note types, notes and the deck of each concept."""

    course: str
    notetypes: dict[Role, NoteTypeRecord] = field(default_factory=dict)
    entries: list[Entry] = field(default_factory=list)
    decks: dict[str, str] = field(default_factory=dict)
    pending: dict[str, list[tuple[int, str]]] = field(default_factory=dict)
    """Note lines not parsed yet, (line number, text) by concept: see parse_ledger's `defer`."""
    path: str = LEDGER_FILE

    def take(self, concepts: Iterable[str]) -> tuple[list[Entry], list[Problem]]:
        """The entries of `concepts` whose lines are still pending, parsed now and added to
        `entries`, with the damage or hand edits found in those lines."""
        taken: list[Entry] = []
        problems: list[Problem] = []
        for concept in concepts:
            lines = self.pending.pop(concept, None)
            if lines:
                taken += _note_entries(self.course, lines, self.path, problems)
        self.entries += taken
        return taken, problems

    def render(self) -> str:
        """The ledger file's text: a header, then one JSON object a line in a stable order."""
        if self.pending:  # entries nobody needed until now
            _, problems = self.take(list(self.pending))
            if problems:  # pragma: no cover - the same lines were checked where they were taken
                raise ContentError(problems)
        encode = _LINE.encode
        lines = [encode({"pathdeck-ledger": LEDGER_FORMAT, "course": self.course})]
        lines += [encode(self.notetypes[r].to_json()) for r in Role if r in self.notetypes]
        lines += [
            encode({"deck": deck, "concept": concept})
            for concept, deck in sorted(self.decks.items(), key=lambda kv: _concept_order(kv[0]))
        ]
        ordered = sorted(self.entries, key=_entry_order)
        lines += [_entry_line(e) for e in ordered]
        return LEDGER_HEADER + "\n".join(lines) + "\n"


_LINE = json.JSONEncoder(
    ensure_ascii=False
)  # one encoder for every line: json.dumps makes one a call


_text = json.encoder.encode_basestring  # the C function json uses with ensure_ascii=False


def _entry_line(e: Entry) -> str:
    """`_LINE.encode(e.to_json())`, written out: a first build renders a line for every note,
    and formatting the line directly takes half the time of building and encoding a dict."""
    item_id = "null" if e.id is None else _text(e.id)
    return (
        f'{{"note": {_text(e.guid)}, "concept": {_text(e.concept)}, "role": "{e.role.value}", '
        f'"key": {_text(e.key)}, "id": {item_id}, "position": {e.position}, '
        f'"retired": {"true" if e.retired else "false"}, "changed": {e.changed}, '
        f'"hash": {_text(e.hash)}, "text": {_text(e.text)}}}'
    )


@functools.lru_cache(maxsize=65536)
def _concept_order(concept_id: str) -> tuple[str, tuple[int, ...]]:
    head = concept_id.rstrip("0123456789.")
    numbers = tuple(int(n) for n in concept_id[len(head) :].split(".") if n.isdigit())
    return head, numbers


def _key_order(key: str) -> tuple[int, int, str]:
    return (0, int(key), "") if key.isdigit() else (1, 0, key)


def _entry_order(e: Entry) -> tuple[object, ...]:
    return (_concept_order(e.concept), e.role.rank, _key_order(e.key))


# ---------------------------------------------------------------- reading and checking the file


def _corrupt(path: str, line: int, message: str, code: str = "ledger-corrupt") -> Problem:
    return Problem(location=Location(path, line, 1), code=code, message=message)


_ROLES: dict[object, Role] = {role.value: role for role in Role}
_scan_json = json.scanner.make_scanner(json.JSONDecoder())  # type: ignore[attr-defined]


def _json_line(line: str) -> object:
    """`json.loads(line)` for a ledger line, without json.loads' Python-level layers: a rebuild
    reads a line for every note. Anything unusual goes through json.loads for its message."""
    try:
        value, end = _scan_json(line, 0)
    except (StopIteration, ValueError):
        return json.loads(line)  # raises, with json's own description of the damage
    if end != len(line):
        return json.loads(line)  # trailing text: an error, or only whitespace
    return value


def _role(value: object) -> Role:
    role = _ROLES.get(value) if isinstance(value, str) else None
    if role is None:
        raise ValueError(f"{value!r} is not a valid Role")
    return role


def _entry(data: dict[str, object]) -> Entry:
    return Entry(
        guid=str(data["note"]),
        concept=str(data["concept"]),
        role=_role(data["role"]),
        key=str(data["key"]),
        id=None if data.get("id") is None else str(data["id"]),
        position=int(data["position"]),  # type: ignore[call-overload]
        text=str(data["text"]),
        hash=str(data["hash"]),
        changed=int(data["changed"]),  # type: ignore[call-overload]
        retired=bool(data.get("retired", False)),
    )


def _notetype(data: dict[str, object]) -> NoteTypeRecord:
    return NoteTypeRecord(
        role=Role(data["notetype"]),
        id=int(data["id"]),  # type: ignore[call-overload]
        version=int(data["version"]),  # type: ignore[call-overload]
        fields=[str(f) for f in data["fields"]],  # type: ignore[attr-defined]
        templates=[str(t) for t in data["templates"]],  # type: ignore[attr-defined]
        looks=str(data["looks"]),
        changed=int(data["changed"]),  # type: ignore[call-overload]
    )


# The first two keys of a note line as pathdeck writes it: enough to file the line under its
# concept without parsing it. A line written any other way is parsed on the spot.
_NOTE_LINE = re.compile(r'\{"note": "([^"\\]*)", "concept": "([^"\\]*)", ')


def _note_entries(
    course: str, lines: list[tuple[int, str]], path: str, problems: list[Problem]
) -> list[Entry]:
    """One concept's deferred note lines parsed and checked against their keys."""
    entries = []
    for number, line in lines:
        try:
            data = _json_line(line)
            if not isinstance(data, dict):
                raise TypeError("not an object")
            entries.append(_entry(data))
        except (ValueError, TypeError, KeyError, AttributeError) as exc:
            problems.append(_damaged(path, number, exc))
    _check_keys(course, entries, path, problems)
    return entries


def _damaged(path: str, number: int, exc: Exception) -> Problem:
    return _corrupt(
        path,
        number,
        f"the ledger is damaged ({exc}); restore it from version control - "
        "rebuilding without it would give learners a duplicate of every note",
    )


def parse_ledger(text: str, path: str, *, defer: bool = False) -> Ledger:
    """Parse a ledger; any damage raises ContentError (never a silent re-keying).

    With `defer`, note lines are only filed by concept (Ledger.pending): a build parses each
    concept's lines where it matches the concept, in parallel, and reports their problems
    after the source's. Everything else is parsed and checked here as always.
    """
    ledger: Ledger | None = None
    problems: list[Problem] = []
    seen: dict[str, int] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if defer and ledger is not None and (note := _NOTE_LINE.match(line)):
            guid, concept = note.groups()
            if guid in seen:
                problems.append(_listed_twice(path, guid, seen[guid], number))
            seen[guid] = number
            ledger.pending.setdefault(concept, []).append((number, line))
            continue
        if not line or line[0] == "#" or line.isspace():
            continue
        if line[0] in "<=>" and line.startswith(("<<<<<<<", "=======", ">>>>>>>")):
            problems.append(
                _corrupt(
                    path,
                    number,
                    "the ledger has unresolved merge-conflict markers; keep the lines of both "
                    "sides (each note once) or rebuild from the branch that published last",
                    "ledger-conflict",
                )
            )
            continue
        try:
            data = _json_line(line)
            if not isinstance(data, dict):
                raise TypeError("not an object")
            if ledger is None:
                if data.get("pathdeck-ledger") != LEDGER_FORMAT:
                    raise ValueError("the first line must be the ledger header")
                ledger = Ledger(course=str(data["course"]))
            elif "note" in data:
                entry = _entry(data)
                if entry.guid in seen:
                    problems.append(_listed_twice(path, entry.guid, seen[entry.guid], number))
                seen[entry.guid] = number
                if defer:  # written another way: filed with its concept's lines all the same
                    ledger.pending.setdefault(entry.concept, []).append((number, line))
                else:
                    ledger.entries.append(entry)
            elif "notetype" in data:
                record = _notetype(data)
                ledger.notetypes[record.role] = record
            elif "deck" in data:
                ledger.decks[str(data["concept"])] = str(data["deck"])
            else:
                raise ValueError("unknown kind of line")
        except (ValueError, TypeError, KeyError, AttributeError) as exc:
            problems.append(_damaged(path, number, exc))
    if ledger is None and not problems:
        problems.append(_corrupt(path, 1, "the ledger is empty; restore it from version control"))
    if problems or ledger is None:
        raise ContentError(problems)
    ledger.path = path
    _check_keys(ledger.course, ledger.entries, path, problems)
    if problems:
        raise ContentError(problems)
    return ledger


def _listed_twice(path: str, guid: str, first: int, number: int) -> Problem:
    return _corrupt(
        path, number, f"note {guid} is listed twice (lines {first} and {number})", "ledger-conflict"
    )


def _check_keys(course: str, entries: list[Entry], path: str, problems: list[Problem]) -> None:
    seen: set[tuple[str, Role, str]] = set()
    for entry in entries:
        slot = (entry.concept, entry.role, entry.key)
        if slot in seen or guid_for(course, *slot) != entry.guid:
            problems.append(
                _corrupt(
                    path,
                    1,
                    f"note {entry.guid} ({entry.concept} {entry.role.value} {entry.key}) does not "
                    "match its key; the ledger was edited by hand - restore it from version control",
                    "ledger-conflict",
                )
            )
        seen.add(slot)


def read_ledger(source: Path, course_id: str, *, defer: bool = False) -> Ledger:
    """The source tree's ledger, or a new empty one before the first build (`defer`: see
    parse_ledger)."""
    path = source / LEDGER_FILE
    if not path.exists():
        return Ledger(course=course_id)
    shown = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise ContentError([_corrupt(shown, 1, "the ledger is not UTF-8 text")]) from None
    ledger = parse_ledger(text, shown, defer=defer)
    if ledger.course != course_id:
        raise ContentError(
            [
                Problem(
                    location=Location(shown, 1, 1),
                    code="ledger-course-mismatch",
                    message=(
                        f"the ledger belongs to course '{ledger.course}' but course.yaml says "
                        f"'{course_id}'; a new course id would give every note a new identity and "
                        f"duplicate every learner's deck. Put 'id: {ledger.course}' back"
                    ),
                )
            ]
        )
    return ledger


# ---------------------------------------------------------------- identities


_ROLE_TEXT = {role: role.value for role in Role}  # Enum.value is a descriptor call
_URL_SAFE = bytes.maketrans(b"+/", b"-_")


def guid_for(course_id: str, concept: str, role: Role, key: str) -> str:
    """A note's GUID: from course, concept, role and the item's ledger key, nothing else."""
    digest = hashlib.sha256(
        f"pathdeck\x1f{course_id}\x1f{concept}\x1f{_ROLE_TEXT[role]}\x1f{key}".encode()
    ).digest()
    # 72 bits as 12 URL-safe base64 characters: unique at any course size, cheap to compute.
    # (base64.urlsafe_b64encode, without its Python-level layers: every note of a rebuild.)
    return binascii.b2a_base64(digest[:9], newline=False).translate(_URL_SAFE).decode("ascii")


def content_hash(spec: NoteSpec) -> str:
    """What a learner's copy is compared on: the fields and tags Anki replaces on update."""
    digest = hashlib.sha256("\x1f".join(spec.fields).encode())
    digest.update(("\x1e" + " ".join(spec.tags)).encode())
    return digest.hexdigest()[:16]


def build_time() -> int:
    """Now, or SOURCE_DATE_EPOCH when set, for reproducible builds."""
    pinned = os.environ.get("SOURCE_DATE_EPOCH")
    if pinned:
        try:
            return int(pinned)
        except ValueError:
            raise ContentError(
                [
                    Problem(
                        location=Location("SOURCE_DATE_EPOCH"),
                        code="bad-source-date-epoch",
                        message=f"SOURCE_DATE_EPOCH must be whole seconds, not {pinned!r}",
                    )
                ]
            ) from None
    return int(time.time())


class Published(NamedTuple):
    """A note ready to package: its spec, GUID, mod time and what this build does to it."""

    spec: NoteSpec
    guid: str
    mod: int
    status: str  # new | updated | unchanged | retired | restored

    def __reduce__(self) -> tuple[Any, ...]:
        return named_tuple_reduce(self)


@dataclass(frozen=True, slots=True, kw_only=True)
class Resolution:
    """The outcome of matching a build against the ledger."""

    notes: tuple[Published, ...]
    notetypes: dict[Role, NoteType]
    ledger: Ledger
    warnings: tuple[Problem, ...]
    ledger_changed: bool = True

    def counts(self) -> dict[str, int]:
        """How many notes are new, updated, unchanged, retired by this build, restored, retired."""
        totals = dict.fromkeys(("new", "updated", "unchanged", "retired", "restored"), 0)
        for note in self.notes:
            totals[note.status] += 1
        totals["retired_total"] = sum(1 for note in self.notes if note.spec.retired)
        return totals


def _similarity(a: str, b: str) -> float:
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    if matcher.real_quick_ratio() < SIMILAR_AT_SAME_POSITION:
        return 0.0
    if matcher.quick_ratio() < SIMILAR_AT_SAME_POSITION:
        return 0.0
    return matcher.ratio()


def _compatible(spec: NoteSpec, entry: Entry) -> bool:
    return spec.item_id is None or entry.id is None or spec.item_id == entry.id


def match_items(specs: list[NoteSpec], entries: list[Entry]) -> dict[int, Entry]:
    """Item index -> ledger entry: by explicit id, exact text, same place, then best similar text."""
    matched: dict[int, Entry] = {}
    free = {id(e): e for e in entries}

    def take(index: int, entry: Entry) -> None:
        matched[index] = entry
        del free[id(entry)]

    by_id = {e.id: e for e in entries if e.id is not None}
    for spec in specs:
        entry = by_id.get(spec.item_id) if spec.item_id else None
        if entry is not None and id(entry) in free:
            take(spec.position, entry)
    by_text: dict[str, list[Entry]] = defaultdict(list)
    for entry in sorted(entries, key=lambda e: (e.retired, e.position)):
        by_text[entry.text].append(entry)
    for spec in specs:
        if spec.position in matched:
            continue
        for entry in by_text.get(spec.match_text, ()):
            if id(entry) in free and _compatible(spec, entry):
                take(spec.position, entry)
                break
    live_at = {e.position: e for e in entries if not e.retired}
    for spec in specs:
        entry = live_at.get(spec.position)
        if spec.position in matched or entry is None or id(entry) not in free:
            continue
        if _compatible(spec, entry) and (
            _similarity(spec.match_text, entry.text) >= SIMILAR_AT_SAME_POSITION
        ):
            take(spec.position, entry)
    pairs = [
        (score, spec.position, entry.position, entry)
        for spec in specs
        if spec.position not in matched
        for entry in free.values()
        if _compatible(spec, entry)
        and (score := _similarity(spec.match_text, entry.text)) >= SIMILAR_ANYWHERE
    ]
    for _, index, _, entry in sorted(pairs, key=lambda p: (-p[0], p[1], p[2])):
        if index not in matched and id(entry) in free:
            take(index, entry)
    return matched


def _new_key(spec: NoteSpec, taken: set[str]) -> str:
    if spec.item_id and not spec.item_id.isdigit() and spec.item_id not in taken:
        return spec.item_id
    if spec.role.per_concept:
        return CONCEPT_KEY if CONCEPT_KEY not in taken else _next_number(taken)
    return _next_number(taken)


def _next_number(taken: Iterable[str]) -> str:
    return str(max((int(k) for k in taken if k.isdigit()), default=0) + 1)


class _Resolver:
    def __init__(self, course_id: str, now: int) -> None:
        self.course_id = course_id
        self.now = now
        self.entries: list[Entry] = []
        self.touched = False  # whether any entry was added or changed
        self.published: list[Published] = []

    def publish(self, spec: NoteSpec, entry: Entry | None, key: str) -> None:
        digest = content_hash(spec)
        if entry is None:
            guid = guid_for(self.course_id, spec.concept_id, spec.role, key)
            entry = Entry(
                guid=guid,
                concept=spec.concept_id,
                role=spec.role,
                key=key,
                id=spec.item_id,
                position=spec.position,
                text=spec.match_text,
                hash=digest,
                changed=self.now,
                retired=spec.retired,
            )
            status = "new"
            self.touched = True
        else:
            before = (entry.id, entry.position, entry.text, entry.hash, entry.retired)
            same = entry.hash == digest
            changed = entry.changed if same else max(self.now, entry.changed + 1)
            if spec.retired and not entry.retired:
                status = "retired"
            elif entry.retired and not spec.retired:
                status = "restored"
            else:
                status = "unchanged" if same else "updated"
            # The old ledger is discarded after resolving, so its entries are updated in place.
            if not spec.retired:
                entry.id = spec.item_id
                entry.position = spec.position
            entry.text = spec.match_text
            entry.hash = digest
            entry.changed = changed
            entry.retired = spec.retired
            after = (entry.id, entry.position, entry.text, entry.hash, entry.retired)
            self.touched = self.touched or after != before
        self.entries.append(entry)
        self.published.append(
            Published(spec=spec, guid=entry.guid, mod=entry.changed, status=status)
        )


@compact_pickle
@dataclass(frozen=True, slots=True, kw_only=True)
class Matched:
    """Some concepts' notes matched against their ledger entries: what to publish, what to record."""

    published: list[Published]
    entries: list[Entry] | None  # None: left out by a worker, the ledger's pending lines have them
    touched: bool  # whether any entry was added or changed


def resolve_notes(
    course_id: str,
    entries: list[Entry],
    specs: list[NoteSpec],
    placements: dict[str, Placement],
    retired_deck: str,
    now: int,
) -> Matched:
    """GUIDs and mod times for every spec, vanished entries retired, and whether any changed.

    `entries` are the ledger's entries of the concepts concerned, which need not be the whole
    course: concepts never share entries, so they can be matched separately (and in parallel).
    The entries are updated in place.
    """
    resolver = _Resolver(course_id, now)
    groups: dict[tuple[str, Role], list[NoteSpec]] = defaultdict(list)
    for spec in specs:
        groups[(spec.concept_id, spec.role)].append(spec)
    old_groups: dict[tuple[str, Role], list[Entry]] = defaultdict(list)
    for entry in entries:
        old_groups[(entry.concept, entry.role)].append(entry)
    for slot in sorted(
        set(groups) | set(old_groups), key=lambda s: (_concept_order(s[0]), s[1].rank)
    ):
        current, previous = groups.get(slot, []), old_groups.get(slot, [])
        if slot[1].per_concept and current:
            live = next((e for e in previous if e.key == CONCEPT_KEY), None)
            matched = {current[0].position: live} if live is not None else {}
        else:
            matched = match_items(current, previous)
        taken = {e.key for e in previous}
        for spec in current:
            found = matched.get(spec.position)
            key = found.key if found else _new_key(spec, taken)
            taken.add(key)
            resolver.publish(spec, found, key)
        used = {id(e) for e in matched.values()}
        for entry in previous:
            if id(entry) not in used:
                where = placements.get(entry.concept)
                retired = retired_note(entry.role, entry.concept, entry.text, where, retired_deck)
                resolver.publish(retired._replace(position=entry.position), entry, entry.key)
    return Matched(published=resolver.published, entries=resolver.entries, touched=resolver.touched)


def resolve_notetypes(
    ledger: Ledger, course_id: str, now: int, *, accept_changes: bool
) -> tuple[dict[Role, NoteType], dict[Role, NoteTypeRecord]]:
    """Each role's note type, version-checked against the ledger (field changes are refused)."""
    problems: list[Problem] = []
    types: dict[Role, NoteType] = {}
    records: dict[Role, NoteTypeRecord] = {}
    for role in Role:
        old = ledger.notetypes.get(role)
        version = old.version if old else 1
        current = note_type(role, course_id, version)
        schema = current.schema
        if old and (old.fields != schema["fields"] or old.templates != schema["templates"]):
            if not accept_changes:
                problems.append(_schema_problem(role, old, schema))
                continue
            version += 1
            current = note_type(role, course_id, version)
            old = None
        if old is None:
            changed = now
        elif old.looks == current.looks_hash:
            changed = old.changed
        else:
            changed = max(now, old.changed + 1)
        types[role] = current
        records[role] = NoteTypeRecord(
            role=role,
            id=current.id,
            version=version,
            fields=schema["fields"],
            templates=schema["templates"],
            looks=current.looks_hash,
            changed=changed,
        )
    if problems:
        raise ContentError(problems)
    return types, records


def _schema_problem(role: Role, old: NoteTypeRecord, schema: dict[str, list[str]]) -> Problem:
    return Problem(
        location=Location(LEDGER_FILE),
        code="notetype-schema-changed",
        message=(
            f"the '{role.words}' note type would change from fields {old.fields} / templates "
            f"{old.templates} to {schema['fields']} / {schema['templates']}. Anki cannot update "
            "notes across a field change: learners would get a second note type and every "
            "existing note of it would be skipped as conflicting. Pass --new-notetype-version "
            "to publish it as a new version anyway (learners then re-import into a fresh deck)"
        ),
    )


def deck_warnings(ledger: Ledger, decks: dict[str, str]) -> list[Problem]:
    """A concept whose deck changed: Anki keeps existing cards where they are."""
    return [
        Problem(
            location=Location(LEDGER_FILE),
            code="deck-renamed",
            severity=Severity.WARNING,
            message=(
                f"{concept} moves from deck '{ledger.decks[concept]}' to '{deck}': learners' "
                "existing cards stay in the old deck (Anki never moves cards); only new cards "
                "go to the new one. Learners can move them with Browse > Change Deck"
            ),
        )
        for concept, deck in decks.items()
        if concept in ledger.decks and ledger.decks[concept] != deck
    ]


def resolve(
    ledger: Ledger,
    specs: list[NoteSpec],
    placements: dict[str, Placement],
    retired_deck: str,
    *,
    now: int,
    accept_notetype_changes: bool = False,
) -> Resolution:
    """Match a build against the ledger in one call: identities, mod times, note types and the
    new ledger. A build matches stage by stage instead (resolve_notes, then assemble), with the
    same result; tests hold it to this."""
    matched = resolve_notes(ledger.course, ledger.entries, specs, placements, retired_deck, now)
    return assemble(
        ledger, [matched], placements, now=now, accept_notetype_changes=accept_notetype_changes
    )


def assemble(
    ledger: Ledger,
    parts: Iterable[Matched],
    placements: dict[str, Placement],
    *,
    now: int,
    accept_notetype_changes: bool = False,
) -> Resolution:
    """The resolution of a build from its matched parts: note types checked, the new ledger."""
    types, records = resolve_notetypes(
        ledger, ledger.course, now, accept_changes=accept_notetype_changes
    )
    published: list[Published] = []
    entries: list[Entry] = []
    touched = False
    for part in parts:
        published += part.published
        entries += part.entries or ()
        touched = touched or part.touched
    decks = {concept: where.deck for concept, where in placements.items()}
    all_decks = {**ledger.decks, **decks}
    new_ledger = Ledger(
        course=ledger.course,
        notetypes=records,
        entries=entries,
        decks=all_decks,
        pending=ledger.pending,  # the lines of stages whose entries all stayed as they were
        path=ledger.path,
    )
    changed = touched or records != ledger.notetypes or all_decks != ledger.decks
    return Resolution(
        notes=tuple(published),
        notetypes=types,
        ledger=new_ledger,
        warnings=tuple(deck_warnings(ledger, decks)),
        ledger_changed=changed,
    )
