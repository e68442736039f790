"""Validate stage: parsed source trees become a Curriculum, or every problem is raised at once."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any

from pathdeck import cloze, schema
from pathdeck.curriculum import Concept, Course, Fact, Phrase, Pitfall, ProveIt, RedFlag, Stage
from pathdeck.ids import (
    canonical_concept_id,
    concept_id_mistake,
    concept_numbers,
    is_course_id,
    is_item_id,
)
from pathdeck.problems import ContentError, Location, Problem, Severity, sorted_problems
from pathdeck.source import (
    COURSE_FILE,
    INT_TAG,
    STAGE_FILE,
    Mapping,
    Node,
    Scalar,
    Sequence,
    SourceFile,
    SourceTree,
    StageFiles,
)

# Markup an author may expect to work: it is shown as typed, so say so before learners see it.
LOOKS_LIKE_MARKUP = re.compile(
    r"</?[A-Za-z][A-Za-z0-9-]*(?:\s[^<>]*)?/?>|\{\{|\[(?:sound|latex|\$\$?)[:\]]", re.IGNORECASE
)
LOCATION_KEY = "@location"
PLACEHOLDER = "TODO"
"""What `pathdeck new` writes into fields the educator has yet to fill."""
PLACEHOLDER_CODE = "placeholder-text"
"""Every record's dict carries where its mapping starts under this key."""
KEYS_KEY = "@keys"
"""...and where each of its values is, by key, so cross-file rules point at the exact value."""

Value = Any  # str | int | list[Value] | dict[str, Value]: what a schema field yields


@dataclass(frozen=True, slots=True)
class Report:
    """A validated course with the warnings found on the way."""

    course: Course
    warnings: tuple[Problem, ...]


def _where(raw: dict[str, Value], key: str) -> Location:
    """Where `key`'s value is written, or the record's start when it is absent."""
    found: Location | None = raw[KEYS_KEY].get(key)
    return found if found is not None else raw[LOCATION_KEY]


class _Checker:
    """Checks nodes against the declared schema and collects problems."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []
        self.placeholders: list[Location] = []  # reported once per file, see placeholder_warnings

    def error(self, where: Location, code: str, message: str) -> None:
        self.problems.append(Problem(location=where, code=code, message=message))

    def placeholder_warnings(self) -> None:
        """One warning per file for its TODOs: a new scaffold has dozens, one line says enough."""
        by_file: dict[str, list[Location]] = {}
        for where in self.placeholders:
            by_file.setdefault(where.path, []).append(where)
        for found in by_file.values():
            lines = ", ".join(str(where.line) for where in found)
            self.warn(
                found[0],
                PLACEHOLDER_CODE,
                f"{len(found)} value(s) still hold the '{PLACEHOLDER}' placeholder that "
                f"`pathdeck new` wrote (line {lines}); fill them in or delete those lines",
            )

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

    def _empty(self, node: Node, name: str) -> None:
        self.error(node.location, "empty-value", f"{name} is empty")

    def _text(self, node: Node, name: str) -> str | None:
        if isinstance(node, Scalar):
            if node.is_text:
                text = node.text.strip()
                if not text:
                    self._empty(node, name)
                    return None
                if text.startswith(PLACEHOLDER):
                    self.placeholders.append(node.location)
                if ("<" in text or "{" in text or "[" in text) and LOOKS_LIKE_MARKUP.search(text):
                    self.warn(
                        node.location,
                        "markup-shown-as-text",
                        f"{name} holds HTML or Anki template syntax; cards show it exactly as "
                        "typed (only **bold** and *italic* are rendered)",
                    )
                return text
            if node.is_null:
                self._empty(node, name)
                return None
            self.error(
                node.location,
                "not-text",
                f"{name} must be text, but YAML reads {node.text} as {node.yaml_type}; "
                f'quote this: "{node.text}"',
            )
            return None
        kind = "a list" if isinstance(node, Sequence) else "a mapping of keys"
        self.error(node.location, "wrong-type", f"{name} must be text, not {kind}")
        return None

    def _integer(self, node: Node, field: schema.Integer, name: str) -> int | None:
        if not isinstance(node, Scalar):
            self.error(node.location, "wrong-type", f"{name} must be a whole number, not a list")
            return None
        if node.is_null:
            self._empty(node, name)
            return None
        number = _whole_number(node.text) if node.tag == INT_TAG else None
        if number is None:
            quoted = node.is_text and _whole_number(node.text) is not None
            hint = "; remove the quotes" if quoted else ""
            self.error(
                node.location,
                "wrong-type",
                f"{name} must be a whole number, not {node.text!r}{hint}",
            )
            return None
        if not field.minimum <= number <= field.maximum:
            self.error(
                node.location,
                "out-of-range",
                f"{name} must be between {field.minimum} and {field.maximum}, not {number}",
            )
            return None
        return number

    def _list(self, node: Node, field: schema.ListOf, name: str) -> list[Value] | None:
        if isinstance(node, Scalar) and node.is_null:
            items: tuple[Node, ...] = ()
        elif isinstance(node, Scalar) and field.accepts_one:
            items = (node,)
        elif isinstance(node, Sequence):
            items = node.items
        else:
            self.error(
                node.location,
                "wrong-type",
                f"{name} must be a list: put each item on its own line, starting with '- '",
            )
            return None
        if len(items) < field.min_items:
            self.error(
                node.location,
                "empty-list",
                f"{name} is empty: give it at least {_count(field.min_items, 'item')} or remove it",
            )
        values = []
        for number, item in enumerate(items, start=1):
            value = self.value(item, field.item, f"{name} item {number}")
            if value is not None:
                values.append(value)
        return values

    def record(self, node: Node, field: schema.Record, name: str) -> dict[str, Value] | None:
        """A mapping checked key by key: unknown keys, missing keys, each value."""
        if isinstance(node, Scalar) and field.shorthand and not node.is_null:
            # A bare value stands for the shorthand key, and is named as the item it is.
            value = self.value(node, field.fields[field.shorthand], name)
            if value is None:
                return None
            where = {field.shorthand: node.location}
            return {LOCATION_KEY: node.location, KEYS_KEY: where, field.shorthand: value}
        if not isinstance(node, Mapping):
            if isinstance(node, Scalar) and node.is_null:
                self._empty(node, name)
            else:
                known = ", ".join(f"{k}:" for k in field.fields)
                self.error(node.location, "wrong-type", f"{name} must be a mapping ({known} ...)")
            return None
        keys: dict[str, Location] = {}
        result: dict[str, Value] = {LOCATION_KEY: node.location, KEYS_KEY: keys}
        for key, value_node in node.entries:
            sub = field.fields.get(key.text)
            if sub is None:
                self._unknown_key(key, field, name)
                continue
            keys[key.text] = value_node.location
            value = self.value(value_node, sub, f"'{key.text}'")
            if value is not None:
                result[key.text] = value
        for required, sub in field.fields.items():
            if sub.required and required not in keys:
                self.error(node.location, "missing-key", f"{name} is missing '{required}'")
        return result

    def _unknown_key(self, key: Scalar, field: schema.Record, name: str) -> None:
        known = list(field.fields)
        normal = key.text.strip().lower().replace("-", "_").replace(" ", "_")
        close = [normal] if normal in field.fields else []
        close = close or difflib.get_close_matches(normal, known, n=1, cutoff=0.6)
        hint = f"; did you mean '{close[0]}'?" if close else f"; known keys: {', '.join(known)}"
        self.error(key.location, "unknown-key", f"unknown key '{key.text}' in {name}{hint}")


def _count(number: int, noun: str) -> str:
    return f"one {noun}" if number == 1 else f"{number} {noun}s"


def _whole_number(text: str) -> int | None:
    """A YAML int's value (`1_000`, `0x1f` too), or None when it is no whole number."""
    try:
        return int(text.replace("_", ""), 0)
    except ValueError:
        return None


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


def _fact(raw: dict[str, Value]) -> Fact:
    return Fact(
        text=raw["text"], id=raw.get("id"), source=raw.get("from"), location=raw[LOCATION_KEY]
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
        facts=tuple(_fact(f) for f in _complete(raw.get("facts", []), "text")),
        dropped_facts=tuple(raw.get("dropped_facts", [])),
        connects_to=tuple(raw.get("connects_to", [])),
        formerly=tuple(raw.get("formerly", [])),
        illustrations=tuple(raw.get("illustrations", [])),
        source=source,
        location=raw[LOCATION_KEY],
    )


@dataclass(slots=True)
class _ConceptDraft:
    raw: dict[str, Value]
    source: SourceFile


@dataclass(frozen=True, slots=True, kw_only=True)
class Findings:
    """What checking one file or folder found: problems, and TODO placeholders to report."""

    problems: tuple[Problem, ...]
    placeholders: tuple[Location, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class CourseCheck(Findings):
    """course.yaml checked: its values (None when unusable)."""

    raw: dict[str, Value] | None


@dataclass(frozen=True, slots=True, kw_only=True)
class StageCheck(Findings):
    """One stage folder checked on its own, with what the course-wide rules need of it.

    A stage is checked without seeing the others, so stages can be checked in parallel;
    `merge` then applies the rules that span folders (unique stage numbers and concept ids,
    connections between concepts).
    """

    stage: Stage | None
    number: tuple[int, Location] | None  # the stage's number and where it is written
    concept_ids: tuple[tuple[str, Location], ...]  # well-formed concept ids, in file order
    connections: tuple[tuple[str, Location], ...]  # every connects_to entry
    formers: tuple[tuple[str, str, Location], ...] = ()  # (former id, concept id, where)


def _item_ids(check: _Checker, raw: dict[str, Value]) -> None:
    for key in ("sample_language", "pitfalls", "red_flags", "facts"):
        seen: dict[str, Location] = {}
        for item in raw.get(key, []):
            item_id = item.get("id")
            if item_id is None:
                continue
            where = _where(item, "id")
            if not is_item_id(item_id):
                check.error(
                    where,
                    "bad-item-id",
                    f"item id {item_id!r} may use only letters, digits, '.', '-' and '_' "
                    "(at most 64, starting with a letter or digit)",
                )
            elif item_id in seen:
                check.error(
                    where,
                    "duplicate-item-id",
                    f"id '{item_id}' is used twice in {key} (first at line {seen[item_id].line})",
                )
            else:
                seen[item_id] = where


def _fact_syntax(check: _Checker, raw: dict[str, Value]) -> None:
    """Each fact reads in the cloze syntax; a problem points at the column of the bad marker."""
    for item in raw.get("facts", []):
        if "text" not in item or item["text"].startswith(PLACEHOLDER):
            continue  # a TODO of `pathdeck new` is reported once per file, as a warning
        _, problem = cloze.parse(item["text"])
        if problem is not None:
            where = _where(item, "text")
            column = where.column + problem.offset if where.line else where.column
            check.error(where._replace(column=column), problem.code, problem.message)


def _concept_id(
    check: _Checker, raw: dict[str, Value], stage_number: int | None, stage: str
) -> bool:
    """True when the id is well formed and names this stage (uniqueness is `merge`'s rule)."""
    concept_id = raw["id"]
    where = _where(raw, "id")
    numbers = concept_numbers(concept_id)
    if numbers is None:
        check.error(
            where,
            "bad-concept-id",
            f"concept id {concept_id!r} is not like E6.1: {concept_id_mistake(concept_id)}",
        )
        return False
    if stage_number is not None and numbers.stage != stage_number:
        check.error(
            where,
            "concept-stage-mismatch",
            f"concept '{concept_id}' belongs to stage {numbers.stage} but is filed "
            f"under stage {stage_number} ({stage}); move the file or fix the id",
        )
        return False
    return True


def _positions(check: _Checker, drafts: list[_ConceptDraft], planned: int, stage: str) -> None:
    taken: dict[int, Location] = {}
    for draft in drafts:
        position = draft.raw.get("position")
        if position is None:
            continue
        where = _where(draft.raw, "position")
        if position > planned:
            check.error(
                where,
                "position-out-of-range",
                f"position {position} is beyond the {planned} concepts planned for the "
                f"stage (raise 'concepts' in {stage})",
            )
        first = taken.get(position)
        if first is not None:
            check.error(
                where,
                "duplicate-position",
                f"position {position} is already taken by {first}",
            )
        else:
            taken[position] = where


def _connections(drafts: list[_ConceptDraft]) -> tuple[tuple[str, Location], ...]:
    found = []
    for draft in drafts:
        root = draft.source.root
        targets = root.get("connects_to") if isinstance(root, Mapping) else None
        if isinstance(targets, Sequence):
            found += [
                (item.text.strip(), item.location)
                for item in targets.items
                if isinstance(item, Scalar) and item.is_text
            ]
    return tuple(found)


def _warn_thin(check: _Checker, concept: Concept) -> None:
    if concept.anchor is None:
        check.warn(
            concept.location, "missing-anchor", f"{concept.id} has no anchor: no anchor card"
        )
    if concept.prove_it is None:
        check.warn(
            concept.location,
            "missing-prove-it",
            f"{concept.id} has no 'prove_it' case: no case card",
        )


def check_course(source: SourceFile | None, course_path: str) -> CourseCheck:
    """course.yaml against the schema; its id must be a slug."""
    check = _Checker()
    raw = None
    if source is None:
        check.error(
            Location(course_path),
            "missing-course",
            f"no {COURSE_FILE} in this source folder: it names the course (id, title)",
        )
    elif source.root is not None:
        raw = check.record(source.root, schema.COURSE, "the course")
        if raw and "id" in raw and not is_course_id(raw["id"]):
            check.error(
                _where(raw, "id"),
                "bad-course-id",
                f"course id {raw['id']!r} must be a slug: lowercase letters, digits and '-'",
            )
            raw = None
    return CourseCheck(
        raw=raw, problems=tuple(check.problems), placeholders=tuple(check.placeholders)
    )


def check_stage(files: StageFiles) -> StageCheck:
    """A stage folder's stage.yaml and concept files, and the rules within the folder."""
    check = _Checker()
    stage_path = f"{files.folder}/{STAGE_FILE}"
    stage_raw = None
    if files.stage is None:
        check.error(
            Location(stage_path),
            "missing-stage",
            f"folder {files.folder} holds concepts but no {STAGE_FILE} (number, title, concepts)",
        )
    elif files.stage.root is not None:
        stage_raw = check.record(files.stage.root, schema.STAGE, "the stage")
    number = stage_raw.get("number") if stage_raw else None
    drafts = []
    for source in files.concepts:
        if source.root is None:
            continue
        raw = check.record(source.root, schema.CONCEPT, "the concept")
        if raw is not None:
            drafts.append(_ConceptDraft(raw, source))
    with_id = [d for d in drafts if "id" in d.raw]
    valid = [d for d in with_id if _concept_id(check, d.raw, number, stage_path)]
    concept_ids = tuple(
        (d.raw["id"], _where(d.raw, "id")) for d in with_id if concept_numbers(d.raw["id"])
    )
    for draft in drafts:
        _item_ids(check, draft.raw)
        _fact_syntax(check, draft.raw)
    formers = tuple(f for d in valid for f in _former_ids(check, d.raw))
    planned = stage_raw.get("concepts") if stage_raw else None
    if planned is not None:
        _positions(check, drafts, planned, stage_path)
    stage = None
    if (
        stage_raw is not None
        and number is not None
        and planned is not None
        and "title" in stage_raw
    ):
        required = ("id", "title", "position")
        concepts = [
            _concept(d.raw, number, d.source.path)
            for d in valid
            if all(k in d.raw for k in required)
        ]
        concepts.sort(key=lambda c: (c.position, c.id))
        for concept in concepts:
            _warn_thin(check, concept)
        stage = Stage(
            number=number,
            title=stage_raw["title"],
            concept_count=planned,
            folder=files.folder,
            concepts=tuple(concepts),
            location=stage_raw[LOCATION_KEY],
        )
    return StageCheck(
        stage=stage,
        number=(number, _where(stage_raw, "number")) if stage_raw and number is not None else None,
        concept_ids=concept_ids,
        connections=_connections(drafts),
        formers=formers,
        problems=tuple(check.problems),
        placeholders=tuple(check.placeholders),
    )


def _former_ids(check: _Checker, raw: dict[str, Value]) -> list[tuple[str, str, Location]]:
    """A concept's `formerly` ids that are well formed and not its own id."""
    found = []
    where = _where(raw, "formerly")
    for former in raw.get("formerly", []):
        if concept_numbers(former) is None:
            check.error(
                where, "bad-concept-id", f"formerly {former!r} should be a concept id like E6.1"
            )
        elif canonical_concept_id(former) == canonical_concept_id(raw["id"]):
            check.error(where, "bad-former-id", f"{raw['id']} names itself in 'formerly'")
        else:
            found.append((former, raw["id"], where))
    return found


def _former_rules(check: _Checker, stages: tuple[StageCheck, ...], ids: set[str]) -> None:
    """A former id belongs to one concept, and to none that still has it as its id."""
    claimed: dict[str, str] = {}
    for part in stages:
        for former, concept_id, where in part.formers:
            key = canonical_concept_id(former)
            if key in ids:
                check.error(
                    where,
                    "former-id-in-use",
                    f"{concept_id} says formerly {former}, but {former} is still a concept of "
                    "this course: remove one of them",
                )
            elif key in claimed:
                check.error(
                    where,
                    "duplicate-former-id",
                    f"{concept_id} and {claimed[key]} both say formerly {former}",
                )
            claimed.setdefault(key, concept_id)


def merge(
    course: CourseCheck, parts: Iterable[StageCheck], problems: Iterable[Problem] = ()
) -> Report:
    """The course from its checked parts, after the rules that span folders; or every problem."""
    stages = tuple(parts)
    check = _Checker()
    check.problems.extend(problems)
    for part in (course, *stages):
        check.problems.extend(part.problems)
        check.placeholders.extend(part.placeholders)
    first_stage: dict[int, Location] = {}
    first_concept: dict[str, tuple[str, Location]] = {}  # by canonical id: as written, where
    kept = []
    for part in stages:
        for concept_id, where in part.concept_ids:
            written, first = first_concept.setdefault(
                canonical_concept_id(concept_id), (concept_id, where)
            )
            if first is not where:
                check.error(
                    where,
                    "duplicate-concept-id",
                    _duplicate_concept_message(concept_id, written, first),
                )
        if part.number is not None:
            number, where = part.number
            first = first_stage.setdefault(number, where)
            if first is not where:
                check.error(
                    where, "duplicate-stage-number", f"stage {number} is already defined in {first}"
                )
                continue
        if part.stage is not None:
            kept.append(part.stage)
    _former_rules(check, stages, set(first_concept))
    # A file with errors that gave no concept id (one that failed to parse, say) may hold the
    # very concepts others connect to: warning about those connections would send the author
    # chasing problems that are not there.
    identified = {where.path for _, where in first_concept.values()}
    unidentified = any(
        p.severity is Severity.ERROR and p.location.path not in identified for p in check.problems
    )
    for part in () if unidentified else stages:
        for target, where in part.connections:
            if canonical_concept_id(target) not in first_concept:
                check.warn(
                    where,
                    "unknown-connection",
                    f"'{target}' is not a concept id in this course",
                )
    check.placeholder_warnings()
    if any(p.severity is Severity.ERROR for p in check.problems) or course.raw is None:
        raise ContentError(check.problems)
    return Report(
        course=Course(
            id=course.raw["id"],
            title=course.raw["title"],
            description=course.raw.get("description"),
            stages=tuple(sorted(kept, key=lambda s: s.number)),
        ),
        warnings=sorted_problems(check.problems),
    )


def _duplicate_concept_message(concept_id: str, first_id: str, first: Location) -> str:
    if first_id == concept_id:
        return f"concept id '{concept_id}' is already used by {first}"
    return (
        f"concept id '{concept_id}' is already used, as '{first_id}', by {first}: ids that "
        "differ only in case are one id (Anki's tag search ignores case)"
    )


def validate(tree: SourceTree) -> Report:
    """Check the whole tree; return the course, or raise ContentError with every problem."""
    course = check_course(tree.course, tree.course_path)
    return merge(course, [check_stage(files) for files in tree.stages], tree.problems)


def refuse_placeholders(warnings: Iterable[Problem]) -> None:
    """Publishing a TODO is an error: it would reach learners, and the ledger would keep its
    text. A draft build (`--allow-placeholders`) keeps them warnings."""
    found = [
        replace(
            problem,
            severity=Severity.ERROR,
            message=f"{problem.message} (--allow-placeholders builds a draft anyway)",
        )
        for problem in warnings
        if problem.code == PLACEHOLDER_CODE
    ]
    if found:
        raise ContentError(found)
