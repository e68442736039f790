"""Learners' Anki exports (.apkg with scheduling, .colpkg) opened read-only as SQLite databases."""

from __future__ import annotations

import shutil
import sqlite3
import tempfile
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

import zstandard

MODERN = "collection.anki21b"
"""Anki 2.1.50+: a zstd-compressed SQLite collection."""
LEGACY = ("collection.anki21", "collection.anki2")
"""Older exports, plain SQLite. A modern package also holds a placeholder `collection.anki2`
whose one note says "please update Anki", so it is read only when nothing newer is there."""
REQUIRED_TABLES = frozenset({"col", "notes", "cards", "revlog"})


class ExportError(Exception):
    """A file that cannot be read as a learner's Anki export; the message says why."""

    def __init__(self, path: Path, code: str, reason: str) -> None:
        self.path = path
        self.code = code
        self.reason = reason
        super().__init__(f"{path}: {reason}")


@contextmanager
def open_export(path: Path) -> Iterator[sqlite3.Connection]:
    """The collection inside an .apkg or .colpkg as a read-only connection; temp files removed."""
    with tempfile.TemporaryDirectory(prefix="pathdeck-export-") as scratch:
        database = Path(scratch) / "collection.sqlite"
        _extract_collection(path, database)
        connection = _connect_read_only(path, database)
        try:
            yield connection
        finally:
            connection.close()


def _extract_collection(path: Path, database: Path) -> None:
    """Copy the newest collection in the package to `database`, decompressing a modern one."""
    try:
        with zipfile.ZipFile(path) as archive:
            member = _collection_member(path, set(archive.namelist()))
            with archive.open(member) as packed, database.open("wb") as plain:
                _copy(packed, plain, compressed=member == MODERN)
    except zipfile.BadZipFile as exc:
        if not _starts_like_zip(path):
            raise ExportError(
                path, "not-an-export", "not an Anki export (.apkg or .colpkg): it is not a zip file"
            ) from None
        raise _damaged(path, str(exc)) from None
    except (zlib.error, EOFError, zstandard.ZstdError) as exc:
        raise _damaged(path, str(exc)) from None
    except OSError as exc:
        raise ExportError(
            path, "unreadable-export", f"cannot be read: {exc.strerror or exc}"
        ) from None


def _starts_like_zip(path: Path) -> bool:
    """True for a file that begins as a zip does: a cut-short download is damaged, not foreign."""
    with path.open("rb") as file:
        return file.read(4) == b"PK\x03\x04"


def _collection_member(path: Path, members: set[str]) -> str:
    """The newest collection the package holds (never the modern format's placeholder)."""
    for name in (MODERN, *LEGACY):
        if name in members:
            return name
    raise ExportError(
        path,
        "not-an-export",
        "not an Anki export: the zip holds no collection (collection.anki21b, .anki21 or .anki2)",
    )


def _copy(packed: IO[bytes], plain: IO[bytes], *, compressed: bool) -> None:
    """Stream the member out, so a large collection never sits in memory whole."""
    if compressed:
        zstandard.ZstdDecompressor().copy_stream(packed, plain)
    else:
        shutil.copyfileobj(packed, plain, 1 << 20)


def _connect_read_only(path: Path, database: Path) -> sqlite3.Connection:
    """Open the extracted copy read-only and check that it is an Anki collection."""
    uri = database.as_uri() + "?mode=ro&immutable=1"
    connection = sqlite3.connect(uri, uri=True)
    try:
        tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master")}
    except sqlite3.DatabaseError as exc:
        connection.close()
        raise _damaged(path, f"its collection is not a readable database ({exc})") from None
    missing = REQUIRED_TABLES - tables
    if missing:
        connection.close()
        raise _damaged(path, f"its collection lacks the {', '.join(sorted(missing))} table(s)")
    return connection


def _damaged(path: Path, why: str) -> ExportError:
    return ExportError(path, "damaged-export", f"the Anki export is damaged: {why}")
