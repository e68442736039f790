"""Resolution: each concept's notes get their GUIDs, mod times and fates; vanished ones retire."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

from pathdeck._speed.pickling import compact_pickle, named_tuple_reduce
from pathdeck.cards import NoteSpec, Placement, number_blanks, retired_note
from pathdeck.identity.keys import content_hash, guid_for, item_key
from pathdeck.identity.ledger import ConceptRecord, Entry
from pathdeck.identity.matching import match_items
from pathdeck.identity.matching import number_blanks as blank_numbers
from pathdeck.problems import Problem
from pathdeck.roles import Role


class Published(NamedTuple):
    """A note ready to package: its spec, GUID, mod time and what this build does to it."""

    spec: NoteSpec
    guid: str
    mod: int
    status: str  # new | updated | unchanged | retired | restored

    def __reduce__(self) -> tuple[Any, ...]:
        return named_tuple_reduce(self)


@dataclass(frozen=True, slots=True, kw_only=True)
class ConceptPlan:
    """How one concept's current notes pair with one published concept's notes."""

    pairs: tuple[tuple[NoteSpec, Entry | None], ...]
    vanished: tuple[Entry, ...]

    def exact(self) -> int:
        """How many notes matched by explicit id or identical text."""
        return sum(1 for spec, entry in self.pairs if entry is not None and _exact(spec, entry))

    def score(self) -> float:
        """How alike the two concepts are: 1.0 for a concept moved untouched.

        A note matched by explicit id or identical text counts 1, one matched as an edit 1/2,
        over the larger side (the published side counts its live notes and the retired ones
        that came back): two concepts written to one template, alike but for a word in each
        item, score half of what the concept whose items are word for word the same scores.
        """
        matched = sum(1 for _, entry in self.pairs if entry is not None)
        published = matched + sum(1 for entry in self.vanished if not entry.retired)
        larger = max(len(self.pairs), published)
        exact = self.exact()
        return (exact + (matched - exact) / 2) / larger if larger else 1.0

    def certain(self) -> bool:
        """True when every live published note matched by explicit id or identical text: no
        other concept of the course can be a better match."""
        return all(entry.retired for entry in self.vanished) and all(
            _exact(spec, entry) for spec, entry in self.pairs if entry and not entry.retired
        )


def _exact(spec: NoteSpec, entry: Entry) -> bool:
    return spec.match_text == entry.text or (spec.item_id is not None and spec.item_id == entry.id)


def plan_concept(specs: Sequence[NoteSpec], entries: Sequence[Entry]) -> ConceptPlan:
    """Pair a concept's notes with a published concept's, role by role (see match_items)."""
    current: dict[Role, list[NoteSpec]] = defaultdict(list)
    for spec in specs:
        current[spec.role].append(spec)
    previous: dict[Role, list[Entry]] = defaultdict(list)
    for entry in entries:
        previous[entry.role].append(entry)
    pairs: list[tuple[NoteSpec, Entry | None]] = []
    vanished: list[Entry] = []
    for role in Role:
        items, notes = current.get(role, []), previous.get(role, [])
        found = match_items(items, notes) if notes else {}
        pairs += [(spec, notes[found[i]] if i in found else None) for i, spec in enumerate(items)]
        used = set(found.values())
        vanished += [note for n, note in enumerate(notes) if n not in used]
    return ConceptPlan(pairs=tuple(pairs), vanished=tuple(vanished))


@compact_pickle
@dataclass(frozen=True, slots=True, kw_only=True)
class Matched:
    """Some concepts' notes resolved: what to publish, what to record, what to say."""

    published: list[Published]
    entries: list[Entry] | None  # None: left out by a worker (see identity.deferred)
    touched: bool  # whether any entry was added or changed
    concepts: tuple[ConceptRecord, ...] = ()
    warnings: tuple[Problem, ...] = ()


class Resolver:
    """Publishes notes against their ledger entries, collecting what a Matched reports."""

    def __init__(self, course_id: str, now: int, retired_deck: str) -> None:
        self.course_id = course_id
        self.now = now
        self.retired_deck = retired_deck
        self.entries: list[Entry] = []
        self.published: list[Published] = []
        self.concepts: list[ConceptRecord] = []
        self.warnings: list[Problem] = []
        self.touched = False

    def result(self) -> Matched:
        """Everything resolved so far."""
        return Matched(
            published=self.published,
            entries=self.entries,
            touched=self.touched,
            concepts=tuple(self.concepts),
            warnings=tuple(self.warnings),
        )

    def concept(self, record: ConceptRecord, plan: ConceptPlan, where: Placement) -> None:
        """Publish a concept's notes under its record, retire the notes it no longer has."""
        if (record.id, record.deck, record.retired) != (where.concept_id, where.deck, False):
            self.touched = True
        self.concepts.append(ConceptRecord(key=record.key, id=where.concept_id, deck=where.deck))
        taken: dict[Role, set[str]] = defaultdict(set)
        for spec, entry in plan.pairs:
            if entry is not None:
                taken[spec.role].add(entry.key)
        for entry in plan.vanished:
            taken[entry.role].add(entry.key)
        for spec, entry in plan.pairs:
            if entry is not None:
                self.publish(spec, entry)
                continue
            key = item_key(spec.match_text, spec.item_id, taken[spec.role])
            taken[spec.role].add(key)
            self.publish(spec, self._born(record.key, spec, key))
        for entry in plan.vanished:
            self.retire(entry, where.concept_id, where)

    def retire(self, entry: Entry, concept_id: str, where: Placement | None) -> None:
        """Publish a note that left the curriculum: its last text and the retired notice."""
        spec = retired_note(
            entry.role, concept_id, entry.text, where, self.retired_deck, blanks=len(entry.blanks)
        )
        self.publish(spec, entry)

    def _born(self, concept_key: str, spec: NoteSpec, key: str) -> Entry:
        self.touched = True
        return Entry(
            guid=guid_for(self.course_id, concept_key, spec.role, key),
            concept=concept_key,
            role=spec.role,
            key=key,
            id=spec.item_id,
            text=spec.match_text,
            hash="",
            changed=self.now,
            retired=spec.retired,
        )

    def publish(self, spec: NoteSpec, entry: Entry) -> None:
        """Record and publish one note; a new entry has an empty hash."""
        if spec.blanks or entry.blanks:
            spec = self._numbered(spec, entry)
        digest = content_hash(spec.fields, spec.tags)
        if not entry.hash:
            status = "new"
            entry.hash = digest
        else:
            status = _status(spec, entry, same=entry.hash == digest)
            before = (entry.id, entry.text, entry.hash, entry.retired)
            if entry.hash != digest:
                entry.changed = max(self.now, entry.changed + 1)
            if not spec.retired:
                entry.id = spec.item_id
                entry.text = spec.match_text
            entry.hash = digest
            entry.retired = spec.retired
            self.touched = self.touched or before != (
                entry.id,
                entry.text,
                entry.hash,
                entry.retired,
            )
        self.entries.append(entry)
        self.published.append(
            Published(spec=spec, guid=entry.guid, mod=entry.changed, status=status)
        )

    def _numbered(self, spec: NoteSpec, entry: Entry) -> NoteSpec:
        """A cloze note with each blank under the number it was first published as."""
        if spec.retired:
            return spec  # retired_note already covers every published number
        numbers, unused = blank_numbers(spec.blanks, entry.blanks)
        recorded = list(entry.blanks) + [""] * (max(numbers, default=0) - len(entry.blanks))
        for number, text in zip(numbers, spec.blanks, strict=True):
            recorded[number - 1] = text
        if tuple(recorded) != entry.blanks:
            entry.blanks = tuple(recorded)
            self.touched = True
        if numbers == list(range(1, len(numbers) + 1)) and not unused:
            return spec
        return number_blanks(spec, tuple(numbers), tuple(unused))


def _status(spec: NoteSpec, entry: Entry, *, same: bool) -> str:
    if spec.retired and not entry.retired:
        return "retired"
    if entry.retired and not spec.retired:
        return "restored"
    return "unchanged" if same else "updated"
