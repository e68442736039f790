"""Preview stage: every card rendered by the official Anki library into a static HTML gallery."""

from __future__ import annotations

import html
import re
import shutil
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from html.parser import HTMLParser
from importlib import resources
from pathlib import Path
from string import Template
from typing import Any

from pathdeck import problems as codes
from pathdeck.curriculum import Concept, Course, Stage
from pathdeck.output import write_text_atomically
from pathdeck.pages.naming import slug
from pathdeck.pipeline import build, plan
from pathdeck.problems import ContentError, Problem
from pathdeck.roles import Role

INSTALL_HINT = "pip install 'pathdeck[preview]'"
MARKER = ".pathdeck-preview"
"""A file in every gallery folder: only such a folder is ever cleaned of stale pages."""
CARDS_FOLDER = "cards"
RETIRED_PAGE = "retired"
_TAG = "pathdeck::"
_EXCERPT_WORDS = 32


class AnkiNotInstalledError(RuntimeError):
    """The optional `anki` package is not installed, so cards cannot be rendered."""


@dataclass(frozen=True, slots=True, kw_only=True)
class CardView:
    """One card as Anki renders it: where it belongs, which template, and both sides."""

    concept_id: str
    role: Role
    template: str
    ord: int
    question: str
    answer: str
    retired: bool
    guid: str = ""  # of its note: the live preview re-renders only notes that changed

    @property
    def excerpt(self) -> str:
        """The card's prompt as plain text, shortened for the index."""
        words = prompt_text(self.question).split()
        text = " ".join(words[:_EXCERPT_WORDS])
        return text + (" …" if len(words) > _EXCERPT_WORDS else "")


@dataclass(frozen=True, slots=True, kw_only=True)
class PreviewReport:
    """What a preview wrote: the index page, how many cards, which Anki rendered them."""

    index: Path
    cards: int
    concepts: int
    anki_version: str
    warnings: tuple[Problem, ...]

    def to_json(self) -> dict[str, object]:
        """What `--json` reports besides the problems."""
        return {
            "index": str(self.index),
            "cards": self.cards,
            "concepts": self.concepts,
            "anki_version": self.anki_version,
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class Page:
    """One gallery page about to be written: its path in the folder and the cards it shows."""

    path: str
    title: str
    stage: Stage | None
    concept: Concept | None
    cards: tuple[CardView, ...]


# ------------------------------------------------------------------------------ rendering by Anki


def anki_version() -> str:
    """The installed Anki library's version; AnkiNotInstalledError when it is not installed."""
    try:
        from anki.buildinfo import version
    except ImportError:
        raise AnkiNotInstalledError(
            "pathdeck preview renders cards with the official Anki library, which is not "
            f"installed. Install it with: {INSTALL_HINT}"
        ) from None
    return str(version)


def _tag_value(tags: Iterable[str], kind: str) -> str | None:
    prefix = f"{_TAG}{kind}::"
    return next((t[len(prefix) :] for t in tags if t.startswith(prefix)), None)


def _concept_tag(tags: Iterable[str]) -> str:
    """The `pathdeck::<concept id>` tag: the one pathdeck tag with no kind in it."""
    return next(t[len(_TAG) :] for t in tags if t.startswith(_TAG) and "::" not in t[len(_TAG) :])


def _card_view(card: Any) -> CardView:
    note = card.note()
    role = _tag_value(note.tags, "role")
    if role is None:
        raise ValueError(f"note {note.guid} has no pathdeck role tag")
    return CardView(
        concept_id=_concept_tag(note.tags),
        role=Role(role),
        template=str(card.template()["name"]),
        ord=int(card.ord),
        question=str(card.question()),
        answer=str(card.answer()),
        retired=f"{_TAG}retired" in note.tags,
        guid=str(note.guid),
    )


def render_package(apkg: Path) -> list[CardView]:
    """Import an .apkg into a scratch Anki collection and render every card, in new-card order."""
    anki_version()
    from anki.collection import Collection, ImportAnkiPackageOptions, ImportAnkiPackageRequest

    with tempfile.TemporaryDirectory(prefix="pathdeck-preview-") as scratch:
        col = Collection(str(Path(scratch) / "preview.anki2"))
        try:
            request = ImportAnkiPackageRequest(
                package_path=str(apkg), options=ImportAnkiPackageOptions()
            )
            col.import_anki_package(request)
            cards = sorted(
                (col.get_card(card_id) for card_id in col.find_cards("")),
                key=lambda card: (card.due, card.ord),
            )
            return [_card_view(card) for card in cards]
        finally:
            col.close()


def render_source(source: Path) -> tuple[Course, tuple[Problem, ...], list[CardView]]:
    """Validate SOURCE, build it from a scratch copy (its ledger is never touched), render it."""
    anki_version()
    checked, resolution = plan(source)  # read-only: problems point at the real files
    with tempfile.TemporaryDirectory(prefix="pathdeck-preview-") as scratch:
        copy = Path(scratch) / "source"
        shutil.copytree(source, copy)
        apkg = Path(scratch) / "preview.apkg"
        build(copy, apkg)
        cards = render_package(apkg)
    return checked.course, checked.warnings + resolution.warnings, cards


# ---------------------------------------------------------------------------------- the gallery


class _PromptText(HTMLParser):
    """Collects the text inside `pd-prompt` and `pd-hint` elements of a rendered card side."""

    WANTED = frozenset({"pd-prompt", "pd-hint"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.depth = 0
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _VOID:
            return
        if self.depth:
            self.depth += 1
        elif self.WANTED & set((dict(attrs).get("class") or "").split()):
            self.depth = 1
            self.parts.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if self.depth and tag not in _VOID:
            self.depth -= 1

    def handle_data(self, data: str) -> None:
        if self.depth:
            self.parts.append(data)


_VOID = frozenset({"br", "hr", "img", "input", "meta", "link", "wbr"})


def prompt_text(side: str) -> str:
    """The plain text of a card side's prompt and hint, or of the whole side without them."""
    parser = _PromptText()
    parser.feed(side)
    parser.close()
    text = " ".join("".join(parser.parts).split())
    if text:
        return text
    without_style = re.sub(r"<style>.*?</style>", " ", side, flags=re.DOTALL)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", without_style)).split())


@cache
def _asset(name: str) -> str:
    return (resources.files("pathdeck.tools") / "preview_assets" / name).read_text(encoding="utf-8")


def frame_document(side: str, ord_: int, *, night: bool = False) -> str:
    """A card side as a whole HTML document, wrapped the way Anki's reviewer wraps it."""
    body_class = f"card card{ord_ + 1}" + (" nightMode night_mode" if night else "")
    return Template(_asset("frame.html")).substitute(
        client_css=_asset("client.css"), body_class=body_class, card=side
    )


def _page(*, title: str, heading: str, crumbs: str, meta: str, body: str) -> str:
    return Template(_asset("page.html")).substitute(
        title=html.escape(title),
        heading=heading,
        crumbs=crumbs,
        meta=meta,
        body=body,
        css=_asset("preview.css"),
        script=_asset("preview.js"),
    )


def _card_title(number: int, card: CardView) -> str:
    badge = ' <span class="pv-badge">retired · suspended</span>' if card.retired else ""
    return (
        f'<span class="pv-num">{number}</span><span class="pv-kind">{html.escape(card.role.words)}'
        f"</span> · {html.escape(card.template)}{badge}"
    )


def _card_section(number: int, card: CardView) -> str:
    sides = []
    for side, content in (("Front", card.question), ("Back", card.answer)):
        document = html.escape(frame_document(content, card.ord), quote=True)
        sides.append(
            f'<figure class="pv-side"><figcaption>{side}</figcaption>'
            f'<iframe class="pv-frame" data-side="{side.lower()}" title="Card {number}, '
            f'{side.lower()}" srcdoc="{document}"></iframe></figure>'
        )
    return (
        f'<section class="pv-card" id="card-{number}" data-role="{card.role.value}">'
        f"<h2>{_card_title(number, card)}</h2>"
        f'<div class="pv-sides">{"".join(sides)}</div></section>'
    )


def _pages(course: Course, cards: list[CardView]) -> list[Page]:
    by_concept: dict[str, list[CardView]] = {}
    for card in cards:
        by_concept.setdefault(card.concept_id, []).append(card)
    pages = []
    for stage, concept in course.concepts():
        pages.append(
            Page(
                path=f"{CARDS_FOLDER}/{slug(concept.id)}.html",
                title=concept.label,
                stage=stage,
                concept=concept,
                cards=tuple(by_concept.pop(concept.id, ())),
            )
        )
    leftover = tuple(card for group in by_concept.values() for card in group)
    if leftover:  # notes of concepts that left the curriculum
        pages.append(
            Page(
                path=f"{CARDS_FOLDER}/{RETIRED_PAGE}.html",
                title="Retired concepts",
                stage=None,
                concept=None,
                cards=leftover,
            )
        )
    return pages


def _concept_page(course: Course, page: Page, pages: list[Page], anki: str) -> str:
    at = pages.index(page)
    stage = html.escape(page.stage.label) if page.stage else "Retired"
    crumbs = f'<a href="../index.html">{html.escape(course.title)}</a> › {stage}'
    sections = [_card_section(number, card) for number, card in enumerate(page.cards, start=1)]
    if not sections:
        sections.append("<p>This concept has no cards yet.</p>")
    pager = ['<nav class="pv-pager" aria-label="Concepts">']
    for step, label in ((-1, "← "), (1, "")):
        if 0 <= at + step < len(pages):
            other = pages[at + step]
            name = html.escape(other.title)
            text = f"{label}{name}" if step < 0 else f"{name} →"
            pager.append(f'<a href="../{other.path}">{text}</a>')
        else:
            pager.append("<span></span>")
    pager.append("</nav>")
    return _page(
        title=f"{page.title} · pathdeck preview",
        heading=html.escape(page.title),
        crumbs=crumbs,
        meta=f"{len(page.cards)} card(s), front and back, rendered by Anki {html.escape(anki)}",
        body="\n".join(sections) + "".join(pager),
    )


def _index_page(course: Course, pages: list[Page], anki: str) -> str:
    parts: list[str] = []
    stage: Stage | None = None
    for page in pages:
        if page.stage is not stage or page.stage is None:
            if parts:
                parts.append("</section>")
            stage = page.stage
            heading = html.escape(stage.label) if stage else "Retired"
            parts.append(f'<section class="pv-stage"><h2>{heading}</h2>')
        items = "".join(
            f'<li><a href="{page.path}#card-{number}"><span class="pv-kind">'
            f"{html.escape(card.role.words)}</span></a> · {html.escape(card.template)}"
            + (' <span class="pv-badge">retired</span>' if card.retired else "")
            + f"<br>{html.escape(card.excerpt)}</li>"
            for number, card in enumerate(page.cards, start=1)
        )
        parts.append(
            f'<div class="pv-concept"><h3><a href="{page.path}">{html.escape(page.title)}</a> '
            f'<span class="pv-count">{len(page.cards)} card(s)</span></h3>'
            f'<ol class="pv-list">{items}</ol></div>'
        )
    if parts:
        parts.append("</section>")
    total = sum(len(page.cards) for page in pages)
    return _page(
        title=f"{course.title} · pathdeck preview",
        heading=html.escape(course.title),
        crumbs="pathdeck preview",
        meta=f"{total} card(s) in {len(pages)} concept page(s), rendered by Anki "
        f"{html.escape(anki)}. Open a concept to see each card's front and back.",
        body="\n".join(parts),
    )


def _unsafe_output(output: Path) -> ContentError:
    return ContentError.at(
        str(output),
        codes.PREVIEW_OUTPUT_NOT_EMPTY,
        f"{output} is a non-empty folder that is not a pathdeck preview; choose an empty or new "
        "folder (a preview folder is rewritten, stale pages removed)",
    )


def _files(course: Course, cards: list[CardView], anki: str) -> Iterator[tuple[str, str]]:
    pages = _pages(course, cards)
    yield "index.html", _index_page(course, pages, anki)
    for page in pages:
        yield page.path, _concept_page(course, page, pages, anki)


def write_gallery(output: Path, course: Course, cards: list[CardView], anki: str) -> Path:
    """Write the gallery into OUTPUT: index.html and one page per concept; stale pages go."""
    if output.exists() and any(output.iterdir()) and not (output / MARKER).exists():
        raise _unsafe_output(output)
    files = dict(_files(course, cards, anki))  # gather, then write
    for relative, text in files.items():
        write_text_atomically(output / relative, text)
    write_text_atomically(output / MARKER, "pathdeck preview: this folder is rewritten by it\n")
    for stale in (output / CARDS_FOLDER).glob("*.html"):
        if f"{CARDS_FOLDER}/{stale.name}" not in files:
            stale.unlink()
    return output / "index.html"


def preview(source: Path, output: Path) -> PreviewReport:
    """Render every card of SOURCE as Anki shows it into OUTPUT/index.html and concept pages."""
    anki = anki_version()
    course, warnings, cards = render_source(source)
    index = write_gallery(output, course, cards, anki)
    return PreviewReport(
        index=index,
        cards=len(cards),
        concepts=len(course.concepts()),
        anki_version=anki,
        warnings=warnings,
    )
