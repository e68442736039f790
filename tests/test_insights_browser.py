"""The insights HTML report in headless Chromium: offline, 360 px to desktop, day and night."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from browser_support import ARTIFACTS, save_screenshot
from cli_support import invoke
from insights_support import HARD_TEXTS, Cohort, cohort

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

__all__ = ["cohort"]  # a fixture from insights_support; `browser` comes from conftest
pytestmark = [pytest.mark.browser, pytest.mark.anki]

VIEWS = (
    ("phone-day", 360, 740, "light"),
    ("phone-night", 360, 740, "dark"),
    ("desktop-day", 1280, 800, "light"),
    ("desktop-night", 1280, 800, "dark"),
)
AA_BODY = 4.5

# Colours of every text run (HTML and SVG) against the page background, and the layout width.
MEASURE = """
() => {
  const rgb = (s) => s.match(/[\\d.]+/g).slice(0, 3).map(Number);
  const background = rgb(getComputedStyle(document.body).backgroundColor);
  const cards = Array.from(document.querySelectorAll(".item, figure"))
    .map((el) => rgb(getComputedStyle(el).backgroundColor));
  const texts = Array.from(document.querySelectorAll("h1, h2, h3, p, li, dt, dd, figcaption, svg text, .where, del, ins"))
    .map((el) => ({ tag: el.tagName, color: rgb(getComputedStyle(el).color || getComputedStyle(el).fill),
                    fill: getComputedStyle(el).fill }));
  return {
    scrollWidth: document.documentElement.scrollWidth,
    clientWidth: document.documentElement.clientWidth,
    background, cards, texts,
    charts: document.querySelectorAll("figure svg").length,
    firstItem: document.querySelector("ol.items .item h3").textContent,
    deletions: Array.from(document.querySelectorAll("del")).map((e) => e.textContent),
    insertions: Array.from(document.querySelectorAll("ins")).map((e) => e.textContent),
  };
}
"""


def luminance(color: list[float]) -> float:
    """WCAG relative luminance of an sRGB colour."""

    def channel(value: float) -> float:
        value /= 255
        return value / 12.92 if value <= 0.03928 else ((value + 0.055) / 1.055) ** 2.4

    red, green, blue = (channel(v) for v in color[:3])
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def contrast(a: list[float], b: list[float]) -> float:
    """WCAG contrast ratio of two colours."""
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


@pytest.fixture(scope="module")
def report_file(cohort: Cohort) -> Path:
    """The HTML report of the simulated cohort, written by the CLI."""
    target = cohort.scratch / "report" / "insights.html"
    target.parent.mkdir(exist_ok=True)
    result = invoke(
        "insights", *map(str, cohort.exports), "--source", str(cohort.source), "--html", str(target)
    )
    assert result.exit_code == 0, result.stderr
    return target


@pytest.fixture(scope="module", params=VIEWS, ids=[v[0] for v in VIEWS])
def viewed(
    request: pytest.FixtureRequest, browser: Browser, report_file: Path
) -> Iterator[tuple[str, Any, list[str]]]:
    """(view name, measurements, requests that left the file) for the report in one view."""
    name, width, height, scheme = request.param
    context = browser.new_context(viewport={"width": width, "height": height}, color_scheme=scheme)
    outside: list[str] = []

    def refuse(route: Any) -> None:
        outside.append(route.request.url)
        route.abort()

    context.route("http*://**/*", refuse)
    page: Page = context.new_page()
    page.goto(report_file.as_uri())
    page.wait_for_load_state("load")
    measured = page.evaluate(MEASURE)
    save_screenshot(page, f"insights-{name}")
    if name == "desktop-day":  # the first screen, as README's docs/insights-report.png shows it
        page.screenshot(path=str(ARTIFACTS / "insights-report.png"))
    yield name, measured, outside
    context.close()


def test_report_loads_nothing_from_outside(
    viewed: tuple[str, Any, list[str]], report_file: Path
) -> None:
    """The report is one self-contained file: no request leaves it, no script or link in it."""
    _, _, outside = viewed
    assert outside == []
    html = report_file.read_text(encoding="utf-8")
    assert "<script" not in html
    assert "<link" not in html


def test_no_sideways_scrolling(viewed: tuple[str, Any, list[str]]) -> None:
    """Nothing is wider than the window, from a 360 px phone to a desktop."""
    _, measured, _ = viewed
    assert measured["scrollWidth"] <= measured["clientWidth"]


def test_text_is_readable_day_and_night(viewed: tuple[str, Any, list[str]]) -> None:
    """Every text run meets WCAG AA contrast against the page and card backgrounds."""
    name, measured, _ = viewed
    night = name.endswith("night")
    assert (luminance(measured["background"]) < 0.1) is night
    for text in measured["texts"]:
        for backdrop in [measured["background"], *measured["cards"][:1]]:
            assert contrast(text["color"], backdrop) >= AA_BODY, (name, text)


def test_charts_and_hardest_item_shown(viewed: tuple[str, Any, list[str]]) -> None:
    """Both charts are inline SVG; the hardest item comes first; the learner's edit is marked."""
    _, measured, _ = viewed
    assert measured["charts"] == 2
    assert any(text in measured["firstItem"] for text in HARD_TEXTS)
    assert "then" in measured["deletions"]
    assert "than" in [text.strip() for text in measured["insertions"]]


def test_report_names_no_learner(report_file: Path) -> None:
    """No input file name reaches the report."""
    assert "learner-" not in report_file.read_text(encoding="utf-8")
