"""Safe writing: atomic replacement of outputs and a lock so concurrent builds cannot interleave."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from pathdeck.problems import ContentError, Location, Problem

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows has no flock; builds there are not serialised
    fcntl = None  # type: ignore[assignment]


def _unwritable(folder: Path, exc: OSError) -> ContentError:
    return ContentError(
        [
            Problem(
                location=Location(str(folder)),
                code="unwritable-output",
                message=f"cannot write to {folder}: {exc.strerror or exc}",
            )
        ]
    )


@contextmanager
def atomic_output(target: Path) -> Iterator[Path]:
    """A temporary path beside `target`, renamed over it only if the block succeeds."""
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    except OSError as exc:
        raise _unwritable(target.parent, exc) from None
    os.close(fd)
    temporary = Path(name)
    try:
        yield temporary
        temporary.chmod(0o644)
        temporary.replace(target)
    finally:
        temporary.unlink(missing_ok=True)


def write_text_atomically(target: Path, text: str) -> None:
    """Replace a text file in one step: readers see the old or the new file, never a mix."""
    with atomic_output(target) as temporary:
        temporary.write_text(text, encoding="utf-8")


@contextmanager
def exclusive(folder: Path) -> Iterator[None]:
    """Hold an exclusive lock on a folder, so two builds of one source run one after the other."""
    if fcntl is None:  # pragma: no cover
        yield
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the lock
