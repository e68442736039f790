"""Release diff: what a learner's next import of a new .apkg will change, concept by concept."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from pathdeck import problems as codes
from pathdeck.cards import RETIRED_TAG
from pathdeck.ids import CONCEPT_ID
from pathdeck.package.read import ExportError, read_package
from pathdeck.problems import ContentError, Location, Problem, Severity
from pathdeck.roles import Role

_TAGS = re.compile(r"<[^>]+>")
_CONCEPT_TAG = "pathdeck::"
_ROLE_TAG = "pathdeck::role::"
KINDS = ("new", "updated", "retired", "restored", "not_delivered", "dropped", "unchanged")
"""Every fate a note can have, in the order a diff lists them within a concept."""
_DELIVERED = frozenset({"new", "updated", "retired", "restored"})
"""The kinds that change what a learner has after importing."""


@dataclass(frozen=True, slots=True, kw_only=True)
class PackagedNote:
    """A note as stored in an .apkg; tags as a set, since Anki re-sorts them on export."""

    guid: str
    notetype: str
    mod: int
    fields: tuple[str, ...]
    tags: frozenset[str]
    sort_text: str
    order: int  # its place in the package, which pathdeck writes in curriculum order

    @property
    def concept(self) -> str | None:
        """The concept id from the note's `pathdeck::E6.1` tag, if it has one."""
        for tag in self.tags:
            rest = tag.removeprefix(_CONCEPT_TAG)
            if rest != tag and CONCEPT_ID.match(rest):
                return rest
        return None

    @property
    def role_rank(self) -> int:
        """Where the note's role comes within its concept (unknown roles last)."""
        for role in Role:
            if _ROLE_TAG + role.value in self.tags:
                return role.rank
        return len(Role)

    @property
    def retired(self) -> bool:
        """True when the note carries pathdeck's retirement tag."""
        return RETIRED_TAG in self.tags


@dataclass(frozen=True, slots=True, kw_only=True)
class PackageContents:
    """The notes, note types (name -> field names) and deck names of an .apkg."""

    notes: dict[str, PackagedNote]
    notetypes: dict[str, tuple[str, ...]]
    decks: frozenset[str]


@dataclass(frozen=True, slots=True, kw_only=True)
class Change:
    """One note's fate on import: one of KINDS."""

    kind: str
    guid: str
    concept: str | None
    notetype: str
    summary: str
    fields: tuple[str, ...] = ()

    def to_json(self) -> dict[str, object]:
        """The change in `diff --json`."""
        return {
            "kind": self.kind,
            "concept": self.concept,
            "guid": self.guid,
            "notetype": self.notetype,
            "summary": self.summary,
            "fields": list(self.fields),
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class ReleaseDiff:
    """Every change between two releases in curriculum order, plus note-type and deck news."""

    changes: tuple[Change, ...]
    warnings: tuple[Problem, ...] = ()
    new_decks: tuple[str, ...] = ()

    @property
    def counts(self) -> dict[str, int]:
        """How many notes are of each kind."""
        totals = dict.fromkeys(KINDS, 0)
        for change in self.changes:
            totals[change.kind] += 1
        return totals

    @property
    def changes_anything(self) -> bool:
        """True when a learner's import of the new package would change their collection."""
        delivered = any(change.kind in _DELIVERED for change in self.changes)
        return delivered or bool(self.new_decks) or bool(self.warnings)

    def to_json(self) -> dict[str, object]:
        """What `diff --json` reports besides its warnings."""
        return {
            "changes_anything": self.changes_anything,
            "counts": self.counts,
            "new_decks": list(self.new_decks),
            "changes": [c.to_json() for c in self.changes if c.kind != "unchanged"],
        }


def read_release(path: Path) -> PackageContents:
    """Read the notes, note types and decks of an .apkg written by pathdeck or Anki."""
    try:
        stored = read_package(path)
    except ExportError as exc:
        raise ContentError.at(
            str(path), codes.BAD_PACKAGE, f"cannot read {path} as an Anki package: {exc.reason}"
        ) from None
    names = {notetype.id: notetype.name for notetype in stored.notetypes.values()}
    notes = {
        note.guid: PackagedNote(
            guid=note.guid,
            notetype=names.get(note.notetype, str(note.notetype)),
            mod=note.mod,
            fields=note.fields,
            tags=frozenset(note.tags),
            sort_text=note.sort_field,
            order=order,
        )
        for order, note in enumerate(stored.notes)
    }
    notetypes = {notetype.name: notetype.fields for notetype in stored.notetypes.values()}
    return PackageContents(notes=notes, notetypes=notetypes, decks=stored.decks)


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


def _kind(before: PackagedNote | None, note: PackagedNote, fields: tuple[str, ...]) -> str:
    if before is None:
        return "new"
    if not fields:
        return "unchanged"
    if note.mod <= before.mod:  # Anki updates only notes whose modification time is newer
        return "not_delivered"
    if note.retired != before.retired:
        return "retired" if note.retired else "restored"
    return "updated"


def _concept_order(concept: str | None) -> tuple[int, int, str]:
    """Curriculum order of concept ids: stage, then position (E6.1 before E6.10); none last."""
    found = CONCEPT_ID.match(concept or "")
    if found is None:
        return (1 << 30, 0, concept or "")
    return (int(found.group(1)), int(found.group(2)), concept or "")


def _in_curriculum_order(changes: list[tuple[PackagedNote, Change]]) -> tuple[Change, ...]:
    rank = {kind: index for index, kind in enumerate(KINDS)}
    ordered = sorted(
        changes,
        key=lambda pair: (
            _concept_order(pair[1].concept),
            pair[0].role_rank,
            pair[0].order,
            rank[pair[1].kind],
        ),
    )
    return tuple(change for _, change in ordered)


def _notetype_warnings(
    old: PackageContents, new: PackageContents, where: Path
) -> tuple[Problem, ...]:
    return tuple(
        Problem(
            location=Location(str(where)),
            code=codes.NOTETYPE_FIELDS_CHANGED,
            severity=Severity.WARNING,
            message=f"note type '{name}' changes fields {list(old.notetypes[name])} -> "
            f"{list(fields)}: Anki will add a second note type and skip its existing notes "
            "as conflicting",
        )
        for name, fields in new.notetypes.items()
        if name in old.notetypes and old.notetypes[name] != fields
    )


def diff_packages(old: PackageContents, new: PackageContents, *, new_path: Path) -> ReleaseDiff:
    """Compare two releases the way Anki's default import will treat the new one."""
    changes: list[tuple[PackagedNote, Change]] = []
    for guid, note in new.notes.items():
        before = old.notes.get(guid)
        fields = (
            ()
            if before is None
            else _changed_fields(before, note, new.notetypes.get(note.notetype, ()))
        )
        change = Change(
            kind=_kind(before, note, fields),
            guid=guid,
            concept=note.concept,
            notetype=note.notetype,
            summary=_label(note),
            fields=fields,
        )
        changes.append((note, change))
    for guid, note in old.notes.items():
        if guid not in new.notes:
            dropped = Change(
                kind="dropped",
                guid=guid,
                concept=note.concept,
                notetype=note.notetype,
                summary=_label(note),
            )
            changes.append((note, dropped))
    return ReleaseDiff(
        changes=_in_curriculum_order(changes),
        warnings=_notetype_warnings(old, new, new_path),
        new_decks=tuple(sorted(new.decks - old.decks)),
    )


def diff_files(old: Path, new: Path) -> ReleaseDiff:
    """Read two .apkg files and compare them."""
    return diff_packages(read_release(old), read_release(new), new_path=new)
