"""The preview in headless Chromium: every card readable on a phone and a desktop, day and night."""

from __future__ import annotations

import html
import time
from typing import TYPE_CHECKING, Any

import pytest

from browser_support import (  # the fixtures are used by name, so they are imported here
    ARTIFACTS,
    Gallery,
    View,
    gallery,
    measure_frames,
    open_gallery_page,
    save_screenshot,
)
from pathdeck.roles import Role
from pathdeck.tools.preview import frame_document
from pathdeck.tools.serve import Server
from test_serve import edit, live, served  # fixtures, used by name

if TYPE_CHECKING:
    from playwright.sync_api import Browser

__all__ = [
    "gallery",
    "live",
    "served",
]  # fixtures from browser_support, test_serve; `browser`: conftest
pytestmark = pytest.mark.browser

VIEWS = (
    View(name="phone-360x740-day", width=360, height=740, night=False, phone=False),
    View(name="phone-360x740-night", width=360, height=740, night=True, phone=False),
    View(name="desktop-1280x800-day", width=1280, height=800, night=False, phone=False),
    View(name="desktop-1280x800-night", width=1280, height=800, night=True, phone=False),
    View(name="desktop-phone-frames-night", width=1280, height=800, night=True, phone=True),
    View(name="narrowest-320x640-day", width=320, height=640, night=False, phone=False),
)
AA_BODY, AA_LARGE = 4.5, 3.0


@pytest.fixture(scope="module", params=VIEWS, ids=[v.name for v in VIEWS])
def view(request: pytest.FixtureRequest) -> View:
    """One way of looking at the gallery."""
    chosen: View = request.param
    return chosen


@pytest.fixture(scope="module")
def measured(browser: Browser, gallery: Gallery, view: View) -> tuple[View, list[dict[str, Any]]]:
    """Every card side of every concept page, measured in the view; screenshots saved."""
    frames: list[dict[str, Any]] = []
    for concept_page in gallery.concept_pages:
        page = open_gallery_page(browser, concept_page.as_uri(), view)
        frames.extend(measure_frames(page))
        save_screenshot(page, f"preview-{concept_page.stem}-{view.name}")
        page.context.close()
    return view, frames


def test_gallery_shows_every_card_front_and_back(
    measured: tuple[View, list[dict[str, Any]]], gallery: Gallery
) -> None:
    """The concept pages hold one front and one back frame for every card Anki generated."""
    _, frames = measured
    count = len(gallery.cards)
    assert count > 0
    assert sorted(f["side"] for f in frames) == ["back"] * count + ["front"] * count


def test_no_card_overflows_horizontally(measured: tuple[View, list[dict[str, Any]]]) -> None:
    """No card side is wider than its viewport: nothing to scroll sideways, even at 320 px."""
    _, frames = measured
    wide = [
        (f["card"], f["side"], f["scrollWidth"], f["clientWidth"])
        for f in frames
        if f["scrollWidth"] > f["clientWidth"]
    ]
    assert wide == []


def test_no_text_is_clipped(measured: tuple[View, list[dict[str, Any]]]) -> None:
    """Every text run lies inside its card and inside any box that clips; frames show all of it."""
    _, frames = measured
    clipped = [
        (f["card"], f["side"], run["text"], run["clips"])
        for f in frames
        for run in f["runs"]
        if run["clips"]
    ]
    cut_off = [
        (f["card"], f["side"], f["contentHeight"], f["frameHeight"])
        for f in frames
        if f["contentHeight"] > f["frameHeight"]
    ]
    assert (clipped, cut_off) == ([], [])


def test_text_contrast_meets_wcag_aa(measured: tuple[View, list[dict[str, Any]]]) -> None:
    """Every text run has WCAG AA contrast against what is behind it (4.5:1, large text 3:1)."""
    _, frames = measured
    poor = [
        (f["card"], f["side"], run["className"], run["text"], round(run["ratio"], 2))
        for f in frames
        for run in f["runs"]
        if run["ratio"] < (AA_LARGE if run["large"] else AA_BODY) or run["backgroundImage"]
    ]
    assert poor == []


def test_every_front_shows_its_prompt_on_the_first_screen(
    measured: tuple[View, list[dict[str, Any]]],
) -> None:
    """Each card front has visible prompt text that starts within the first screen of the view."""
    view, frames = measured
    fronts = [f for f in frames if f["side"] == "front"]
    unseen = [
        f["card"]
        for f in fronts
        if not any(
            run["visible"] and run["inPrompt"] and run["top"] < view.height for run in f["runs"]
        )
    ]
    assert fronts
    assert unseen == []


def test_night_mode_reaches_every_card_the_way_anki_sets_it(
    measured: tuple[View, list[dict[str, Any]]],
) -> None:
    """The night toggle puts Anki's classes (nightMode, night_mode) on every card's body, or none."""
    view, frames = measured
    classes = {frozenset(f["bodyClass"].split()) & {"nightMode", "night_mode"} for f in frames}
    assert classes == {frozenset({"nightMode", "night_mode"} if view.night else set())}


def test_phone_toggle_gives_every_card_a_360px_viewport(
    measured: tuple[View, list[dict[str, Any]]],
) -> None:
    """With phone width on (on a desktop window), each card is laid out in a 360 px viewport."""
    view, frames = measured
    widths = {f["viewportWidth"] for f in frames}
    if view.phone:
        assert widths == {360}
    else:
        assert max(widths) <= view.width


def test_index_page_fits_a_phone(browser: Browser, gallery: Gallery) -> None:
    """The gallery's index lists every card and needs no sideways scrolling at 320 px."""
    view = View(name="index-320", width=320, height=640, night=False, phone=False)
    page = open_gallery_page(browser, (gallery.folder / "index.html").as_uri(), view)
    links = page.locator("ol.pv-list a").count()
    overflow = page.evaluate("document.documentElement.scrollWidth - innerWidth")
    save_screenshot(page, "preview-index-320")
    page.context.close()
    assert (links, overflow) == (len(gallery.cards), 0)


def test_night_mode_turns_a_phone_card_dark(browser: Browser, gallery: Gallery) -> None:
    """A phone-width card is light by day and dark at night by its own CSS (the README's picture)."""
    card = next(
        c for c in gallery.cards if c.role is Role.KEY_FACT and "Bordin" in c.answer and c.ord == 1
    )
    frames = "".join(
        '<iframe style="width:362px;height:730px;border:1px solid #8a8f96;border-radius:18px" '
        f'srcdoc="{html.escape(frame_document(card.answer, card.ord, night=night))}"></iframe>'
        for night in (False, True)
    )
    context = browser.new_context(viewport={"width": 804, "height": 770})
    page = context.new_page()
    page.set_content(
        '<body style="margin:0;padding:18px;background:#d5d9de;display:flex;gap:36px">'
        f"{frames}</body>"
    )
    page.wait_for_load_state("load")
    backgrounds = page.evaluate(
        "Array.from(document.querySelectorAll('iframe')).map(f => "
        "f.contentWindow.getComputedStyle(f.contentDocument.body).backgroundColor)"
    )
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "learner-view.png"))
    context.close()
    assert backgrounds == ["rgb(251, 250, 247)", "rgb(27, 28, 31)"]


# ---------------------------------------------------------------- pathdeck serve

SHOWN_WITHIN_MS = 2000  # the promise: an edit is on the open page within 2 s


def test_edits_errors_and_fixes_reach_the_open_page(browser: Browser, served: Server) -> None:
    """Edit a concept: the page shows it within 2 s; break its YAML: the error and where it is;
    fix it: the cards return."""
    page = browser.new_page()
    try:
        page.goto(served.url)
        page.wait_for_selector("text=Alliance Foundations")
        edit(served.live, "title: Alliance Foundations", "title: Alliance Foundations Revisited")
        started = time.monotonic()
        page.wait_for_selector("text=Alliance Foundations Revisited", timeout=SHOWN_WITHIN_MS)
        assert time.monotonic() - started < SHOWN_WITHIN_MS / 1000

        edit(served.live, "\nposition: 1", "\n position: 1")  # an indentation mistake
        page.wait_for_selector(".pv-problems", timeout=SHOWN_WITHIN_MS)
        problems = page.inner_text(".pv-problems")
        assert "e6-1-alliance-foundations.yaml:" in problems
        assert "error[yaml-syntax]" in problems

        edit(served.live, "\n position: 1", "\nposition: 1")
        page.wait_for_selector(".pv-list li", timeout=SHOWN_WITHIN_MS)
        assert "Alliance Foundations Revisited" in page.inner_text("main")
    finally:
        page.context.close()
