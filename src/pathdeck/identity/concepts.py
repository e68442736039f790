"""Concept identity: which published concept each concept of the source is, across moves and renames."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

from pathdeck import problems as codes
from pathdeck._speed.pickling import named_tuple_reduce
from pathdeck.cards import NoteSpec, Placement
from pathdeck.curriculum import Concept
from pathdeck.identity.keys import concept_key, normalised
from pathdeck.identity.ledger import ConceptRecord, Entry, Ledger
from pathdeck.identity.resolve import ConceptPlan, Matched, Resolver, plan_concept
from pathdeck.ids import canonical_concept_id as canonical_id
from pathdeck.problems import Location, Problem, Severity

SAME_ID = 0.2
"""A concept that keeps its id stays the published concept when one of its notes matches word
for word, or its score (ConceptPlan.score) is at least this; else the id was reused for
unrelated content."""

MOVED = 0.5
"""A concept under a new id is recognised as a published concept that vanished from the source
when its score (ConceptPlan.score) is at least this."""

_PAIR_EVERYTHING_UP_TO = 400  # more candidate pairs than this: only those sharing a text


class Unclaimed(NamedTuple):
    """A concept no published concept claims by name: matched across the course afterwards."""

    concept_id: str
    source: str
    specs: list[NoteSpec]
    where: Placement
    same_id: str | None  # key of the published concept with this id, when not certainly it
    entries: list[Entry]  # that published concept's notes (none without same_id)

    def __reduce__(self) -> tuple[Any, ...]:
        return named_tuple_reduce(self)


@dataclass(frozen=True, slots=True, kw_only=True)
class StageIdentities:
    """A stage's concepts resolved where their names found them, and the rest left over."""

    matched: Matched
    unclaimed: tuple[Unclaimed, ...]
    claimed: tuple[tuple[str, str, str], ...]  # (published key, concept id, its file) resolved here
    problems: tuple[Problem, ...]  # damage found in those concepts' ledger lines


def _warning(source: str, code: str, message: str) -> Problem:
    return Problem(location=Location(source), code=code, message=message, severity=Severity.WARNING)


def _moved(source: str, old: ConceptRecord, where: Placement, how: str) -> Problem:
    deck = (
        f" Learners' existing cards stay in deck '{old.deck}' (Anki never moves cards); only "
        f"new cards go to '{where.deck}'. Learners can move them with Browse > Change Deck."
        if old.deck != where.deck
        else ""
    )
    return _warning(
        source,
        codes.CONCEPT_MOVED,
        f"{old.id} is now {where.concept_id} ({how}): its notes keep their identity and "
        f"learners their review history.{deck}",
    )


def _deck_renamed(source: str, old: ConceptRecord, where: Placement) -> Problem:
    return _warning(
        source,
        codes.DECK_RENAMED,
        f"{where.concept_id} moves from deck '{old.deck}' to '{where.deck}': learners' existing "
        "cards stay in the old deck (Anki never moves cards); only new cards go to the new one. "
        "Learners can move them with Browse > Change Deck",
    )


def resolve_stage(
    resolver: Resolver,
    ledger: Ledger,
    concepts: Iterable[tuple[Concept, list[NoteSpec], Placement]],
) -> StageIdentities:
    """Resolve the concepts that a published concept claims by `formerly`, or by id when no
    other concept can match it better (every published note matched word for word); leave the
    rest for resolve_rest, which sees the whole course."""
    unclaimed: list[Unclaimed] = []
    claimed: list[tuple[str, str, str]] = []
    problems: list[Problem] = []
    for concept, specs, where in concepts:
        key, by_former = ledger.named_key(concept.id, concept.formerly)
        if key is None:
            if concept.formerly:
                resolver.warnings.append(_unknown_former(concept))
            unclaimed.append(Unclaimed(concept.id, concept.source, specs, where, None, []))
            continue
        entries, found = ledger.entries_of(key)
        problems += found
        plan = plan_concept(specs, entries)
        record = ledger.concepts[key]
        if not by_former and not plan.certain():
            unclaimed.append(Unclaimed(concept.id, concept.source, specs, where, key, entries))
            continue
        if by_former:
            resolver.warnings.append(_moved(concept.source, record, where, "formerly"))
        elif record.deck != where.deck:
            resolver.warnings.append(_deck_renamed(concept.source, record, where))
        resolver.concept(record, plan, where)
        claimed.append((key, concept.id, concept.source))
    return StageIdentities(
        matched=resolver.result(),
        unclaimed=tuple(unclaimed),
        claimed=tuple(claimed),
        problems=tuple(problems),
    )


def _unknown_former(concept: Concept) -> Problem:
    return _warning(
        concept.source,
        codes.UNKNOWN_FORMER_ID,
        f"{concept.id} says formerly {', '.join(concept.formerly)}, but this course never "
        "published a concept by that id; its notes are new",
    )


def resolve_rest(
    resolver: Resolver, ledger: Ledger, unclaimed: Sequence[Unclaimed], claimed: set[str]
) -> tuple[Matched, list[Problem]]:
    """Match the unclaimed concepts with the published concepts nobody claimed (moves and
    renames, by content), give the rest new keys, and retire what vanished."""
    vanished: dict[str, list[Entry]] = {}
    problems: list[Problem] = []
    deferred = {u.same_id: u.entries for u in unclaimed if u.same_id}
    for key in sorted(k for k in ledger.concepts if k not in claimed):
        if key in deferred:
            ledger.pending.pop(key, None)  # parsed in the stage's worker
            vanished[key] = deferred[key]
        else:
            entries, found = ledger.take([key])
            problems += found
            vanished[key] = entries
    pairs = _pairs(unclaimed, vanished, ledger)
    taken = set(ledger.concepts)
    for index, item in enumerate(unclaimed):
        if index in pairs:
            key, plan, how = pairs[index]
            record = ledger.concepts[key]
            if key != item.same_id:
                resolver.warnings.append(_moved(item.source, record, item.where, how))
            elif record.deck != item.where.deck:
                resolver.warnings.append(_deck_renamed(item.source, record, item.where))
            resolver.concept(record, plan, item.where)
            del vanished[key]
            continue
        key = concept_key(item.concept_id, taken)
        taken.add(key)
        if item.same_id:
            resolver.warnings.append(_reused(item, ledger.concepts[item.same_id]))
        record = ConceptRecord(key=key, id=item.concept_id, deck=item.where.deck)
        resolver.concept(record, plan_concept(item.specs, []), item.where)
    for key, entries in vanished.items():
        _retire_concept(resolver, ledger.concepts[key], entries)
    return resolver.result(), problems


def _retire_concept(resolver: Resolver, record: ConceptRecord, entries: list[Entry]) -> None:
    if not record.retired:
        resolver.touched = True
    resolver.concepts.append(
        ConceptRecord(key=record.key, id=record.id, deck=record.deck, retired=True)
    )
    for entry in entries:
        resolver.retire(entry, record.id, None)


def _reused(item: Unclaimed, old: ConceptRecord) -> Problem:
    return _warning(
        item.source,
        codes.CONCEPT_ID_REUSED,
        f"{item.concept_id} now holds content unrelated to the {old.id} published before: the "
        "old notes retire and these are new. If it is the same concept rewritten, give its "
        "items their old `id:`s; if the old concept moved, add `formerly: "
        f"{old.id}` to its new file",
    )


def _pairs(
    unclaimed: Sequence[Unclaimed], vanished: dict[str, list[Entry]], ledger: Ledger
) -> dict[int, tuple[str, ConceptPlan, str]]:
    """Unclaimed concept index -> (published key, plan, how): the best matches first, so a
    published concept goes to the concept most like it, its own id winning ties."""
    if not unclaimed or not vanished:
        return {}
    scored = []
    for index, key in _candidates(unclaimed, vanished):
        item = unclaimed[index]
        record = ledger.concepts[key]
        plan = plan_concept(item.specs, vanished[key])
        alias = canonical_id(item.concept_id) in map(canonical_id, record.aliases)
        same = key == item.same_id
        if _acceptable(plan, same=same, alias=alias):
            scored.append((-plan.score(), not same, not alias, index, key, plan, alias))
    found: dict[int, tuple[str, ConceptPlan, str]] = {}
    used: set[str] = set()
    for *_, index, key, plan, alias in sorted(scored, key=lambda s: s[:5]):
        if index not in found and key not in used:
            how = "an id it had on another branch" if alias else _share(plan)
            found[index] = (key, plan, how)
            used.add(key)
    return found


def _acceptable(plan: ConceptPlan, *, same: bool, alias: bool) -> bool:
    """Whether a published concept may be this concept: see SAME_ID and MOVED."""
    if same or alias:
        return plan.exact() > 0 or plan.score() >= SAME_ID
    return plan.score() >= MOVED


def _share(plan: ConceptPlan) -> str:
    matched = sum(1 for _, entry in plan.pairs if entry is not None)
    return f"recognised by content: {matched} of its {len(plan.pairs)} notes match"


def _candidates(
    unclaimed: Sequence[Unclaimed], vanished: dict[str, list[Entry]]
) -> list[tuple[int, str]]:
    """Pairs worth scoring: all of them for a few, else only those that share a text."""
    if len(unclaimed) * len(vanished) <= _PAIR_EVERYTHING_UP_TO:
        return [(i, key) for i in range(len(unclaimed)) for key in vanished]
    holders: dict[str, set[str]] = defaultdict(set)
    for key, entries in vanished.items():
        for entry in entries:
            holders[normalised(entry.text)].add(key)
    return sorted(
        {
            (i, key)
            for i, item in enumerate(unclaimed)
            for spec in item.specs
            for key in holders.get(normalised(spec.match_text), ())
        }
        | {(i, item.same_id) for i, item in enumerate(unclaimed) if item.same_id in vanished}
    )
