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


# ---------------------------------------------------------------- the registry of problem codes


@dataclass(frozen=True, slots=True, kw_only=True)
class ProblemCode:
    """A declared problem code: its stable kebab-case id and the modules or packages raising it."""

    id: str
    raised_in: tuple[str, ...]


CODES: dict[str, ProblemCode] = {}
"""Every problem code pathdeck reports, by id; the README's Diagnostics table lists exactly these."""


def _declare(code: str, *raised_in: str) -> str:
    """Register `code` (once) and return it, for call sites to name: `code=problems.UNKNOWN_KEY`."""
    if code in CODES:  # pragma: no cover - a declaration error, caught when the module loads
        raise ValueError(f"problem code {code!r} declared twice")
    CODES[code] = ProblemCode(id=code, raised_in=raised_in)
    return code


ALREADY_EXISTS: str = _declare("already-exists", "tools")
ANSWER_TOO_LONG: str = _declare("answer-too-long", "cards")
BAD_CONCEPT_ID: str = _declare("bad-concept-id", "validate")
BAD_COURSE_ID: str = _declare("bad-course-id", "validate")
BAD_FORMER_ID: str = _declare("bad-former-id", "validate")
BAD_ITEM_ID: str = _declare("bad-item-id", "validate")
BAD_KEY: str = _declare("bad-key", "source")
BAD_PACKAGE: str = _declare("bad-package", "pipeline", "tools")
BAD_SOURCE_DATE_EPOCH: str = _declare("bad-source-date-epoch", "identity")
CARDS_ALIKE: str = _declare("cards-alike", "cards")
CONCEPT_EXISTS: str = _declare("concept-exists", "importer")
CONCEPT_ID_REUSED: str = _declare("concept-id-reused", "identity")
CONCEPT_MOVED: str = _declare("concept-moved", "identity")
CONCEPT_STAGE_MISMATCH: str = _declare("concept-stage-mismatch", "validate")
CONTROL_CHARACTER: str = _declare("control-character", "source")
COURSE_TITLE_DIFFERS: str = _declare("course-title-differs", "importer")
DAMAGED_EXPORT: str = _declare("damaged-export", "package", "tools")
DECK_RENAMED: str = _declare("deck-renamed", "identity")
DUPLICATE_CONCEPT_ID: str = _declare("duplicate-concept-id", "validate")
DUPLICATE_FORMER_ID: str = _declare("duplicate-former-id", "validate")
DUPLICATE_ITEM_ID: str = _declare("duplicate-item-id", "validate")
DUPLICATE_KEY: str = _declare("duplicate-key", "source")
DUPLICATE_OUTPUT: str = _declare("duplicate-output", "pipeline")
DUPLICATE_PAGE: str = _declare("duplicate-page", "importer")
DUPLICATE_POSITION: str = _declare("duplicate-position", "importer", "validate")
DUPLICATE_STAGE_NUMBER: str = _declare("duplicate-stage-number", "importer", "validate")
EMPTY_FILE: str = _declare("empty-file", "source")
EMPTY_LIST: str = _declare("empty-list", "validate")
EMPTY_VALUE: str = _declare("empty-value", "validate")
EXPORTED_WITHOUT_SCHEDULING: str = _declare("exported-without-scheduling", "tools")
FACT_BLANK_GUESSABLE: str = _declare("fact-blank-guessable", "cards")
FACT_EMPTY_BLANK: str = _declare("fact-empty-blank", "cloze")
FACT_NO_BLANK: str = _declare("fact-no-blank", "cloze")
FACT_UNCLOSED_BLANK: str = _declare("fact-unclosed-blank", "cloze")
FILE_TOO_LARGE: str = _declare("file-too-large", "source")
FOREIGN_EXPORT: str = _declare("foreign-export", "tools")
FORMER_ID_IN_USE: str = _declare("former-id-in-use", "pipeline")
FRONT_TOO_THIN: str = _declare("front-too-thin", "cards")
ITEMS_MOVED: str = _declare("items-moved", "identity")
LEDGER_CONFLICT: str = _declare("ledger-conflict", "identity")
LEDGER_CORRUPT: str = _declare("ledger-corrupt", "identity")
LEDGER_COURSE_MISMATCH: str = _declare("ledger-course-mismatch", "identity")
LEDGER_EXISTS: str = _declare("ledger-exists", "pipeline")
LEDGER_MISSING: str = _declare("ledger-missing", "identity")
LEDGER_OUT_OF_DATE: str = _declare("ledger-out-of-date", "pipeline")
LEDGER_UNREADABLE: str = _declare("ledger-unreadable", "identity")
MARKUP_SHOWN_AS_TEXT: str = _declare("markup-shown-as-text", "validate")
MISNAMED_FILE: str = _declare("misnamed-file", "source")
MISPLACED_FILE: str = _declare("misplaced-file", "source")
MISSING_ANCHOR: str = _declare("missing-anchor", "validate")
MISSING_COURSE: str = _declare("missing-course", "validate")
MISSING_DEPENDENCY: str = _declare("missing-dependency", "cli")
MISSING_KEY: str = _declare("missing-key", "validate")
MISSING_PROVE_IT: str = _declare("missing-prove-it", "validate")
MISSING_SOURCE: str = _declare("missing-source", "pipeline", "tools")
MISSING_STAGE: str = _declare("missing-stage", "validate")
MULTIPLE_DOCUMENTS: str = _declare("multiple-documents", "source")
NO_COURSE_ID: str = _declare("no-course-id", "importer")
NO_EXPORTS: str = _declare("no-exports", "tools")
NOT_AN_EXPORT: str = _declare("not-an-export", "package")
NOT_TEXT: str = _declare("not-text", "validate")
NOT_UTF8: str = _declare("not-utf8", "source")
NOTETYPE_FIELDS_CHANGED: str = _declare("notetype-fields-changed", "tools")
NOTETYPE_SCHEMA_CHANGED: str = _declare("notetype-schema-changed", "identity")
OS_ERROR: str = _declare("os-error", "cli")
OUT_OF_RANGE: str = _declare("out-of-range", "validate")
OUTPUT_IS_INPUT: str = _declare("output-is-input", "tools")
PAGE_BAD_CONCEPT_LINE: str = _declare("page-bad-concept-line", "pages")
PAGE_BAD_RED_FLAG: str = _declare("page-bad-red-flag", "pages")
PAGE_CONTROL_CHARACTER: str = _declare("page-control-character", "pages")
PAGE_DUPLICATE_PART: str = _declare("page-duplicate-part", "pages")
PAGE_EMPTY: str = _declare("page-empty", "pages")
PAGE_EMPTY_PART: str = _declare("page-empty-part", "pages")
PAGE_ID_STAGE_MISMATCH: str = _declare("page-id-stage-mismatch", "pages")
PAGE_KEY_POINT_UNMARKED: str = _declare("page-key-point-unmarked", "pages")
PAGE_MISSING_ID: str = _declare("page-missing-id", "pages")
PAGE_MISSING_STAGE_LINE: str = _declare("page-missing-stage-line", "pages")
PAGE_MISSING_TITLE: str = _declare("page-missing-title", "pages")
PAGE_NOT_UTF8: str = _declare("page-not-utf8", "pages")
PAGE_RED_FLAG_WITHOUT_MEANING: str = _declare("page-red-flag-without-meaning", "pages")
PAGE_TOO_LARGE: str = _declare("page-too-large", "pages")
PAGE_UNEXPECTED_TEXT: str = _declare("page-unexpected-text", "pages")
PAGE_UNKNOWN_LABEL: str = _declare("page-unknown-label", "pages")
PAGE_UNREADABLE: str = _declare("page-unreadable", "importer")
PITFALL_NOTHING_TO_BLANK: str = _declare("pitfall-nothing-to-blank", "cards")
PLACEHOLDER_TEXT: str = _declare("placeholder-text", "validate")
POSITION_OUT_OF_RANGE: str = _declare("position-out-of-range", "validate")
PREVIEW_OUTPUT_NOT_EMPTY: str = _declare("preview-output-not-empty", "tools")
RECOVER_NO_NOTES: str = _declare("recover-no-notes", "identity")
RED_FLAG_WITHOUT_ANSWER: str = _declare("red-flag-without-answer", "cards")
SAME_LEARNER_TWICE: str = _declare("same-learner-twice", "tools")
STAGE_FOLDER_TAKEN: str = _declare("stage-folder-taken", "importer")
STAGE_SIZE_DIFFERS: str = _declare("stage-size-differs", "importer")
STAGE_TITLE_CONFLICT: str = _declare("stage-title-conflict", "importer")
STAGE_UNREADABLE: str = _declare("stage-unreadable", "importer")
UNKNOWN_CONNECTION: str = _declare("unknown-connection", "validate")
UNKNOWN_FORMER_ID: str = _declare("unknown-former-id", "identity")
UNKNOWN_KEY: str = _declare("unknown-key", "validate")
UNKNOWN_STAGE: str = _declare("unknown-stage", "tools")
UNPUBLISHED_COURSE: str = _declare("unpublished-course", "tools")
UNREADABLE_EXPORT: str = _declare("unreadable-export", "package")
UNREADABLE_FILE: str = _declare("unreadable-file", "output", "source")
UNWRITABLE_OUTPUT: str = _declare("unwritable-output", "output")
USAGE_ERROR: str = _declare("usage-error", "report")
WRITE_FAILED: str = _declare("write-failed", "importer")
WRONG_TYPE: str = _declare("wrong-type", "validate")
YAML_ALIAS: str = _declare("yaml-alias", "source")
YAML_SYNTAX: str = _declare("yaml-syntax", "source")
YAML_TAG: str = _declare("yaml-tag", "source")
YAML_TOO_DEEP: str = _declare("yaml-too-deep", "source")
