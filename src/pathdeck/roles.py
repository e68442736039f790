"""The six card roles: each is its own note type, in this order within a concept."""

from __future__ import annotations

from enum import Enum


class Role(str, Enum):
    """A card role; the value is the stable name used in tags, GUIDs and the ledger."""

    SAMPLE_LANGUAGE = "sample-language"
    PITFALL = "pitfall"
    RED_FLAG = "red-flag"
    PROVE_IT = "prove-it"
    ANCHOR = "anchor"
    KEY_FACT = "key-fact"

    @property
    def words(self) -> str:
        """The role's words as learners read them, e.g. `Sample language`."""
        return _TITLES[self]

    @property
    def rank(self) -> int:
        """Where the role's cards come within a concept when new cards are introduced."""
        return _RANKS[self]

    @property
    def per_concept(self) -> bool:
        """True for roles with one note per concept rather than one per item."""
        return self in (Role.PROVE_IT, Role.ANCHOR)

    @property
    def cloze(self) -> bool:
        """True for the role whose note type is Anki's cloze type: one card per blank."""
        return self is Role.KEY_FACT


_TITLES = {
    Role.SAMPLE_LANGUAGE: "Sample language",
    Role.PITFALL: "Pitfall",
    Role.RED_FLAG: "Red flag",
    Role.PROVE_IT: "Prove it",
    Role.ANCHOR: "Anchor",
    Role.KEY_FACT: "Key fact",
}

_RANKS = {role: rank for rank, role in enumerate(Role)}

CONCEPT_KEY = "main"
"""The item key of the single note a per-concept role has."""
