"""The insights report: items ranked hardest first, groups, pooling below --min-learners."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from pathdeck.problems import Problem, sorted_problems
from pathdeck.tools.insights.cohort import Cohort, GroupKey, group_keys
from pathdeck.tools.insights.edits import FieldEdit, field_edits, merge_identical
from pathdeck.tools.insights.figures import COUNTS, Figures, add_counts
from pathdeck.tools.insights.published import PublishedItem

GROUP_KINDS = ("stage", "concept", "role")


@dataclass(frozen=True, slots=True, kw_only=True)
class ItemInsight:
    """One item's figures (None when too few learners studied it) and learners' edits."""

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

    @property
    def ranked(self) -> tuple[ItemInsight, ...]:
        """The items that have figures, hardest first."""
        return tuple(i for i in self.items if i.figures is not None)


def summarise(cohort: Cohort, items: Mapping[str, PublishedItem], min_learners: int) -> Insights:
    """Rank the cohort's items and apply the privacy threshold to every figure shown."""
    shown: list[ItemInsight] = []
    withheld: list[ItemInsight] = []
    pooled = [0] * len(COUNTS)
    pooled_items, pooled_by = 0, 0
    for guid, counts in cohort.counts.items():
        learners = counts[0]
        edits = _edits(items[guid], cohort.touched[guid]) if guid in cohort.touched else ()
        if learners >= min_learners:
            shown.append(ItemInsight(item=items[guid], figures=Figures.of(counts), edits=edits))
            continue
        if learners:
            add_counts(pooled, counts)
            pooled_items += 1
            pooled_by |= cohort.studied_by.get(guid, 0)
        if edits:
            withheld.append(ItemInsight(item=items[guid], figures=None, edits=edits))
    shown.sort(key=_hardest_first)
    withheld.sort(key=lambda i: i.item.order)
    pooled[0] = pooled_by.bit_count()
    return Insights(
        learners=cohort.learners,
        min_learners=min_learners,
        items=(*shown, *withheld),
        pooled_items=pooled_items,
        pooled=Figures.of(pooled) if pooled_items and pooled[0] >= min_learners else None,
        groups=_groups(cohort, items, min_learners),
        foreign_notes=cohort.foreign_notes,
        problems=sorted_problems(cohort.problems),
    )


def _edits(item: PublishedItem, copies: list[str]) -> tuple[FieldEdit, ...]:
    """Learners' edits of an item, from the fields of their copies touched after publication."""
    return merge_identical([edit for fields in copies for edit in field_edits(item, fields)])


def _hardest_first(insight: ItemInsight) -> tuple[float, int, int, tuple[int, ...]]:
    figures = insight.figures
    assert figures is not None
    return (-figures.score, -figures.lapses, -figures.learning_again, insight.item.order)


def _groups(
    cohort: Cohort, items: Mapping[str, PublishedItem], min_learners: int
) -> dict[str, tuple[GroupInsight, ...]]:
    """Figures per stage, concept and role, in curriculum order; a group's learners are the
    learners who studied any of its items."""
    sums: dict[GroupKey, list[int]] = {}
    sizes: dict[GroupKey, int] = {}
    learners: dict[GroupKey, int] = {}
    labels: dict[GroupKey, tuple[tuple[int, ...], str]] = {}
    for guid, counts in cohort.counts.items():
        item = items[guid]
        for key, label in zip(group_keys(item), _labels(item), strict=True):
            if key not in sums:
                sums[key], sizes[key], learners[key], labels[key] = [0] * len(COUNTS), 0, 0, label
            add_counts(sums[key], counts)
            sizes[key] += 1
            learners[key] |= cohort.studied_by.get(guid, 0)
    for key, bits in learners.items():
        sums[key][0] = bits.bit_count()
    ordered = sorted(sums, key=lambda key: labels[key][0])
    return {
        kind: tuple(
            GroupInsight(
                kind=kind,
                key=key[1],
                label=labels[key][1],
                items=sizes[key],
                figures=Figures.of(sums[key]) if sums[key][0] >= min_learners else None,
            )
            for key in ordered
            if key[0] == kind
        )
        for kind in GROUP_KINDS
    }


def _labels(item: PublishedItem) -> tuple[tuple[tuple[int, ...], str], ...]:
    """(sort order, label) of the item's stage, concept and role."""
    stage = f"Stage {item.stage} · {item.stage_title}".rstrip(" ·")
    concept = f"{item.concept_id} {item.concept_title}".strip()
    return (
        (item.order[:1], stage),
        (item.order[:2], concept),
        ((item.order[2],), item.role.words),
    )
