"""Diagnostics: where a problem is, what it is, and the one exception that carries them."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import NamedTuple


class Severity(str, Enum):
    """How bad a problem is: errors stop a build, warnings only fail `--strict`."""

    ERROR = "error"
    WARNING = "warning"


class Location(NamedTuple):
    """A 1-based place in a source file; prints as `path:line:col`.

    A named tuple, not a dataclass: the loader makes one for every YAML node (over 100,000 in a
    large course), and a tuple is made several times faster.
    """

    path: str
    line: int = 1
    column: int = 1

    def __str__(self) -> str:
        if not self.path:  # not about a file: no invented path for CI annotators to pin
            return "pathdeck"
        return f"{self.path}:{self.line}:{self.column}"

    @property
    def in_a_file(self) -> bool:
        """False for problems of the environment or the command line (NO_FILE)."""
        return bool(self.path)


NO_FILE = Location("")
"""The location of a problem that is in no file: an environment variable, the command line."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Problem:
    """One diagnostic: a location, a stable kebab-case code and a message for humans."""

    location: Location
    code: str
    message: str
    severity: Severity = Severity.ERROR

    def __str__(self) -> str:
        return f"{self.location}: {self.severity.value}[{self.code}]: {self.message}"

    def sort_key(self) -> tuple[str, int, int, str, str]:
        """Order by file, line, column, then code, so reports are stable."""
        loc = self.location
        return (loc.path, loc.line, loc.column, self.code, self.message)

    def to_json(self) -> dict[str, object]:
        """The machine-readable form used by `--json`."""
        where = self.location
        return {
            "path": where.path if where.in_a_file else None,
            "line": where.line if where.in_a_file else None,
            "column": where.column if where.in_a_file else None,
            "severity": self.severity.value,
            "code": self.code,
            "message": self.message,
        }


def sorted_problems(problems: list[Problem] | tuple[Problem, ...]) -> tuple[Problem, ...]:
    """Problems in report order, duplicates dropped."""
    return tuple(sorted(set(problems), key=Problem.sort_key))


class ContentError(Exception):
    """Raised once when the source has errors; carries every problem found."""

    def __init__(self, problems: list[Problem] | tuple[Problem, ...]) -> None:
        self.problems = sorted_problems(problems)
        super().__init__(f"{len(self.problems)} problem(s) in the source")

    @classmethod
    def at(cls, where: Location | str, code: str, message: str) -> ContentError:
        """The error for one problem: at a Location, or at the start of a named file or folder."""
        location = where if isinstance(where, Location) else Location(where)
        return cls([Problem(location=location, code=code, message=message)])

    @property
    def errors(self) -> tuple[Problem, ...]:
        """Only the problems that stop a build."""
        return tuple(p for p in self.problems if p.severity is Severity.ERROR)
