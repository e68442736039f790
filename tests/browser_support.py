"""Browser fixtures: the preview gallery built once, and Debian's Chromium driven by Playwright."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from pathdeck.curriculum import Course
from pathdeck.tools.preview import CardView, render_source, write_gallery

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

REPO = Path(__file__).resolve().parent.parent
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
CHROMIUM = Path("/usr/bin/chromium")
# Playwright cannot download its own browser here; Debian's chromium runs headless like this.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
INSTALL_HINT = (
    "`make test` installs both (apt-get install chromium; pip install -e '.[browser]'); "
    "browser tests never skip"
)


@dataclass(frozen=True, slots=True, kw_only=True)
class View:
    """How a learner or educator looks at the gallery: window size, night mode, phone frames."""

    name: str
    width: int
    height: int
    night: bool
    phone: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class Gallery:
    """A preview of the real curriculum, written once per test session."""

    folder: Path
    course: Course
    cards: tuple[CardView, ...]

    @property
    def concept_pages(self) -> list[Path]:
        """Every concept page of the gallery."""
        return sorted((self.folder / "cards").glob("*.html"))


@pytest.fixture(scope="session")
def gallery(tmp_path_factory: pytest.TempPathFactory) -> Gallery:
    """`pathdeck preview` of a copy of decks/, rendered by the official Anki library."""
    scratch = tmp_path_factory.mktemp("preview")
    source = scratch / "decks"
    shutil.copytree(REPO / "decks", source)
    course, _, cards = render_source(source)
    from anki.buildinfo import version

    write_gallery(scratch / "site", course, cards, str(version))
    return Gallery(folder=scratch / "site", course=course, cards=tuple(cards))


_RUNNING: list[Browser] = []
"""The browser already launched: each test module importing the fixture gets its own copy of
it, and Playwright's sync API allows one running instance per process."""


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """Headless Debian Chromium; a missing browser or Playwright fails the test, never skips it."""
    if _RUNNING:
        yield _RUNNING[0]
        return
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail(f"Playwright for Python is not installed: {INSTALL_HINT}", pytrace=False)
    if not CHROMIUM.exists():
        pytest.fail(f"Chromium is not installed at {CHROMIUM}: {INSTALL_HINT}", pytrace=False)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        _RUNNING.append(chromium)
        yield chromium
        _RUNNING.clear()
        chromium.close()


def open_gallery_page(browser: Browser, url: str, view: View) -> Page:
    """A page of the gallery in a fresh context, with the view's toggles set and frames fitted."""
    context = browser.new_context(viewport={"width": view.width, "height": view.height})
    page = context.new_page()
    page.goto(url)
    page.wait_for_load_state("load")
    if view.night:
        page.check("#pv-night")
    if view.phone:
        page.check("#pv-phone")
    expected = f"{'night' if view.night else 'day'},{'phone' if view.phone else 'wide'}"
    page.wait_for_function(
        f"document.documentElement.getAttribute('data-pv-state') === '{expected}'"
    )
    return page


# One evaluation per page: everything the tests assert, measured inside every card frame.
# Text runs are text nodes as laid out; contrast composites every background up to the canvas.
MEASURE_FRAMES = """
() => {
  const parse = (s) => {
    const m = s.match(/rgba?\\(([^)]+)\\)/);
    if (!m) return null;
    const p = m[1].split(/[ ,\\/]+/).filter(Boolean).map(Number);
    return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1];
  };
  const over = (top, under) => {
    const a = top[3];
    return [0, 1, 2].map((i) => top[i] * a + under[i] * (1 - a)).concat([1]);
  };
  const lum = (c) => {
    const ch = c.slice(0, 3).map((v) => {
      v /= 255;
      return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4);
    });
    return 0.2126 * ch[0] + 0.7152 * ch[1] + 0.0722 * ch[2];
  };
  const ratio = (a, b) => {
    const [hi, lo] = [lum(a), lum(b)].sort((x, y) => y - x);
    return (hi + 0.05) / (lo + 0.05);
  };
  const background = (win, el) => {
    const layers = [];
    let images = false;
    for (let node = el; node; node = node.parentElement) {
      const style = win.getComputedStyle(node);
      if (style.backgroundImage !== "none") images = true;
      const c = parse(style.backgroundColor);
      if (c && c[3] > 0) layers.push(c);
      if (c && c[3] >= 1) break;
    }
    let color = [255, 255, 255, 1];  // the canvas under everything
    for (const layer of layers.reverse()) color = over(layer, color);
    return { color, images };
  };
  const measure = (frame) => {
    const win = frame.contentWindow;
    const doc = frame.contentDocument;
    const root = doc.documentElement;
    const runs = [];
    const walker = doc.createTreeWalker(doc.body, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const text = node.textContent.replace(/\\s+/g, " ").trim();
      const el = node.parentElement;
      if (!text || el.closest("style, script")) continue;
      const style = win.getComputedStyle(el);
      const range = doc.createRange();
      range.selectNodeContents(node);
      const rects = Array.from(range.getClientRects()).filter((r) => r.width > 0 && r.height > 0);
      let opacity = 1;
      for (let up = el; up; up = up.parentElement) opacity *= Number(win.getComputedStyle(up).opacity);
      const fg = parse(style.color);
      const bg = background(win, el);
      const size = parseFloat(style.fontSize);
      const bold = Number(style.fontWeight) >= 700;
      const clips = [];
      for (const rect of rects) {
        if (rect.left < -0.5 || rect.right > root.clientWidth + 0.5) clips.push("outside the card");
        for (let up = el; up && up !== doc.body; up = up.parentElement) {
          const s = win.getComputedStyle(up);
          if (s.overflowX === "visible" && s.overflowY === "visible") continue;
          const box = up.getBoundingClientRect();
          if (rect.left < box.left - 0.5 || rect.right > box.right + 0.5 ||
              rect.top < box.top - 0.5 || rect.bottom > box.bottom + 0.5) {
            clips.push("clipped by ." + (up.className || up.tagName));
          }
        }
      }
      runs.push({
        text: text.slice(0, 60),
        className: el.className || el.tagName.toLowerCase(),
        inPrompt: el.closest(".pd-prompt") !== null,
        visible: rects.length > 0 && style.visibility === "visible" && opacity > 0 &&
          fg !== null && fg[3] > 0,
        top: rects.length ? Math.min(...rects.map((r) => r.top)) : null,
        ratio: fg ? ratio(over(fg, bg.color), bg.color) : 0,
        large: size >= 24 || (size >= 18.66 && bold),
        backgroundImage: bg.images,
        clips,
      });
    }
    return {
      card: frame.closest(".pv-card").id,
      side: frame.dataset.side,
      viewportWidth: win.innerWidth,
      scrollWidth: root.scrollWidth,
      clientWidth: root.clientWidth,
      contentHeight: root.scrollHeight,
      frameHeight: frame.clientHeight,
      bodyClass: doc.body.className,
      runs,
    };
  };
  return Array.from(document.querySelectorAll("iframe.pv-frame")).map(measure);
}
"""


def measure_frames(page: Page) -> list[dict[str, Any]]:
    """Layout, text runs and contrast of every card side on the page."""
    result: list[dict[str, Any]] = page.evaluate(MEASURE_FRAMES)
    return result


def save_screenshot(page: Page, name: str) -> Path:
    """A full-page screenshot in tests/artifacts/ (gitignored), for a human to look at."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
