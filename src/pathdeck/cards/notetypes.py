"""Note types: the frozen field lists, the templates and CSS (files in templates/), stable ids."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import cache
from importlib import resources

from pathdeck.roles import Role

COMMON_FIELDS = ("Breadcrumb", "Concept", "Stage", "Retired")

# Field lists are a public contract with every learner's collection: Anki strands notes whose
# note type gains, loses or renames a field. The ledger freezes them; change only with a new version.
FIELDS: dict[Role, tuple[str, ...]] = {
    Role.SAMPLE_LANGUAGE: ("Purpose", "Prompt", "Phrase", "Setting", *COMMON_FIELDS),
    Role.PITFALL: ("Prompt", "Pitfall", "Instead", *COMMON_FIELDS),
    Role.RED_FLAG: ("Sign", "Meaning", "Action", *COMMON_FIELDS),
    Role.PROVE_IT: ("Scenario", "ModelAnswer", *COMMON_FIELDS),
    Role.ANCHOR: ("Anchor", *COMMON_FIELDS),
    Role.KEY_FACT: ("Text", *COMMON_FIELDS),
}

# (template name, file stem) per role; the name is frozen like the fields, the files are free.
# Exactly one template per note type: a second template is a second card whose front can end
# up empty when its field is emptied (a blank card); a cloze type makes one card per blank.
TEMPLATES: dict[Role, tuple[str, str]] = {
    Role.SAMPLE_LANGUAGE: ("Say it", "sample_language"),
    Role.PITFALL: ("Recall the pitfall", "pitfall"),
    Role.RED_FLAG: ("Read the red flag", "red_flag"),
    Role.PROVE_IT: ("Work the case", "prove_it"),
    Role.ANCHOR: ("State the anchor", "anchor"),
    Role.KEY_FACT: ("Recall the fact", "key_fact"),
}

CLOZE_FIELD = "Text"
SORT_FIELD: dict[Role, str] = {
    Role.SAMPLE_LANGUAGE: "Phrase",
    Role.PITFALL: "Pitfall",
    Role.RED_FLAG: "Sign",
    Role.PROVE_IT: "Scenario",
    Role.ANCHOR: "Anchor",
    Role.KEY_FACT: "Text",
}


@dataclass(frozen=True, slots=True, kw_only=True)
class Template:
    """One card template: its frozen name and its current HTML."""

    name: str
    front: str
    back: str


@dataclass(frozen=True, slots=True, kw_only=True)
class NoteType:
    """A role's note type for one course at one schema version."""

    role: Role
    id: int
    version: int
    name: str
    fields: tuple[str, ...]
    templates: tuple[Template, ...]
    css: str
    sort_field: int
    # Anki's cloze type when set: the index of the field {{cloze:...}} reads, one card per
    # cloze number in it.
    cloze_field: int | None = None

    @property
    def cloze(self) -> bool:
        """True for a cloze note type."""
        return self.cloze_field is not None

    @property
    def schema(self) -> dict[str, list[str]]:
        """What a learner's collection depends on: field names and template names."""
        return {"fields": list(self.fields), "templates": [t.name for t in self.templates]}

    @property
    def looks_hash(self) -> str:
        """A hash of templates and CSS: when it changes, the note type's mod time moves on."""
        digest = hashlib.sha256(self.css.encode())
        for template in self.templates:
            digest.update(f"\0{template.name}\0{template.front}\0{template.back}".encode())
        return digest.hexdigest()[:16]


def stable_id(*parts: object) -> int:
    """A fixed 31-bit-range id from names: note type and deck ids never depend on content."""
    digest = hashlib.sha256("\x1f".join(str(p) for p in parts).encode()).digest()
    # Keep ids in [2^30, 2^31): positive in every client and clear of Anki's default ids (1).
    return (1 << 30) + int.from_bytes(digest[:8], "big") % (1 << 30)


@cache
def template_file(name: str) -> str:
    """The text of a file shipped in pathdeck/cards/templates/."""
    return (resources.files("pathdeck.cards") / "templates" / name).read_text(encoding="utf-8")


def stylesheet() -> str:
    """The CSS shared by every note type."""
    return template_file("cards.css")


def note_type(role: Role, course_id: str, version: int = 1) -> NoteType:
    """The note type of `role` for a course; version 1 unless a field change was accepted."""
    suffix = "" if version == 1 else f" v{version}"
    name, stem = TEMPLATES[role]
    templates = (
        Template(
            name=name,
            front=template_file(f"{stem}.front.html"),
            back=template_file(f"{stem}.back.html"),
        ),
    )
    fields = FIELDS[role]
    return NoteType(
        role=role,
        id=stable_id(course_id, "notetype", role.value, version),
        version=version,
        name=f"pathdeck · {role.words} ({course_id}){suffix}",
        fields=fields,
        templates=templates,
        css=stylesheet(),
        sort_field=fields.index(SORT_FIELD[role]),
        cloze_field=fields.index(CLOZE_FIELD) if role.cloze else None,
    )
