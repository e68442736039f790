"""Authoring commands: import concept pages, scaffold files (new), print the JSON Schema."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from pathdeck.cli.common import (
    EXIT_PROBLEMS,
    echo_problems,
    json_option,
    json_report,
    source_or_default,
)
from pathdeck.cli.group import handles_content_errors, main

if TYPE_CHECKING:
    from pathdeck.pages.importer import ImportResult


def _slug_or_none(value: str | None) -> str | None:
    """An optional course id given on the command line: None, or a slug the validator accepts."""
    from pathdeck.tools.scaffold import check_course_id

    if value is not None:
        try:
            check_course_id(value)
        except ValueError as exc:
            raise click.BadParameter(str(exc)) from None
    return value


@main.command("import", short_help="Turn educators' plain-text concept pages into YAML.")
@click.argument("pages", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--into",
    "-o",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="The source folder to write into (stage folders and course.yaml are created).",
)
@click.option("--force", is_flag=True, help="Replace concepts that already exist.")
@click.option(
    "--course",
    "course_title",
    help="The course title if course.yaml is created (default: Clinical Encounters).",
)
@click.option(
    "--course-id",
    "new_course_id",
    callback=lambda ctx, param, value: _slug_or_none(value),
    help="The course id if course.yaml is created (default: made from the title). Permanent.",
)
@json_option
@click.pass_context
@handles_content_errors
def import_command(
    ctx: click.Context,
    pages: tuple[Path, ...],
    into: Path,
    force: bool,
    course_title: str | None,
    new_course_id: str | None,
    as_json: bool,
) -> None:
    """Import each PAGE (a concept page as educators export it) into the source folder.

    A folder stands for the .txt pages in it. A page is written whole or not at all; the
    others still import. Exits 1 if any failed.

    \b
    Examples:
      pathdeck import pages/ --into decks
      pathdeck import e6-2.txt --into decks --force
    """
    from pathdeck.pages.importer import import_pages, page_files

    files = page_files(pages)
    if not files:
        raise click.UsageError("no .txt pages in " + ", ".join(str(p) for p in pages))
    from pathdeck.progress import progress_bar

    with progress_bar(quiet=ctx.obj["quiet"]) as progress:
        result = import_pages(
            files,
            into,
            force=force,
            course_title=course_title,
            course_id=new_course_id,
            progress=progress,
        )
    shown = result.problems if ctx.obj["quiet"] else result.problems + result.warnings
    if as_json:
        click.echo(_import_json(result))
    else:
        for page in result.imported:
            click.echo(str(page.path))
        _echo_created(result, quiet=ctx.obj["quiet"])
        click.echo(result.summary())
    echo_problems(shown)
    if not result.ok:
        sys.exit(EXIT_PROBLEMS)


def _import_json(result: ImportResult) -> str:
    """The `import --json` report: what was imported, created, left unchanged or failed."""
    imported = [
        {
            "page": str(p.page),
            "concept": p.concept_id,
            "path": str(p.path),
            "replaced": p.replaced,
        }
        for p in result.imported
    ]
    extra = {
        "course": result.course_id,
        "created": [str(p) for p in result.created],
        "imported": imported,
        "unchanged": [str(p) for p in result.unchanged],
        "failed": [str(f.page) for f in result.failed],
        "outputs": [str(p) for p in result.written],
    }
    return json_report(result.problems + result.warnings, ok=result.ok, **extra)


def _echo_created(result: ImportResult, *, quiet: bool) -> None:
    """Say what the import created besides concepts: the course (its id is for good) and stages."""
    if quiet:
        return
    for path in result.created:
        if path.name == "course.yaml":
            click.echo(
                f"created {path}: course id '{result.course_id}' (permanent: it names every "
                "note learners get; edit it now if it is wrong, before the first build)",
                err=True,
            )
        else:
            click.echo(f"created stage folder {path}", err=True)


# ---------------------------------------------------------------- toolbox: schema, new, list, stats


@main.command(short_help="Print the JSON Schema of source files, for editors.")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the schema to this file instead of printing it.",
)
@click.option(
    "--outputs",
    "of_outputs",
    is_flag=True,
    help="The schema of every command's --json output instead of the source files'.",
)
@handles_content_errors
def schema(output: Path | None, of_outputs: bool) -> None:
    """Print the JSON Schema of source files, for editors' completion and checks.

    With --outputs, the JSON Schema every `--json` report of every command follows.

    \b
    Examples:
      pathdeck schema -o decks/pathdeck.schema.json
      pathdeck schema --outputs > pathdeck.outputs.schema.json
    """
    from pathdeck.report import output_schema
    from pathdeck.validate.jsonschema import render

    text = output_schema() if of_outputs else render()
    if output is None:
        click.echo(text, nl=False)
        return
    from pathdeck.output import write_text_atomically

    write_text_atomically(output, text)
    click.echo(str(output))


into_option = click.option(
    "-s",
    "--source",
    type=click.Path(file_okay=False, path_type=Path),
    callback=source_or_default,
    help="The source folder to add the file to (default: decks, or the course you are in).",
)


def _not_blank(ctx: click.Context, param: click.Parameter, value: str) -> str:
    if not value.strip():
        raise click.BadParameter("must not be empty")
    return value.strip()


def _concept_id(ctx: click.Context, param: click.Parameter, value: str) -> str:
    """A concept id given on the command line, as the scaffold reads it (E7.2)."""
    from pathdeck.tools.scaffold import concept_numbers

    try:
        concept_numbers(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None
    return value


def _course_id(ctx: click.Context, param: click.Parameter, value: str) -> str:
    """A new course's id given on the command line: a slug the validator accepts."""
    _slug_or_none(value)
    return value


def _report_new(obj: dict[str, Any], result: Any, as_json: bool) -> None:
    echo_problems(result.warnings)
    if as_json:
        written = [str(path) for path in result.written]
        click.echo(json_report(result.warnings, ok=True, path=str(result.path), outputs=written))
        return
    for path in result.written:
        click.echo(str(path))
    if not obj["quiet"]:
        click.echo(f"wrote {result.path}: replace its TODOs, then run `pathdeck check`", err=True)


@main.group(short_help="Scaffold a course, stage or concept file.")
def new() -> None:
    """Scaffold a course, stage or concept file with every field, commented.

    \b
    Examples:
      pathdeck new stage 7 "Endings" --concepts 6
      pathdeck new concept E7.1 "Planned Endings"
    """


@new.command("course", short_help="A course.yaml for a new course.")
@click.argument("course_id", metavar="ID", callback=_course_id)
@click.argument("title", callback=_not_blank)
@into_option
@json_option
@click.pass_obj
@handles_content_errors
def new_course(
    obj: dict[str, Any], course_id: str, title: str, source: Path, as_json: bool
) -> None:
    """Write SOURCE/course.yaml for a new course with id ID (a slug) and TITLE."""
    from pathdeck.tools.scaffold import new_course as scaffold_course

    _report_new(obj, scaffold_course(source, course_id, title), as_json)


@new.command("stage", short_help="A stage folder with its stage.yaml.")
@click.argument("number", type=click.IntRange(min=1))
@click.argument("title", callback=_not_blank)
@click.option(
    "--concepts",
    type=click.IntRange(min=1),
    default=1,
    show_default=True,
    help="How many concepts the stage is meant to have.",
)
@into_option
@json_option
@click.pass_obj
@handles_content_errors
def new_stage(
    obj: dict[str, Any],
    number: int,
    title: str,
    concepts: int,
    source: Path,
    as_json: bool,
) -> None:
    """Write a stage folder (stage-NN-title/) with its stage.yaml."""
    from pathdeck.tools.scaffold import new_stage as scaffold_stage

    _report_new(obj, scaffold_stage(source, number, title, concepts=concepts), as_json)


@new.command("concept", short_help="A concept file in its stage's folder.")
@click.argument("concept_id", metavar="ID", callback=_concept_id)
@click.argument("title", callback=_not_blank)
@click.option(
    "--stage",
    type=click.IntRange(min=1),
    help="The stage to file it under; must agree with ID (E7.2 is stage 7).",
)
@into_option
@json_option
@click.pass_obj
@handles_content_errors
def new_concept(
    obj: dict[str, Any],
    concept_id: str,
    title: str,
    stage: int | None,
    source: Path,
    as_json: bool,
) -> None:
    """Write a concept file into its stage's folder, at the position ID names (E7.2: 2)."""
    from pathdeck.tools.scaffold import concept_numbers
    from pathdeck.tools.scaffold import new_concept as scaffold_concept

    number, _ = concept_numbers(concept_id)
    if stage is not None and stage != number:
        raise click.BadParameter(
            f"{concept_id} belongs to stage {number}, not stage {stage}", param_hint="--stage"
        )
    _report_new(obj, scaffold_concept(source, concept_id, title), as_json)
