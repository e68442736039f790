"""Package stage: notes become an .apkg in one pass; the only module that imports genanki."""

from __future__ import annotations

import json
import re
import shutil
import sqlite3
import sys
import tempfile
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

import genanki
from genanki.apkg_col import APKG_COL
from genanki.apkg_schema import APKG_SCHEMA

from pathdeck.cards.notetypes import NoteType

ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)
ZIP_LEVEL = 1  # deflate's fastest level: most of the size win at a fraction of the time
_COPY_CHUNK = 1 << 20
FIELD_SEPARATOR = "\x1f"


@dataclass(frozen=True, slots=True, kw_only=True)
class PackageDeck:
    """A deck to create (Anki matches decks by name)."""

    id: int
    name: str
    description: str = ""


class PackageNote(NamedTuple):
    """A note ready to write: identity, content, placement and new-card order.

    A named tuple: a build makes one per note, at a fifth of a frozen dataclass's cost.
    """

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


def genanki_model(spec: NoteType) -> genanki.Model:
    """The note type as genanki's Model: its JSON and its card rules (`req`) are genanki's own."""
    return genanki.Model(
        model_id=spec.id,
        name=spec.name,
        fields=[{"name": name} for name in spec.fields],
        templates=[{"name": t.name, "qfmt": t.front, "afmt": t.back} for t in spec.templates],
        css=spec.css,
        sort_field_index=spec.sort_field,
        model_type=genanki.Model.CLOZE if spec.cloze else genanki.Model.FRONT_BACK,
    )


def _split_schema(schema: str) -> tuple[str, str]:
    """genanki's schema as (tables, indexes): indexes built after a bulk insert cost a third less."""
    tables, _, indexes = schema.partition("CREATE INDEX")
    return tables, "CREATE INDEX" + indexes


_TABLES, _INDEXES = _split_schema(APKG_SCHEMA)

# (template ord, "all" or "any", required field indexes): genanki's `req`, which Anki's importer
# also uses to decide which cards a note has.
CardRule = tuple[int, bool, tuple[int, ...]]


def _card_rules(req: list[list[object]]) -> tuple[CardRule, ...]:
    return tuple(
        (int(ord_), mode == "all", tuple(required))  # type: ignore[call-overload,arg-type]
        for ord_, mode, required in req
    )


# A cloze note type's rule: the index of its cloze field, whose numbers make the cards.
ClozeRule = int
_CLOZE_NUMBER = re.compile(r"\{\{c([0-9]+)::")


def _cloze_ords(field: str) -> list[int]:
    """One card per cloze number in the field, as Anki makes them (c1 is ord 0)."""
    return sorted({int(n) - 1 for n in _CLOZE_NUMBER.findall(field) if int(n) > 0})


def _card_ords(rules: tuple[CardRule, ...] | ClozeRule, fields: Sequence[str]) -> list[int]:
    """Which templates make a card: a card whose front would be empty is not generated."""
    if isinstance(rules, int):
        return _cloze_ords(fields[rules])
    ords = []
    for ord_, need_all, required in rules:
        present = [bool(fields[i].strip()) for i in required]
        if (need_all and all(present)) or (not need_all and any(present)):
            ords.append(ord_)
    return ords


def _collection_json(
    db: sqlite3.Connection,
    notetypes: Sequence[PackageNoteType],
    decks: Sequence[PackageDeck],
    top_deck_id: int,
) -> tuple[str, str, dict[int, tuple[CardRule, ...] | ClozeRule]]:
    """The `col` row's models and decks JSON, each built once, and every note type's card rules."""
    models: dict[str, object] = {}
    rules: dict[int, tuple[CardRule, ...] | ClozeRule] = {}
    for item in notetypes:
        spec = item.notetype
        data = genanki_model(spec).to_json(item.mod, top_deck_id)
        models[str(spec.id)] = data
        # Anki ignores `req` for a cloze type: its cards come from the cloze numbers.
        rules[spec.id] = (
            spec.cloze_field if spec.cloze_field is not None else _card_rules(data["req"])
        )
    (default_decks,) = db.execute("SELECT decks FROM col").fetchone()
    all_decks = json.loads(default_decks)  # genanki's template brings Anki's Default deck
    for deck in decks:
        all_decks[str(deck.id)] = genanki.Deck(deck.id, deck.name, deck.description).to_json()
    return json.dumps(models), json.dumps(all_decks), rules


_CARD_ZEROS = (0, 0, 0, 0, 0, 0, 0, 0, "")  # ivl factor reps lapses left odue odid flags data


class _Rows:
    """Note rows streamed to sqlite; card rows gathered on the way (a few ints each)."""

    def __init__(
        self,
        notetypes: Sequence[PackageNoteType],
        rules: dict[int, tuple[CardRule, ...] | ClozeRule],
    ):
        # Per note type: its card rules and sort field, looked up once per note.
        self.layout = {
            item.notetype.id: (rules[item.notetype.id], item.notetype.sort_field)
            for item in notetypes
        }
        self.cards: list[tuple[object, ...]] = []

    def notes(self, notes: Sequence[PackageNote], id_base: int) -> Iterator[tuple[object, ...]]:
        """Rows of the notes table, in note order; ids ascend with `due`, as genanki's do."""
        layout, add_card = self.layout, self.cards.append
        card_id = id_base
        for note_id, note in enumerate(notes, start=id_base):
            fields = note.fields
            rules, sort_field = layout[note.notetype_id]
            queue = -1 if note.suspended else 0
            for ord_ in _card_ords(rules, fields):
                add_card(
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
                        *_CARD_ZEROS,
                    )
                )
                card_id += 1
            yield (
                note_id,
                note.guid,
                note.notetype_id,
                note.mod,
                -1,
                " " + " ".join(note.tags) + " ",
                FIELD_SEPARATOR.join(fields),
                fields[sort_field],
                0,
                0,
                "",
            )


def _fill_collection(
    db: sqlite3.Connection,
    notetypes: Sequence[PackageNoteType],
    decks: Sequence[PackageDeck],
    notes: Sequence[PackageNote],
    top_deck_id: int,
    id_base: int,
) -> None:
    """genanki's collection: its schema and `col` row, our models and decks, every note and card."""
    db.executescript(_TABLES)
    db.executescript(APKG_COL)
    models_json, decks_json, rules = _collection_json(db, notetypes, decks, top_deck_id)
    rows = _Rows(notetypes, rules)
    db.execute("BEGIN")
    db.execute("UPDATE col SET models = ?, decks = ?", (models_json, decks_json))
    db.executemany("INSERT INTO notes VALUES(?,?,?,?,?,?,?,?,?,?,?)", rows.notes(notes, id_base))
    db.executemany("INSERT INTO cards VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", rows.cards)
    db.execute("COMMIT")
    db.executescript(_INDEXES)


def write_package(
    target: Path,
    *,
    notetypes: Sequence[PackageNoteType],
    decks: Sequence[PackageDeck],
    notes: Sequence[PackageNote],
    top_deck_id: int,
    created: int,
) -> None:
    """Write an .apkg: decks and note types once, notes and cards in one transaction.

    `target` is written in place: the pipeline passes a temporary that output.staged replaces
    the published package with, together with the ledger.

    genanki's `Package.write_to_file` re-reads and rewrites the decks and models JSON once per
    deck (quadratic in decks) and inserts row by row; this writes the same collection in one pass.
    """
    with tempfile.TemporaryDirectory(prefix="pathdeck-") as scratch:
        database = Path(scratch) / "collection.anki2"
        db = sqlite3.connect(database, isolation_level=None)  # transactions are ours to open
        try:
            db.execute("PRAGMA journal_mode = OFF")  # a scratch file: nothing to roll back to
            db.execute("PRAGMA synchronous = OFF")
            # Notes are about a kilobyte each: 16 KiB pages (SQLite's default is 4) mean fewer
            # overflow pages and page writes, a tenth off the write; any SQLite reads them.
            db.execute("PRAGMA page_size = 16384")
            _fill_collection(db, notetypes, decks, notes, top_deck_id, created * 1000)
        finally:
            db.close()
        with zipfile.ZipFile(target, "w") as archive:
            _add_file(archive, "collection.anki2", database)
            _add(archive, "media", b"{}")


def _info(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=ZIP_EPOCH)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16
    # ZipFile.open(info, "w") takes the level from the ZipInfo alone (public from Python 3.13).
    if sys.version_info >= (3, 13):
        info.compress_level = ZIP_LEVEL
    else:
        info._compresslevel = ZIP_LEVEL  # type: ignore[attr-defined]
    return info


def _add_file(archive: zipfile.ZipFile, name: str, source: Path) -> None:
    """Stream a file into the archive: a 10,000-concept collection never sits in memory twice."""
    with source.open("rb") as reader, archive.open(_info(name), "w") as writer:
        shutil.copyfileobj(reader, writer, _COPY_CHUNK)


def _add(archive: zipfile.ZipFile, name: str, data: bytes) -> None:
    archive.writestr(_info(name), data)
