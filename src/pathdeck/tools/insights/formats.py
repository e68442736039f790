"""The report as data: `--json` (the project's JSON contract) and `--csv` (one row per item)."""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping

from pathdeck._speed.json_text import compact_encoder
from pathdeck.tools.insights.figures import Figures
from pathdeck.tools.insights.published import GONE_STAGE, PublishedItem
from pathdeck.tools.insights.report import GroupInsight, Insights, ItemInsight

FORMAT = 1
"""The version of the `--json` layout; a change that breaks readers raises it."""


def item_json(item: PublishedItem) -> dict[str, object]:
    """Where an item sits and what it says."""
    return {
        "guid": item.guid,
        "course": item.course_id,
        "stage": item.stage if item.stage != GONE_STAGE else None,
        "stage_title": item.stage_title,
        "concept_id": item.concept_id,
        "concept_title": item.concept_title,
        "role": item.role.value,
        "text": item.text,
        "retired": item.retired,
    }


def _figures(figures: Figures | None) -> dict[str, float | int | None] | None:
    return None if figures is None else figures.to_json()


def _figures_text(figures: Figures | None) -> str:
    """_figures as JSON text."""
    return "null" if figures is None else figures.json_text()


class Encoded(str):
    """Text already encoded as JSON: dumps writes it as it is."""


class ItemPlaces:
    """Each item's place and words (item_json) as JSON text, made once per item: `prepare`
    them while the exports are still being read, and the report's end is that much sooner
    (80 of 210 ms of its 28,000 items' text at 2,000 concepts)."""

    def __init__(self) -> None:
        self._text: dict[str, str] = {}

    def prepare(self, items: Mapping[str, PublishedItem]) -> None:
        """Encode these items' places now."""
        self._text.update((guid, _place_text(item)) for guid, item in items.items())

    def of(self, item: PublishedItem) -> str:
        """The item's place as the inside of a JSON object (no braces)."""
        text = self._text.get(item.guid)
        return _place_text(item) if text is None else text


def _place_text(item: PublishedItem) -> str:
    return _encode(item_json(item))[1:-1]  # without the braces: more keys go around it


def _insight_json(
    rank: int | None, insight: ItemInsight, places: ItemPlaces, figures: Mapping[str, str]
) -> Encoded:
    """One item of the report: {"rank", then item_json's keys, "figures", "edits"}; `figures`
    holds the figures' text where it was made beforehand (Insights.figures_json)."""
    edits = _encode([edit.to_json() for edit in insight.edits]) if insight.edits else "[]"
    text = figures.get(insight.item.guid) if insight.figures is not None else "null"
    return Encoded(
        f'{{"rank": {"null" if rank is None else rank}, {places.of(insight.item)}, '
        f'"figures": {text or _figures_text(insight.figures)}, "edits": {edits}}}'
    )


def _group_json(group: GroupInsight) -> dict[str, object]:
    return {
        "key": group.key,
        "label": group.label,
        "items": group.items,
        "figures": _figures(group.figures),
    }


def to_json(
    report: Insights, *, paths: bool, places: ItemPlaces | None = None
) -> dict[str, object]:
    """The whole report, its items already Encoded (see dumps); input file names only when
    `paths` (-v), never by default. `places` holds the items' places prepared early."""
    ranked = len(report.ranked)
    places = places or ItemPlaces()
    made = report.figures_json
    return {
        "ok": not report.problems,
        "format": FORMAT,
        "learners": report.learners,
        "min_learners": report.min_learners,
        "foreign_notes": report.foreign_notes,
        "items": [
            _insight_json(rank + 1 if rank < ranked else None, insight, places, made)
            for rank, insight in enumerate(report.items)
        ],
        "pooled": {"items": report.pooled_items, "figures": _figures(report.pooled)},
        **{
            f"{kind}s": [_group_json(group) for group in groups]
            for kind, groups in report.groups.items()
        },
        "errors": len(report.problems),
        "warnings": 0,
        "problems": [_problem_json(p.to_json(), paths=paths) for p in report.problems],
    }


def _problem_json(problem: dict[str, object], *, paths: bool) -> dict[str, object]:
    return problem if paths else {k: v for k, v in problem.items() if k != "path"}


CSV_COLUMNS = (
    "rank",
    "course",
    "stage",
    "concept_id",
    "concept_title",
    "role",
    "retired",
    "text",
    "learners",
    "reviews",
    "again_rate",
    "lapses",
    "retention",
    "mean_seconds",
    "leeches",
    "suspended",
    "flagged",
    "marked",
    "score",
    "edits",
)


def to_csv(report: Insights) -> str:
    """One row per item shown, hardest first; rates as fractions, blank where there is none."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    for rank, insight in enumerate(report.ranked, start=1):
        row: dict[str, object] = {**item_json(insight.item), "rank": rank}
        assert insight.figures is not None
        row.update(insight.figures.to_json())
        row["edits"] = sum(edit.learners for edit in insight.edits)
        writer.writerow({k: "" if v is None else v for k, v in row.items()})
    return out.getvalue()


_encode = compact_encoder()


def dumps(report: dict[str, object]) -> str:
    """The `--json` text: one top-level key a line, one list element a line.

    A large course's report holds tens of thousands of items; json's indenting encoder is
    written in Python and took three times as long as the compact one it falls back from.
    The text is joined once from its parts: each join or + of 20 MB copies it all."""
    parts = ["{\n"]
    for key, value in report.items():
        if len(parts) > 1:
            parts.append(",\n")
        parts += ("  ", _encode(key), ": ")
        if isinstance(value, list) and value:
            parts.append("[\n    ")
            for number, element in enumerate(value):
                if number:
                    parts.append(",\n    ")
                parts.append(element if isinstance(element, Encoded) else _encode(element))
            parts.append("\n  ]")
        else:
            parts.append(_encode(value))
    parts.append("\n}")
    return "".join(parts)
