"""Editor support: the declarative source schema rendered as JSON Schema (draft 7) for editors."""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

from pathdeck.ids import CONCEPT_ID, COURSE_ID, ITEM_ID
from pathdeck.validate import schema

SCHEMA_FILE = "pathdeck.schema.json"
"""The schema's file name: shipped in the package, and written into a source root by `schema -o`."""

DRAFT = "http://json-schema.org/draft-07/schema#"
# Draft 7, not 2020-12: it is the newest draft every YAML language server and IDE validates.

MODELINE_PREFIX = "# yaml-language-server: $schema="
COURSE_MODELINE = f"{MODELINE_PREFIX}./{SCHEMA_FILE}\n"
"""First line of course.yaml: the schema sits beside it, in the source root."""
STAGE_FOLDER_MODELINE = f"{MODELINE_PREFIX}../{SCHEMA_FILE}\n"
"""First line of stage.yaml and concept files: the schema is one folder up, in the source root."""

# Checks the validator makes with a pattern rather than a type; JSON Schema speaks the same regex
# subset (anchors, classes, counted repeats), so the compiled patterns are reused as written.
_PATTERNS: tuple[tuple[schema.Field, str], ...] = (
    (schema.COURSE.fields["id"], COURSE_ID.pattern),
    (schema.CONCEPT.fields["id"], CONCEPT_ID.pattern),
    (schema.FORMER_ID, CONCEPT_ID.pattern),
    (schema.ITEM_ID, ITEM_ID.pattern),
)
_NOT_BLANK = r"\S"  # the validator strips text and rejects what is left empty

# Named definitions, so editors show "phrase" or "red_flag" instead of an anonymous object.
_DEFINITIONS: tuple[tuple[str, schema.Record], ...] = (
    ("course", schema.COURSE),
    ("stage", schema.STAGE),
    ("concept", schema.CONCEPT),
    ("phrase", schema.PHRASE),
    ("pitfall", schema.PITFALL),
    ("red_flag", schema.RED_FLAG),
    ("prove_it", schema.PROVE_IT),
    ("fact", schema.FACT),
)
_KINDS = ("course", "stage", "concept")

JSON = dict[str, Any]


def _pattern(field: schema.Text) -> str:
    return next((p for f, p in _PATTERNS if f is field), _NOT_BLANK)


def _ref(record: schema.Record) -> JSON | None:
    name = next((n for n, r in _DEFINITIONS if r is record), None)
    return {"$ref": f"#/definitions/{name}"} if name else None


def field_schema(field: schema.Field) -> JSON:
    """The JSON Schema of one declared field, with its description for editors' hover text."""
    if isinstance(field, schema.Text):
        return {"description": field.description, "type": "string", "pattern": _pattern(field)}
    if isinstance(field, schema.Integer):
        return {
            "description": field.description,
            "type": "integer",
            "minimum": field.minimum,
            "maximum": field.maximum,
        }
    if isinstance(field, schema.ListOf):
        if field.accepts_one:
            listed = field_schema(schema.ListOf(description=field.description, item=field.item))
            one = field_schema(field.item)
            return {"description": field.description, "anyOf": [one, listed]}
        if field.min_items:
            return {
                "description": field.description,
                "type": "array",
                "minItems": field.min_items,
                "items": field_schema(field.item),
            }
        # A key with nothing after it (`listen_for:`) is an empty list to the validator.
        return {
            "description": field.description,
            "type": ["array", "null"],
            "items": field_schema(field.item),
        }
    reference = _ref(field)
    return reference if reference is not None else record_schema(field)


def record_schema(record: schema.Record) -> JSON:
    """A mapping with exactly the declared keys; a bare string too when the record has a shorthand."""
    mapping: JSON = {
        "type": "object",
        "properties": {name: field_schema(sub) for name, sub in record.fields.items()},
        "additionalProperties": False,
    }
    required = [name for name, sub in record.fields.items() if sub.required]
    if required:
        mapping["required"] = required
    if record.shorthand is None:
        return {"description": record.description, **mapping}
    shorthand = record.fields[record.shorthand]
    assert isinstance(shorthand, schema.Text), "a shorthand stands for a text field"
    return {"description": record.description, "anyOf": [field_schema(shorthand), mapping]}


def _own_keys(kind: str) -> list[str]:
    """Keys only this kind of file has: how the schema tells the three kinds apart."""
    records = dict(_DEFINITIONS)
    others = {key for other in _KINDS if other != kind for key in records[other].fields}
    return [key for key in records[kind].fields if key not in others]


def _has_any(keys: list[str]) -> JSON:
    return {"anyOf": [{"required": [key]} for key in keys]}


def source_schema() -> JSON:
    """One schema for every source file: a stage, a concept or the course, told apart by keys."""
    concept_id = {"type": "string", "pattern": CONCEPT_ID.pattern}
    looks_like_concept = _has_any(_own_keys("concept"))
    looks_like_concept["anyOf"].append({"required": ["id"], "properties": {"id": concept_id}})
    return {
        "$schema": DRAFT,
        "$comment": "Generated by `pathdeck schema` from pathdeck/schema.py; do not edit.",
        "title": "pathdeck source file",
        "description": "course.yaml, a stage's stage.yaml, or a concept file of a pathdeck course.",
        "definitions": {name: record_schema(record) for name, record in _DEFINITIONS},
        # A file is a stage when it has a stage's own keys, a concept when it has a concept's
        # own keys or a concept id, and otherwise the course: each kind then reports its own
        # unknown and missing keys instead of a vague "matches none of three schemas".
        "if": _has_any(_own_keys("stage")),
        "then": {"$ref": "#/definitions/stage"},
        "else": {
            "if": looks_like_concept,
            "then": {"$ref": "#/definitions/concept"},
            "else": {"$ref": "#/definitions/course"},
        },
    }


def render() -> str:
    """The schema as the text `pathdeck schema` prints and writes: stable key order, one newline."""
    return json.dumps(source_schema(), indent=2, ensure_ascii=False) + "\n"


def shipped() -> str:
    """The schema file shipped inside the package, for tools that read it without running pathdeck."""
    return (resources.files("pathdeck") / SCHEMA_FILE).read_text(encoding="utf-8")
