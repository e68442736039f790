"""The report as one offline HTML file: inline SVG charts, hardest items, learners' edits."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from pathdeck.tools.insights.edits import FieldEdit, visible_text
from pathdeck.tools.insights.report import TOP, Insights, ItemInsight
from pathdeck.tools.insights.terminal import percent

CHART_WIDTH = 320  # the SVG's own units: at a 360 px phone one unit is about one pixel
ROW_HEIGHT = 34

STYLE = """
:root { color-scheme: light dark; --bg: #fdfcfa; --fg: #1f2328; --muted: #57606a;
  --card: #ffffff; --line: #d0d7de; --bar: #0a6c74; --track: #e6ebef; --del: #ffe1df;
  --ins: #d9f5df; --accent: #8a3b00; }
@media (prefers-color-scheme: dark) {
  :root { --bg: #14171a; --fg: #e6edf3; --muted: #a5b0bb; --card: #1d2227; --line: #39424c;
    --bar: #4fc3cf; --track: #2c343c; --del: #5c1f1c; --ins: #163d22; --accent: #ffb77a; }
}
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--fg);
  font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
main { max-width: 60rem; margin: 0 auto; padding: 1rem; }
h1 { font-size: 1.5rem; margin: 0.5rem 0; } h2 { font-size: 1.2rem; margin-top: 2rem; }
p, li { overflow-wrap: anywhere; }
.muted { color: var(--muted); }
.charts { display: grid; gap: 1rem; grid-template-columns: repeat(auto-fit, minmax(17rem, 1fr)); }
figure { margin: 0; padding: 0.75rem; background: var(--card); border: 1px solid var(--line);
  border-radius: 8px; }
figcaption { font-weight: 600; margin-bottom: 0.5rem; }
svg { display: block; width: 100%; height: auto; }
svg text { fill: var(--fg); font-size: 12px; font-family: inherit; }
svg .track { fill: var(--track); } svg .bar { fill: var(--bar); }
ol.items { list-style: none; padding: 0; margin: 0; display: grid; gap: 0.75rem; }
.item { background: var(--card); border: 1px solid var(--line); border-radius: 8px;
  padding: 0.75rem; }
.item h3 { font-size: 1rem; margin: 0 0 0.25rem; }
.where { color: var(--muted); font-size: 0.9rem; }
.figures { display: flex; flex-wrap: wrap; gap: 0.25rem 1rem; margin: 0.5rem 0; padding: 0;
  list-style: none; font-size: 0.9rem; }
.figures b { font-variant-numeric: tabular-nums; }
dl.card { margin: 0.5rem 0 0; } dl.card dt { font-size: 0.8rem; color: var(--muted); }
dl.card dd { margin: 0 0 0.4rem; }
.retired { color: var(--accent); font-weight: 600; }
del { background: var(--del); color: inherit; } ins { background: var(--ins); color: inherit;
  text-decoration: none; }
.edit { border-top: 1px dashed var(--line); margin-top: 0.5rem; padding-top: 0.5rem; }
"""


def render_page(report: Insights) -> str:
    """The whole report as one HTML document that loads nothing from outside."""
    body = [
        "<h1>Where learners struggle</h1>",
        f'<p class="muted">{report.learners} learner(s). Figures are shown for items at least '
        f"{report.min_learners} learners studied; others are pooled. No learner is named.</p>",
        '<div class="charts">',
        _chart(
            "Retention per stage",
            [(g.label, g.figures.retention if g.figures else None) for g in report.groups["stage"]],
        ),
        _chart(
            "Lapse rate per role",
            [(g.label, g.figures.lapse_rate if g.figures else None) for g in report.groups["role"]],
        ),
        "</div>",
        f"<h2>Hardest items (top {TOP})</h2>",
        _items(report.ranked[:TOP]),
        _pooled(report),
        "<h2>Learners' edits</h2>",
        _edited(report.items),
    ]
    return (
        '<!doctype html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        "<title>pathdeck insights</title>\n"
        f"<style>{STYLE}</style>\n</head>\n<body>\n<main>\n"
        + "\n".join(body)
        + "\n</main>\n</body>\n</html>\n"
    )


def _chart(title: str, rows: Sequence[tuple[str, float | None]]) -> str:
    """A horizontal bar chart: each row's label above its bar, the figure at the bar's end."""
    height = max(1, len(rows)) * ROW_HEIGHT
    parts = [
        f'<figure><figcaption>{escape(title)}</figcaption><svg role="img" '
        f'aria-label="{escape(title)}" viewBox="0 0 {CHART_WIDTH} {height}">'
    ]
    bar_width = CHART_WIDTH - 44
    for index, (label, rate) in enumerate(rows):
        top = index * ROW_HEIGHT
        shown = "pooled" if rate is None else percent(rate)
        width = 0 if rate is None else round(bar_width * rate, 1)
        parts.append(
            f'<text x="0" y="{top + 12}">{escape(_clip(label))}</text>'
            f'<rect class="track" x="0" y="{top + 17}" width="{bar_width}" height="10" rx="2"/>'
            f'<rect class="bar" x="0" y="{top + 17}" width="{width}" height="10" rx="2"/>'
            f'<text x="{bar_width + 4}" y="{top + 27}">{shown}</text>'
        )
    if not rows:
        parts.append('<text x="0" y="20">no reviews yet</text>')
    parts.append("</svg></figure>")
    return "".join(parts)


def _clip(label: str, width: int = 44) -> str:
    return label if len(label) <= width else label[: width - 1] + "…"


def _items(ranked: Sequence[ItemInsight]) -> str:
    if not ranked:
        return '<p class="muted">No item was studied by enough learners yet.</p>'
    return '<ol class="items">' + "".join(_item(i) for i in ranked) + "</ol>"


def _item(insight: ItemInsight) -> str:
    item, figures = insight.item, insight.figures
    assert figures is not None
    retired = ' <span class="retired">retired</span>' if item.retired else ""
    stats = (
        ("score", f"{figures.score:.1f}"),
        ("again while learning", percent(figures.again_rate)),
        ("lapses", str(figures.lapses)),
        ("retention", percent(figures.retention)),
        ("learners", str(figures.learners)),
        ("reviews", str(figures.reviews)),
        ("mean answer", "—" if figures.mean_seconds is None else f"{figures.mean_seconds:.1f} s"),
        ("leeches", str(figures.leeches)),
        ("suspended", str(figures.suspended)),
        ("flagged", str(figures.flagged)),
        ("marked", str(figures.marked)),
    )
    card = "".join(
        f"<dt>{escape(name)}</dt><dd>{escape(visible_text(text))}</dd>"
        for name, text in item.shown_fields
    )
    return (
        f'<li class="item"><h3>{escape(item.role.words)}: {escape(item.text)}{retired}</h3>'
        f'<div class="where">{escape(_where(insight))}</div>'
        '<ul class="figures">'
        + "".join(f"<li>{escape(label)} <b>{value}</b></li>" for label, value in stats)
        + f'</ul><details><summary>The card as learners saw it</summary><dl class="card">{card}'
        f"</dl></details>{''.join(_edit(e) for e in insight.edits)}</li>"
    )


def _where(insight: ItemInsight) -> str:
    item = insight.item
    return f"{item.stage_label} — {item.concept_id} {item.concept_title}"


def _pooled(report: Insights) -> str:
    if not report.pooled_items:
        return ""
    pooled = report.pooled
    detail = (
        "too few learners to show anything"
        if pooled is None
        else f"together: again while learning {percent(pooled.again_rate)}, "
        f"retention {percent(pooled.retention)}"
    )
    return (
        f'<p class="muted">{report.pooled_items} item(s) were studied by fewer than '
        f"{report.min_learners} learners and are pooled: {detail}.</p>"
    )


def _edited(items: Sequence[ItemInsight]) -> str:
    edited = [i for i in items if i.edits]
    if not edited:
        return '<p class="muted">No learner changed a published note.</p>'
    return (
        '<ol class="items">'
        + "".join(
            f'<li class="item"><h3>{escape(i.item.role.words)}: {escape(i.item.text)}</h3>'
            f'<div class="where">{escape(_where(i))}</div>{"".join(_edit(e) for e in i.edits)}'
            "</li>"
            for i in edited
        )
        + "</ol>"
    )


def _edit(edit: FieldEdit) -> str:
    changes = "; ".join(
        f"…{escape(c.before)} " * bool(c.before)
        + (f"<del>{escape(c.removed)}</del>" if c.removed else "")
        + (f" <ins>{escape(c.added)}</ins>" if c.added else "")
        for c in edit.changes
    )
    return (
        f'<div class="edit"><b>{escape(edit.field)}</b>, edited by {edit.learners} '
        f"learner(s): {changes}</div>"
    )
