"""Validate stage: parsed source trees become a Curriculum, or every problem is raised at once."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pathdeck import schema
from pathdeck.curriculum import Concept, Course, Phrase, Pitfall, ProveIt, RedFlag, Stage
from pathdeck.load import COURSE_FILE, STAGE_FILE, Mapping, Node, Scalar, Sequence, SourceTree
from pathdeck.problems import ContentError, Location, Problem, Severity

COURSE_ID = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
CONCEPT_ID = re.compile(r"^[A-Za-z]{0,8}(\d+)\.(\d+)$")
ITEM_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
LOCATION_KEY = "@location"

Value = Any  # str | int | list[Value] | dict[str, Value]: what a schema field yields


@dataclass(frozen=True, slots=True)
class Report:
    """A validated course with the warnings found on the way."""

    course: Course
    warnings: tuple[Problem, ...]


class _Checker:
    """Checks nodes against the declared schema and collects problems."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def error(self, where: Location, code: str, message: str) -> None:
        self.problems.append(Problem(location=where, code=code, message=message))

    def warn(self, where: Location, code: str, message: str) -> None:
        self.problems.append(
            Problem(location=where, code=code, message=message, severity=Severity.WARNING)
        )

    def value(self, node: Node, field: schema.Field, name: str) -> Value:
        """The Python value of `node` per `field`, or None after recording why not."""
        if isinstance(field, schema.Text):
            return self._text(node, name)
        if isinstance(field, schema.Integer):
            return self._integer(node, field, name)
        if isinstance(field, schema.ListOf):
            return self._list(node, field, name)
        return self.record(node, field, name)

    def _text(self, node: Node, name: str) -> str | None:
        if isinstance(node, Scalar):
            if node.is_text:
                text = node.text.strip()
                if not text:
                    self.error(node.location, "empty-text", f"'{name}' is empty")
                    return None
                return text
            if node.is_null:
                self.error(node.location, "empty-text", f"'{name}' is empty")
                return None
            self.error(
                node.location,
                "not-text",
                f"'{name}' must be text, but YAML reads {node.text!r} as {node.yaml_type}; "
                f'quote this: "{node.text}"',
            )
            return None
        kind = "a list" if isinstance(node, Sequence) else "a mapping"
        self.error(node.location, "wrong-type", f"'{name}' must be text, not {kind}")
        return None

    def _integer(self, node: Node, field: schema.Integer, name: str) -> int | None:
        if isinstance(node, Scalar) and node.tag == "tag:yaml.org,2002:int":
            try:
                number = int(node.text.replace("_", ""), 0)
            except ValueError:
                number = None
            if number is not None and number >= field.minimum:
                return number
        shown = node.text if isinstance(node, Scalar) else "a list or mapping"
        self.error(
            node.location,
            "wrong-type",
            f"'{name}' must be a whole number of at least {field.minimum}, not {shown}",
        )
        return None

    def _list(self, node: Node, field: schema.ListOf, name: str) -> list[Value] | None:
        if isinstance(node, Scalar) and node.is_null:
            items: tuple[Node, ...] = ()
        elif isinstance(node, Sequence):
            items = node.items
        else:
            self.error(
                node.location, "wrong-type", f"'{name}' must be a list (lines starting '- ')"
            )
            return None
        if len(items) < field.min_items:
            self.error(
                node.location, "empty-list", f"'{name}' needs at least {field.min_items} item(s)"
            )
        values = [self.value(item, field.item, f"{name} item") for item in items]
        return [v for v in values if v is not None]

    def record(self, node: Node, field: schema.Record, name: str) -> dict[str, Value] | None:
        """A mapping checked key by key: unknown keys, missing keys, each value."""
        if isinstance(node, Scalar) and node.is_text and field.shorthand:
            node = Mapping(
                ((Scalar(field.shorthand, node.tag, node.location), node),), node.location
            )
        if not isinstance(node, Mapping):
            self.error(node.location, "wrong-type", f"'{name}' must be a mapping of keys to values")
            return None
        result: dict[str, Value] = {LOCATION_KEY: node.location}
        for key, value_node in node.entries:
            sub = field.fields.get(key.text)
            if sub is None:
                self._unknown_key(key, field, name)
                continue
            value = self.value(value_node, sub, key.text)
            if value is not None:
                result[key.text] = value
        missing = [
            required
            for required, sub in field.fields.items()
            if sub.required and required not in result and node.get(required) is None
        ]
        for required in missing:
            self.error(node.location, "missing-key", f"'{name}' needs a '{required}'")
        return result

    def _unknown_key(self, key: Scalar, field: schema.Record, name: str) -> None:
        close = difflib.get_close_matches(key.text, list(field.fields), n=1, cutoff=0.6)
        hint = (
            f"; did you mean '{close[0]}'?" if close else f"; known keys: {', '.join(field.fields)}"
        )
        self.error(key.location, "unknown-key", f"unknown key '{key.text}' in {name}{hint}")


def _phrase(raw: dict[str, Value]) -> Phrase:
    return Phrase(
        text=raw["text"], id=raw.get("id"), intent=raw.get("intent"), location=raw[LOCATION_KEY]
    )


def _pitfall(raw: dict[str, Value]) -> Pitfall:
    return Pitfall(
        text=raw["text"],
        id=raw.get("id"),
        prompt=raw.get("prompt"),
        instead=raw.get("instead"),
        location=raw[LOCATION_KEY],
    )


def _red_flag(raw: dict[str, Value]) -> RedFlag:
    return RedFlag(
        sign=raw["sign"],
        meaning=raw.get("meaning"),
        action=raw.get("action"),
        id=raw.get("id"),
        location=raw[LOCATION_KEY],
    )


def _complete(items: list[dict[str, Value]], required: str) -> list[dict[str, Value]]:
    return [item for item in items if required in item]


def _concept(raw: dict[str, Value], stage_number: int, source: str) -> Concept:
    prove = raw.get("prove_it")
    return Concept(
        id=raw["id"],
        title=raw["title"],
        position=raw["position"],
        stage_number=stage_number,
        tagline=raw.get("tagline"),
        setting=raw.get("setting"),
        opening_move=raw.get("opening_move"),
        sample_language=tuple(
            _phrase(p) for p in _complete(raw.get("sample_language", []), "text")
        ),
        listen_for=tuple(raw.get("listen_for", [])),
        pitfalls=tuple(_pitfall(p) for p in _complete(raw.get("pitfalls", []), "text")),
        red_flags=tuple(_red_flag(r) for r in _complete(raw.get("red_flags", []), "sign")),
        documentation=raw.get("documentation"),
        real_world=raw.get("real_world"),
        key_point=raw.get("key_point"),
        body=tuple(raw.get("body", [])),
        anchor=raw.get("anchor"),
        prove_it=(
            ProveIt(scenario=prove["scenario"], model_answer=prove.get("model_answer"))
            if prove and "scenario" in prove
            else None
        ),
        connects_to=tuple(raw.get("connects_to", [])),
        illustrations=tuple(raw.get("illustrations", [])),
        source=source,
        location=raw[LOCATION_KEY],
    )


@dataclass(slots=True)
class _ConceptDraft:
    raw: dict[str, Value]
    source: str


class _CurriculumRules:
    """Rules that need more than one file: ids, positions, stages, connections."""

    def __init__(self, checker: _Checker) -> None:
        self.check = checker
        self.first_concept: dict[str, Location] = {}

    def item_ids(self, raw: dict[str, Value]) -> None:
        for key in ("sample_language", "pitfalls", "red_flags"):
            seen: dict[str, Location] = {}
            for item in raw.get(key, []):
                item_id = item.get("id")
                if item_id is None:
                    continue
                where = item[LOCATION_KEY]
                if not ITEM_ID.match(item_id):
                    self.check.error(
                        where,
                        "bad-item-id",
                        f"item id {item_id!r} may use only letters, digits, '.', '-' and '_'",
                    )
                elif item_id in seen:
                    self.check.error(
                        where,
                        "duplicate-item-id",
                        f"id '{item_id}' is used twice in {key} (first at line {seen[item_id].line})",
                    )
                else:
                    seen[item_id] = where

    def concept_id(self, raw: dict[str, Value], stage_number: int | None) -> bool:
        where = raw[LOCATION_KEY]
        concept_id = raw.get("id")
        if concept_id is None:
            return False
        match = CONCEPT_ID.match(concept_id)
        if not match:
            self.check.error(
                where,
                "bad-concept-id",
                f"concept id {concept_id!r} should look like E6.1 (letters, stage number, '.', number)",
            )
            return False
        if concept_id in self.first_concept:
            first = self.first_concept[concept_id]
            self.check.error(
                where,
                "duplicate-concept-id",
                f"concept id '{concept_id}' is already used by {first.path}:{first.line}",
            )
            return False
        self.first_concept[concept_id] = where
        if stage_number is not None and int(match.group(1)) != stage_number:
            self.check.error(
                where,
                "concept-stage-mismatch",
                f"concept '{concept_id}' belongs to stage {match.group(1)} but is filed under "
                f"stage {stage_number}",
            )
            return False
        return True

    def positions(self, drafts: list[_ConceptDraft], planned: int) -> None:
        taken: dict[int, str] = {}
        for draft in drafts:
            position = draft.raw.get("position")
            if position is None:
                continue
            where = draft.raw[LOCATION_KEY]
            if position > planned:
                self.check.error(
                    where,
                    "position-out-of-range",
                    f"position {position} is beyond the stage's {planned} planned concepts "
                    f"(raise 'concepts' in {STAGE_FILE})",
                )
            if position in taken:
                self.check.error(
                    where,
                    "duplicate-position",
                    f"position {position} is already taken by {taken[position]}",
                )
            else:
                taken[position] = draft.source

    def connections(self, course_concepts: list[Concept]) -> None:
        known = {c.id for c in course_concepts}
        for concept in course_concepts:
            for target in concept.connects_to:
                if target not in known:
                    self.check.warn(
                        concept.location,
                        "unknown-connection",
                        f"{concept.id} connects to '{target}', which is not in the course",
                    )


def _warn_thin(check: _Checker, concept: Concept) -> None:
    if concept.anchor is None:
        check.warn(
            concept.location, "missing-anchor", f"{concept.id} has no anchor; no anchor card"
        )
    if concept.prove_it is None:
        check.warn(concept.location, "missing-prove-it", f"{concept.id} has no 'prove_it' case")


def _stage(
    check: _Checker,
    rules: _CurriculumRules,
    folder: str,
    stage_raw: dict[str, Value] | None,
    concept_files: list[_ConceptDraft],
) -> Stage | None:
    number = stage_raw.get("number") if stage_raw else None
    valid = [d for d in concept_files if rules.concept_id(d.raw, number)]
    for draft in concept_files:
        rules.item_ids(draft.raw)
    if stage_raw is None:
        return None
    planned = stage_raw.get("concepts")
    if planned is not None:
        rules.positions(concept_files, planned)
    if number is None or "title" not in stage_raw or planned is None:
        return None
    required = ("id", "title", "position")
    concepts = [
        _concept(d.raw, number, d.source) for d in valid if all(k in d.raw for k in required)
    ]
    concepts.sort(key=lambda c: (c.position, c.id))
    for concept in concepts:
        _warn_thin(check, concept)
    return Stage(
        number=number,
        title=stage_raw["title"],
        concept_count=planned,
        folder=folder,
        concepts=tuple(concepts),
        location=stage_raw[LOCATION_KEY],
    )


def validate(tree: SourceTree) -> Report:
    """Check the whole tree; return the course, or raise ContentError with every problem."""
    check = _Checker()
    check.problems.extend(tree.problems)
    rules = _CurriculumRules(check)
    course_raw = None
    if tree.course is None:
        check.error(
            Location(str(tree.root / COURSE_FILE)),
            "missing-course",
            f"no {COURSE_FILE} in {tree.root}: it names the course (id, title)",
        )
    elif tree.course.root is not None:
        course_raw = check.record(tree.course.root, schema.COURSE, "course")
        if course_raw and "id" in course_raw and not COURSE_ID.match(course_raw["id"]):
            check.error(
                course_raw[LOCATION_KEY],
                "bad-course-id",
                f"course id {course_raw['id']!r} must be a slug: lowercase letters, digits and '-'",
            )
    stages: list[Stage] = []
    seen_numbers: dict[int, str] = {}
    for files in tree.stages:
        stage_raw = None
        if files.stage is None:
            check.error(
                Location(str(Path(files.folder) / STAGE_FILE)),
                "missing-stage",
                f"folder {files.folder} holds concepts but no {STAGE_FILE} (number, title, concepts)",
            )
        elif files.stage.root is not None:
            stage_raw = check.record(files.stage.root, schema.STAGE, "stage")
        number = stage_raw.get("number") if stage_raw else None
        if number is not None and stage_raw is not None:
            if number in seen_numbers:
                check.error(
                    stage_raw[LOCATION_KEY],
                    "duplicate-stage-number",
                    f"stage {number} is already defined in {seen_numbers[number]}",
                )
                stage_raw = None
            else:
                seen_numbers[number] = files.folder
        drafts: list[_ConceptDraft] = []
        for source in files.concepts:
            if source.root is None:
                continue
            raw = check.record(source.root, schema.CONCEPT, "concept")
            if raw is not None:
                drafts.append(_ConceptDraft(raw, source.path))
        stage = _stage(check, rules, files.folder, stage_raw, drafts)
        if stage is not None:
            stages.append(stage)
    stages.sort(key=lambda s: s.number)
    rules.connections([c for s in stages for c in s.concepts])
    errors = [p for p in check.problems if p.severity is Severity.ERROR]
    if errors or course_raw is None or "id" not in course_raw or "title" not in course_raw:
        if not errors:  # pragma: no cover - a missing course always records an error
            check.error(Location(str(tree.root)), "missing-course", "course.yaml is incomplete")
        raise ContentError(check.problems)
    course = Course(
        id=course_raw["id"],
        title=course_raw["title"],
        description=course_raw.get("description"),
        stages=tuple(stages),
    )
    warnings = tuple(p for p in check.problems if p.severity is Severity.WARNING)
    return Report(course=course, warnings=warnings)
