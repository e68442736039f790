"""The deferred ledger: a build parses each concept's note lines where that concept is matched.

A rebuild reads a ledger line for every note ever published. Parsing them all before the
stages are read would be serial work, so `parse_ledger(defer=True)` only files each note line
under its concept key (`Ledger.pending`), and each stage's worker parses the lines of the
concepts it resolves (`Ledger.entries_of`). The rules that keep this exact live here:

- a worker sends its entries back only when some changed (`sent_back`); otherwise the main
  process's pending lines still say the same, and `Ledger.render` parses them if the ledger
  is written;
- once a worker's entries are in, the concept's pending lines are dropped (`superseded`), so
  no line is parsed twice or written twice;
- a worker meets a damaged line in its own concepts only, so the problems it reports can come
  in another order than a whole read's: the ledger is then read again whole
  (`whole_ledger_problems`), as `pathdeck check` reports it.

Insights need less: each published GUID's mod time and hash (`published_states`), read
straight from the pending lines.
"""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

from pathdeck.identity.concepts import StageIdentities
from pathdeck.identity.ledger import Ledger, json_line
from pathdeck.identity.resolve import Matched
from pathdeck.identity.store import read_ledger
from pathdeck.problems import ContentError


def sent_back(found: StageIdentities) -> StageIdentities:
    """What a worker sends of a stage's identities: without its ledger entries when none
    changed (the main process's pending lines hold them); sending them was a fifth of what a
    worker sends."""
    if found.matched.touched:
        return found
    return replace(found, matched=replace(found.matched, entries=None))


def superseded(ledger: Ledger, key: str, matched: Matched) -> None:
    """Drop a concept's pending lines once a worker's parse of them is in hand."""
    if matched.entries is not None:
        ledger.pending.pop(key, None)


def whole_ledger_problems(source: Path, course_id: str, found: ContentError) -> ContentError:
    """The ledger's problems exactly as reading it whole reports them, or `found` when the
    ledger reads fine (the problem was elsewhere: SOURCE_DATE_EPOCH, say)."""
    try:
        read_ledger(source, course_id)
    except ContentError as error:
        return error
    return found


def published_states(ledger: Ledger) -> dict[str, tuple[int, str]]:
    """Every published GUID with its note's last modification time and content hash (of the
    later line for a note listed twice), read from the note lines without making entries of
    them: insights need only this to read learners' exports, and making every entry took four
    times as long. A damaged line is left out here; parsing the ledger whole reports it."""
    found = {entry.guid: (entry.changed, entry.hash) for entry in ledger.entries}
    for lines in ledger.pending.values():
        for _, line in lines:
            note = _published_state(line)
            if note is not None and note[1] > found.get(note[0], (-1, ""))[0]:
                found[note[0]] = note[1:]
    return found


# A note line as ledger.entry_line writes it, up to its content hash: no string before
# "changed" can hold a bare quote, so the first `, "changed": ` is the key itself.
_NOTE_STATE = re.compile(r'\{"note": "([^"\\]*)", .*?, "changed": (\d+), "hash": "([^"\\]*)", ')


def _published_state(line: str) -> tuple[str, int, str] | None:
    """A note line's GUID, mod time and content hash, parsed only when it was written some
    other way than entry_line writes it; None if it is damaged."""
    written = _NOTE_STATE.match(line)
    if written is not None:
        return written[1], int(written[2]), written[3]
    try:
        data = json_line(line)
        return str(data["note"]), int(data["changed"]), str(data["hash"])  # type: ignore[index]
    except (ValueError, TypeError, KeyError):
        return None
