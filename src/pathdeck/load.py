"""Load stage: YAML files become position-tagged trees (one strict parse, a location for every key)."""

from __future__ import annotations

import os
import re
import stat
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple, Protocol

import yaml
from yaml.events import (
    AliasEvent,
    CollectionStartEvent,
    DocumentStartEvent,
    Event,
    MappingEndEvent,
    MappingStartEvent,
    ScalarEvent,
    SequenceEndEvent,
    SequenceStartEvent,
)
from yaml.resolver import Resolver

from pathdeck.problems import Location, Problem

try:  # the libyaml C parser is many times faster; fall back to pure Python where it is missing
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

MAX_FILE_BYTES = 1024 * 1024
"""A concept page is a few kilobytes; a megabyte is a mistake (or an attack), not a page."""
MAX_DEPTH = 16
"""The schema nests three levels deep; anything much deeper is not a pathdeck source file."""

STR_TAG = "tag:yaml.org,2002:str"
NULL_TAG = "tag:yaml.org,2002:null"
INT_TAG = "tag:yaml.org,2002:int"
_TAG_NAMES = {
    "tag:yaml.org,2002:bool": "a true/false value",
    INT_TAG: "a number",
    "tag:yaml.org,2002:float": "a number",
    NULL_TAG: "an empty value",
    "tag:yaml.org,2002:timestamp": "a date",
}
# What a plain (unquoted) scalar means to YAML, decided by PyYAML's own YAML 1.1 resolver rules;
# tags outside _TAG_NAMES (`<<` merge, `=` value) are plain text to us.
_IMPLICIT = Resolver.yaml_implicit_resolvers
LONGEST_MEANINGFUL_WORD = 5
"""YAML 1.1 gives meaning to few scalars that start with a letter (`false`, `null`, `Off` ...),
none longer than this; numbers, dates, `.inf` and `<<` start otherwise (a test checks it)."""
# Hints for the syntax errors authors actually make: (words in the parser's message, character
# at the error) -> what to do about it.
_SYNTAX_HINTS = (
    ("mapping values", ":", "; if this is text containing ': ', put the whole text in quotes"),
    ("", "\t", "; indent with spaces, not tabs"),
    ("cannot start any token", "@", "; text starting with '@' must be quoted"),
    ("cannot start any token", "`", "; text starting with '`' must be quoted"),
)

# What YAML's reader refuses in a file but a double-quoted escape ("\a", "\0") can still make.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x84\x86-\x9f\ufffe\uffff]")

COURSE_FILE = "course.yaml"
STAGE_FILE = "stage.yaml"
_YAML_SUFFIXES = (".yaml", ".yml")


def plain_tag(text: str) -> str:
    """The tag YAML gives an unquoted scalar: `no` is a bool, `1.10` a float, `2024-01-02` a date."""
    if len(text) > LONGEST_MEANINGFUL_WORD and text[0].isalpha():
        return STR_TAG  # most plain scalars are sentences: skip the resolvers' regexes
    for tag, pattern in _IMPLICIT.get(text[:1], ()):
        if pattern.match(text):
            return tag if tag in _TAG_NAMES else STR_TAG
    return STR_TAG


class Scalar(NamedTuple):
    """A YAML scalar as written: its text, the type YAML would give it, and where it is."""

    text: str
    tag: str
    location: Location

    @property
    def is_text(self) -> bool:
        """True when YAML reads this scalar as a string (quoted, or plain text)."""
        return self.tag == STR_TAG

    @property
    def is_null(self) -> bool:
        """True for `~`, `null` or nothing at all after the colon."""
        return self.tag == NULL_TAG

    @property
    def yaml_type(self) -> str:
        """A human name for what YAML would turn this scalar into."""
        return _TAG_NAMES.get(self.tag, "text")


# Nodes are named tuples because a large course has over 100,000 of them and a tuple is made
# several times faster than a dataclass; code tells them apart with isinstance, never with ==.
class Mapping(NamedTuple):
    """A YAML mapping; keys keep their own locations for "unknown key" diagnostics."""

    entries: tuple[tuple[Scalar, Node], ...]
    location: Location

    def get(self, key: str) -> Node | None:
        """The value under `key`, if present."""
        for k, value in self.entries:
            if k.text == key:
                return value
        return None


class Sequence(NamedTuple):
    """A YAML sequence."""

    items: tuple[Node, ...]
    location: Location


Node = Scalar | Mapping | Sequence


@dataclass(frozen=True, slots=True)
class SourceFile:
    """One parsed file: its display path and its tree (None when it could not be parsed)."""

    path: str
    root: Node | None


class _RefusedError(Exception):
    """Parsing stops at the first construct we refuse (alias, tag, deep nesting, 2nd document)."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(problem.message)
        self.problem = problem


class _Open:
    """A mapping or sequence whose end event has not come yet."""

    __slots__ = ("is_mapping", "items", "key", "location", "seen", "skip_value")

    def __init__(self, location: Location, is_mapping: bool) -> None:
        self.location = location
        self.is_mapping = is_mapping
        self.items: list[Node] | list[tuple[Scalar, Node]] = []
        self.key: Scalar | None = None
        self.skip_value = False
        self.seen: dict[str, Location] = {}


# Builds a named tuple without its Python-level __new__ (half the cost of a node).
_new_tuple: Callable[..., Any] = tuple.__new__


class _Composer:
    """Builds our tree straight from parser events, rejecting what YAML allows but we must not.

    Composing from events (rather than PyYAML's node graph) lets the load stop at the first
    anchor or alias, so an alias bomb costs no more than reading its few hundred bytes, and keeps
    nesting iterative, so no input can exhaust the Python stack.
    """

    def __init__(self, path: str) -> None:
        self.path = path
        self.problems: list[Problem] = []
        self.root: Node | None = None
        self.documents = 0

    def at(self, event: Event) -> Location:
        return _mark_location(self.path, event.start_mark)

    def refuse(self, event: Event, code: str, message: str) -> _RefusedError:
        return _RefusedError(Problem(location=self.at(event), code=code, message=message))

    def compose(self, next_event: Callable[[], Any]) -> Node | None:
        """Consume events until the parser has none left; the root node, if any."""
        # The hot loop of every load, run once per YAML node: events are told apart by exact
        # class (the parsers make no subclasses), scalars first because they are most events.
        # `next_event` returns PyYAML Events, typed Any: comparing classes does not narrow.
        path, new = self.path, _new_tuple
        stack: list[_Open] = []
        top: _Open | None = None
        while (event := next_event()) is not None:
            kind = event.__class__
            node: Node
            if kind is ScalarEvent:
                if event.anchor is not None or event.tag is not None:
                    raise self._decorated(event)
                text, mark = event.value, event.start_mark
                tag = STR_TAG if event.style else plain_tag(text)  # style "" or None: plain
                node = new(
                    Scalar, (text, tag, new(Location, (path, mark.line + 1, mark.column + 1)))
                )
                if event.style == '"' and _CONTROL.search(text):  # only escapes make these
                    self._escaped_control(text, node.location)
            elif kind is MappingStartEvent or kind is SequenceStartEvent:
                if event.anchor is not None or event.tag is not None:
                    raise self._decorated(event)
                if len(stack) >= MAX_DEPTH:
                    raise self.refuse(
                        event, "yaml-too-deep", f"nested more than {MAX_DEPTH} levels deep"
                    )
                top = _Open(self.at(event), kind is MappingStartEvent)
                stack.append(top)
                continue
            elif kind is MappingEndEvent or kind is SequenceEndEvent:
                opened = stack.pop()
                top = stack[-1] if stack else None
                node = new(
                    Mapping if opened.is_mapping else Sequence,
                    (tuple(opened.items), opened.location),
                )
            elif kind is AliasEvent:
                raise self.refuse(
                    event,
                    "yaml-alias",
                    f"aliases (*{event.anchor}) are not allowed; write the text out in full",
                )
            else:
                if kind is DocumentStartEvent:
                    self._document(event)
                continue
            if top is None:
                self.root = node
            elif not top.is_mapping:
                top.items.append(node)  # type: ignore[arg-type]
            elif top.key is None and not top.skip_value:
                self._key(top, node)
            else:
                if top.key is not None:
                    top.items.append((top.key, node))  # type: ignore[arg-type]
                top.key = None
                top.skip_value = False
        return self.root

    def _document(self, event: Event) -> None:
        self.documents += 1
        if self.documents > 1:
            raise self.refuse(
                event,
                "multiple-documents",
                "a file holds exactly one YAML document; remove this '---' and what follows, "
                "or move it to a file of its own",
            )

    def _decorated(self, event: ScalarEvent | CollectionStartEvent) -> _RefusedError:
        if event.anchor is not None:
            return self.refuse(
                event,
                "yaml-alias",
                f"anchors (&{event.anchor}) are not allowed; write the text out in full",
            )
        return self.refuse(
            event,
            "yaml-tag",
            f"YAML tags ({_short_tag(event.tag)}) are not allowed; to keep a value as text, "
            "quote it",
        )

    def _escaped_control(self, text: str, where: Location) -> None:
        found = _CONTROL.search(text)
        code = ord(found.group()) if found else 0
        self._problem(
            where,
            "control-character",
            f"an escape in this text makes the control character U+{code:04X}, which no card "
            "can show; remove it",
        )

    def _key(self, opened: _Open, node: Node) -> None:
        if not isinstance(node, Scalar):
            self._problem(node.location, "bad-key", "a key must be a word, not a list or mapping")
            opened.skip_value = True
            return
        first = opened.seen.get(node.text)
        if first is not None:
            self._problem(
                node.location,
                "duplicate-key",
                f"key '{node.text}' appears twice in this mapping (first at line {first.line}); "
                "YAML would silently keep only the last one",
            )
            opened.skip_value = True
            return
        opened.seen[node.text] = node.location
        opened.key = node

    def _problem(self, where: Location, code: str, message: str) -> None:
        self.problems.append(Problem(location=where, code=code, message=message))


class _Mark(Protocol):
    """Where the parser is: 0-based line and column (both parsers' marks have them)."""

    @property
    def line(self) -> int: ...

    @property
    def column(self) -> int: ...


def _short_tag(tag: str | None) -> str:
    return (tag or "!").replace("tag:yaml.org,2002:", "!!")


def _mark_location(path: str, mark: _Mark | None) -> Location:
    if mark is None:  # pragma: no cover - the parsers mark every event
        return Location(path)
    return Location(path, mark.line + 1, mark.column + 1)


def _position(path: str, text: str, index: int) -> Location:
    line = text.count("\n", 0, index) + 1
    return Location(path, line, index - (text.rfind("\n", 0, index) + 1) + 1)


def _char_at(text: str, where: Location) -> str:
    lines = text.split("\n", where.line)
    line = lines[where.line - 1] if len(lines) >= where.line else ""
    return line[where.column - 1 : where.column]


def _syntax_hint(problem: str, char: str) -> str:
    for words, at, hint in _SYNTAX_HINTS:
        if words in problem and char == at:
            return hint
    return ""


_KEY_LINE = re.compile(r"^ *(?:- +)?[A-Za-z_][\w-]*:(?: |$)")
_KEY_WITH_TEXT = re.compile(r"^ *(?:- +)?[A-Za-z_][\w-]*: +[^\s#|>&*!]")
# The parser's words for a line that is indented wrong: deeper than a key's text allows, or
# at a level no enclosing block uses.
_DEEPER = "mapping values are not allowed"
_ASTRAY = ("did not find expected key", "expected <block end>", "did not find expected '-'")


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _key_column(line: str) -> int:
    """Where the line's key starts, past a list item's dash: `  - text: x` -> 4."""
    stripped = line.lstrip(" ")
    after_dash = stripped[1:].lstrip(" ") if stripped.startswith("-") else stripped
    return len(line) - len(after_dash)


def _spaces(count: int) -> str:
    return f"{count} space" if count == 1 else f"{count} spaces"


def _indentation_problem(path: str, lines: list[str], row: int, problem: str) -> Problem | None:
    """The syntax error as an indentation mistake, at the start of the line that has it, when
    the lines say so (a key indented under a key that already has text, or an indent that
    matches no level above); None otherwise."""
    if row >= len(lines):
        return None
    here = lines[row]
    above = [
        (number, line)
        for number, line in enumerate(lines[:row])
        if line.strip() and not line.lstrip().startswith("#")
    ]
    if not above or not here.strip():
        return None
    number, previous = above[-1]
    depth = _indent(here)
    if _DEEPER in problem and _KEY_LINE.match(here) and _KEY_WITH_TEXT.match(previous):
        key = _key_column(previous)
        if depth <= key:
            return None
        message = (
            f"line {row + 1} is indented {_spaces(depth)}, deeper than the key on line "
            f"{number + 1} ({_spaces(key)}), which already has its text: if it is the next "
            f"key, indent it {_spaces(key)}"
        )
    elif any(words in problem for words in _ASTRAY):
        levels = sorted(
            {_indent(line) for _, line in above}
            | {_key_column(line) for _, line in above if _KEY_LINE.match(line)}
        )
        if depth in levels:
            return None
        used = ", ".join(str(level) for level in levels)
        message = (
            f"line {row + 1} is indented {_spaces(depth)}, a level no line above uses ({used}): "
            "line it up with the key or list item it belongs to"
        )
    else:
        return None
    return Problem(
        location=Location(path, row + 1, depth + 1),
        code="yaml-syntax",
        message=f"YAML syntax: wrong indentation: {message}",
    )


def _syntax_problem(path: str, text: str, exc: yaml.YAMLError) -> Problem:
    if isinstance(exc, yaml.reader.ReaderError):
        # libyaml counts bytes and PyYAML characters; finding the character itself is exact.
        index = text.find(chr(exc.character)) if isinstance(exc.character, int) else -1
        where = _position(path, text, index) if index >= 0 else Location(path)
        code = exc.character if isinstance(exc.character, int) else 0
        return Problem(
            location=where,
            code="control-character",
            message=f"the control character U+{code:04X} is not allowed in YAML; delete it",
        )
    if isinstance(exc, yaml.MarkedYAMLError):
        mark = exc.problem_mark or exc.context_mark
        if mark is not None:
            indentation = _indentation_problem(path, text.split("\n"), mark.line, exc.problem or "")
            if indentation is not None:
                return indentation
        where = Location(path, mark.line + 1, mark.column + 1) if mark else Location(path)
        reason = exc.problem or exc.context or "invalid YAML"
        opened = exc.context_mark
        if exc.context and exc.problem and opened and mark and opened.line != mark.line:
            reason = f"{reason} ({exc.context} at line {opened.line + 1})"
        return Problem(
            location=where,
            code="yaml-syntax",
            message=f"YAML syntax: {reason}{_syntax_hint(exc.problem or '', _char_at(text, where))}",
        )
    return Problem(location=Location(path), code="yaml-syntax", message=f"YAML syntax: {exc}")


def parse_text(path: str, text: str) -> tuple[SourceFile, list[Problem]]:
    """Parse YAML text into a SourceFile, collecting every problem rather than raising."""
    composer = _Composer(path)
    try:
        root = composer.compose(_Loader(text).get_event)
    except _RefusedError as refused:
        return SourceFile(path, None), [*composer.problems, refused.problem]
    except yaml.YAMLError as exc:
        return SourceFile(path, None), [_syntax_problem(path, text, exc)]
    except UnicodeEncodeError as exc:  # a lone surrogate: only reachable from str input
        problem = Problem(
            location=_position(path, text, exc.start),
            code="not-utf8",
            message="the text holds an unpaired surrogate, which is not valid Unicode",
        )
        return SourceFile(path, None), [problem]
    if root is None or (isinstance(root, Scalar) and root.is_null):
        problem = Problem(location=Location(path), code="empty-file", message="the file is empty")
        return SourceFile(path, None), [problem]
    return SourceFile(path, root), composer.problems


def decode(path: str, data: bytes) -> tuple[str | None, list[Problem]]:
    """UTF-8 text from bytes (a BOM is allowed), or a problem pointing at the first bad byte."""
    try:
        return data.decode("utf-8-sig"), []
    except UnicodeDecodeError as exc:
        before = data[: exc.start]
        line = before.count(b"\n") + 1
        column = len(before[before.rfind(b"\n") + 1 :].decode("utf-8"))
        problem = Problem(
            location=Location(path, line, column + 1),
            code="not-utf8",
            message=f"the file is not UTF-8 text (byte 0x{data[exc.start]:02x}); save it as UTF-8",
        )
        return None, [problem]


_NOT_FILES = (
    (stat.S_ISDIR, "a folder"),
    (stat.S_ISFIFO, "a named pipe (FIFO)"),
    (stat.S_ISCHR, "a device"),
    (stat.S_ISBLK, "a device"),
    (stat.S_ISSOCK, "a socket"),
)


def _kind(mode: int) -> str | None:
    """What a file of this mode is, when it is not a regular file."""
    return next((name for test, name in _NOT_FILES if test(mode)), None)


BROKEN_LINK = "a broken symbolic link"


def not_a_file(path: Path) -> str | None:
    """What `path` is when it is not a regular file (judged without opening it), else None.

    Opening a FIFO waits for a writer (forever) and opening a device can act on it, so a path
    is judged from its status alone; a symbolic link counts as what it points to. A path that
    cannot even be examined is left to the read, which reports why.
    """
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        return f"{BROKEN_LINK} to {path.readlink()}" if path.is_symlink() else None
    except OSError:
        return None
    return _kind(mode)


def not_a_file_problem(shown: str, kind: str) -> Problem:
    """The problem for a path named like a source file that is something else."""
    return Problem(
        location=Location(shown),
        code="unreadable-file",
        message=f"this is {kind}, not a file pathdeck can read: make it a file, or rename "
        "or remove it",
    )


def read_limited(path: Path, shown: str) -> tuple[bytes | None, list[Problem]]:
    """A file's bytes, or a problem when it is not a regular file, cannot be read or is over
    MAX_FILE_BYTES. FIFOs and devices are never opened."""
    kind = not_a_file(path)
    if kind is not None:
        return None, [not_a_file_problem(shown, kind)]
    try:
        # O_NONBLOCK: should a FIFO appear here after the check, opening it cannot hang
        with open(path, "rb", opener=_open_nonblocking) as stream:
            status = os.fstat(stream.fileno())
            swapped = _kind(status.st_mode)
            if swapped is not None:
                return None, [not_a_file_problem(shown, swapped)]
            size = status.st_size
            # Never more than the limit (plus one byte, to notice a file that grew).
            data = stream.read(min(size, MAX_FILE_BYTES) + 1)
    except OSError as exc:
        return None, [unreadable(shown, exc)]
    if max(size, len(data)) > MAX_FILE_BYTES:
        problem = Problem(
            location=Location(shown),
            code="file-too-large",
            message=f"the file is {max(size, len(data))} bytes; a source file may be at most "
            f"{MAX_FILE_BYTES} bytes",
        )
        return None, [problem]
    return data, []


if sys.platform == "win32":  # pragma: no cover - no FIFOs or terminals to wait on
    _NO_WAIT = 0
else:
    _NO_WAIT = os.O_NONBLOCK | os.O_NOCTTY


def _open_nonblocking(path: str, flags: int) -> int:
    return os.open(path, flags | _NO_WAIT)


def unreadable(shown: str, exc: OSError) -> Problem:
    """The problem for a file or folder the operating system will not let us read."""
    return Problem(
        location=Location(shown),
        code="unreadable-file",
        message=f"cannot read this: {exc.strerror or exc}",
    )


def load_file(path: Path, display: str | None = None) -> tuple[SourceFile, list[Problem]]:
    """Read and parse one file; size, encoding and syntax problems come back as Problems."""
    shown = display or str(path)
    data, problems = read_limited(path, shown)
    if data is None:
        return SourceFile(shown, None), problems
    text, problems = decode(shown, data)
    if text is None:
        return SourceFile(shown, None), problems
    return parse_text(shown, text)


@dataclass(frozen=True, slots=True)
class StageFiles:
    """One stage folder: its stage.yaml (if present) and its concept files, in name order."""

    folder: str
    stage: SourceFile | None
    concepts: tuple[SourceFile, ...]


@dataclass(frozen=True, slots=True)
class SourceTree:
    """Everything under a source folder, parsed, with the problems parsing found."""

    root: Path
    course: SourceFile | None
    stages: tuple[StageFiles, ...]
    problems: tuple[Problem, ...]
    course_path: str = COURSE_FILE


@dataclass(frozen=True, slots=True)
class StageListing:
    """One stage folder before parsing: (path, shown path) of its stage.yaml and concept files."""

    folder: str
    stage: tuple[Path, str] | None
    concepts: tuple[tuple[Path, str], ...]

    @property
    def files(self) -> int:
        """How many files parsing this stage reads."""
        return len(self.concepts) + (self.stage is not None)


@dataclass(frozen=True, slots=True)
class TreeListing:
    """A source folder listed: course.yaml parsed, stage folders found but not yet parsed."""

    root: Path
    course: SourceFile | None
    stages: tuple[StageListing, ...]
    problems: tuple[Problem, ...]
    course_path: str = COURSE_FILE


def _visible(path: Path) -> bool:
    # Dot-files are editor and VCS litter; a leading '_' is how authors park a draft.
    return not path.name.startswith((".", "_"))


class _TreeLister:
    """Walks a source folder: course.yaml, then one folder per stage."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.problems: list[Problem] = []
        cwd = Path.cwd()
        self.base = (
            root.relative_to(cwd) if root.is_absolute() and root.is_relative_to(cwd) else root
        )

    def shown(self, path: Path) -> str:
        return str(self.base / path.relative_to(self.root))

    def listing(self, folder: Path) -> list[Path]:
        try:
            return sorted(p for p in folder.iterdir() if _visible(p))
        except OSError as exc:
            self.problems.append(unreadable(self.shown(folder), exc))
            return []

    def misnamed(self, path: Path, wanted: str) -> None:
        self.problems.append(
            Problem(
                location=Location(self.shown(path)),
                code="misnamed-file",
                message=f"pathdeck reads {wanted}, not {path.name}: rename the file",
            )
        )

    def not_a_file(self, path: Path) -> bool:
        """Report `path` if it is not a regular file; True when it was reported."""
        kind = not_a_file(path)
        if kind is not None:
            self.problems.append(not_a_file_problem(self.shown(path), kind))
        return kind is not None

    def stage(self, folder: Path) -> StageListing | None:
        concepts: list[tuple[Path, str]] = []
        for path in self.listing(folder):
            # Whatever is named like YAML is read or reported: silently skipping it would
            # retire the notes of the concept it holds.
            if not _named_like_yaml(path) or self.not_a_file(path) or path.name == STAGE_FILE:
                continue
            stem = path.stem.lower()
            if stem == "stage":
                self.misnamed(path, STAGE_FILE)
            elif stem == "course":
                self.misnamed(path, f"{COURSE_FILE} only in the source folder itself")
            elif path.suffix not in _YAML_SUFFIXES:
                self.misnamed(path, f"{path.stem}{path.suffix.lower()} (a lowercase ending)")
            else:
                concepts.append((path, self.shown(path)))
        stage_path = folder / STAGE_FILE
        if not concepts and not stage_path.is_file():
            return None  # a folder of images or notes, not a stage
        stage = (stage_path, self.shown(stage_path)) if stage_path.is_file() else None
        return StageListing(self.shown(folder), stage, tuple(concepts))

    def tree(self) -> TreeListing:
        course: SourceFile | None = None
        stages: list[StageListing] = []
        for path in self.listing(self.root):
            yaml_like = _named_like_yaml(path)
            broken = (not_a_file(path) or "").startswith(BROKEN_LINK)
            if (yaml_like or broken) and self.not_a_file(path):
                continue  # a broken link may have been a stage folder
            if path.is_dir():
                listed = self.stage(path)
                if listed is not None:
                    stages.append(listed)
            elif path.name == COURSE_FILE:
                course, found = load_file(path, self.shown(path))
                self.problems.extend(found)
            elif yaml_like and path.stem.lower() == "course":
                self.misnamed(path, COURSE_FILE)
            elif yaml_like:
                self.problems.append(
                    Problem(
                        location=Location(self.shown(path)),
                        code="misplaced-file",
                        message="a concept file must sit in its stage's folder, beside "
                        f"{STAGE_FILE}; this one would be ignored",
                    )
                )
        course_path = self.shown(self.root / COURSE_FILE)
        return TreeListing(self.root, course, tuple(stages), tuple(self.problems), course_path)


def _named_like_yaml(path: Path) -> bool:
    # `.YAML` and `.Yml` too: such a file is reported, never silently left out
    return path.suffix.lower() in _YAML_SUFFIXES


def list_tree(root: Path) -> TreeListing:
    """Parse course.yaml and find every stage folder and concept file below `root`."""
    return _TreeLister(root).tree()


def load_stage(listing: StageListing) -> tuple[StageFiles, list[Problem]]:
    """Parse one listed stage folder: its stage.yaml and every concept file."""
    problems: list[Problem] = []

    def parse(path: Path, shown: str) -> SourceFile:
        source, found = load_file(path, shown)
        problems.extend(found)
        return source

    stage = parse(*listing.stage) if listing.stage else None
    concepts = tuple(parse(path, shown) for path, shown in listing.concepts)
    return StageFiles(listing.folder, stage, concepts), problems


def load_tree(root: Path) -> SourceTree:
    """Parse course.yaml, every <stage>/stage.yaml and every concept file below `root`."""
    listed = list_tree(root)
    problems = list(listed.problems)
    stages = []
    for stage in listed.stages:
        files, found = load_stage(stage)
        stages.append(files)
        problems += found
    return SourceTree(root, listed.course, tuple(stages), tuple(problems), listed.course_path)
