"""Note-type versions: a role's fields and templates are frozen once published."""

from __future__ import annotations

from pathdeck import problems as codes
from pathdeck.cards import NoteType, note_type
from pathdeck.identity.ledger import LEDGER_FILE, Ledger, NoteTypeRecord
from pathdeck.problems import ContentError, Location, Problem
from pathdeck.roles import Role


def resolve_notetypes(
    ledger: Ledger, now: int, *, accept_changes: bool
) -> tuple[dict[Role, NoteType], dict[Role, NoteTypeRecord]]:
    """Each role's note type, version-checked against the ledger (field changes are refused)."""
    problems: list[Problem] = []
    types: dict[Role, NoteType] = {}
    records: dict[Role, NoteTypeRecord] = {}
    for role in Role:
        old = ledger.notetypes.get(role)
        version = old.version if old else 1
        current = note_type(role, ledger.course, version)
        schema = current.schema
        if old and (old.fields != schema["fields"] or old.templates != schema["templates"]):
            if not accept_changes:
                problems.append(_schema_problem(role, old, schema))
                continue
            version += 1
            current = note_type(role, ledger.course, version)
            old = None
        if old is None:
            changed = now
        elif old.looks == current.looks_hash:
            changed = old.changed
        else:
            changed = max(now, old.changed + 1)
        types[role] = current
        records[role] = NoteTypeRecord(
            role=role,
            id=current.id,
            version=version,
            fields=schema["fields"],
            templates=schema["templates"],
            looks=current.looks_hash,
            changed=changed,
        )
    if problems:
        raise ContentError(problems)
    return types, records


def _schema_problem(role: Role, old: NoteTypeRecord, schema: dict[str, list[str]]) -> Problem:
    return Problem(
        location=Location(LEDGER_FILE),
        code=codes.NOTETYPE_SCHEMA_CHANGED,
        message=(
            f"the '{role.words}' note type would change from fields {old.fields} / templates "
            f"{old.templates} to {schema['fields']} / {schema['templates']}. Anki cannot update "
            "notes across a field change: learners would get a second note type and every "
            "existing note of it would be skipped as conflicting. Pass --new-notetype-version "
            "to publish it as a new version anyway (learners then re-import into a fresh deck)"
        ),
    )
