"""Content safety: text reaches cards as text (proven in the real Anki), and the CLI never crashes."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from anki_helpers import fresh_collection, import_default
from cli_support import run_cli
from conftest import FIXTURES, REPO
from pathdeck import pipeline
from pathdeck.cli import REPORT_BUGS
from pathdeck.markup import escape, plain, to_html
from pathdeck.pipeline import build

INJECTION = FIXTURES / "html-injection"
SCENARIOS = sorted(p.name for p in FIXTURES.iterdir() if (p / "expected.txt").is_file())
MARKUP_TAGS = {"b", "i", "br", "ul", "li", "p"}  # what markup.py and cards.py themselves write
# Each payload of the injection fixture, as the learner must read it on some card.
SHOWN_AS_TYPED = (
    "<script>alert('title')</script>",
    "{{c1::setting cloze}} and {{Concept}}",
    "[sound:opening.mp3] and [latex]x^2[/latex]",
    "<script>alert('phrase')</script> What brings you in?",
    "{{c2::phrase cloze}} How are you?",
    "<a href=\"javascript:alert('intent')\">intent</a>",
    '<iframe src="https://example.com/listen"></iframe>',
    "<img src=x onerror=alert('pitfall')> rather than {{c1::listening}}",
    "</div><div onclick=\"alert('prompt')\">prompt",
    "&lt;b&gt;not bold&lt;/b&gt; &amp; {{#Retired}}x{{/Retired}}",
    "<svg onload=alert('sign')>",
    "<style>body { display: none }</style>",
    "[sound:action.mp3]",
    '<object data="evil.swf"></object> {{FrontSide}}',
    "<!-- comment --> {{text:Concept}}",
    "<script>alert('anchor')</script> {{c1::anchor cloze}}",
    "<body onload=alert('scenario')>scenario",
    "[[type:Concept]] {{type:Concept}} <marquee>answer</marquee>",
    "<b onmouseover=alert('stage')>Stage</b> {{Front}}",
)


class _Page(HTMLParser):
    """What an HTML string contains: its tags, their attributes, and the text a reader sees."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.attributes: list[tuple[str, str | None]] = []
        self.text: list[str] = []
        self._in_style = False
        self.feed(html)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attributes.extend(attrs)
        self._in_style = tag == "style"

    def handle_endtag(self, tag: str) -> None:
        self._in_style = False

    def handle_data(self, data: str) -> None:
        if not self._in_style:
            self.text.append(data)

    def handle_comment(self, data: str) -> None:
        self.tags.append("!--")

    @property
    def visible(self) -> str:
        return "".join(self.text)


@dataclass(frozen=True)
class Rendered:
    """One card as the anki library renders it, both sides, with its media (av) tags."""

    role: str
    question: _Page
    answer: _Page
    av_tags: tuple[object, ...]


def template_tags() -> set[str]:
    """Every tag name the shipped card templates use."""
    tags: set[str] = set()
    for template in (REPO / "src" / "pathdeck" / "cards" / "templates").glob("*.html"):
        tags |= set(_Page(template.read_text(encoding="utf-8")).tags)
    return tags | {"style"}


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> Iterator[list[Rendered]]:
    """The injection fixture built, imported into a fresh Anki collection, every card rendered."""
    work = tmp_path_factory.mktemp("injection")
    source = work / "decks"
    shutil.copytree(INJECTION, source)
    apkg = build(source, work / "out" / "injection.apkg").output
    col: Any = fresh_collection(work / "learner")
    try:
        import_default(col, apkg)
        cards = [col.get_card(card_id) for card_id in col.find_cards("")]
        yield [
            Rendered(
                role=next(t for t in card.note().tags if t.startswith("pathdeck::role::")),
                question=_Page(card.question()),
                answer=_Page(card.answer()),
                av_tags=(*card.question_av_tags(), *card.answer_av_tags()),
            )
            for card in cards
        ]
    finally:
        col.close()


def sides(rendered: list[Rendered]) -> Iterator[_Page]:
    """Both sides of every card."""
    for card in rendered:
        yield card.question
        yield card.answer


@pytest.mark.anki
def test_injection_fixture_reaches_every_role(rendered: list[Rendered]) -> None:
    """The injection course yields cards of all six roles, so every field was rendered."""
    roles = {card.role.removeprefix("pathdeck::role::") for card in rendered}
    assert roles == {"sample-language", "pitfall", "red-flag", "prove-it", "anchor", "key-fact"}


@pytest.mark.anki
def test_no_foreign_tag_reaches_a_card(rendered: list[Rendered]) -> None:
    """Rendered cards hold only the templates' own tags and the inline marks: no script, img, svg."""
    allowed = template_tags() | MARKUP_TAGS
    for page in sides(rendered):
        assert set(page.tags) <= allowed


@pytest.mark.anki
def test_no_event_handler_or_link_attribute(rendered: list[Rendered]) -> None:
    """No rendered attribute is an event handler (onerror, onload, ...) or a link (href, src)."""
    for page in sides(rendered):
        names = {name for name, _ in page.attributes}
        assert not {n for n in names if n.startswith("on") or n in {"href", "src", "data"}}


@pytest.mark.anki
def test_no_cloze_is_rendered(rendered: list[Rendered]) -> None:
    """Cloze syntax from content never becomes a cloze: it is shown, braces and all; the only
    clozes are a fact's own blanks, one per card."""
    for card in rendered:
        for page in (card.question, card.answer):
            clozes = [value for _, value in page.attributes if "cloze" in (value or "")]
            assert clozes == [] or (card.role == "pathdeck::role::key-fact" and len(clozes) == 1)
    assert any("{{c1::setting cloze}}" in page.visible for page in sides(rendered))
    assert any("{{c9::inner}}" in page.visible for page in sides(rendered))


@pytest.mark.anki
def test_no_media_tag_reaches_anki(rendered: list[Rendered]) -> None:
    """`[sound:...]` in content is text, not a sound Anki would try to play."""
    assert all(card.av_tags == () for card in rendered)


@pytest.mark.anki
@pytest.mark.parametrize("payload", SHOWN_AS_TYPED)
def test_payload_is_shown_as_typed(rendered: list[Rendered], payload: str) -> None:
    """Each hostile text is read on some card exactly as the educator typed it."""
    assert any(payload in page.visible for page in sides(rendered))


@pytest.mark.anki
def test_inline_marks_are_rendered(rendered: list[Rendered]) -> None:
    """`**bold**` and `*italic*` become <b> and <i>; the stars themselves are not shown."""
    key_point = "bold and italic are the only markup; <u>underline</u> is not"
    pages = [page for page in sides(rendered) if key_point in page.visible]
    assert pages
    assert {"b", "i"} <= set(pages[0].tags)


# ------------------------------------------------------------------------------ markup.py


@pytest.mark.parametrize(
    ("text", "html"),
    [
        ("a < b & c > d", "a &lt; b &amp; c &gt; d"),
        ("{{c1::x}}", "&#123;&#123;c1::x&#125;&#125;"),
        ("[sound:x.mp3]", "&#91;sound:x.mp3&#93;"),
        ("line one\nline two", "line one<br>line two"),
        ('He said "stop"', 'He said "stop"'),
    ],
)
def test_escape(text: str, html: str) -> None:
    """Characters HTML, Anki's templates or its media tags would act on are escaped."""
    assert escape(text) == html


@pytest.mark.parametrize(
    ("text", "html"),
    [
        ("**bold** text", "<b>bold</b> text"),
        ("an *italic* word", "an <i>italic</i> word"),
        ("**<script>**", "<b>&lt;script&gt;</b>"),
        ("2 * 3 * 4", "2 * 3 * 4"),
        ("snake*case*name", "snake*case*name"),
        ("** not bold **", "** not bold **"),
        ("**a *b** c*", "<b>a *b</b> c*"),
    ],
)
def test_inline_markup(text: str, html: str) -> None:
    """Only well-formed `**bold**` and `*italic*` are rendered; other stars stay as typed."""
    assert to_html(text) == html


@given(st.text())
def test_markup_output_holds_only_its_own_tags(text: str) -> None:
    """For any text, the HTML holds no '<', '{' or '[' but those of <b>, <i> and <br>."""
    html = re.sub(r"</?[bi]>|<br>", "", to_html(text))
    assert not set(html) & set("<>{}[]")


@given(st.text())
def test_markup_tags_always_nest(text: str) -> None:
    """For any text, every <b> and <i> opened is closed, in order."""
    stack: list[str] = []
    for closing, tag in re.findall(r"<(/?)([bi])>", to_html(text)):
        if closing:
            assert stack.pop() == tag
        else:
            stack.append(tag)
    assert stack == []


@given(st.text())
def test_markup_loses_nothing_but_stars(text: str) -> None:
    """What a learner reads is the source text with, at most, some '*' removed."""
    assert plain(text).replace("*", "") == text.replace("*", "")


# ------------------------------------------------------------------------------ no tracebacks


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_check_never_shows_a_traceback(scenario: str) -> None:
    """check of every fixture exits 0 or 1 with diagnostics, never with a traceback."""
    code, _, err = run_cli("check", str(FIXTURES / scenario))
    assert code in (0, 1)
    assert "Traceback" not in err


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_build_never_shows_a_traceback(scenario: str, tmp_path: Path) -> None:
    """build of every fixture exits 0, or exits 1 having written nothing; never a traceback."""
    source = tmp_path / "decks"
    shutil.copytree(FIXTURES / scenario, source)
    target = tmp_path / "out" / "deck.apkg"
    code, _, err = run_cli("build", str(source), "-o", str(target))
    assert "Traceback" not in err
    assert (code, target.exists()) in ((0, True), (1, False))


def test_a_genuine_bug_shows_a_traceback_and_asks_for_a_report(
    source: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An unexpected exception is the one case with a traceback, plus a line asking to report it."""

    def broken(_: Path, **__: object) -> None:
        raise RuntimeError("an internal mistake")

    monkeypatch.setattr(pipeline, "check", broken)
    code, _, err = run_cli("check", str(source))
    assert code == 3
    assert "Traceback" in err
    assert err.rstrip().endswith(REPORT_BUGS)


def test_an_os_error_is_a_diagnostic(source: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A permission problem is reported as `path: error[os-error]` with exit 1, no traceback."""

    def denied(_: Path, **__: object) -> None:
        raise PermissionError(13, "Permission denied", "decks/course.yaml")

    monkeypatch.setattr(pipeline, "check", denied)
    code, _, err = run_cli("check", str(source))
    assert code == 1
    assert err.splitlines()[0] == "decks/course.yaml:1:1: error[os-error]: Permission denied"


def test_ctrl_c_exits_130_without_a_traceback(
    source: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An interrupted command says so and exits 130, the shell's code for Ctrl-C."""

    def interrupted(_: Path, **__: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(pipeline, "check", interrupted)
    code, _, err = run_cli("check", str(source))
    assert code == 130
    assert "Traceback" not in err
    assert "interrupted" in err


PAGE = (FIXTURES / "pages" / "stage-06-concept-1-alliance-foundations.txt").read_bytes()
MALFORMED_PAGES = {
    "empty": b"",
    "latin-1": "Stage 6: Caf\xe9".encode("latin-1"),
    "control-character": b"Stage 6: The Alliance\x07\n",
    "no-header": b"Just some notes about alliance.\n",
    "binary": bytes(range(256)),
    "yaml-instead": b"id: E6.1\ntitle: [\n",
    "truncated": PAGE[: len(PAGE) // 3],
    "header-only": b"Stage 6: The Therapeutic Alliance\nConcept 9 of 8\nE7.1\n",
}


@pytest.mark.parametrize("name", sorted(MALFORMED_PAGES))
def test_import_of_a_malformed_page_never_shows_a_traceback(name: str, tmp_path: Path) -> None:
    """pathdeck import of a broken page exits 0 or 1 with diagnostics, never with a traceback."""
    page = tmp_path / f"{name}.txt"
    page.write_bytes(MALFORMED_PAGES[name])
    code, _, err = run_cli("import", str(page), "--into", str(tmp_path / "decks"))
    assert code in (0, 1)
    assert "Traceback" not in err


def test_course_description_is_escaped_on_the_deck_overview(
    source: Path, tmp_path: Path, epoch: int
) -> None:
    """Anki renders a deck's description as HTML, so the course description arrives escaped."""
    course = source / "course.yaml"
    hostile = "<img src=x onerror=alert(1)> Read {{c1::this}}"
    course.write_text(course.read_text(encoding="utf-8") + f"description: '{hostile}'\n")
    col = fresh_collection(tmp_path / "learner")
    import_default(col, build(source, tmp_path / "d.apkg").output)
    description = col.decks.by_name("Clinical Encounters")["desc"]
    col.close()
    assert "<img" not in description
    assert description == to_html(hostile)
