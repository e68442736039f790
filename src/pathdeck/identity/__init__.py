"""Identity stage: stable GUIDs and mod times from the ledger; never re-derived from text or position.

keys (GUIDs, keys at birth, hashes, clock) -> ledger (the file format) -> matching (items) ->
resolve (one concept's notes) -> concepts (moves, renames, reuse) -> release (the new ledger);
store reads the ledger file, recover rebuilds a lost one, notetypes freezes field lists.
"""

from pathdeck.identity.concepts import (
    MOVED,
    SAME_ID,
    StageIdentities,
    Unclaimed,
    resolve_rest,
    resolve_stage,
)
from pathdeck.identity.keys import build_time, content_hash, guid_for, parse_guid
from pathdeck.identity.ledger import LEDGER_FILE, ConceptRecord, Entry, Ledger, parse_ledger
from pathdeck.identity.matching import SIMILAR, match_items
from pathdeck.identity.release import Resolution, assemble
from pathdeck.identity.resolve import Matched, Published, Resolver
from pathdeck.identity.store import read_ledger, refuse_fresh_start
from pathdeck.identity.transfers import transfer_items

__all__ = [
    "LEDGER_FILE",
    "MOVED",
    "SAME_ID",
    "SIMILAR",
    "ConceptRecord",
    "Entry",
    "Ledger",
    "Matched",
    "Published",
    "Resolution",
    "Resolver",
    "StageIdentities",
    "Unclaimed",
    "assemble",
    "build_time",
    "content_hash",
    "guid_for",
    "match_items",
    "parse_guid",
    "parse_ledger",
    "read_ledger",
    "refuse_fresh_start",
    "resolve_rest",
    "resolve_stage",
    "transfer_items",
]
