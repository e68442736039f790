"""Concept, stage and course documents: schema-ordered YAML mappings, absent parts left out."""

from __future__ import annotations

from pathdeck.curriculum import Concept
from pathdeck.pages.dumper import Document, dump_document
from pathdeck.pages.naming import course_id
from pathdeck.validate import schema
from pathdeck.validate.jsonschema import STAGE_FOLDER_MODELINE

DEFAULT_COURSE_TITLE = "Clinical Encounters"


def _record(values: dict[str, object], fields: schema.Record) -> Document | str:
    """A record in schema order, absent values left out; the bare shorthand string when it can be."""
    present = {key: values[key] for key in fields.fields if values.get(key) is not None}
    if fields.shorthand and list(present) == [fields.shorthand]:
        text = present[fields.shorthand]
        assert isinstance(text, str)
        return text
    return present


def concept_document(concept: Concept) -> Document:
    """The YAML document of a concept: keys in schema order, absent parts left out."""
    values: dict[str, object] = {
        "id": concept.id,
        "title": concept.title,
        "position": concept.position,
        "tagline": concept.tagline,
        "setting": concept.setting,
        "opening_move": concept.opening_move,
        "sample_language": [
            _record({"text": p.text, "id": p.id, "intent": p.intent}, schema.PHRASE)
            for p in concept.sample_language
        ],
        "listen_for": list(concept.listen_for),
        "pitfalls": [
            _record(
                {"text": p.text, "id": p.id, "prompt": p.prompt, "instead": p.instead},
                schema.PITFALL,
            )
            for p in concept.pitfalls
        ],
        "red_flags": [
            _record(
                {"sign": f.sign, "meaning": f.meaning, "action": f.action, "id": f.id},
                schema.RED_FLAG,
            )
            for f in concept.red_flags
        ],
        "documentation": concept.documentation,
        "real_world": concept.real_world,
        "key_point": concept.key_point,
        "body": list(concept.body),
        "anchor": concept.anchor,
        "prove_it": (
            _record(
                {
                    "scenario": concept.prove_it.scenario,
                    "model_answer": concept.prove_it.model_answer,
                },
                schema.PROVE_IT,
            )
            if concept.prove_it
            else None
        ),
        "facts": [
            _record({"text": f.text, "id": f.id, "from": f.source}, schema.FACT)
            for f in concept.facts
        ],
        "dropped_facts": list(concept.dropped_facts),
        "connects_to": list(concept.connects_to),
        "formerly": list(concept.formerly),
        "illustrations": list(concept.illustrations),
    }
    return {key: values[key] for key in schema.CONCEPT.fields if values[key] not in (None, [])}


def stage_document(number: int, title: str, concepts: int) -> Document:
    """The YAML document of a stage.yaml."""
    return {"number": number, "title": title, "concepts": concepts}


def course_document(title: str, identifier: str | None = None) -> Document:
    """The YAML document of a course.yaml: its title, and its id (made from the title if not
    given)."""
    return {"id": identifier or course_id(title), "title": title}


def dump_concept(concept: Concept) -> str:
    """The YAML text of a concept file, starting with the line that points editors at the schema."""
    return dump_document(concept_document(concept), STAGE_FOLDER_MODELINE)
