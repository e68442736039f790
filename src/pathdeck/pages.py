"""Import stage: plain-text concept pages (the educators' export format) become concept documents.

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

import difflib
import functools
import json
import re
import unicodedata
from bisect import bisect_right
from dataclasses import dataclass

import yaml
from text_unidecode import unidecode

from pathdeck.curriculum import Concept, Phrase, Pitfall, ProveIt, RedFlag
from pathdeck.ids import CONCEPT_ID_TEXT
from pathdeck.problems import ContentError, Location, Problem, Severity
from pathdeck.sentences import is_abbreviation, sentence_spans
from pathdeck.validate import schema
from pathdeck.validate.jsonschema import STAGE_FOLDER_MODELINE

try:  # libyaml's emitter is ~15x faster, which keeps a 2,000-page import well under a second
    from yaml import CSafeDumper as _FastDumper
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    _FastDumper = None  # type: ignore[assignment,misc]

MAX_PAGE_BYTES = 1024 * 1024
DEFAULT_COURSE_TITLE = "Clinical Encounters"

_STAGE_LINE = re.compile(r"^Stage\s+([0-9]{1,4})\s*(?::|·|\s[—–-]\s)\s*(\S.*)$", re.IGNORECASE)
_CONCEPT_LINE = re.compile(r"^Concept\s+([0-9]{1,4})\s+of\s+([0-9]{1,4})$", re.IGNORECASE)
_ID = CONCEPT_ID_TEXT
_ID_LINE = re.compile(rf"^{_ID}$")
_CONNECTION_LINE = re.compile(rf"^({_ID})(?:\s.*)?$")
# C0/C1 controls (tab excepted), Unicode line/paragraph separators, BOMs and lone surrogates:
# none belongs in curriculum text, and most would not survive a YAML round trip unchanged.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\ufeff\ufffe\uffff\ud800-\udfff]")
_NAVIGATION = re.compile(
    r"^(?:[←→‹›«»<>]\s*)?(?:back|next|previous|continue|back to (?:the )?path)(?:\s*[←→‹›«»<>])?$"
    r"|^locked concepts? unlock\b",
    re.IGNORECASE,
)
# The hero illustration's alt text describes the page ("Warm grey-tinted clinical notebook page,
# soft moss green accent. ..."); margin captions end with a sentence about the margin notes.
_ILLUSTRATION = re.compile(r"^[^.!?]*\bnotebook page\b|^Illustration\s*:", re.IGNORECASE)
_CAPTION = re.compile(
    r"(?:^|[.!?…][\"”’)]*\s+)Margin\s+(?:notes?|clusters?|sketch(?:es)?|annotations?|doodles?"
    r"|callouts?|drawings?|scribbles?)\b[^.!?]*[.!?]?$"
)
# With none of these in any value every scalar is one line, and reindenting by line is safe.
_LINE_BREAKS = ("\\n", "\\r", "\x85", "\u2028", "\u2029")
_BULLET = re.compile(r"^[•◦▪‣∙·*\-–]\s+(.*)$")
_FLAG_DASH = re.compile(r"\s+[—–](?:\s+|$)")
# Typewriter stand-ins for the dash: ' - ', ' -- ' or an unspaced '--'; taken only when the line
# has exactly one, since a second one could as well sit inside the sign.
_FLAG_HYPHENS = re.compile(r"\s+--?(?:\s+|$)|(?<=\S)--(?=\S)")
_UNSPACED_DASH = re.compile(r"\S[—–]\S")
_SIGN_TRAILING = " \t.,;:"
_BYTE_LINE_END = re.compile(rb"\r\n|\r|\n")
_QUOTE_PAIRS = {'"': '"', "“": "”", "‘": "’", "„": "“", "«": "»"}

_CARD = "encounter_card"
_LABELS = {
    "encounter card": _CARD,
    "setting": "setting",
    "opening move": "opening_move",
    "sample language": "sample_language",
    "listen for": "listen_for",
    "common pitfalls": "pitfalls",
    "pitfalls": "pitfalls",
    "red flags / escalate": "red_flags",
    "red flags and escalate": "red_flags",
    "red flags": "red_flags",
    "documentation": "documentation",
    "real-world reality": "real_world",
    "real world reality": "real_world",
    "key point": "key_point",
    "the anchor": "anchor",
    "anchor": "anchor",
    "prove it": "prove_it",
    "this connects to": "connects_to",
    "connects to": "connects_to",
}
_SLASH = re.compile(r"\s*[/&+]\s*")  # "Red flags & escalate" means "Red flags / escalate"
# Characters that show as nothing (zero-width spaces and joiners, soft hyphens, direction marks):
# pasted into a label they would make it unrecognisable while it looks exactly right.
_INVISIBLE = re.compile("[\u00ad\u034f\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064]")
_LABEL_LIKENESS = 0.85
"""How close (difflib's ratio) a short line must come to a label to be taken for a misspelt one:
'Red flag', 'Key points', 'Red flags — escalate' are; 'Documentation tips' is not."""


def _label_key(text: str) -> str:
    """A label as _LABELS spells it: case, invisible characters, runs of spaces and spacing
    around '/' (or '&', '+') ignored."""
    return " ".join(_SLASH.sub(" / ", _INVISIBLE.sub("", text)).split()).casefold()


_LONGEST_LABEL = max(len(label) for label in _LABELS) + 2
_LABELS_BY_INITIAL: dict[str, tuple[str, ...]] = {
    initial: tuple(label for label in _LABELS if label[0] == initial)
    for initial in {label[0] for label in _LABELS}
}
_INLINE_PARTS = frozenset({"red_flags", "real_world", "key_point"})
"""Labels whose text may follow on the same line, after a colon."""
_LABEL_SHOWN = {
    "setting": "Setting",
    "opening_move": "Opening move",
    "sample_language": "Sample language",
    "listen_for": "Listen for",
    "pitfalls": "Common pitfalls",
    "red_flags": "Red flags / escalate",
    "documentation": "Documentation",
    "real_world": "Real-world reality",
    "key_point": "Key point",
    "anchor": "The anchor",
    "prove_it": "Prove it",
    "connects_to": "This connects to",
}

# --- naming -----------------------------------------------------------------------------------


def slug(text: str, *, limit: int = 60) -> str:
    """`text` as lowercase ASCII words joined by '-', any script transliterated (Débrief ->
    debrief, Straße -> strasse, Łódź -> lodz, Клиника -> klinika)."""
    # Dropping what NFKD cannot fold lost letters (Straße -> strae) and whole scripts, so
    # Cyrillic, Greek and CJK titles all became one id; text-unidecode transliterates them.
    folded = unidecode(unicodedata.normalize("NFKC", text))
    words = re.findall(r"[a-z0-9]+", folded.lower())
    result = "-".join(words)
    if len(result) > limit:  # keep file names short; cut at a word boundary when there is one
        cut = result[:limit]
        result = cut.rsplit("-", 1)[0] if "-" in cut else cut
    return result


def stage_folder_name(number: int, title: str) -> str:
    """The folder of a stage, e.g. `stage-06-the-therapeutic-alliance`."""
    title_slug = slug(title)
    return f"stage-{number:02d}-{title_slug}" if title_slug else f"stage-{number:02d}"


def concept_file_name(concept_id: str, title: str) -> str:
    """The file of a concept, e.g. `e6-1-alliance-foundations.yaml`."""
    parts = [p for p in (slug(concept_id), slug(title)) if p]
    return "-".join(parts) + ".yaml"


def course_id(title: str) -> str:
    """The course id made from its title, e.g. `clinical-encounters`; empty when the title has
    no letters or digits to make one from (the importer then asks for --course-id)."""
    return slug(title)


# --- values -----------------------------------------------------------------------------------


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


@dataclass(slots=True)
class _Line:
    number: int
    column: int
    text: str


@dataclass(slots=True)
class _Para:
    lines: list[_Line]
    attached: bool  # directly under a label line, with no blank line between


@dataclass(frozen=True, slots=True)
class _Label:
    part: str
    inline: _Line | None
    line: _Line


@dataclass(frozen=True, slots=True)
class _Illustration:
    line: _Line


@dataclass(frozen=True, slots=True)
class _Blank:
    pass


_BLANK = _Blank()
_Token = _Para | _Label | _Illustration | _Blank


@dataclass(slots=True)
class _Joined:
    """A paragraph's lines joined with single spaces, able to say where an offset came from."""

    text: str
    starts: list[int]
    lines: list[_Line]

    @classmethod
    def of(cls, lines: list[_Line]) -> _Joined:
        starts: list[int] = []
        offset = 0
        for line in lines:
            starts.append(offset)
            offset += len(line.text) + 1
        return cls(" ".join(line.text for line in lines), starts, lines)

    def location(self, path: str, offset: int) -> Location:
        index = max(bisect_right(self.starts, offset) - 1, 0)
        line = self.lines[index]
        return Location(path, line.number, line.column + offset - self.starts[index])


# --- reading a page ---------------------------------------------------------------------------


def decode_page(path: str, data: bytes) -> str:
    """A page's bytes as text; raises ContentError when they are not a UTF-8 page."""
    if len(data) > MAX_PAGE_BYTES:
        raise ContentError(
            [
                Problem(
                    location=Location(path),
                    code="page-too-large",
                    message=f"the page is {len(data)} bytes; a page may be at most "
                    f"{MAX_PAGE_BYTES} bytes",
                )
            ]
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        lines = _BYTE_LINE_END.split(data[: exc.start])  # CR and CRLF pages count alike
        line, column = len(lines), len(lines[-1]) + 1
        raise ContentError(
            [
                Problem(
                    location=Location(path, line, column),
                    code="page-not-utf8",
                    message=f"the page is not UTF-8 text (byte 0x{data[exc.start]:02x}); "
                    "save it as UTF-8",
                )
            ]
        ) from None


def _label_of(text: str) -> str | None:
    """The part a label line introduces (`Sample language` -> sample_language), if it is one."""
    if len(_INVISIBLE.sub("", text)) > _LONGEST_LABEL:
        return None
    return _LABELS.get(_label_key(text.rstrip(":")))


def _inline_label(text: str) -> tuple[str, int] | None:
    """(part, where its text starts) for `Red flags / escalate: text` and the like, else None."""
    colon = text.find(":")
    if colon < 1 or len(_INVISIBLE.sub("", text[:colon])) > _LONGEST_LABEL:
        return None
    part = _LABELS.get(_label_key(text[:colon]))
    start = colon + 1 + len(text[colon + 1 :]) - len(text[colon + 1 :].lstrip())
    if part not in _INLINE_PARTS or start >= len(text):
        return None
    return part, start


@functools.lru_cache(maxsize=4096)  # a course's pages repeat their short lines: compare once
def _misspelt_label(text: str) -> str | None:
    """The label a short line that is none comes close to (`Red flag:`, `Key points`), if any."""
    head = text.split(":", 1)[0] if ":" in text else text
    if len(head) > _LONGEST_LABEL or _BULLET.match(text) or head.endswith((".", "!", "?")):
        return None  # a list item or a sentence, however short, is text
    key = _label_key(head)
    # A misspelt label keeps its first letter ('Commn pitfals'); comparing only with labels
    # of that letter spares most lines the comparison, a tenth of a large import's time.
    candidates = _LABELS_BY_INITIAL.get(key[:1], ())
    close = difflib.get_close_matches(key, candidates, n=1, cutoff=_LABEL_LIKENESS)
    return close[0] if close else None


def _is_illustration(text: str) -> bool:
    # Cheap substring tests first: nearly every line is neither.
    lowered = text.lower()
    if "notebook page" in lowered or lowered.startswith("illustration"):
        return bool(_ILLUSTRATION.search(text) or _CAPTION.search(text))
    return "Margin" in text and bool(_CAPTION.search(text))


_TITLE_WORDS = 12
"""Titles are a few words ('Debriefing After a Critical Incident'); taglines are sentences."""
_SENTENCE_STOP = re.compile(r"[.…][\"”’)\]]*$")  # a title may end in '?' or '&amp;', not '.'


def _not_a_title(text: str) -> str:
    """What a line in the title's place is instead ('the label', 'a sentence'), or ''."""
    if _label_of(text) or _inline_label(text):
        return "the label"
    stop = _SENTENCE_STOP.search(text)
    if stop and text[stop.start()] == "." and is_abbreviation(text, stop.start()):
        stop = None  # 'Capacity vs.' or 'Dosing e.g.' ends in an abbreviation, not a sentence
    if stop or len(text.split()) > _TITLE_WORDS:
        return "a sentence (is the title missing?)"
    return ""


def _shown(text: str) -> str:
    return text if len(text) <= 60 else text[:57] + "..."


class _PageReader:
    """Reads one page: the fixed header by position, then a stream of labelled and free parts."""

    def __init__(self, text: str, path: str) -> None:
        self.path = path
        self.lines = text.split("\n")  # line endings are made LF by parse_page
        self.errors: list[Problem] = []
        self.warnings: list[Problem] = []
        self.parts: dict[str, tuple[_Label, list[_Line]]] = {}
        self.red_flags: list[tuple[_Line, str]] = []
        self.connections: list[str] = []
        self.illustrations: list[str] = []
        self.header_paras: list[_Para] = []
        # After the header: free paragraphs and illustrations in page order (None = illustration).
        self.free: list[_Para | None] = []

    def at(self, line: int, column: int = 1) -> Location:
        return Location(self.path, line, column)

    def error(self, where: Location, code: str, message: str) -> None:
        self.errors.append(Problem(location=where, code=code, message=message))

    def warn(self, where: Location, code: str, message: str) -> None:
        self.warnings.append(
            Problem(location=where, code=code, message=message, severity=Severity.WARNING)
        )

    # header

    def header(self) -> tuple[dict[str, tuple[int, re.Match[str]]], _Line, int] | None:
        """Stage line, concept line and id in any order, then the title; or None after an error."""
        found: dict[str, tuple[int, re.Match[str]]] = {}
        patterns = (("stage", _STAGE_LINE), ("concept", _CONCEPT_LINE), ("id", _ID_LINE))
        for index, raw in enumerate(self.lines):
            text = raw.strip()
            if not text:
                continue
            number = index + 1
            column = len(raw) - len(raw.lstrip()) + 1
            if len(found) == 3:
                not_title = _not_a_title(text)
                if not_title:
                    self.error(
                        self.at(number, column),
                        "page-missing-title",
                        f"expected the concept title after the id, found {not_title} "
                        f"'{_shown(text)}'; put the title on its own line after the id",
                    )
                    return None
                return found, _Line(number, column, text), index + 1
            for name, pattern in patterns:
                match = pattern.match(text)
                if match and name not in found:
                    found[name] = (number, match)
                    break
            else:
                self._header_error(found, self.at(number, column), f"found '{_shown(text)}'")
                return None
        self._header_error(found, self.at(len(self.lines)), "but the page ends here")
        return None

    def _header_error(
        self, found: dict[str, tuple[int, re.Match[str]]], where: Location, found_text: str
    ) -> None:
        if "stage" not in found:
            self.error(
                where,
                "page-missing-stage-line",
                f"expected the stage line 'Stage N: Title' (e.g. 'Stage 6: The Therapeutic "
                f"Alliance'), {found_text}",
            )
        elif "concept" not in found:
            self.error(
                where,
                "page-bad-concept-line",
                f"expected the concept line 'Concept K of M' (e.g. 'Concept 1 of 8'), {found_text}",
            )
        elif "id" not in found:
            self.error(
                where, "page-missing-id", f"expected the concept id (e.g. 'E6.1'), {found_text}"
            )
        else:
            self.error(where, "page-missing-title", f"expected the concept title, {found_text}")

    # body

    def tokens(self, start: int) -> list[_Token]:
        tokens: list[_Token] = []
        para: _Para | None = None
        attached = False
        for index in range(start, len(self.lines)):
            raw = self.lines[index]
            text = raw.strip()
            if not text or _NAVIGATION.match(text):
                para = None
                attached = False
                if tokens and tokens[-1] is not _BLANK:
                    tokens.append(_BLANK)
                continue
            line = _Line(index + 1, len(raw) - len(raw.lstrip()) + 1, text)
            label = self.label_token(line)
            if label is not None:
                para = None
                attached = True
                tokens.append(label)
                continue
            if not attached and _is_illustration(text):
                para = None
                tokens.append(_Illustration(line))
                continue
            if para is None:
                para = _Para([], attached)
                tokens.append(para)
            para.lines.append(line)
        return tokens

    def label_token(self, line: _Line) -> _Label | None:
        """The label `line` is, with its inline text; None for other lines, with an error for
        one that comes close to a label (its text must not slip into the body unnoticed)."""
        text = line.text
        label = _label_of(text)
        if label is not None:
            return _Label(label, None, line)
        inline = _inline_label(text)
        if inline is not None:
            part, start = inline
            return _Label(part, _Line(line.number, line.column + start, text[start:]), line)
        close = _misspelt_label(text)
        if close is not None:
            shown = _LABEL_SHOWN.get(_LABELS[close], close)
            self.error(
                self.at(line.number, line.column),
                "page-unknown-label",
                f"'{_shown(text)}' looks like the label '{shown}' but is not one; write the "
                f"label as '{shown}' (or reword the line if it is text)",
            )
        return None

    def read(self, tokens: list[_Token]) -> None:
        header_open = True
        index = 0
        while index < len(tokens):
            token = tokens[index]
            index += 1
            if isinstance(token, _Label):
                header_open = False
                index = self.label(token, tokens, index)
            elif isinstance(token, _Illustration):
                self.illustrations.append(token.line.text)
                if not header_open:
                    self.free.append(None)
            elif isinstance(token, _Para):
                (self.header_paras if header_open else self.free).append(token)
        if header_open and len(self.header_paras) > 1:  # no labels at all: all but one are free
            self.free.extend(self.header_paras[1:])
            del self.header_paras[1:]

    def label(self, label: _Label, tokens: list[_Token], index: int) -> int:
        """Take the label's content from the tokens after it; return the next index to read."""
        if label.part == _CARD:
            return index
        if label.part in self.parts and label.part != "red_flags":
            first = self.parts[label.part][0].line.number
            self.error(
                self.at(label.line.number, label.line.column),
                "page-duplicate-part",
                f"'{_LABEL_SHOWN[label.part]}' appears twice (first at line {first})",
            )
        if label.inline is not None:
            lines = [label.inline]
            nxt = tokens[index] if index < len(tokens) else None
            if isinstance(nxt, _Para) and nxt.attached:
                lines.extend(nxt.lines)
                index += 1
            self.store(label, lines)
            return index
        if label.part == "connects_to":
            return self.connects(label, tokens, index)
        content = index
        while content < len(tokens) and isinstance(tokens[content], (_Blank, _Illustration)):
            content += 1
        paragraph = tokens[content] if content < len(tokens) else None
        if not isinstance(paragraph, _Para):
            self.warn(
                self.at(label.line.number, label.line.column),
                "page-empty-part",
                f"'{_LABEL_SHOWN[label.part]}' has no text after it; it is left out",
            )
            return index
        for skipped in tokens[index:content]:
            if isinstance(skipped, _Illustration):
                self.illustrations.append(skipped.line.text)
        self.store(label, paragraph.lines)
        return content + 1

    def connects(self, label: _Label, tokens: list[_Token], index: int) -> int:
        """Concept ids, one per line (a title may follow the id), across blank lines."""
        self.parts[label.part] = (label, [])
        while index < len(tokens):
            token = tokens[index]
            if isinstance(token, _Illustration):
                self.illustrations.append(token.line.text)
            elif isinstance(token, _Para):
                matches = [_CONNECTION_LINE.match(line.text) for line in token.lines]
                if not all(matches):
                    return index
                self.connections.extend(m.group(1) for m in matches if m)
            elif not isinstance(token, _Blank):
                return index
            index += 1
        return index

    def store(self, label: _Label, lines: list[_Line]) -> None:
        if label.part == "red_flags":
            self.parts.setdefault(label.part, (label, []))
            if label.inline is not None:
                self.red_flags.append((lines[0], lines[0].text))
                lines = lines[1:]
            for where, item in self._items(lines, one_per_line=True):
                self.red_flags.append((where, item))
        elif label.part not in self.parts:
            self.parts[label.part] = (label, lines)

    @staticmethod
    def _items(lines: list[_Line], *, one_per_line: bool) -> list[tuple[_Line, str]]:
        """Items of a list part: one per bullet (continuation lines joined), else one per line."""
        if not any(_BULLET.match(line.text) for line in lines):
            return [(line, line.text) for line in lines] if one_per_line else []
        items: list[tuple[_Line, list[str]]] = []
        for line in lines:
            bullet = _BULLET.match(line.text)
            if bullet:
                items.append((line, [bullet.group(1)]))
            elif items:
                items[-1][1].append(line.text)
            else:
                items.append((line, [line.text]))
        return [(where, " ".join(words).strip()) for where, words in items if "".join(words)]

    # assembling

    def text(self, part: str) -> str | None:
        entry = self.parts.get(part)
        return " ".join(line.text for line in entry[1]) if entry and entry[1] else None

    def sentences(self, part: str) -> list[tuple[Location, str]]:
        entry = self.parts.get(part)
        if not entry or not entry[1]:
            return []
        lines = entry[1]
        bulleted = self._items(lines, one_per_line=False)
        if bulleted:
            return [(self.at(w.number, w.column), item) for w, item in bulleted]
        joined = _Joined.of(lines)
        return [
            (joined.location(self.path, start), joined.text[start:end])
            for start, end in sentence_spans(joined.text)
        ]

    def phrases(self) -> tuple[Phrase, ...]:
        entry = self.parts.get("sample_language")
        if not entry:
            return ()
        phrases = []
        for where, item in self._items(entry[1], one_per_line=True):
            text = unquote(item)
            if text:
                phrases.append(Phrase(text=text, location=self.at(where.number, where.column)))
        return tuple(phrases)

    def flags(self) -> tuple[RedFlag, ...]:
        flags = []
        for where, item in self.red_flags:
            try:
                sign, meaning = split_red_flag(item)
            except ValueError as unclear:
                self.error(
                    self.at(where.number, where.column),
                    "page-bad-red-flag",
                    f"cannot tell the sign from its meaning in '{_shown(item)}': {unclear}",
                )
                continue
            if meaning is None and not _has_flag_dash(item):
                self.warn(
                    self.at(where.number, where.column),
                    "page-red-flag-without-meaning",
                    f"no dash in '{_shown(item)}', so all of it is the sign, on the card's "
                    "front; if part of it is the meaning, write 'sign — meaning', and if it "
                    "has none, end it with ' —'",
                )
            if not sign:
                self.error(
                    self.at(where.number, where.column),
                    "page-bad-red-flag",
                    f"expected a red flag as 'sign — meaning', found '{_shown(item)}'",
                )
                continue
            flags.append(
                RedFlag(sign=sign, meaning=meaning, location=self.at(where.number, where.column))
            )
        return tuple(flags)

    def key_point_and_body(self) -> tuple[str | None, list[str]]:
        paragraphs = [p for p in self.free if p is not None]
        body = [" ".join(line.text for line in p.lines) for p in paragraphs]
        if "key_point" in self.parts:
            return self.text("key_point"), body
        if len(self.free) >= 2 and self.free[0] is not None and self.free[1] is None:
            return body[0], body[1:]
        if self.free and self.free[0] is not None:
            first = paragraphs[0].lines[0]
            self.warn(
                self.at(first.number, first.column),
                "page-key-point-unmarked",
                "no key point found (it is the paragraph just before the illustration, or a line "
                f"starting 'Key point:'); all {len(body)} paragraph(s) after the encounter card "
                "were read as body",
            )
        return None, body


def unquote(text: str) -> str:
    """`text` without one pair of surrounding quotes (straight or curly), if it has them."""
    if len(text) >= 2 and _QUOTE_PAIRS.get(text[0]) == text[-1]:
        return text[1:-1].strip()
    return text


def split_red_flag(text: str) -> tuple[str, str | None]:
    """A red flag line as (sign, meaning): split at the first spaced dash (or the one ' - ' or
    '--'), the sign's trailing punctuation dropped; `sign —`, or no dash, has no meaning.

    Raises ValueError saying why when a dash is there but the split is not certain: guessing
    would put the meaning on the card's front, where it gives the answer away.
    """
    dash = _FLAG_DASH.search(text)
    if dash is None:
        hyphens = list(_FLAG_HYPHENS.finditer(text))
        if len(hyphens) > 1:
            raise ValueError(
                "it has several ' - ' or '--', so where the sign ends is unclear; separate "
                "the sign from its meaning with one spaced dash: 'sign — meaning'"
            )
        dash = hyphens[0] if hyphens else None
    if dash is None:
        if _UNSPACED_DASH.search(text):
            raise ValueError(
                "its dash has no spaces around it, so it may as well sit inside the sign; "
                "put spaces around the dash that ends the sign: 'sign — meaning'"
            )
        return text.rstrip(_SIGN_TRAILING), None
    meaning = text[dash.end() :].strip()
    return text[: dash.start()].rstrip(_SIGN_TRAILING), meaning or None


def _has_flag_dash(text: str) -> bool:
    return bool(_FLAG_DASH.search(text) or _FLAG_HYPHENS.search(text))


def parse_page(text: str, path: str) -> ParsedPage:
    """Read one page; raise ContentError naming the page, line and what was expected."""
    # Windows (CRLF) and old Mac (CR) line endings are line endings, not control characters
    text = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        raise ContentError(
            [Problem(location=Location(path), code="page-empty", message="the page is empty")]
        )
    control = _CONTROL.search(text)
    if control:
        line = text.count("\n", 0, control.start()) + 1
        column = control.start() - (text.rfind("\n", 0, control.start()) + 1) + 1
        raise ContentError(
            [
                Problem(
                    location=Location(path, line, column),
                    code="page-control-character",
                    message=f"the page holds the control character U+{ord(control.group()):04X}; "
                    "is it a text page?",
                )
            ]
        )
    reader = _PageReader(text, path)
    header = reader.header()
    if header is None:
        raise ContentError(reader.errors)
    found, title, body_start = header
    stage_line, stage = found["stage"]
    concept_line, concept = found["concept"]
    id_line, id_match = found["id"]
    stage_number, position, count = (
        int(stage.group(1)),
        int(concept.group(1)),
        int(concept.group(2)),
    )
    if stage_number < 1:
        reader.error(reader.at(stage_line), "page-missing-stage-line", "stages are numbered from 1")
    if not 1 <= position <= count:
        reader.error(
            reader.at(concept_line),
            "page-bad-concept-line",
            f"'Concept {position} of {count}': the position must be between 1 and {count}",
        )
    if int(id_match.group(1)) != stage_number:
        reader.error(
            reader.at(id_line),
            "page-id-stage-mismatch",
            f"concept id '{id_match.group()}' belongs to stage {int(id_match.group(1))}, "
            f"but the page is in stage {stage_number}",
        )
    reader.read(reader.tokens(body_start))
    if len(reader.header_paras) > 1:
        extra = reader.header_paras[1].lines[0]
        reader.error(
            reader.at(extra.number, extra.column),
            "page-unexpected-text",
            "expected 'Encounter card' or a labelled part after the tagline, found another "
            f"paragraph: '{_shown(extra.text)}'",
        )
    key_point, body = reader.key_point_and_body()
    listen_for = reader.sentences("listen_for")
    pitfalls = reader.sentences("pitfalls")
    red_flags = reader.flags()
    if reader.errors:
        raise ContentError(reader.errors)
    scenario = reader.text("prove_it")
    tagline = reader.header_paras[0] if reader.header_paras else None
    concept_value = Concept(
        id=id_match.group(),
        title=title.text,
        position=position,
        stage_number=stage_number,
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
        source=path,
        location=reader.at(title.number, title.column),
    )
    return ParsedPage(
        path=path,
        stage_number=stage_number,
        stage_title=stage.group(2).strip(),
        concept_count=count,
        concept=concept_value,
        stage_line=reader.at(stage_line),
        warnings=tuple(reader.warnings),
        concept_line=reader.at(concept_line),
    )


# --- writing a page (the inverse, for round-trip tests and fixtures) --------------------------


def _list_lines(items: tuple[str, ...], *, quote: bool = False) -> list[str]:
    if not quote:
        joined = " ".join(items)
        reread = [joined[s:e] for s, e in sentence_spans(joined)]
        if not _BULLET.match(joined) and reread == list(items):
            return [joined]
    return [f'  • "{item}"' if quote else f"  • {item}" for item in items]


def render_page(concept: Concept, *, stage_title: str, concept_count: int) -> str:
    """The page an educator would export for `concept`: `parse_page` reads it back unchanged
    (authored extras that pages cannot carry, such as item ids or model answers, are left out)."""
    out = [
        f"Stage {concept.stage_number}: {stage_title}",
        f"Concept {concept.position} of {concept_count}",
        concept.id,
        "",
        concept.title,
        "",
    ]
    if concept.tagline:
        out += [concept.tagline, ""]
    out.append("Encounter card")
    for label, value in (("Setting", concept.setting), ("Opening move", concept.opening_move)):
        if value:
            out += [label, value]
    if concept.sample_language:
        out.append("Sample language")
        out += _list_lines(tuple(p.text for p in concept.sample_language), quote=True)
    if concept.listen_for:
        out += ["Listen for", *_list_lines(concept.listen_for)]
    if concept.pitfalls:
        out += ["Common pitfalls", *_list_lines(tuple(p.text for p in concept.pitfalls))]
    out.append("")
    for index, flag in enumerate(concept.red_flags):
        line = f"{flag.sign} — {flag.meaning}" if flag.meaning else f"{flag.sign} —"
        out.append(f"Red flags / escalate: {line}" if index == 0 else f"  • {line}")
    if concept.red_flags:
        out.append("")
    if concept.documentation:
        out += ["Documentation", concept.documentation, ""]
    if concept.real_world:
        out += [f"Real-world reality: {concept.real_world}", ""]
    illustrations = list(concept.illustrations)
    if concept.key_point and illustrations:  # the export's layout: key point, then illustration
        out += [concept.key_point, "", illustrations.pop(0), ""]
    elif concept.key_point:
        out += [f"Key point: {concept.key_point}", ""]
    elif illustrations:  # first, so no body paragraph sits where the key point would
        out += [illustrations.pop(0), ""]
    for paragraph in (*concept.body, *illustrations):
        out += [paragraph, ""]
    if concept.anchor:
        out += ["The anchor", "", concept.anchor, ""]
    if concept.prove_it:
        out += ["Prove it", "", concept.prove_it.scenario, ""]
    out += ["This connects to", ""]
    if concept.connects_to:
        out += [*concept.connects_to, ""]
    out += ["Locked concepts unlock as you reach them on the path.", "", "Back", ""]
    return "\n".join(out)


# --- YAML documents ---------------------------------------------------------------------------

Document = dict[str, object]


def _record(values: dict[str, object], fields: schema.Record) -> Document | str:
    """A record in schema order, absent values left out; the bare shorthand string when it can be."""
    present = {key: values[key] for key in fields.fields if values.get(key) is not None}
    if fields.shorthand and list(present) == [fields.shorthand]:
        text = present[fields.shorthand]
        assert isinstance(text, str)
        return text
    return present


def concept_document(concept: Concept) -> Document:
    """The YAML document of a concept: keys in schema order, absent parts left out."""
    values: dict[str, object] = {
        "id": concept.id,
        "title": concept.title,
        "position": concept.position,
        "tagline": concept.tagline,
        "setting": concept.setting,
        "opening_move": concept.opening_move,
        "sample_language": [
            _record({"text": p.text, "id": p.id, "intent": p.intent}, schema.PHRASE)
            for p in concept.sample_language
        ],
        "listen_for": list(concept.listen_for),
        "pitfalls": [
            _record(
                {"text": p.text, "id": p.id, "prompt": p.prompt, "instead": p.instead},
                schema.PITFALL,
            )
            for p in concept.pitfalls
        ],
        "red_flags": [
            _record(
                {"sign": f.sign, "meaning": f.meaning, "action": f.action, "id": f.id},
                schema.RED_FLAG,
            )
            for f in concept.red_flags
        ],
        "documentation": concept.documentation,
        "real_world": concept.real_world,
        "key_point": concept.key_point,
        "body": list(concept.body),
        "anchor": concept.anchor,
        "prove_it": (
            _record(
                {
                    "scenario": concept.prove_it.scenario,
                    "model_answer": concept.prove_it.model_answer,
                },
                schema.PROVE_IT,
            )
            if concept.prove_it
            else None
        ),
        "facts": [
            _record({"text": f.text, "id": f.id, "from": f.source}, schema.FACT)
            for f in concept.facts
        ],
        "dropped_facts": list(concept.dropped_facts),
        "connects_to": list(concept.connects_to),
        "formerly": list(concept.formerly),
        "illustrations": list(concept.illustrations),
    }
    return {key: values[key] for key in schema.CONCEPT.fields if values[key] not in (None, [])}


def stage_document(number: int, title: str, concepts: int) -> Document:
    """The YAML document of a stage.yaml."""
    return {"number": number, "title": title, "concepts": concepts}


def course_document(title: str, identifier: str | None = None) -> Document:
    """The YAML document of a course.yaml: its title, and its id (made from the title if not
    given)."""
    return {"id": identifier or course_id(title), "title": title}


class _IndentedDumper(yaml.SafeDumper):
    """PyYAML's pure-Python dumper, indenting sequences under their key ("  - item")."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        super().increase_indent(flow, False)


def _indent_sequences(text: str) -> str:
    """Indent each top-level block sequence under its key, as libyaml cannot be told to."""
    out: list[str] = []
    in_sequence = False
    for line in text.split("\n"):
        if line and not line.startswith((" ", "-")):
            in_sequence = False
        elif line.startswith("- "):
            in_sequence = True
        out.append(f"  {line}" if in_sequence and line else line)
    return "\n".join(out)


_TAGS = {str: "tag:yaml.org,2002:str", int: "tag:yaml.org,2002:int"}
_SEQ_TAG, _MAP_TAG = "tag:yaml.org,2002:seq", "tag:yaml.org,2002:map"


def _node(value: object) -> yaml.Node:
    """The YAML node PyYAML's SafeRepresenter would make, built without its per-node overhead."""
    if isinstance(value, dict):
        pairs = [(yaml.ScalarNode(_TAGS[str], key), _node(item)) for key, item in value.items()]
        return yaml.MappingNode(_MAP_TAG, pairs, flow_style=False)
    if isinstance(value, list):
        return yaml.SequenceNode(_SEQ_TAG, [_node(item) for item in value], flow_style=False)
    if isinstance(value, bool) or not isinstance(value, (str, int)):  # pragma: no cover
        raise TypeError(f"a concept document holds text, numbers, lists and mappings: {value!r}")
    return yaml.ScalarNode(_TAGS[type(value)], str(value))


def _single_line(document: Document) -> bool:
    # JSON shows \n and \r escaped and U+0085/2028/2029 as they are, at C speed; a literal
    # backslash before n or r only costs the slower dumper.
    text = json.dumps(document, ensure_ascii=False)
    return not any(mark in text for mark in _LINE_BREAKS)


def dump_document(document: Document, header: str = "") -> str:
    """YAML text for a document: one line per value (no folding), Unicode kept, sequences
    indented, values YAML would read as non-text quoted, `header` (a comment line) first."""
    if _FastDumper is not None and _single_line(document):
        fast = yaml.serialize(_node(document), Dumper=_FastDumper, width=-1, allow_unicode=True)
        # libyaml escapes characters beyond U+FFFF (emoji) as \U........; PyYAML keeps them.
        if "\\U" not in fast:
            return header + _indent_sequences(fast)
    text = yaml.dump(
        document,
        Dumper=_IndentedDumper,
        width=float("inf"),
        allow_unicode=True,
        sort_keys=False,
    )
    return header + text


def dump_concept(concept: Concept) -> str:
    """The YAML text of a concept file, starting with the line that points editors at the schema."""
    return dump_document(concept_document(concept), STAGE_FOLDER_MODELINE)
