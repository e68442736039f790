"""Reading one page: a plain-text concept page (the educators' export format) becomes a Concept.

A page reads, top to bottom (only the first four parts are required; the rest may be missing):

    Stage 6: The Therapeutic Alliance         the stage line
    Concept 1 of 8                            position and the stage's planned size
    E6.1                                      the concept id
    Alliance Foundations                      the title
    <tagline paragraph>
    Encounter card
    Setting / Opening move / Documentation    a label line, the text on the next line(s)
    Sample language                           one phrase per bullet, surrounding quotes removed
    Listen for / Common pitfalls              one item per sentence (or per bullet)
    Red flags / escalate: sign — meaning      more flags as bullets below it
    Real-world reality: <text>
    <key point paragraph>                     see "key point" below
    <illustration description>                kept in `illustrations`, never on cards
    <body paragraphs, margin captions>
    The anchor / Prove it                     a label line, the text in the next paragraph
    This connects to                          one concept id per line
    Locked concepts unlock... / Back          navigation, dropped

Labelled parts may come in any order. The key point has no label in the export: it is the
paragraph between the encounter card and the illustration that follows it. A page without that
illustration may label it `Key point: ...`; otherwise every free paragraph is body (and the page
gets a `page-key-point-unmarked` warning, so nobody mistakes a body paragraph for a key point).
Text is kept exactly as written: lines of one paragraph are joined with a space, nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass

from pathdeck import problems as codes
from pathdeck.characters import NOT_ON_A_PAGE
from pathdeck.curriculum import Concept, Pitfall, ProveIt
from pathdeck.pages.lines import excerpt
from pathdeck.pages.reader import Header, PageReader
from pathdeck.pages.tokens import Line
from pathdeck.problems import ContentError, Location, Problem
from pathdeck.source import MAX_FILE_BYTES, decode, positions

MAX_PAGE_BYTES = MAX_FILE_BYTES
"""A page is a source file like any other: the same limit, with a message about pages."""


@dataclass(frozen=True, slots=True, kw_only=True)
class ParsedPage:
    """One page, read: the stage it belongs to, its concept, and warnings about what it lacks."""

    path: str
    stage_number: int
    stage_title: str
    concept_count: int
    concept: Concept
    stage_line: Location
    warnings: tuple[Problem, ...] = ()
    concept_line: Location | None = None  # the 'Concept K of M' line, where the position is


def decode_page(path: str, data: bytes) -> str:
    """A page's bytes as text; raises ContentError when they are not a UTF-8 page."""
    if len(data) > MAX_PAGE_BYTES:
        raise ContentError.at(
            path,
            codes.PAGE_TOO_LARGE,
            f"the page is {len(data)} bytes; a page may be at most {MAX_PAGE_BYTES} bytes",
        )
    text, problems = decode(path, data, code=codes.PAGE_NOT_UTF8, what="page")
    if text is None:
        raise ContentError(problems)
    return text


def _page_text(text: str, path: str) -> str:
    """The page with LF line endings; raises ContentError when it is empty or not text."""
    # Windows (CRLF) and old Mac (CR) line endings are line endings, not control characters
    text = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        raise ContentError.at(path, codes.PAGE_EMPTY, "the page is empty")
    control = NOT_ON_A_PAGE.search(text)
    if control:
        raise ContentError.at(
            positions.position(path, text, control.start()),
            codes.PAGE_CONTROL_CHARACTER,
            f"the page holds the control character U+{ord(control.group()):04X}; "
            "is it a text page?",
        )
    return text


def _check_numbers(reader: PageReader, found: Header) -> None:
    """Report a stage, position or id that the header's other lines contradict."""
    stage_line, stage = found["stage"]
    concept_line, concept = found["concept"]
    id_line, id_match = found["id"]
    stage_number, position, count = (
        int(stage.group(1)),
        int(concept.group(1)),
        int(concept.group(2)),
    )
    if stage_number < 1:
        reader.error(
            reader.at(stage_line), codes.PAGE_MISSING_STAGE_LINE, "stages are numbered from 1"
        )
    if not 1 <= position <= count:
        reader.error(
            reader.at(concept_line),
            codes.PAGE_BAD_CONCEPT_LINE,
            f"'Concept {position} of {count}': the position must be between 1 and {count}",
        )
    if int(id_match.group(1)) != stage_number:
        reader.error(
            reader.at(id_line),
            codes.PAGE_ID_STAGE_MISMATCH,
            f"concept id '{id_match.group()}' belongs to stage {int(id_match.group(1))}, "
            f"but the page is in stage {stage_number}",
        )


def _check_tagline(reader: PageReader) -> None:
    """Report a second paragraph between the title and the first label: only one is the tagline."""
    if len(reader.header_paras) > 1:
        extra = reader.header_paras[1].lines[0]
        reader.error(
            reader.at(extra.number, extra.column),
            codes.PAGE_UNEXPECTED_TEXT,
            "expected 'Encounter card' or a labelled part after the tagline, found another "
            f"paragraph: '{excerpt(extra.text)}'",
        )


def _concept(reader: PageReader, found: Header, title: Line) -> Concept:
    """The page's concept from its read parts; raises ContentError with every error found."""
    key_point, body = reader.key_point_and_body()
    listen_for = reader.sentences("listen_for")
    pitfalls = reader.sentences("pitfalls")
    red_flags = reader.flags()
    if reader.errors:
        raise ContentError(reader.errors)
    scenario = reader.text("prove_it")
    tagline = reader.header_paras[0] if reader.header_paras else None
    return Concept(
        id=found["id"][1].group(),
        title=title.text,
        position=int(found["concept"][1].group(1)),
        stage_number=int(found["stage"][1].group(1)),
        tagline=" ".join(line.text for line in tagline.lines) if tagline else None,
        setting=reader.text("setting"),
        opening_move=reader.text("opening_move"),
        sample_language=reader.phrases(),
        listen_for=tuple(item for _, item in listen_for),
        pitfalls=tuple(Pitfall(text=item, location=where) for where, item in pitfalls),
        red_flags=red_flags,
        documentation=reader.text("documentation"),
        real_world=reader.text("real_world"),
        key_point=key_point,
        body=tuple(body),
        anchor=reader.text("anchor"),
        prove_it=ProveIt(scenario=scenario) if scenario else None,
        connects_to=tuple(reader.connections),
        illustrations=tuple(reader.illustrations),
        source=reader.path,
        location=reader.at(title.number, title.column),
    )


def parse_page(text: str, path: str) -> ParsedPage:
    """Read one page; raise ContentError naming the page, line and what was expected."""
    reader = PageReader(_page_text(text, path), path)
    header = reader.header()
    if header is None:
        raise ContentError(reader.errors)
    found, title, body_start = header
    _check_numbers(reader, found)
    reader.read(reader.tokens(body_start))
    _check_tagline(reader)
    concept = _concept(reader, found, title)
    stage_line, stage = found["stage"]
    concept_line, counted = found["concept"]
    return ParsedPage(
        path=path,
        stage_number=concept.stage_number,
        stage_title=stage.group(2).strip(),
        concept_count=int(counted.group(2)),
        concept=concept,
        stage_line=reader.at(stage_line),
        warnings=tuple(reader.warnings),
        concept_line=reader.at(concept_line),
    )
