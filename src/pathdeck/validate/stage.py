"""One stage folder checked on its own: its stage.yaml, concept files and item rules."""

from __future__ import annotations

from dataclasses import dataclass

from pathdeck import cloze
from pathdeck import problems as codes
from pathdeck.curriculum import Concept, Stage
from pathdeck.ids import (
    canonical_concept_id,
    concept_id_mistake,
    concept_numbers,
    is_item_id,
)
from pathdeck.problems import Location, Problem
from pathdeck.source import (
    STAGE_FILE,
    Mapping,
    Scalar,
    Sequence,
    SourceFile,
    StageFiles,
)
from pathdeck.validate import schema
from pathdeck.validate.checker import (
    LOCATION_KEY,
    PLACEHOLDER,
    Checker,
    Value,
    value_location,
)
from pathdeck.validate.values import concept_value


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


def _item_ids(check: Checker, raw: dict[str, Value]) -> None:
    for key in ("sample_language", "pitfalls", "red_flags", "facts"):
        seen: dict[str, Location] = {}
        for item in raw.get(key, []):
            item_id = item.get("id")
            if item_id is None:
                continue
            where = value_location(item, "id")
            if not is_item_id(item_id):
                check.error(
                    where,
                    codes.BAD_ITEM_ID,
                    f"item id {item_id!r} may use only letters, digits, '.', '-' and '_' "
                    "(at most 64, starting with a letter or digit)",
                )
            elif item_id in seen:
                check.error(
                    where,
                    codes.DUPLICATE_ITEM_ID,
                    f"id '{item_id}' is used twice in {key} (first at line {seen[item_id].line})",
                )
            else:
                seen[item_id] = where


def _fact_syntax(check: Checker, raw: dict[str, Value]) -> None:
    """Each fact reads in the cloze syntax; a problem points at the column of the bad marker."""
    for item in raw.get("facts", []):
        if "text" not in item or item["text"].startswith(PLACEHOLDER):
            continue  # a TODO of `pathdeck new` is reported once per file, as a warning
        _, problem = cloze.parse(item["text"])
        if problem is not None:
            where = value_location(item, "text")
            column = where.column + problem.offset if where.line else where.column
            check.error(where._replace(column=column), problem.code, problem.message)


def _concept_id(
    check: Checker, raw: dict[str, Value], stage_number: int | None, stage: str
) -> bool:
    """True when the id is well formed and names this stage (uniqueness is `merge`'s rule)."""
    concept_id = raw["id"]
    where = value_location(raw, "id")
    numbers = concept_numbers(concept_id)
    if numbers is None:
        check.error(
            where,
            codes.BAD_CONCEPT_ID,
            f"concept id {concept_id!r} is not like E6.1: {concept_id_mistake(concept_id)}",
        )
        return False
    if stage_number is not None and numbers.stage != stage_number:
        check.error(
            where,
            codes.CONCEPT_STAGE_MISMATCH,
            f"concept '{concept_id}' belongs to stage {numbers.stage} but is filed "
            f"under stage {stage_number} ({stage}); move the file or fix the id",
        )
        return False
    return True


def _positions(check: Checker, drafts: list[_ConceptDraft], planned: int, stage: str) -> None:
    taken: dict[int, Location] = {}
    for draft in drafts:
        position = draft.raw.get("position")
        if position is None:
            continue
        where = value_location(draft.raw, "position")
        if position > planned:
            check.error(
                where,
                codes.POSITION_OUT_OF_RANGE,
                f"position {position} is beyond the {planned} concepts planned for the "
                f"stage (raise 'concepts' in {stage})",
            )
        first = taken.get(position)
        if first is not None:
            check.error(
                where,
                codes.DUPLICATE_POSITION,
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


def _warn_thin(check: Checker, concept: Concept) -> None:
    if concept.anchor is None:
        check.warn(
            concept.location, codes.MISSING_ANCHOR, f"{concept.id} has no anchor: no anchor card"
        )
    if concept.prove_it is None:
        check.warn(
            concept.location,
            codes.MISSING_PROVE_IT,
            f"{concept.id} has no 'prove_it' case: no case card",
        )


def _stage_record(check: Checker, files: StageFiles, stage_path: str) -> dict[str, Value] | None:
    """The folder's stage.yaml checked against the schema; None when missing or unusable."""
    if files.stage is None:
        check.error(
            Location(stage_path),
            codes.MISSING_STAGE,
            f"folder {files.folder} holds concepts but no {STAGE_FILE} (number, title, concepts)",
        )
        return None
    if files.stage.root is None:
        return None
    return check.record(files.stage.root, schema.STAGE, "the stage")


def check_stage(files: StageFiles) -> StageCheck:
    """A stage folder's stage.yaml and concept files, and the rules within the folder."""
    check = Checker()
    stage_path = f"{files.folder}/{STAGE_FILE}"
    stage_raw = _stage_record(check, files, stage_path)
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
        (d.raw["id"], value_location(d.raw, "id")) for d in with_id if concept_numbers(d.raw["id"])
    )
    for draft in drafts:
        _item_ids(check, draft.raw)
        _fact_syntax(check, draft.raw)
    formers = tuple(f for d in valid for f in former_ids(check, d.raw))
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
            concept_value(d.raw, number, d.source.path)
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
        number=(number, value_location(stage_raw, "number"))
        if stage_raw and number is not None
        else None,
        concept_ids=concept_ids,
        connections=_connections(drafts),
        formers=formers,
        problems=tuple(check.problems),
        placeholders=tuple(check.placeholders),
    )


def former_ids(check: Checker, raw: dict[str, Value]) -> list[tuple[str, str, Location]]:
    """A concept's `formerly` ids that are well formed and not its own id."""
    found = []
    where = value_location(raw, "formerly")
    for former in raw.get("formerly", []):
        if concept_numbers(former) is None:
            check.error(
                where,
                codes.BAD_CONCEPT_ID,
                f"formerly {former!r} should be a concept id like E6.1",
            )
        elif canonical_concept_id(former) == canonical_concept_id(raw["id"]):
            check.error(where, codes.BAD_FORMER_ID, f"{raw['id']} names itself in 'formerly'")
        else:
            found.append((former, raw["id"], where))
    return found
