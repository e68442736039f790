"""Scaffolding: `pathdeck new` writes a course, stage or concept file with every field, commented."""

from __future__ import annotations

import json
import textwrap
from dataclasses import dataclass, replace
from pathlib import Path

import yaml

from pathdeck import ids
from pathdeck import problems as codes
from pathdeck.curriculum import Course
from pathdeck.output import write_text_atomically
from pathdeck.pages.naming import concept_file_name, stage_folder_name
from pathdeck.problems import ContentError, Location, Problem
from pathdeck.source import (
    COURSE_FILE,
    STAGE_FILE,
    SourceFile,
    SourceTree,
    StageFiles,
    load_tree,
    parse_text,
)
from pathdeck.validate import PLACEHOLDER, schema, validate
from pathdeck.validate.jsonschema import COURSE_MODELINE, SCHEMA_FILE, STAGE_FOLDER_MODELINE, render

WIDTH = 96
# A placeholder concept id would be an unknown connection (a warning) or an unknown former id,
# and an empty list is an error, so these keys start commented out.
_COMMENTED_OUT = frozenset({"connects_to", "formerly"})
# Optional item ids start commented out: copying an item block would otherwise copy its id.
_COMMENTED_ITEM_KEYS = frozenset({"id"})
_GUIDE = (
    f"Every field is here. Replace each {PLACEHOLDER} and delete the optional lines you do not "
    f"need: a {PLACEHOLDER} left in place would reach learners, so check and build refuse it. "
    "Text is plain text "
    'with **bold** and *italic*; quote text YAML would read as something else ("no", "1.10").'
)


@dataclass(frozen=True, slots=True, kw_only=True)
class Scaffolded:
    """What `pathdeck new` wrote: the new file, and the schema file when it was missing."""

    path: Path
    written: tuple[Path, ...]
    warnings: tuple[Problem, ...] = ()


# ---------------------------------------------------------------- text


def _comment(text: str, indent: str = "") -> list[str]:
    return textwrap.wrap(
        text, WIDTH, initial_indent=f"{indent}# ", subsequent_indent=f"{indent}# "
    ) or [f"{indent}#"]


def _describe(field: schema.Field) -> str:
    if field.required:
        return f"{field.description} Required."
    return (
        field.description
        if field.description.startswith("Optional")
        else f"{field.description} Optional."
    )


def scalar(value: str | int) -> str:
    """A value as YAML reads it back unchanged: plain when that is safe, else double-quoted."""
    if isinstance(value, int):
        return str(value)
    if value == value.strip() and "\n" not in value:
        try:
            if yaml.safe_load(f"key: {value}") == {"key": value}:
                return value
        except yaml.YAMLError:
            pass  # e.g. "Debrief: what now" is not a plain scalar; quote it
    return json.dumps(value, ensure_ascii=False)  # a JSON string is a YAML double-quoted scalar


def _list_lines(name: str, field: schema.ListOf, indent: str) -> list[str]:
    item = field.item
    lines = _comment(_describe(field), indent)
    if name in _COMMENTED_OUT:
        return [*lines, f"{indent}# {name}:", f"{indent}#   - {PLACEHOLDER}"]
    if not isinstance(item, schema.Record):
        return [*lines, f"{indent}{name}:", f"{indent}  - {PLACEHOLDER}"]
    lines += _comment(f"Each item: {item.description}", indent)
    for key, sub in item.fields.items():
        lines += textwrap.wrap(
            f"{key}: {_describe(sub)}",
            WIDTH,
            initial_indent=f"{indent}#   ",
            subsequent_indent=f"{indent}#     ",
        )
    lines.append(f"{indent}{name}:")
    for number, key in enumerate(item.fields):
        lead = "- " if number == 0 else "  "
        # An item id must be unique in its list: written out, a copied block would repeat it
        comment = "# " if key in _COMMENTED_ITEM_KEYS and number else ""
        lines.append(f"{indent}  {lead}{comment}{key}: {PLACEHOLDER}")
    return lines


def _record_lines(
    record: schema.Record, values: dict[str, str | int], indent: str = ""
) -> list[str]:
    lines: list[str] = []
    for name, field in record.fields.items():
        if isinstance(field, schema.ListOf):
            lines += _list_lines(name, field, indent)
        elif isinstance(field, schema.Record):
            lines += [*_comment(_describe(field), indent), f"{indent}{name}:"]
            lines += _record_lines(field, {}, indent + "  ")
        else:
            lines += _comment(_describe(field), indent)
            lines.append(f"{indent}{name}: {scalar(values.get(name, PLACEHOLDER))}")
    return lines


def _document(
    modeline: str, heading: str, record: schema.Record, values: dict[str, str | int]
) -> str:
    body = _record_lines(record, values)
    guide = _comment(_GUIDE) if any(line.endswith(PLACEHOLDER) for line in body) else []
    return modeline + "\n".join([*_comment(heading), *guide, "", *body]) + "\n"


def course_text(course_id: str, title: str) -> str:
    """A course.yaml with its id and title, and every optional field as a TODO."""
    return _document(
        COURSE_MODELINE, f"Course {title}", schema.COURSE, {"id": course_id, "title": title}
    )


def stage_text(number: int, title: str, concepts: int) -> str:
    """A stage.yaml: number, title and the planned number of concepts."""
    values: dict[str, str | int] = {"number": number, "title": title, "concepts": concepts}
    return _document(STAGE_FOLDER_MODELINE, f"Stage {number} · {title}", schema.STAGE, values)


def concept_text(concept_id: str, title: str, position: int) -> str:
    """A concept file: id, title and position filled in, every other field a commented TODO."""
    values: dict[str, str | int] = {"id": concept_id, "title": title, "position": position}
    return _document(STAGE_FOLDER_MODELINE, f"{concept_id} {title}", schema.CONCEPT, values)


# ---------------------------------------------------------------- arguments


def concept_numbers(concept_id: str) -> tuple[int, int]:
    """(stage, position) from a concept id such as E6.2; ValueError when it is not one."""
    numbers = ids.concept_numbers(concept_id)
    if numbers is None:
        raise ValueError(
            f"{concept_id!r} is not a concept id like E6.1: {ids.concept_id_mistake(concept_id)}"
        )
    return numbers.stage, numbers.number


def check_course_id(course_id: str) -> None:
    """ValueError unless `course_id` is a slug the validator accepts."""
    if not ids.is_course_id(course_id):
        raise ValueError(f"{course_id!r} is not a slug (lowercase letters, digits and '-')")


# ---------------------------------------------------------------- writing


def _problem(where: Path | str, code: str, message: str) -> ContentError:
    return ContentError.at(str(where), code, message)


def _exists(where: Location, message: str) -> ContentError:
    return ContentError.at(where, codes.ALREADY_EXISTS, f"{message}; nothing was added")


def _shown(root: Path, path: Path) -> str:
    """How the loader names `path` in diagnostics: relative to the working folder when inside it."""
    cwd = Path.cwd()
    base = root.relative_to(cwd) if root.is_absolute() and root.is_relative_to(cwd) else root
    return str(base / path.relative_to(root))


def _valid_tree(source: Path) -> tuple[SourceTree, Course]:
    """The source as loaded, and its course: a new file goes into a course that checks clean."""
    if not source.is_dir():
        raise _problem(source, codes.MISSING_SOURCE, f"source folder {source} does not exist")
    tree = load_tree(source)
    return tree, validate(tree).course


def _with_file(tree: SourceTree, folder: str, new: SourceFile, *, is_stage: bool) -> SourceTree:
    """The tree as the loader will see it once `new` is written into `folder`."""
    stages = list(tree.stages)
    if is_stage:
        stages.append(StageFiles(folder, new, ()))
    else:
        stages = [
            replace(f, concepts=tuple(sorted((*f.concepts, new), key=lambda s: s.path)))
            if f.folder == folder
            else f
            for f in stages
        ]
    return replace(tree, stages=tuple(sorted(stages, key=lambda f: f.folder)))


def _refuse_existing(path: Path, shown: str) -> None:
    if path.exists():
        raise _problem(
            shown, codes.ALREADY_EXISTS, f"{shown} already exists; pathdeck new never overwrites"
        )


def _check_in_place(
    tree: SourceTree, shown: str, text: str, folder: str, *, is_stage: bool
) -> tuple[Problem, ...]:
    """Validate the tree with the new file in it, before anything is written; its warnings."""
    parsed, problems = parse_text(shown, text)
    if problems:  # pragma: no cover - the scaffold is generated; this would be a pathdeck bug
        raise ContentError(problems)
    report = validate(_with_file(tree, folder, parsed, is_stage=is_stage))
    return tuple(w for w in report.warnings if w.location.path == shown)


def _write(source: Path, target: Path, text: str) -> tuple[Path, ...]:
    written = []
    schema_path = source / SCHEMA_FILE
    if not schema_path.exists():  # the file's first line points editors at it
        write_text_atomically(schema_path, render())
        written.append(schema_path)
    write_text_atomically(target, text)
    return (*written, target)


def new_course(source: Path, course_id: str, title: str) -> Scaffolded:
    """Write `source`/course.yaml (creating the folder); refuse if one exists."""
    check_course_id(course_id)
    target = source / COURSE_FILE
    _refuse_existing(target, str(target))
    text = course_text(course_id, title)
    parsed, problems = parse_text(str(target), text)
    if problems:  # pragma: no cover - the scaffold is generated; this would be a pathdeck bug
        raise ContentError(problems)
    tree = SourceTree(source, parsed, (), ())
    validate(tree)
    return Scaffolded(path=target, written=_write(source, target, text))


def new_stage(source: Path, number: int, title: str, *, concepts: int = 1) -> Scaffolded:
    """Write a new stage folder with its stage.yaml; refuse what `pathdeck check` would refuse."""
    tree, course = _valid_tree(source)
    for existing in course.stages:
        if existing.number == number:
            raise _exists(existing.location, f"stage {number} already exists ({existing.title})")
    target = source / stage_folder_name(number, title) / STAGE_FILE
    shown = _shown(source, target)
    _refuse_existing(target, shown)
    text = stage_text(number, title, concepts)
    warnings = _check_in_place(tree, shown, text, str(Path(shown).parent), is_stage=True)
    return Scaffolded(path=target, written=_write(source, target, text), warnings=warnings)


def new_concept(
    source: Path, concept_id: str, title: str, *, stage: int | None = None
) -> Scaffolded:
    """Write a concept file into its stage's folder; refuse what `pathdeck check` would refuse."""
    number, position = concept_numbers(concept_id)
    if stage is not None and stage != number:
        raise ValueError(f"{concept_id} belongs to stage {number}, not stage {stage}")
    tree, course = _valid_tree(source)
    for _, existing in course.concepts():
        if existing.id == concept_id:
            raise _exists(existing.location, f"concept {concept_id} already exists")
    found = next((s for s in course.stages if s.number == number), None)
    if found is None:
        raise _problem(
            source,
            codes.UNKNOWN_STAGE,
            f"the course has no stage {number}; create it first: "
            f'pathdeck new stage {number} "Title"',
        )
    folder = source / Path(found.folder).name
    target = folder / concept_file_name(concept_id, title)
    shown = _shown(source, target)
    _refuse_existing(target, shown)
    text = concept_text(concept_id, title, position)
    warnings = _check_in_place(tree, shown, text, found.folder, is_stage=False)
    return Scaffolded(path=target, written=_write(source, target, text), warnings=warnings)
