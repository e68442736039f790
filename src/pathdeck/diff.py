"""Release diff: what a learner's next import of a new .apkg will change, note by note."""

from __future__ import annotations

import json
import re
import sqlite3
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from pathdeck.problems import ContentError

_TAGS = re.compile(r"<[^>]+>")
_COLLECTIONS = ("collection.anki21", "collection.anki2")


@dataclass(frozen=True, slots=True, kw_only=True)
class PackagedNote:
    """A note as stored in an .apkg."""

    guid: str
    notetype: str
    mod: int
    fields: tuple[str, ...]
    tags: tuple[str, ...]
    sort_text: str


@dataclass(frozen=True, slots=True, kw_only=True)
class PackageContents:
    """The notes, note types (name -> field names) and deck names of an .apkg."""

    notes: dict[str, PackagedNote]
    notetypes: dict[str, tuple[str, ...]]
    decks: frozenset[str]


@dataclass(frozen=True, slots=True, kw_only=True)
class Change:
    """One note's fate on import: new, updated, unchanged, not-delivered or dropped."""

    kind: str
    guid: str
    notetype: str
    summary: str
    fields: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class ReleaseDiff:
    """Every change between two releases, plus note-type and deck differences."""

    changes: tuple[Change, ...]
    notetype_problems: tuple[str, ...] = ()
    new_decks: tuple[str, ...] = ()
    counts: dict[str, int] = field(default_factory=dict)

    def to_json(self) -> dict[str, object]:
        """The machine-readable diff printed by `--json`."""
        return {
            "counts": self.counts,
            "notetype_problems": list(self.notetype_problems),
            "new_decks": list(self.new_decks),
            "changes": [
                {
                    "kind": c.kind,
                    "guid": c.guid,
                    "notetype": c.notetype,
                    "summary": c.summary,
                    "fields": list(c.fields),
                }
                for c in self.changes
                if c.kind != "unchanged"
            ],
        }


def _unreadable(path: Path, why: str) -> ContentError:
    return ContentError.at(
        str(path), "bad-package", f"cannot read {path} as an Anki package: {why}"
    )


def read_package(path: Path) -> PackageContents:
    """Read the notes, note types and decks of an .apkg written by pathdeck or Anki."""
    try:
        with zipfile.ZipFile(path) as archive:
            members = set(archive.namelist())
            member = next((n for n in _COLLECTIONS if n in members), None)
            if member is None:
                raise _unreadable(path, "it holds no collection")
            data = archive.read(member)
    except (OSError, zipfile.BadZipFile) as exc:
        raise _unreadable(path, str(exc)) from None
    with tempfile.TemporaryDirectory(prefix="pathdeck-diff-") as scratch:
        database = Path(scratch) / "collection.db"
        database.write_bytes(data)
        db = sqlite3.connect(database)
        try:
            models_json, decks_json = db.execute("SELECT models, decks FROM col").fetchone()
            rows = db.execute("SELECT guid, mid, mod, flds, tags, sfld FROM notes").fetchall()
        except sqlite3.DatabaseError as exc:
            raise _unreadable(path, str(exc)) from None
        finally:
            db.close()
    models = json.loads(models_json)
    names = {int(mid): m["name"] for mid, m in models.items()}
    notetypes = {m["name"]: tuple(f["name"] for f in m["flds"]) for m in models.values()}
    notes = {
        guid: PackagedNote(
            guid=guid,
            notetype=names.get(int(mid), str(mid)),
            mod=int(mod),
            fields=tuple(flds.split("\x1f")),
            tags=tuple(tags.split()),
            sort_text=str(sfld),
        )
        for guid, mid, mod, flds, tags, sfld in rows
    }
    decks = frozenset(d["name"] for d in json.loads(decks_json).values())
    return PackageContents(notes=notes, notetypes=notetypes, decks=decks)


def _label(note: PackagedNote) -> str:
    text = _TAGS.sub("", note.sort_text)
    return text if len(text) <= 70 else text[:69] + "…"


def _changed_fields(
    old: PackagedNote, new: PackagedNote, names: tuple[str, ...]
) -> tuple[str, ...]:
    changed = [
        names[i] if i < len(names) else f"field {i + 1}"
        for i in range(max(len(old.fields), len(new.fields)))
        if (old.fields[i : i + 1] or ("",)) != (new.fields[i : i + 1] or ("",))
    ]
    if old.tags != new.tags:
        changed.append("tags")
    return tuple(changed)


def diff_packages(old: PackageContents, new: PackageContents) -> ReleaseDiff:
    """Compare two releases the way Anki's default import will treat the new one."""
    changes: list[Change] = []
    for guid, note in new.notes.items():
        before = old.notes.get(guid)
        if before is None:
            changes.append(
                Change(kind="new", guid=guid, notetype=note.notetype, summary=_label(note))
            )
            continue
        fields = _changed_fields(before, note, new.notetypes.get(note.notetype, ()))
        if not fields:
            kind = "unchanged"
        elif note.mod > before.mod:
            kind = "updated"
        else:  # Anki updates only notes whose modification time is newer
            kind = "not-delivered"
        changes.append(
            Change(
                kind=kind, guid=guid, notetype=note.notetype, summary=_label(note), fields=fields
            )
        )
    for guid, note in old.notes.items():
        if guid not in new.notes:
            changes.append(
                Change(kind="dropped", guid=guid, notetype=note.notetype, summary=_label(note))
            )
    problems = tuple(
        f"note type '{name}' changes fields {list(old.notetypes[name])} -> {list(fields)}: "
        "Anki will add a second note type and skip its existing notes as conflicting"
        for name, fields in new.notetypes.items()
        if name in old.notetypes and old.notetypes[name] != fields
    )
    counts = dict.fromkeys(("new", "updated", "unchanged", "not-delivered", "dropped"), 0)
    for change in changes:
        counts[change.kind] += 1
    order = {"new": 0, "updated": 1, "not-delivered": 2, "dropped": 3, "unchanged": 4}
    changes.sort(key=lambda c: (order[c.kind], c.notetype, c.summary))
    return ReleaseDiff(
        changes=tuple(changes),
        notetype_problems=problems,
        new_decks=tuple(sorted(new.decks - old.decks)),
        counts=counts,
    )


def diff_files(old: Path, new: Path) -> ReleaseDiff:
    """Read two .apkg files and compare them."""
    return diff_packages(read_package(old), read_package(new))
