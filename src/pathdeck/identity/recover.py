"""Ledger recovery: a lost ledger rebuilt from a published package's GUIDs, texts and mod times."""

from __future__ import annotations

import hashlib
import html
import re
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from typing import Protocol

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


class PublishedNote(Protocol):
    """What recovery needs of a note of the published package (package.read.StoredNote)."""

    @property
    def guid(self) -> str: ...
    @property
    def notetype(self) -> int: ...
    @property
    def mod(self) -> int: ...
    @property
    def fields(self) -> tuple[str, ...]: ...
    @property
    def tags(self) -> tuple[str, ...]: ...
    @property
    def sort_field(self) -> str: ...
    @property
    def deck(self) -> str: ...


class PublishedNoteType(Protocol):
    """What recovery needs of a note type of the published package (package.read)."""

    @property
    def id(self) -> int: ...
    @property
    def name(self) -> str: ...
    @property
    def fields(self) -> tuple[str, ...]: ...
    @property
    def templates(self) -> tuple[tuple[str, str, str], ...]: ...  # name, front, back
    @property
    def css(self) -> str: ...
    @property
    def mod(self) -> int: ...


def recover_ledger(
    course_id: str,
    notes: Sequence[PublishedNote],
    notetypes: Mapping[int, PublishedNoteType],
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
    note: PublishedNote, concept: str, role: Role, key: str, spec: NoteSpec | None, earliest: int
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


def _notetype_record(role: Role, model: PublishedNoteType) -> NoteTypeRecord:
    """What the ledger said of a note type: the same looks hash as NoteType.looks_hash."""
    digest = hashlib.sha256(model.css.encode())
    for name, front, back in model.templates:
        digest.update(f"\0{name}\0{front}\0{back}".encode())
    version = re.search(r" v(\d+)$", model.name)
    return NoteTypeRecord(
        role=role,
        id=model.id,
        version=int(version.group(1)) if version else 1,
        fields=list(model.fields),
        templates=[name for name, _, _ in model.templates],
        looks=digest.hexdigest()[:16],
        changed=model.mod,
    )
