"""course.yaml, then the rules across stages (numbers, ids, connections, formerly)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace

from pathdeck import problems as codes
from pathdeck.curriculum import Course
from pathdeck.ids import (
    canonical_concept_id,
    is_course_id,
)
from pathdeck.problems import ContentError, Location, Problem, Severity, sorted_problems
from pathdeck.source import (
    COURSE_FILE,
    SourceFile,
    SourceTree,
)
from pathdeck.validate import schema
from pathdeck.validate.checker import Checker, value_location
from pathdeck.validate.stage import CourseCheck, StageCheck, check_stage


@dataclass(frozen=True, slots=True)
class Report:
    """A validated course with the warnings found on the way."""

    course: Course
    warnings: tuple[Problem, ...]


def check_course(source: SourceFile | None, course_path: str) -> CourseCheck:
    """course.yaml against the schema; its id must be a slug."""
    check = Checker()
    raw = None
    if source is None:
        check.error(
            Location(course_path),
            codes.MISSING_COURSE,
            f"no {COURSE_FILE} in this source folder: it names the course (id, title)",
        )
    elif source.root is not None:
        raw = check.record(source.root, schema.COURSE, "the course")
        if raw and "id" in raw and not is_course_id(raw["id"]):
            check.error(
                value_location(raw, "id"),
                codes.BAD_COURSE_ID,
                f"course id {raw['id']!r} must be a slug: lowercase letters, digits and '-'",
            )
            raw = None
    return CourseCheck(
        raw=raw, problems=tuple(check.problems), placeholders=tuple(check.placeholders)
    )


def _former_rules(check: Checker, stages: tuple[StageCheck, ...]) -> None:
    """A former id belongs to one concept. (It may be a current id too: a concept moved while
    its old id was given to new content; identity lets the `formerly` claim win.)"""
    claimed: dict[str, str] = {}
    for part in stages:
        for former, concept_id, where in part.formers:
            key = canonical_concept_id(former)
            if key in claimed:
                check.error(
                    where,
                    codes.DUPLICATE_FORMER_ID,
                    f"{concept_id} and {claimed[key]} both say formerly {former}",
                )
            claimed.setdefault(key, concept_id)


def merge(
    course: CourseCheck, parts: Iterable[StageCheck], problems: Iterable[Problem] = ()
) -> Report:
    """The course from its checked parts, after the rules that span folders; or every problem."""
    stages = tuple(parts)
    check = Checker()
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
                    codes.DUPLICATE_CONCEPT_ID,
                    _duplicate_concept_message(concept_id, written, first),
                )
        if part.number is not None:
            number, where = part.number
            first = first_stage.setdefault(number, where)
            if first is not where:
                check.error(
                    where,
                    codes.DUPLICATE_STAGE_NUMBER,
                    f"stage {number} is already defined in {first}",
                )
                continue
        if part.stage is not None:
            kept.append(part.stage)
    _former_rules(check, stages)
    _unknown_connections(check, stages, first_concept)
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


def _unknown_connections(
    check: Checker,
    stages: tuple[StageCheck, ...],
    first_concept: dict[str, tuple[str, Location]],
) -> None:
    """Warn of each connects_to entry naming no concept of the course."""
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
                    codes.UNKNOWN_CONNECTION,
                    f"'{target}' is not a concept id in this course",
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
        if problem.code == codes.PLACEHOLDER_TEXT
    ]
    if found:
        raise ContentError(found)
