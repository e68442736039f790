"""Reading one source file: size, what kind of file it is, UTF-8 decoding, then parsing."""

from __future__ import annotations

import os
import re
import stat
import sys
from pathlib import Path

from pathdeck import problems as codes
from pathdeck.problems import Location, Problem
from pathdeck.source.compose import parse_text
from pathdeck.source.nodes import SourceFile

MAX_FILE_BYTES = 1024 * 1024
"""A concept page is a few kilobytes; a megabyte is a mistake (or an attack), not a page."""


_LINE_END = re.compile(rb"\r\n|\r|\n")


def decode(
    path: str, data: bytes, *, code: str = codes.NOT_UTF8, what: str = "file"
) -> tuple[str | None, list[Problem]]:
    """UTF-8 text from bytes (a BOM is allowed), or a problem `code` pointing at the first bad
    byte by line and character column; `what` names the file in the message ("page")."""
    try:
        return data.decode("utf-8-sig"), []
    except UnicodeDecodeError as exc:
        # A lone CR ends a line too, as YAML counts lines and as pages from old Macs end them
        lines = _LINE_END.split(data[: exc.start])
        column = len(lines[-1].decode("utf-8"))
        problem = Problem(
            location=Location(path, len(lines), column + 1),
            code=code,
            message=f"the {what} is not UTF-8 text (byte 0x{data[exc.start]:02x}); save it as UTF-8",
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
        code=codes.UNREADABLE_FILE,
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
            code=codes.FILE_TOO_LARGE,
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
        code=codes.UNREADABLE_FILE,
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
