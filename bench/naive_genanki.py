"""The baseline: a plain genanki script writing the same notes, cards and decks as pathdeck.

It reads a dump made by bench/run.py (note types, decks, notes with their fields, tags and
GUIDs), builds genanki objects and calls `genanki.Package(decks).write_to_file` — what a
hand-written exporter does. Run as a whole process so interpreter start and imports count too.

    python bench/naive_genanki.py bench/out/notes-2000-stage.json bench/out/naive.apkg
"""

from __future__ import annotations

import json
import sys
import warnings
from pathlib import Path

import genanki

TIMESTAMP = 1_700_000_000


def main(dump: Path, target: Path) -> None:
    """Write `dump` to `target` with genanki's own writer."""
    data = json.loads(dump.read_text(encoding="utf-8"))
    models = {
        m["id"]: genanki.Model(
            model_id=m["id"],
            name=m["name"],
            fields=[{"name": name} for name in m["fields"]],
            templates=[
                {"name": name, "qfmt": front, "afmt": back} for name, front, back in m["templates"]
            ],
            css=m["css"],
            sort_field_index=m["sort_field"],
        )
        for m in data["notetypes"]
    }
    decks = {d["id"]: genanki.Deck(d["id"], d["name"], d["description"]) for d in data["decks"]}
    for guid, model_id, fields, tags, deck_id, due in data["notes"]:
        decks[deck_id].add_note(
            genanki.Note(model=models[model_id], fields=fields, tags=tags, guid=guid, due=due)
        )
    with warnings.catch_warnings():  # genanki warns about HTML it does not know; not our concern
        warnings.simplefilter("ignore")
        genanki.Package(list(decks.values())).write_to_file(str(target), timestamp=TIMESTAMP)


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
