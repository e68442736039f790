"""Reading Anki packages (.apkg, .colpkg): the collection inside, read-only, and what it holds."""

from __future__ import annotations

import contextlib
import errno
import json
import shutil
import sqlite3
import tempfile
import zipfile
import zlib
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import zstandard

from pathdeck import problems as codes
from pathdeck._speed import scratch

MODERN = "collection.anki21b"
"""Anki 2.1.50+: a zstd-compressed SQLite collection."""
LEGACY = ("collection.anki21", "collection.anki2")
"""Older exports and pathdeck's own packages, plain SQLite. A modern package also holds a
placeholder `collection.anki2` whose one note says "please update Anki", so it is read only
when nothing newer is there."""
REQUIRED_TABLES = frozenset({"col", "notes", "cards", "revlog"})


class ExportError(Exception):
    """A file that cannot be read as an Anki package; `code` is its problem code, `reason` why."""

    def __init__(self, path: Path, code: str, reason: str) -> None:
        self.path = path
        self.code = code
        self.reason = reason
        super().__init__(f"{path}: {reason}")


@dataclass(frozen=True, slots=True, kw_only=True)
class StoredNote:
    """A note as the package stores it, with the deck of its first card."""

    guid: str
    notetype: int
    mod: int
    fields: tuple[str, ...]
    tags: tuple[str, ...]  # as stored: Anki re-sorts them on export
    sort_field: str
    deck: str


@dataclass(frozen=True, slots=True, kw_only=True)
class StoredNoteType:
    """A note type as the package stores it; templates as (name, front, back)."""

    id: int
    name: str
    fields: tuple[str, ...]
    templates: tuple[tuple[str, str, str], ...]
    css: str
    mod: int


@dataclass(frozen=True, slots=True, kw_only=True)
class StoredPackage:
    """The notes (in note id order), note types by id and deck names of a package."""

    notes: tuple[StoredNote, ...]
    notetypes: dict[int, StoredNoteType]
    decks: frozenset[str]


class Extractions:
    """Where a command that reads many packages extracts their collections: the first `keep`
    are kept to be read again later in the command, the others go one after another into one
    file, overwritten each time. Overwriting a file's pages spares the kernel allocating,
    zeroing and freeing them: extracting and reading a 30 MB collection took 95 against
    108 ms in a fresh file (alternating, median of 6 rounds of 10). Everything is removed
    when this closes (or its `with` ends)."""

    def __init__(self, keep: int) -> None:
        self.keep = keep
        self._kept: dict[Path, Path] = {}
        self._reused: Path | None = None
        self._cleanup = contextlib.ExitStack()

    def __enter__(self) -> Extractions:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Remove every collection extracted."""
        self._kept.clear()
        self._reused = None
        self._cleanup.close()

    def kept(self, path: Path) -> Path | None:
        """The extracted collection of the package at `path`, if it was kept."""
        return self._kept.get(path)

    def extract(self, path: Path) -> Path:
        """The package's collection extracted: kept while there is room, else into the file
        reused (moved to the system's temporary folder once RAM has no room for one)."""
        if len(self._kept) < self.keep:
            with contextlib.ExitStack() as extraction:
                self._kept[path] = database = _extracted(path, extraction)
                self._cleanup.push(extraction.pop_all())
                return database
        if self._reused is None:
            self._reused = self._file_in(scratch.folders()[0])
        try:
            _extract_collection(path, self._reused)
        except OSError:  # the RAM folder is too full: the system's temporary folder from now on
            self._reused.unlink(missing_ok=True)  # what was written gives its RAM back now
            self._reused = self._file_in(None)
            try:
                _extract_collection(path, self._reused)
            except OSError as exc:
                raise _no_room(path, exc) from None
        return self._reused

    def _file_in(self, folder: str | None) -> Path:
        return _collection_file(folder, self._cleanup)


@contextmanager
def open_export(path: Path, extractions: Extractions | None = None) -> Iterator[sqlite3.Connection]:
    """The collection inside an .apkg or .colpkg as a read-only connection; temp files removed,
    or left to `extractions` to keep or reuse."""
    with contextlib.ExitStack() as cleanup:
        if extractions is None:
            database = _extracted(path, cleanup)
        else:
            database = extractions.kept(path) or extractions.extract(path)
        connection = _connect_read_only(path, database)
        cleanup.callback(connection.close)
        yield connection


def _extracted(path: Path, cleanup: contextlib.ExitStack) -> Path:
    """The package's collection extracted into a temporary folder that `cleanup` removes: in
    RAM where there is room (see _speed/scratch.py), else in the system's temporary folder."""
    for folder in scratch.folders():
        with contextlib.ExitStack() as attempt:
            database = _collection_file(folder, attempt)
            try:
                _extract_collection(path, database)
            except OSError as exc:  # only a full folder gets here
                if folder is None:
                    raise _no_room(path, exc) from None
                continue
            cleanup.push(attempt.pop_all())
            return database
    raise AssertionError("the system's temporary folder is always tried")  # pragma: no cover


def _collection_file(folder: str | None, cleanup: contextlib.ExitStack) -> Path:
    """A file to extract a collection into, in a new private folder inside `folder` (None:
    the system's temporary folder) that `cleanup` removes."""
    inside = cleanup.enter_context(tempfile.TemporaryDirectory(prefix=_SCRATCH, dir=folder))
    return Path(inside) / "collection.sqlite"


def _no_room(path: Path, full: OSError) -> ExportError:
    return ExportError(path, codes.UNREADABLE_EXPORT, f"no room to extract it: {full.strerror}")


_SCRATCH = "pathdeck-export-"


def read_package(path: Path) -> StoredPackage:
    """The notes, note types and decks of a package written by pathdeck or exported by Anki:
    legacy JSON columns, or the separate tables of Anki's newer schema. ExportError if not."""
    with open_export(path) as db:
        try:
            return _contents(db)
        except (sqlite3.DatabaseError, AttributeError, KeyError, TypeError, ValueError) as exc:
            raise damaged(path, f"its collection cannot be read ({exc})") from None


def count_guids(path: Path, prefix: str) -> int:
    """How many notes of the package at `path` have GUIDs starting with `prefix`; 0 when no
    readable package is there."""
    try:
        if not path.is_file():
            return 0
        with open_export(path) as db:
            (count,) = db.execute(
                "SELECT count(*) FROM notes WHERE substr(guid, 1, ?) = ?", (len(prefix), prefix)
            ).fetchone()
    except (ExportError, OSError, sqlite3.DatabaseError):
        return 0
    return int(count)


def damaged(path: Path, why: str) -> ExportError:
    """The error for a package whose zip or collection is damaged."""
    return ExportError(path, codes.DAMAGED_EXPORT, f"the Anki export is damaged: {why}")


def _extract_collection(path: Path, database: Path) -> None:
    """Copy the newest collection in the package to `database`, decompressing a modern one."""
    try:
        with zipfile.ZipFile(path) as archive:
            member = _collection_member(path, set(archive.namelist()))
            # an existing file is overwritten in place, its pages reused (see Extractions)
            with (
                archive.open(member) as packed,
                database.open("r+b" if database.exists() else "wb") as plain,
            ):
                _copy(packed, plain, compressed=member == MODERN)
                plain.truncate()
    except zipfile.BadZipFile as exc:
        if not _starts_like_zip(path):
            raise ExportError(
                path,
                codes.NOT_AN_EXPORT,
                "not an Anki export (.apkg or .colpkg): it is not a zip file",
            ) from None
        raise damaged(path, str(exc)) from None
    except (zlib.error, EOFError, zstandard.ZstdError) as exc:
        raise damaged(path, str(exc)) from None
    except OSError as exc:
        if exc.errno == errno.ENOSPC:  # the scratch folder, not the package: try another
            raise
        raise ExportError(
            path, codes.UNREADABLE_EXPORT, f"cannot be read: {exc.strerror or exc}"
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
        codes.NOT_AN_EXPORT,
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
        raise damaged(path, f"its collection is not a readable database ({exc})") from None
    missing = REQUIRED_TABLES - tables
    if missing:
        connection.close()
        raise damaged(path, f"its collection lacks the {', '.join(sorted(missing))} table(s)")
    return connection


# ---------------------------------------------------------------- what the collection holds


def _contents(db: sqlite3.Connection) -> StoredPackage:
    models_json, decks_json = db.execute("SELECT models, decks FROM col").fetchone()
    if json.loads(models_json or "{}"):
        notetypes = _legacy_notetypes(json.loads(models_json))
        decks = {int(i): str(d["name"]) for i, d in json.loads(decks_json).items()}
    else:
        notetypes = _modern_notetypes(db)
        rows = db.execute("SELECT id, name FROM decks").fetchall()
        # Anki stores a deck path with \x1f between its parts
        decks = {int(i): str(name).replace("\x1f", "::") for i, name in rows}
    return StoredPackage(
        notes=_notes(db, decks), notetypes=notetypes, decks=frozenset(decks.values())
    )


def _notes(db: sqlite3.Connection, decks: dict[int, str]) -> tuple[StoredNote, ...]:
    first_deck = dict(db.execute("SELECT nid, did FROM cards ORDER BY ord DESC").fetchall())
    rows = db.execute("SELECT id, guid, mid, mod, flds, tags, sfld FROM notes ORDER BY id")
    return tuple(
        StoredNote(
            guid=guid,
            notetype=int(mid),
            mod=int(mod),
            fields=tuple(flds.split("\x1f")),
            tags=tuple(tags.split()),
            sort_field=str(sfld),
            deck=decks.get(first_deck.get(nid, 0), ""),
        )
        for nid, guid, mid, mod, flds, tags, sfld in rows
    )


def _legacy_notetypes(models: dict[str, Any]) -> dict[int, StoredNoteType]:
    return {
        int(mid): StoredNoteType(
            id=int(mid),
            name=str(model["name"]),
            fields=tuple(str(f["name"]) for f in model["flds"]),
            templates=tuple(
                (str(t["name"]), str(t["qfmt"]), str(t["afmt"])) for t in model["tmpls"]
            ),
            css=str(model.get("css", "")),
            mod=int(model.get("mod", 0)),
        )
        for mid, model in models.items()
    }


def _modern_notetypes(db: sqlite3.Connection) -> dict[int, StoredNoteType]:
    """Note types from Anki's own tables. Their templates and CSS sit in protobuf blobs, so
    they are left empty (recovery: the next build then sees new looks and updates them once)."""
    fields: dict[int, list[str]] = defaultdict(list)
    for ntid, name in db.execute("SELECT ntid, name FROM fields ORDER BY ntid, ord"):
        fields[int(ntid)].append(str(name))
    templates: dict[int, list[tuple[str, str, str]]] = defaultdict(list)
    for ntid, name in db.execute("SELECT ntid, name FROM templates ORDER BY ntid, ord"):
        templates[int(ntid)].append((str(name), "", ""))
    return {
        int(ntid): StoredNoteType(
            id=int(ntid),
            name=str(name),
            fields=tuple(fields[int(ntid)]),
            templates=tuple(templates[int(ntid)]),
            css="",
            mod=int(mtime),
        )
        for ntid, name, mtime in db.execute("SELECT id, name, mtime_secs FROM notetypes")
    }
