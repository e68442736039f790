"""How a build was asked to run: the choices every layer from the command line down passes on."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True, kw_only=True)
class BuildOptions:
    """The choices of one `pathdeck build`, passed whole instead of as a list of keywords."""

    concept_decks: bool = False  # each concept its own deck under its stage
    accept_notetype_changes: bool = False  # publish a new note-type version when fields change
    locked: bool = False  # fail instead of changing the ledger (CI)
    strict: bool = False  # warnings are errors
    new_ledger: bool = False  # start a ledger although the course looks published
    allow_placeholders: bool = False  # a draft: TODO placeholders are only warnings
    jobs: int | None = None  # processes reading the sources (None: one per CPU, at most 8)
