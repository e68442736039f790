"""JSON Schema: generated from schema.py, shipped as generated, and agreeing with the validator."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from pathdeck.problems import ContentError, Problem, Severity
from pathdeck.source import load_tree
from pathdeck.validate import validate
from pathdeck.validate.jsonschema import SCHEMA_FILE, render, shipped, source_schema

REPO = Path(__file__).resolve().parent.parent
DECKS = REPO / "decks"
FIXTURES = Path(__file__).resolve().parent / "fixtures"
STAGE = "stage-06-the-therapeutic-alliance"
CONCEPT = f"{STAGE}/e6-1-alliance-foundations.yaml"

# The codes of single-file rules the schema expresses: keys, types, emptiness, ranges, patterns.
SCHEMA_CODES = frozenset(
    {
        "unknown-key",
        "missing-key",
        "wrong-type",
        "not-text",
        "empty-value",
        "empty-list",
        "out-of-range",
        "bad-course-id",
        "bad-concept-id",
        "bad-item-id",
    }
)

Data = Any
Mutation = Callable[[Data], object]


def schema_accepts(data: Data) -> bool:
    """Whether the generated schema accepts a parsed YAML document."""
    return bool(jsonschema.Draft7Validator(source_schema()).is_valid(data))


def problems_by_file(root: Path) -> dict[Path, list[Problem]]:
    """Every problem the validator finds in a source tree, grouped by the file it points at."""
    try:
        problems: tuple[Problem, ...] = validate(load_tree(root)).warnings
    except ContentError as exc:
        problems = exc.problems
    grouped: dict[Path, list[Problem]] = {}
    for problem in problems:
        grouped.setdefault(Path(problem.location.path).resolve(), []).append(problem)
    return grouped


def source_trees() -> list[Path]:
    """decks/ and every fixture folder that is a source tree (it has a course.yaml)."""
    return [DECKS, *sorted(p.parent for p in FIXTURES.rglob("course.yaml"))]


def parsed(path: Path) -> tuple[bool, Data]:
    """(True, document) when PyYAML reads the file as one document, else (False, None)."""
    try:
        return True, yaml.safe_load(path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError, ValueError):
        return False, None


def mutate(source: Path, relative: str, change: Mutation) -> tuple[list[str], Data]:
    """Apply `change` to one file of a source tree; the validator's error codes there, and the data."""
    path = source / relative
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    found = problems_by_file(source).get(path.resolve(), [])
    return [p.code for p in found if p.severity is Severity.ERROR], data


def test_schema_is_valid_draft_7() -> None:
    """The generated schema is itself a valid draft-7 JSON Schema."""
    jsonschema.Draft7Validator.check_schema(source_schema())


def test_shipped_schema_is_the_generated_one() -> None:
    """The schema file inside the package is exactly what `pathdeck schema` generates."""
    assert shipped() == render(), "schema.py changed: run `make schema` and commit the result"


def test_decks_schema_is_the_generated_one() -> None:
    """decks/pathdeck.schema.json, which the curriculum's files point editors at, is up to date."""
    current = (DECKS / SCHEMA_FILE).read_text(encoding="utf-8")
    assert current == render(), "schema.py changed: run `make schema` and commit the result"


def test_schema_agrees_with_validator_on_every_fixture() -> None:
    """Each file of decks/ and the fixture trees: validator-clean means schema-valid, and a
    schema-rule error means schema-invalid."""
    checked = 0
    for root in source_trees():
        problems = problems_by_file(root)
        for path in sorted(p for p in root.rglob("*.y*ml") if p.is_file()):
            readable, data = parsed(path)
            if not readable:
                continue
            errors = {
                p.code for p in problems.get(path.resolve(), []) if p.severity.value == "error"
            }
            if not errors:
                assert schema_accepts(data), f"validator accepts {path}, schema rejects it"
            elif errors & SCHEMA_CODES:
                assert not schema_accepts(data), f"validator rejects {path} ({errors}), schema not"
            checked += 1
    assert checked >= 3


ACCEPTED: dict[str, tuple[str, Mutation]] = {
    "course-description": ("course.yaml", lambda d: d.update(description="Shown on the deck.")),
    "phrase-mapping": (
        CONCEPT,
        lambda d: d["sample_language"].append({"text": "Say it.", "id": "s-1", "intent": "Why."}),
    ),
    "pitfall-mapping": (
        CONCEPT,
        lambda d: d["pitfalls"].append({"text": "Rushing.", "prompt": "What?", "instead": "Slow."}),
    ),
    "red-flag-action": (CONCEPT, lambda d: d["red_flags"][0].update(action="Escalate.")),
    "model-answer": (CONCEPT, lambda d: d["prove_it"].update(model_answer="Ask about it.")),
    "connects-to": (CONCEPT, lambda d: d.update(connects_to=["E6.1"])),
    "minimal-concept": (
        CONCEPT,
        lambda d: [d.pop(k) for k in list(d) if k not in ("id", "title", "position")],
    ),
}


@pytest.mark.parametrize("case", sorted(ACCEPTED))
def test_schema_accepts_what_validator_accepts(source: Path, case: str) -> None:
    """A valid variation of a real file is accepted by both the validator and the schema."""
    relative, change = ACCEPTED[case]
    errors, data = mutate(source, relative, change)
    assert (errors, schema_accepts(data)) == ([], True)


REJECTED: dict[str, tuple[str, Mutation, str]] = {
    "course-unknown-key": ("course.yaml", lambda d: d.update(titel="x"), "unknown-key"),
    "course-missing-id": ("course.yaml", lambda d: d.pop("id"), "missing-key"),
    "course-id-number": ("course.yaml", lambda d: d.update(id=12), "not-text"),
    "course-id-not-slug": ("course.yaml", lambda d: d.update(id="Clinical Enc"), "bad-course-id"),
    "stage-unknown-key": (f"{STAGE}/stage.yaml", lambda d: d.update(colour="x"), "unknown-key"),
    "stage-missing-concepts": (f"{STAGE}/stage.yaml", lambda d: d.pop("concepts"), "missing-key"),
    "stage-number-text": (f"{STAGE}/stage.yaml", lambda d: d.update(number="six"), "wrong-type"),
    "stage-number-zero": (f"{STAGE}/stage.yaml", lambda d: d.update(number=0), "out-of-range"),
    "stage-concepts-list": (
        f"{STAGE}/stage.yaml",
        lambda d: d.update(concepts=[1]),
        "wrong-type",
    ),
    "concept-unknown-key": (CONCEPT, lambda d: d.update(anchors="x"), "unknown-key"),
    "concept-missing-position": (CONCEPT, lambda d: d.pop("position"), "missing-key"),
    "concept-title-list": (CONCEPT, lambda d: d.update(title=["a"]), "wrong-type"),
    "concept-tagline-bool": (CONCEPT, lambda d: d.update(tagline=True), "not-text"),
    "concept-tagline-blank": (CONCEPT, lambda d: d.update(tagline="  "), "empty-value"),
    "concept-bad-id": (CONCEPT, lambda d: d.update(id="6-1"), "bad-concept-id"),
    "concept-pitfalls-text": (CONCEPT, lambda d: d.update(pitfalls="x"), "wrong-type"),
    "concept-empty-list": (CONCEPT, lambda d: d.update(listen_for=[]), "empty-list"),
    "concept-prove-it-text": (CONCEPT, lambda d: d.update(prove_it="x"), "wrong-type"),
    "phrase-unknown-key": (
        CONCEPT,
        lambda d: d["sample_language"].append({"txt": "Say it."}),
        "unknown-key",
    ),
    "red-flag-missing-sign": (
        CONCEPT,
        lambda d: d["red_flags"].append({"meaning": "x"}),
        "missing-key",
    ),
    "item-bad-id": (
        CONCEPT,
        lambda d: d["pitfalls"].append({"text": "x", "id": "bad id!"}),
        "bad-item-id",
    ),
}


@pytest.mark.parametrize("case", sorted(REJECTED))
def test_schema_rejects_what_validator_rejects(source: Path, case: str) -> None:
    """A broken variation of a real file gets the expected validator error and fails the schema."""
    relative, change, code = REJECTED[case]
    errors, data = mutate(source, relative, change)
    assert (code in errors, schema_accepts(data)) == (True, False)


def test_schema_reports_a_concepts_missing_key_as_the_concepts() -> None:
    """An editor sees "'position' is a required property", not a mismatch of three file kinds."""
    data = yaml.safe_load((DECKS / CONCEPT).read_text(encoding="utf-8"))
    del data["position"]
    errors = list(jsonschema.Draft7Validator(source_schema()).iter_errors(data))
    assert [e.message for e in errors] == ["'position' is a required property"]
