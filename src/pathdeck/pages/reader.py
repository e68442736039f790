"""Reading one page's lines: the fixed header by position, then its labelled and free parts."""

from __future__ import annotations

import re

from pathdeck import problems as codes
from pathdeck.curriculum import Phrase, RedFlag
from pathdeck.ids import CONCEPT_ID_TEXT
from pathdeck.pages.items import has_flag_dash, split_red_flag, unquote
from pathdeck.pages.lines import (
    BULLET,
    CARD,
    LABEL_SHOWN,
    LABELS,
    excerpt,
    inline_label,
    is_illustration,
    label_of,
    misspelt_label,
    not_a_title,
)
from pathdeck.pages.tokens import BLANK, Blank, Illustration, Joined, Label, Line, Para, Token
from pathdeck.problems import Location, Problem, Severity
from pathdeck.sentences import sentence_spans

_STAGE_LINE = re.compile(r"^Stage\s+([0-9]{1,4})\s*(?::|·|\s[—–-]\s)\s*(\S.*)$", re.IGNORECASE)
_CONCEPT_LINE = re.compile(r"^Concept\s+([0-9]{1,4})\s+of\s+([0-9]{1,4})$", re.IGNORECASE)
_ID = CONCEPT_ID_TEXT
_ID_LINE = re.compile(rf"^{_ID}$")
_CONNECTION_LINE = re.compile(rf"^({_ID})(?:\s.*)?$")
_NAVIGATION = re.compile(
    r"^(?:[←→‹›«»<>]\s*)?(?:back|next|previous|continue|back to (?:the )?path)(?:\s*[←→‹›«»<>])?$"
    r"|^locked concepts? unlock\b",
    re.IGNORECASE,
)

Header = dict[str, tuple[int, re.Match[str]]]
"""The header lines found: 'stage', 'concept' and 'id', each with its line number and match."""


class PageReader:
    """Reads one page: the fixed header by position, then a stream of labelled and free parts."""

    def __init__(self, text: str, path: str) -> None:
        self.path = path
        self.lines = text.split("\n")  # line endings are made LF by parse_page
        self.errors: list[Problem] = []
        self.warnings: list[Problem] = []
        self.parts: dict[str, tuple[Label, list[Line]]] = {}
        self.red_flags: list[tuple[Line, str]] = []
        self.connections: list[str] = []
        self.illustrations: list[str] = []
        self.header_paras: list[Para] = []
        # After the header: free paragraphs and illustrations in page order (None = illustration).
        self.free: list[Para | None] = []

    def at(self, line: int, column: int = 1) -> Location:
        return Location(self.path, line, column)

    def error(self, where: Location, code: str, message: str) -> None:
        self.errors.append(Problem(location=where, code=code, message=message))

    def warn(self, where: Location, code: str, message: str) -> None:
        self.warnings.append(
            Problem(location=where, code=code, message=message, severity=Severity.WARNING)
        )

    # header

    def header(self) -> tuple[Header, Line, int] | None:
        """Stage line, concept line and id in any order, then the title; or None after an error."""
        found: Header = {}
        patterns = (("stage", _STAGE_LINE), ("concept", _CONCEPT_LINE), ("id", _ID_LINE))
        for index, raw in enumerate(self.lines):
            text = raw.strip()
            if not text:
                continue
            number = index + 1
            column = len(raw) - len(raw.lstrip()) + 1
            if len(found) == 3:
                not_title = not_a_title(text)
                if not_title:
                    self.error(
                        self.at(number, column),
                        codes.PAGE_MISSING_TITLE,
                        f"expected the concept title after the id, found {not_title} "
                        f"'{excerpt(text)}'; put the title on its own line after the id",
                    )
                    return None
                return found, Line(number, column, text), index + 1
            for name, pattern in patterns:
                match = pattern.match(text)
                if match and name not in found:
                    found[name] = (number, match)
                    break
            else:
                self._header_error(found, self.at(number, column), f"found '{excerpt(text)}'")
                return None
        self._header_error(found, self.at(len(self.lines)), "but the page ends here")
        return None

    def _header_error(self, found: Header, where: Location, found_text: str) -> None:
        if "stage" not in found:
            self.error(
                where,
                codes.PAGE_MISSING_STAGE_LINE,
                f"expected the stage line 'Stage N: Title' (e.g. 'Stage 6: The Therapeutic "
                f"Alliance'), {found_text}",
            )
        elif "concept" not in found:
            self.error(
                where,
                codes.PAGE_BAD_CONCEPT_LINE,
                f"expected the concept line 'Concept K of M' (e.g. 'Concept 1 of 8'), {found_text}",
            )
        elif "id" not in found:
            self.error(
                where, codes.PAGE_MISSING_ID, f"expected the concept id (e.g. 'E6.1'), {found_text}"
            )
        else:
            self.error(where, codes.PAGE_MISSING_TITLE, f"expected the concept title, {found_text}")

    # body

    def tokens(self, start: int) -> list[Token]:
        tokens: list[Token] = []
        para: Para | None = None
        attached = False
        for index in range(start, len(self.lines)):
            raw = self.lines[index]
            text = raw.strip()
            if not text or _NAVIGATION.match(text):
                para = None
                attached = False
                if tokens and tokens[-1] is not BLANK:
                    tokens.append(BLANK)
                continue
            line = Line(index + 1, len(raw) - len(raw.lstrip()) + 1, text)
            label = self.label_token(line)
            if label is not None:
                para = None
                attached = True
                tokens.append(label)
                continue
            if not attached and is_illustration(text):
                para = None
                tokens.append(Illustration(line))
                continue
            if para is None:
                para = Para([], attached)
                tokens.append(para)
            para.lines.append(line)
        return tokens

    def label_token(self, line: Line) -> Label | None:
        """The label `line` is, with its inline text; None for other lines, with an error for
        one that comes close to a label (its text must not slip into the body unnoticed)."""
        text = line.text
        label = label_of(text)
        if label is not None:
            return Label(label, None, line)
        inline = inline_label(text)
        if inline is not None:
            part, start = inline
            return Label(part, Line(line.number, line.column + start, text[start:]), line)
        close = misspelt_label(text)
        if close is not None:
            shown = LABEL_SHOWN.get(LABELS[close], close)
            self.error(
                self.at(line.number, line.column),
                codes.PAGE_UNKNOWN_LABEL,
                f"'{excerpt(text)}' looks like the label '{shown}' but is not one; write the "
                f"label as '{shown}' (or reword the line if it is text)",
            )
        return None

    def read(self, tokens: list[Token]) -> None:
        header_open = True
        index = 0
        while index < len(tokens):
            token = tokens[index]
            index += 1
            if isinstance(token, Label):
                header_open = False
                index = self.label(token, tokens, index)
            elif isinstance(token, Illustration):
                self.illustrations.append(token.line.text)
                if not header_open:
                    self.free.append(None)
            elif isinstance(token, Para):
                (self.header_paras if header_open else self.free).append(token)
        if header_open and len(self.header_paras) > 1:  # no labels at all: all but one are free
            self.free.extend(self.header_paras[1:])
            del self.header_paras[1:]

    def label(self, label: Label, tokens: list[Token], index: int) -> int:
        """Take the label's content from the tokens after it; return the next index to read."""
        if label.part == CARD:
            return index
        if label.part in self.parts and label.part != "red_flags":
            first = self.parts[label.part][0].line.number
            self.error(
                self.at(label.line.number, label.line.column),
                codes.PAGE_DUPLICATE_PART,
                f"'{LABEL_SHOWN[label.part]}' appears twice (first at line {first})",
            )
        if label.inline is not None:
            lines = [label.inline]
            nxt = tokens[index] if index < len(tokens) else None
            if isinstance(nxt, Para) and nxt.attached:
                lines.extend(nxt.lines)
                index += 1
            self.store(label, lines)
            return index
        if label.part == "connects_to":
            return self.connects(label, tokens, index)
        content = index
        while content < len(tokens) and isinstance(tokens[content], (Blank, Illustration)):
            content += 1
        paragraph = tokens[content] if content < len(tokens) else None
        if not isinstance(paragraph, Para):
            self.warn(
                self.at(label.line.number, label.line.column),
                codes.PAGE_EMPTY_PART,
                f"'{LABEL_SHOWN[label.part]}' has no text after it; it is left out",
            )
            return index
        for skipped in tokens[index:content]:
            if isinstance(skipped, Illustration):
                self.illustrations.append(skipped.line.text)
        self.store(label, paragraph.lines)
        return content + 1

    def connects(self, label: Label, tokens: list[Token], index: int) -> int:
        """Concept ids, one per line (a title may follow the id), across blank lines."""
        self.parts[label.part] = (label, [])
        while index < len(tokens):
            token = tokens[index]
            if isinstance(token, Illustration):
                self.illustrations.append(token.line.text)
            elif isinstance(token, Para):
                matches = [_CONNECTION_LINE.match(line.text) for line in token.lines]
                if not all(matches):
                    return index
                self.connections.extend(m.group(1) for m in matches if m)
            elif not isinstance(token, Blank):
                return index
            index += 1
        return index

    def store(self, label: Label, lines: list[Line]) -> None:
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
    def _items(lines: list[Line], *, one_per_line: bool) -> list[tuple[Line, str]]:
        """Items of a list part: one per bullet (continuation lines joined), else one per line."""
        if not any(BULLET.match(line.text) for line in lines):
            return [(line, line.text) for line in lines] if one_per_line else []
        items: list[tuple[Line, list[str]]] = []
        for line in lines:
            bullet = BULLET.match(line.text)
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
        joined = Joined.of(lines)
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
                    codes.PAGE_BAD_RED_FLAG,
                    f"cannot tell the sign from its meaning in '{excerpt(item)}': {unclear}",
                )
                continue
            if meaning is None and not has_flag_dash(item):
                self.warn(
                    self.at(where.number, where.column),
                    codes.PAGE_RED_FLAG_WITHOUT_MEANING,
                    f"no dash in '{excerpt(item)}', so all of it is the sign, on the card's "
                    "front; if part of it is the meaning, write 'sign — meaning', and if it "
                    "has none, end it with ' —'",
                )
            if not sign:
                self.error(
                    self.at(where.number, where.column),
                    codes.PAGE_BAD_RED_FLAG,
                    f"expected a red flag as 'sign — meaning', found '{excerpt(item)}'",
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
                codes.PAGE_KEY_POINT_UNMARKED,
                "no key point found (it is the paragraph just before the illustration, or a line "
                f"starting 'Key point:'); all {len(body)} paragraph(s) after the encounter card "
                "were read as body",
            )
        return None, body
