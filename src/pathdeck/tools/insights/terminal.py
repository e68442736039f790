"""The report as a terminal table: the hardest items, then retention per stage."""

from __future__ import annotations

from pathdeck.tools.insights.figures import Figures
from pathdeck.tools.insights.report import TOP, Insights

TEXT_WIDTH = 48


def percent(rate: float | None) -> str:
    """A rate as a whole percentage, or a dash when there is nothing to rate."""
    return "—" if rate is None else f"{rate:.0%}"


def shorten(text: str, width: int) -> str:
    """Text cut to `width` characters with an ellipsis."""
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def render_table(report: Insights, top: int = TOP) -> str:
    """The hardest `top` items with concept, role and text, then each stage's retention."""
    lines = [
        f"{report.learners} learner(s); figures shown for items at least "
        f"{report.min_learners} of them studied.",
        "",
        f"Hardest items (top {top})",
        f"{'#':>3}  {'score':>5}  {'again':>5}  {'lapses':>6}  {'learners':>8}  "
        f"{'concept':<8}  {'role':<15}  text",
    ]
    ranked = report.ranked[:top]
    for rank, insight in enumerate(ranked, start=1):
        figures, item = insight.figures, insight.item
        assert figures is not None
        retired = " (retired)" if item.retired else ""
        lines.append(
            f"{rank:>3}  {figures.score:>5.1f}  {percent(figures.again_rate):>5}  "
            f"{figures.lapses:>6}  {figures.learners:>8}  {item.concept_id:<8}  "
            f"{item.role.words:<15}  {shorten(item.text, TEXT_WIDTH)}{retired}"
        )
    if not ranked:
        lines.append("     no item was studied by enough learners yet")
    if report.pooled_items:
        lines.append(_pooled_line(report))
    # The answers retention is worked out over: on review cards, not every answer ("reviews").
    lines += ["", "Retention per stage", f"{'retention':>9}  {'review answers':>14}  stage"]
    for stage in report.groups["stage"]:
        figures = stage.figures
        shown = "(pooled)" if figures is None else percent(figures.retention)
        reviews = "" if figures is None else str(figures.review)
        lines.append(f"{shown:>9}  {reviews:>14}  {stage.label}")
    edited = sum(1 for insight in report.items if insight.edits)
    if edited:
        lines += ["", f"{edited} item(s) edited by learners: see --html or --json for the diffs."]
    if report.foreign_notes:
        lines.append(f"{report.foreign_notes} note(s) not from the course ignored.")
    return "\n".join(lines)


def _pooled_line(report: Insights) -> str:
    pooled: Figures | None = report.pooled
    head = f"     {report.pooled_items} item(s) studied by fewer than {report.min_learners}"
    if pooled is None:
        return f"{head} learners: not shown"
    return (
        f"{head} learners, pooled: again {percent(pooled.again_rate)}, "
        f"retention {percent(pooled.retention)}"
    )
