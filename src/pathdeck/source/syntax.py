"""YAML syntax errors as authors can act on them: indentation, quoting, tabs."""

from __future__ import annotations

import re

import yaml

from pathdeck import problems as codes
from pathdeck.problems import Location, Problem
from pathdeck.source.positions import char_at, position

# Hints for the syntax errors authors actually make: (words in the parser's message, character
# at the error) -> what to do about it.
_SYNTAX_HINTS = (
    ("mapping values", ":", "; if this is text containing ': ', put the whole text in quotes"),
    ("", "\t", "; indent with spaces, not tabs"),
    ("cannot start any token", "@", "; text starting with '@' must be quoted"),
    ("cannot start any token", "`", "; text starting with '`' must be quoted"),
)


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
        code=codes.YAML_SYNTAX,
        message=f"YAML syntax: wrong indentation: {message}",
    )


def syntax_problem(path: str, text: str, exc: yaml.YAMLError) -> Problem:
    if isinstance(exc, yaml.reader.ReaderError):
        # libyaml counts bytes and PyYAML characters; finding the character itself is exact.
        index = text.find(chr(exc.character)) if isinstance(exc.character, int) else -1
        where = position(path, text, index) if index >= 0 else Location(path)
        code = exc.character if isinstance(exc.character, int) else 0
        return Problem(
            location=where,
            code=codes.CONTROL_CHARACTER,
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
            code=codes.YAML_SYNTAX,
            message=f"YAML syntax: {reason}{_syntax_hint(exc.problem or '', char_at(text, where))}",
        )
    return Problem(location=Location(path), code=codes.YAML_SYNTAX, message=f"YAML syntax: {exc}")
