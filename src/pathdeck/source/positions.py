"""Where in a file: parser marks and text offsets as 1-based line and column."""

from __future__ import annotations

from typing import Protocol

from pathdeck.problems import Location


class _Mark(Protocol):
    """Where the parser is: 0-based line and column (both parsers' marks have them)."""

    @property
    def line(self) -> int: ...

    @property
    def column(self) -> int: ...


def mark_location(path: str, mark: _Mark | None) -> Location:
    if mark is None:  # pragma: no cover - the parsers mark every event
        return Location(path)
    return Location(path, mark.line + 1, mark.column + 1)


def position(path: str, text: str, index: int) -> Location:
    line = text.count("\n", 0, index) + 1
    return Location(path, line, index - (text.rfind("\n", 0, index) + 1) + 1)


def char_at(text: str, where: Location) -> str:
    lines = text.split("\n", where.line)
    line = lines[where.line - 1] if len(lines) >= where.line else ""
    return line[where.column - 1 : where.column]
