"""deferred.published_states: every published GUID's mod time and hash, read from the note lines as they stand."""

from __future__ import annotations

import json
from pathlib import Path

from pathdeck.identity import parse_ledger
from pathdeck.identity.deferred import published_states

DECKS_LEDGER = Path(__file__).parent.parent / "decks" / "pathdeck.lock"


def _whole(text: str) -> dict[str, tuple[int, str]]:
    return {entry.guid: (entry.changed, entry.hash) for entry in parse_ledger(text, "x").entries}


def test_changes_match_the_entries_of_the_whole_ledger() -> None:
    text = DECKS_LEDGER.read_text(encoding="utf-8")
    changes = published_states(parse_ledger(text, "x", defer=True))
    assert changes == _whole(text)
    assert len(changes) > 10


def test_lines_written_another_way_and_kept_twice_give_the_later_time() -> None:
    text = DECKS_LEDGER.read_text(encoding="utf-8")
    lines = text.splitlines()
    first = next(i for i, line in enumerate(lines) if line.startswith('{"note": '))
    data = json.loads(lines[first])
    later = {**data, "changed": data["changed"] + 5, "hash": "0123456789abcdef"}
    # one side of a merge re-serialised the line with its keys sorted: no fast path for it
    lines.append(json.dumps(later, sort_keys=True))
    lines.append(lines[first])  # the older line again, from the other side
    merged = "\n".join(lines) + "\n"
    changes = published_states(parse_ledger(merged, "x", defer=True))
    assert changes[data["note"]] == (data["changed"] + 5, "0123456789abcdef")
    assert changes == _whole(merged)
