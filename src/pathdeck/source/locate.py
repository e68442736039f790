"""Which source folder a command means when none is given: decks/, or the course around you."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from pathdeck.source.tree import COURSE_FILE

DEFAULT_SOURCE = Path("decks")


@dataclass(frozen=True, slots=True, kw_only=True)
class FoundSource:
    """The source folder to use and, when it was found by looking upward, how to say so."""

    folder: Path
    found_upward: bool

    def announcement(self) -> str:
        """The line that tells the user which folder is used."""
        return (
            f"pathdeck: using the course in {self.folder} (the nearest folder with {COURSE_FILE})"
        )


def find_source(cwd: Path) -> FoundSource:
    """decks/ when it is here; else the nearest folder from here upward holding course.yaml.

    Run inside a stage folder (or anywhere in a course), a command works on that course instead
    of complaining that decks/ does not exist. Without either, decks/ (reported as missing).
    """
    if (cwd / DEFAULT_SOURCE).is_dir():
        return FoundSource(folder=DEFAULT_SOURCE, found_upward=False)
    for folder in (cwd, *cwd.parents):
        if (folder / COURSE_FILE).is_file():
            return FoundSource(folder=Path(os.path.relpath(folder, cwd)), found_upward=True)
    return FoundSource(folder=DEFAULT_SOURCE, found_upward=False)
