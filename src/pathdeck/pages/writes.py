"""Writing a page's files: each one atomically, and all of them or none."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from pathdeck.output import claim_temporary


@dataclass(frozen=True, slots=True)
class Write:
    """One file a page needs: where, what, and whether a file is there already."""

    path: Path
    text: str
    exists: bool


def write_atomically(write: Write) -> None:
    """Write a temporary file beside the target and rename it into place: never a partial file.

    Unlike output.write_text_atomically this does not fsync: an import writes thousands of
    small files that its pages can regenerate, and a sync per file would cost more than the
    whole import. The temporary is output's, locked until renamed, so no sweep takes it for a
    killed writer's (a killed import's, a hidden file, is never read as a source).
    """
    path = write.path
    mode = path.stat().st_mode & 0o777 if write.exists else 0o644
    descriptor, temporary = claim_temporary(path)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            os.fchmod(handle.fileno(), mode)
            handle.write(write.text.encode("utf-8"))
            handle.flush()
            temporary.replace(path)  # before the close, which releases the lock
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def make_folders(folder: Path) -> list[Path]:
    """Create `folder` and any missing parents; return the ones created, outermost first."""
    missing: list[Path] = []
    while not folder.is_dir():
        missing.append(folder)
        folder = folder.parent
    for path in reversed(missing):
        path.mkdir()
    return missing[::-1]


def write_all(writes: list[Write]) -> None:
    """Write every file (each atomically) or, on failure, remove the ones this call created."""
    done: list[Write] = []
    try:
        for write in writes:
            write_atomically(write)
            done.append(write)
    except BaseException:
        for write in done:
            if not write.exists:
                write.path.unlink(missing_ok=True)
        raise
