"""Items that moved between concepts: a note retired from one concept and born word for word in
another in the same build is one item, and keeps its GUID and its learners' history."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import replace

from pathdeck import problems as codes
from pathdeck.identity.ledger import LEDGER_FILE
from pathdeck.identity.resolve import Matched, Published, Resolver
from pathdeck.problems import Location, Problem, Severity
from pathdeck.roles import Role

Slot = tuple[int, int]  # (part, index of the note in the part's published list)


def transfer_items(parts: Sequence[Matched], resolver: Resolver) -> list[Matched]:
    """The parts with every moved item published under the note it had in its old concept.

    Splitting a concept, merging two, or cutting an item from one and pasting it into another
    otherwise retires the old note and publishes a new one beside it.
    """
    arrivals: dict[tuple[Role, str], list[Slot]] = defaultdict(list)
    departures: dict[tuple[Role, str], list[Slot]] = defaultdict(list)
    for p, part in enumerate(parts):
        for i, note in enumerate(part.published):
            if note.status == "new" and not note.spec.retired:
                arrivals[(note.spec.role, note.spec.match_text)].append((p, i))
            elif note.status == "retired":
                departures[(note.spec.role, note.spec.match_text)].append((p, i))
    pairs = [
        pair
        for slot in arrivals.keys() & departures.keys()
        for pair in zip(arrivals[slot], departures[slot], strict=False)
    ]
    if not pairs:
        return list(parts)
    return _moved(parts, sorted(pairs), resolver)


def _moved(
    parts: Sequence[Matched], pairs: list[tuple[Slot, Slot]], resolver: Resolver
) -> list[Matched]:
    entries = {entry.guid: entry for part in parts for entry in part.entries or ()}
    dropped: set[Slot] = set()
    born: set[str] = set()
    replaced: dict[Slot, Published] = {}
    moves: dict[tuple[str, str], int] = defaultdict(int)
    for arrival, departure in pairs:
        new, old = (
            parts[arrival[0]].published[arrival[1]],
            parts[departure[0]].published[departure[1]],
        )
        entry, newborn = entries[old.guid], entries[new.guid]
        if new.spec.item_id and entry.id and new.spec.item_id != entry.id:
            continue
        moves[(old.spec.concept_id, new.spec.concept_id)] += 1
        entry.concept = newborn.concept  # filed under its new concept; its GUID stays
        resolver.published.clear()
        resolver.publish(new.spec, entry)
        replaced[arrival] = resolver.published[0]._replace(status="updated")
        dropped.add(departure)
        born.add(newborn.guid)
    resolver.warnings.extend(
        _warning(old, new, count) for (old, new), count in sorted(moves.items())
    )
    revised = [
        replace(
            part,
            published=[
                replaced.get((p, i), note)
                for i, note in enumerate(part.published)
                if (p, i) not in dropped
            ],
            entries=[e for e in part.entries or () if e.guid not in born]
            if part.entries is not None
            else None,
        )
        for p, part in enumerate(parts)
    ]
    return [*revised, replace(resolver.result(), published=[], entries=[])]


def _warning(old: str, new: str, count: int) -> Problem:
    return Problem(
        location=Location(LEDGER_FILE),
        code=codes.ITEMS_MOVED,
        severity=Severity.WARNING,
        message=(
            f"{count} item(s) moved from {old} to {new} keep their notes and learners their "
            "review history; learners' existing cards of them stay in the deck they were in"
        ),
    )
