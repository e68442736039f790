"""Ledger recovery: a lost ledger rebuilt from a published package's GUIDs, texts and mod times."""

from __future__ import annotations

import hashlib
import html
import json
import re
import sqlite3
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from pathdeck import problems as codes
from pathdeck.cards import FIELDS, RETIRED_TAG, NoteSpec, retired_text
from pathdeck.identity.keys import content_hash, parse_guid
from pathdeck.identity.ledger import ConceptRecord, Entry, Ledger, NoteTypeRecord
from pathdeck.problems import ContentError
from pathdeck.roles import Role

_MARKUP = re.compile(r"<[^>]+>")
_CLOZE = re.compile(r"\{\{c(\d+)::(.*?)(?:::[^}]*)?\}\}", re.DOTALL)
_TAG = "pathdeck::"
_TAG_KINDS = ("course::", "stage::", "role::", "retired")


@dataclass(frozen=True, slots=True, kw_only=True)
class PackagedNote:
    """A note of a published package, with what recovery needs of it."""

    guid: str
    notetype: int
    mod: int
    fields: tuple[str, ...]
    tags: tuple[str, ...]
    sort_field: str
    deck: str


@dataclass(frozen=True, slots=True, kw_only=True)
class PackagedNoteType:
    """A note type of a published package."""

    id: int
    name: str
    fields: list[str]
    templates: list[tuple[str, str, str]]  # name, front, back
    css: str
    mod: int


def read_release(db: sqlite3.Connection) -> tuple[list[PackagedNote], dict[int, PackagedNoteType]]:
    """The notes (with the deck of their first card) and note types of a package's collection:
    pathdeck's own, or one Anki exported (legacy JSON columns, or the modern tables)."""
    models_json, decks_json = db.execute("SELECT models, decks FROM col").fetchone()
    if json.loads(models_json or "{}"):
        notetypes = _legacy_notetypes(json.loads(models_json))
        decks = {int(i): str(d["name"]) for i, d in json.loads(decks_json).items()}
    else:
        notetypes = _modern_notetypes(db)
        rows = db.execute("SELECT id, name FROM decks").fetchall()
        decks = {int(i): str(name).replace("\x1f", "::") for i, name in rows}
    return _notes(db, decks), notetypes


def _notes(db: sqlite3.Connection, decks: dict[int, str]) -> list[PackagedNote]:
    first_deck = dict(db.execute("SELECT nid, did FROM cards ORDER BY ord DESC").fetchall())
    rows = db.execute("SELECT id, guid, mid, mod, flds, tags, sfld FROM notes ORDER BY id")
    return [
        PackagedNote(
            guid=guid,
            notetype=int(mid),
            mod=int(mod),
            fields=tuple(flds.split("\x1f")),
            tags=tuple(tags.split()),
            sort_field=str(sfld),
            deck=decks.get(first_deck.get(nid, 0), ""),
        )
        for nid, guid, mid, mod, flds, tags, sfld in rows
    ]


def _legacy_notetypes(models: dict[str, Any]) -> dict[int, PackagedNoteType]:
    return {
        int(mid): PackagedNoteType(
            id=int(mid),
            name=str(model["name"]),
            fields=[str(f["name"]) for f in model["flds"]],
            templates=[(str(t["name"]), str(t["qfmt"]), str(t["afmt"])) for t in model["tmpls"]],
            css=str(model.get("css", "")),
            mod=int(model.get("mod", 0)),
        )
        for mid, model in models.items()
    }


def _modern_notetypes(db: sqlite3.Connection) -> dict[int, PackagedNoteType]:
    """Note types from Anki's own tables. Their templates and CSS sit in protobuf blobs, so
    they are left empty: the next build then sees new looks and updates the note types once."""
    fields: dict[int, list[str]] = defaultdict(list)
    for ntid, name in db.execute("SELECT ntid, name FROM fields ORDER BY ntid, ord"):
        fields[int(ntid)].append(str(name))
    templates: dict[int, list[tuple[str, str, str]]] = defaultdict(list)
    for ntid, name in db.execute("SELECT ntid, name FROM templates ORDER BY ntid, ord"):
        templates[int(ntid)].append((str(name), "", ""))
    return {
        int(ntid): PackagedNoteType(
            id=int(ntid),
            name=str(name),
            fields=fields[int(ntid)],
            templates=templates[int(ntid)],
            css="",
            mod=int(mtime),
        )
        for ntid, name, mtime in db.execute("SELECT id, name, mtime_secs FROM notetypes")
    }


def recover_ledger(
    course_id: str,
    notes: Sequence[PackagedNote],
    notetypes: dict[int, PackagedNoteType],
    specs: Sequence[NoteSpec],
    path: str,
) -> Ledger:
    """The ledger a build would have left after publishing `notes`.

    A note whose fields are exactly those of a current note (`specs`, built from the source as
    it is now) takes that note's text and content hash, so the next build matches it exactly
    and sends no update: a learner's export may carry their own tags (`marked`, `leech`), which
    an update would wipe from every learner's copy. Any other note (edited since, or retired)
    keeps the text its package shows and is matched like an edited item.
    """
    current = {"\x1f".join(spec.fields): spec for spec in specs}
    entries: list[Entry] = []
    ids: dict[str, Counter[str]] = defaultdict(Counter)
    decks: dict[str, Counter[str]] = defaultdict(Counter)
    live: set[str] = set()
    roles: dict[Role, int] = {}
    ours = [n for n in notes if (p := parse_guid(n.guid)) is not None and p[0] == course_id]
    earliest = min((n.mod for n in ours), default=0)
    for note in ours:
        parts = parse_guid(note.guid)
        if parts is None or parts[0] != course_id:
            continue
        _, concept, role, key = parts
        entry = _entry(note, concept, role, key, current.get("\x1f".join(note.fields)), earliest)
        entries.append(entry)
        roles.setdefault(role, note.notetype)
        ids[concept][_concept_tag(note.tags) or concept] += 1
        decks[concept][note.deck] += 1
        if not entry.retired:
            live.add(concept)
    if not entries:
        raise ContentError.at(
            path, codes.RECOVER_NO_NOTES, f"the package holds no notes of course '{course_id}'"
        )
    concepts = {
        key: ConceptRecord(
            key=key,
            id=ids[key].most_common(1)[0][0],
            deck=decks[key].most_common(1)[0][0],
            retired=key not in live,
        )
        for key in ids
    }
    records = {
        role: _notetype_record(role, notetypes[mid])
        for role, mid in roles.items()
        if mid in notetypes
    }
    return Ledger(
        course=course_id, notetypes=records, concepts=concepts, entries=entries, path=path
    )


def _entry(
    note: PackagedNote, concept: str, role: Role, key: str, spec: NoteSpec | None, earliest: int
) -> Entry:
    """The ledger entry of a published note. A note a learner tagged carries the time of the
    tagging, later than its release: an earlier time (the first release's) is safe, since a
    mod not newer than a learner's copy is never sent as an update, while a later one would
    replace every learner's tags."""
    blanks = _blanks(note.fields)
    retired = RETIRED_TAG in note.tags
    digest = content_hash(note.fields, note.tags)
    changed = note.mod
    if spec is not None and not retired:
        text, item_id = spec.match_text, spec.item_id
        digest = content_hash(spec.fields, spec.tags)
        if sorted(note.tags) != sorted(spec.tags):
            changed = min(note.mod, earliest)
    elif retired and len(note.fields) == len(FIELDS[role]):
        text, item_id = (
            _plain(retired_text(role, dict(zip(FIELDS[role], note.fields, strict=True)))),
            None,
        )
    else:
        text, item_id = _plain(note.sort_field), None
    return Entry(
        guid=note.guid,
        concept=concept,
        role=role,
        key=key,
        id=item_id,
        text=text,
        hash=digest,
        changed=changed,
        retired=retired,
        blanks=blanks,
    )


def _blanks(fields: Sequence[str]) -> tuple[str, ...]:
    """A cloze note's blanks by number, as its text field holds them."""
    found: dict[int, str] = {}
    for text in fields:
        for number, answer in _CLOZE.findall(text):
            found.setdefault(int(number), _plain(answer))
    return tuple(found.get(n, "") for n in range(1, max(found, default=0) + 1))


def _plain(markup: str) -> str:
    return html.unescape(_MARKUP.sub("", markup.replace("<br>", "\n"))).strip()


def _concept_tag(tags: Sequence[str]) -> str | None:
    for tag in tags:
        if tag.startswith(_TAG) and not tag[len(_TAG) :].startswith(_TAG_KINDS):
            return tag[len(_TAG) :]
    return None


def _notetype_record(role: Role, model: PackagedNoteType) -> NoteTypeRecord:
    """What the ledger said of a note type: the same looks hash as NoteType.looks_hash."""
    digest = hashlib.sha256(model.css.encode())
    for name, front, back in model.templates:
        digest.update(f"\0{name}\0{front}\0{back}".encode())
    version = re.search(r" v(\d+)$", model.name)
    return NoteTypeRecord(
        role=role,
        id=model.id,
        version=int(version.group(1)) if version else 1,
        fields=model.fields,
        templates=[name for name, _, _ in model.templates],
        looks=digest.hexdigest()[:16],
        changed=model.mod,
    )
