"""The insights report: items ranked hardest first, groups, pooling below --min-learners."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import NamedTuple, cast

from pathdeck._speed.parallel import default_jobs, map_in_workers
from pathdeck.problems import Problem, sorted_problems
from pathdeck.roles import Role
from pathdeck.tools.insights.cohort import Cohort, GroupKey, group_keys
from pathdeck.tools.insights.edits import FieldEdit, field_edits, merge_identical
from pathdeck.tools.insights.figures import COUNTS, Figures, add_counts
from pathdeck.tools.insights.published import PublishedItem

GROUP_KINDS = ("stage", "concept", "role")
TOP = 20
"""The hardest items a report names with the card text learners saw."""


class ItemInsight(NamedTuple):
    """One item's figures (None when too few learners studied it) and learners' edits.

    A named tuple: a report makes one for every item studied (see Figures)."""

    item: PublishedItem
    figures: Figures | None
    edits: tuple[FieldEdit, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class GroupInsight:
    """A stage's, concept's or role's figures over all its items (None when too few learners)."""

    kind: str
    key: str
    label: str
    items: int
    figures: Figures | None


@dataclass(frozen=True, slots=True, kw_only=True)
class Insights:
    """What the cohort's exports say about the curriculum, with no learner identity in it."""

    learners: int
    min_learners: int
    items: tuple[ItemInsight, ...]
    """Items with figures, hardest first; then items pooled for privacy that learners edited."""
    pooled_items: int
    pooled: Figures | None
    """The items studied by fewer than `min_learners`, summed (None when even those are fewer)."""
    groups: Mapping[str, tuple[GroupInsight, ...]]
    foreign_notes: int
    problems: tuple[Problem, ...]
    figures_json: Mapping[str, str] = field(default_factory=dict)
    """Each item's figures as JSON text (Figures.json_text) by GUID, when summarise was asked
    for them: made in the worker that sums the groups, beside the ranking."""

    @property
    def ranked(self) -> tuple[ItemInsight, ...]:
        """The items that have figures, hardest first."""
        return tuple(i for i in self.items if i.figures is not None)


FieldsOf = Callable[[set[str]], Mapping[str, tuple[str, ...]]]
"""Given GUIDs, the published fields of those it can find."""


def summarise(
    cohort: Cohort,
    items: Mapping[str, PublishedItem],
    min_learners: int,
    fields_of: FieldsOf = lambda guids: {},
    jobs: int | None = None,
    figures_json: bool = False,
) -> Insights:
    """Rank the cohort's items and apply the privacy threshold to every figure shown; the
    published fields are asked of `fields_of` only for the items shown with their text (the
    TOP hardest) or edited by a learner. `jobs` caps the processes (default: one per CPU);
    `figures_json` asks for Insights.figures_json too."""

    def rank() -> _Ranking:
        return _ranking(cohort, items, min_learners, fields_of)

    def beside() -> tuple[dict[str, tuple[GroupInsight, ...]], str]:
        groups = _groups(cohort, items, min_learners)
        if not figures_json:
            return groups, ""
        shown = (Figures.of(c) for c in cohort.counts.values() if c[0] >= min_learners)
        # one string, a line an item (JSON text has no line break): a list of 28,000 strings
        # took 18 ms to pickle and 9 to unpickle, one string 1 and the split 4
        return groups, "\n".join(figures.json_text() for figures in shown)

    # The groups (80 ms at 2,000 concepts) and the figures' JSON text (140 ms) are made in a
    # forked worker while this process ranks the items (220 ms): it waits for nothing else.
    weight = len(cohort.counts)
    parts: list[Callable[[], object]] = [rank, beside]
    done = map_in_workers(
        lambda part: part(), parts, jobs=jobs or default_jobs(), weights=[weight] * 2
    )
    ranking = cast(_Ranking, done[0])
    groups, texts = cast(tuple[dict[str, tuple[GroupInsight, ...]], str], done[1])
    shown = (guid for guid, c in cohort.counts.items() if c[0] >= min_learners)
    return Insights(
        learners=cohort.learners,
        min_learners=min_learners,
        items=ranking.items,
        pooled_items=ranking.pooled_items,
        pooled=ranking.pooled,
        groups=groups,
        foreign_notes=cohort.foreign_notes,
        problems=sorted_problems(cohort.problems),
        figures_json=dict(zip(shown, texts.split("\n"), strict=True)) if texts else {},
    )


class _Ranking(NamedTuple):
    items: tuple[ItemInsight, ...]
    pooled_items: int
    pooled: Figures | None


def _ranking(
    cohort: Cohort, items: Mapping[str, PublishedItem], min_learners: int, fields_of: FieldsOf
) -> _Ranking:
    """The items with figures hardest first, then those pooled for privacy that learners
    edited; and the pooled items' count and figures (None when too few learners)."""
    shown: list[tuple[str, Figures]] = []
    withheld: list[str] = []
    pooled = [0] * len(COUNTS)
    pooled_items, pooled_by = 0, 0
    for guid, counts in cohort.counts.items():
        learners = counts[0]
        if learners >= min_learners:
            shown.append((guid, Figures.of(counts)))
            continue
        if learners:
            add_counts(pooled, counts)
            pooled_items += 1
            pooled_by |= cohort.studied_by.get(guid, 0)
        if guid in cohort.touched:
            withheld.append(guid)
    shown.sort(key=lambda pair: _hardest_first(pair[1], items[pair[0]]))
    withheld.sort(key=lambda guid: items[guid].order)
    fields = fields_of({*cohort.touched, *(guid for guid, _ in shown[:TOP])})
    with_text = {guid: items[guid]._replace(fields=found) for guid, found in fields.items()}

    def insight(guid: str, figures: Figures | None) -> ItemInsight:
        item = with_text.get(guid) or items[guid]
        copies = cohort.touched.get(guid)
        edits = _edits(item, copies) if copies and item.fields else ()
        return ItemInsight(item=item, figures=figures, edits=edits)

    pooled[0] = pooled_by.bit_count()
    ranked = [insight(guid, figures) for guid, figures in shown]
    edited = [found for found in (insight(guid, None) for guid in withheld) if found.edits]
    enough = pooled_items and pooled[0] >= min_learners
    return _Ranking((*ranked, *edited), pooled_items, Figures.of(pooled) if enough else None)


def _edits(item: PublishedItem, copies: list[tuple[int, str]]) -> tuple[FieldEdit, ...]:
    """Learners' edits of an item, from the fields of their copies no longer as published."""
    return merge_identical([edit for _, fields in copies for edit in field_edits(item, fields)])


def _hardest_first(
    figures: Figures, item: PublishedItem
) -> tuple[float, int, int, tuple[int, ...]]:
    return (-figures.score, -figures.lapses, -figures.learning_again, item.order)


def _groups(
    cohort: Cohort, items: Mapping[str, PublishedItem], min_learners: int
) -> dict[str, tuple[GroupInsight, ...]]:
    """Figures per stage, concept and role, in curriculum order; a group's learners are the
    learners who studied any of its items."""
    sums: dict[GroupKey, list[list[int]]] = {}
    sizes: dict[GroupKey, int] = {}
    learners: dict[GroupKey, int] = {}
    labels: dict[GroupKey, tuple[tuple[int, ...], str]] = {}
    for item, counts, bits in _places(cohort, items):
        for key, label in zip(group_keys(item), _labels(item), strict=True):
            if key not in sums:
                sums[key], sizes[key], learners[key], labels[key] = [], 0, 0, label
            sums[key] += counts
            sizes[key] += len(counts)
            learners[key] |= bits
    totals = {key: [sum(c) for c in zip(*parts, strict=True)] for key, parts in sums.items()}
    for key, bits in learners.items():
        totals[key][0] = bits.bit_count()
    ordered = sorted(totals, key=lambda key: labels[key][0])
    return {
        kind: tuple(
            GroupInsight(
                kind=kind,
                key=key[1],
                label=labels[key][1],
                items=sizes[key],
                figures=Figures.of(totals[key]) if totals[key][0] >= min_learners else None,
            )
            for key in ordered
            if key[0] == kind
        )
        for kind in GROUP_KINDS
    }


def _places(
    cohort: Cohort, items: Mapping[str, PublishedItem]
) -> Iterator[tuple[PublishedItem, list[list[int]], int]]:
    """The items of each concept and role (which share their three groups, so their keys are
    made once for all): one of them, their counts, and their learners as bits. A group's
    counts are summed column by column at the end (zip), not item by item: half the time."""
    places: dict[tuple[str, str, int, int, Role], list[str]] = {}
    for guid in cohort.counts:
        item = items[guid]
        place = (item.course_id, item.concept_id, item.stage, item.order[1], item.role)
        found = places.get(place)
        if found is None:
            places[place] = [guid]
        else:
            found.append(guid)
    counts, studied_by = cohort.counts, cohort.studied_by
    for guids in places.values():
        bits = 0
        for guid in guids:
            bits |= studied_by.get(guid, 0)
        yield items[guids[0]], [counts[guid] for guid in guids], bits


def _labels(item: PublishedItem) -> tuple[tuple[tuple[int, ...], str], ...]:
    """(sort order, label) of the item's stage, concept and role."""
    concept = f"{item.concept_id} {item.concept_title}".strip()
    return (
        (item.order[:1], item.stage_label),
        (item.order[:2], concept),
        ((item.order[2],), item.role.words),
    )
