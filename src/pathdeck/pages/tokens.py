"""A page body as tokens: paragraphs of located lines, labels, illustrations and blank lines."""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass

from pathdeck.problems import Location


@dataclass(slots=True)
class Line:
    """One non-blank line of a page, stripped, with the 1-based line and column of its text."""

    number: int
    column: int
    text: str


@dataclass(slots=True)
class Para:
    """A paragraph: lines with no blank line between them."""

    lines: list[Line]
    attached: bool  # directly under a label line, with no blank line between


@dataclass(frozen=True, slots=True)
class Label:
    """A label line: the part it introduces, and its text when that follows on the line."""

    part: str
    inline: Line | None
    line: Line


@dataclass(frozen=True, slots=True)
class Illustration:
    """An illustration's description or a margin caption."""

    line: Line


@dataclass(frozen=True, slots=True)
class Blank:
    """Blank or navigation lines: where one paragraph ends."""


BLANK = Blank()
Token = Para | Label | Illustration | Blank
"""What a page body is read as, in page order."""


@dataclass(slots=True)
class Joined:
    """A paragraph's lines joined with single spaces, able to say where an offset came from."""

    text: str
    starts: list[int]
    lines: list[Line]

    @classmethod
    def of(cls, lines: list[Line]) -> Joined:
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
