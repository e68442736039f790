"""Package stage: notes become an .apkg in one pass; the only module that imports genanki."""

from __future__ import annotations

import json
import sqlite3
import tempfile
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import genanki
from genanki.apkg_col import APKG_COL
from genanki.apkg_schema import APKG_SCHEMA

from pathdeck.notetypes import NoteType
from pathdeck.output import atomic_output

ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)
FIELD_SEPARATOR = "\x1f"
COLLECTION_CREATED = 1_700_000_000  # fixed, so identical input gives identical bytes


@dataclass(frozen=True, slots=True, kw_only=True)
class PackageDeck:
    """A deck to create (Anki matches decks by name)."""

    id: int
    name: str
    description: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class PackageNote:
    """A note ready to write: identity, content, placement and new-card order."""

    guid: str
    notetype_id: int
    fields: tuple[str, ...]
    tags: tuple[str, ...]
    deck_id: int
    due: int
    mod: int
    suspended: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class PackageNoteType:
    """A note type with the mod time its templates last changed."""

    notetype: NoteType
    mod: int


def _model(spec: NoteType) -> genanki.Model:
    return genanki.Model(
        model_id=spec.id,
        name=spec.name,
        fields=[{"name": name} for name in spec.fields],
        templates=[{"name": t.name, "qfmt": t.front, "afmt": t.back} for t in spec.templates],
        css=spec.css,
        sort_field_index=spec.sort_field,
    )


def _card_ords(req: list[list[object]], fields: Sequence[str]) -> list[int]:
    """Which templates make a card, by genanki's `req` rules (as Anki's importer expects)."""
    ords = []
    for template_ord, mode, required in req:
        present = [bool(fields[i].strip()) for i in required]  # type: ignore[attr-defined]
        if (mode == "all" and all(present)) or (mode == "any" and any(present)):
            ords.append(int(template_ord))  # type: ignore[call-overload]
    return ords


def _fill_collection(
    db: sqlite3.Connection,
    notetypes: Sequence[PackageNoteType],
    decks: Sequence[PackageDeck],
    notes: Sequence[PackageNote],
    top_deck_id: int,
    id_base: int,
) -> None:
    db.executescript(APKG_SCHEMA)
    db.executescript(APKG_COL)
    models = {}
    reqs = {}
    sort_field = {item.notetype.id: item.notetype.sort_field for item in notetypes}
    for item in notetypes:
        model = _model(item.notetype)
        data = model.to_json(item.mod, top_deck_id)
        models[str(item.notetype.id)] = data
        reqs[item.notetype.id] = data["req"]
    (decks_json,) = db.execute("SELECT decks FROM col").fetchone()
    all_decks = json.loads(decks_json)
    for deck in decks:
        all_decks[str(deck.id)] = genanki.Deck(deck.id, deck.name, deck.description).to_json()
    db.execute("UPDATE col SET models = ?, decks = ?", (json.dumps(models), json.dumps(all_decks)))
    note_rows = []
    card_rows = []
    card_id = id_base
    for number, note in enumerate(notes):
        note_id = id_base + number
        note_rows.append(
            (
                note_id,
                note.guid,
                note.notetype_id,
                note.mod,
                -1,
                " " + " ".join(note.tags) + " ",
                FIELD_SEPARATOR.join(note.fields),
                note.fields[sort_field[note.notetype_id]],
                0,
                0,
                "",
            )
        )
        queue = -1 if note.suspended else 0
        for ord_ in _card_ords(reqs[note.notetype_id], note.fields):
            card_rows.append(
                (
                    card_id,
                    note_id,
                    note.deck_id,
                    ord_,
                    note.mod,
                    -1,
                    0,
                    queue,
                    note.due,
                    0,
                    0,
                    0,
                    0,
                    0,
                    0,
                    0,
                    0,
                    "",
                )
            )
            card_id += 1
    db.executemany("INSERT INTO notes VALUES(?,?,?,?,?,?,?,?,?,?,?)", note_rows)
    db.executemany("INSERT INTO cards VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", card_rows)


def write_package(
    target: Path,
    *,
    notetypes: Sequence[PackageNoteType],
    decks: Sequence[PackageDeck],
    notes: Sequence[PackageNote],
    top_deck_id: int,
    created: int,
) -> None:
    """Write an .apkg atomically: decks and note types once, notes and cards in one transaction."""
    id_base = created * 1000
    with tempfile.TemporaryDirectory(prefix="pathdeck-") as scratch:
        database = Path(scratch) / "collection.anki2"
        db = sqlite3.connect(database)
        try:
            db.execute("PRAGMA journal_mode = OFF")
            db.execute("PRAGMA synchronous = OFF")
            with db:
                _fill_collection(db, notetypes, decks, notes, top_deck_id, id_base)
        finally:
            db.close()
        with atomic_output(target) as temporary, zipfile.ZipFile(temporary, "w") as archive:
            _add(archive, "collection.anki2", database.read_bytes())
            _add(archive, "media", b"{}")


def _add(archive: zipfile.ZipFile, name: str, data: bytes) -> None:
    info = zipfile.ZipInfo(name, date_time=ZIP_EPOCH)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16
    archive.writestr(info, data, compresslevel=1)


def write_with_genanki(
    target: Path,
    *,
    notetypes: Sequence[PackageNoteType],
    decks: Sequence[PackageDeck],
    notes: Sequence[PackageNote],
    created: int,
) -> None:
    """The same package through genanki's own writer: the reference the bulk writer must match."""
    models = {item.notetype.id: _model(item.notetype) for item in notetypes}
    by_id = {deck.id: genanki.Deck(deck.id, deck.name, deck.description) for deck in decks}
    for note in notes:
        by_id[note.deck_id].add_note(
            genanki.Note(
                model=models[note.notetype_id],
                fields=list(note.fields),
                tags=list(note.tags),
                guid=note.guid,
                due=note.due,
            )
        )
    genanki.Package(list(by_id.values())).write_to_file(str(target), timestamp=created)
