"""Command line: each command parses, calls one core function, prints, and exits."""

from __future__ import annotations

import atexit
import contextlib
import functools
import gc
import json
import os
import sys
import traceback
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar

import click

from pathdeck import __version__

if TYPE_CHECKING:
    from pathdeck.problems import Problem

EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE, EXIT_BUG = 0, 1, 2, 3
EXIT_INTERRUPTED = 130  # 128 + SIGINT, as shells report Ctrl-C
REPORT_BUGS = (
    "This is a bug in pathdeck, not in your content: please report it with the text above."
)

F = TypeVar("F", bound=Callable[..., Any])

EXAMPLES = """\b
Examples:
  pathdeck check                                 check decks/, exit 1 on problems
  pathdeck build -o dist/course.apkg             build decks/ into one .apkg
  pathdeck build --split stage --with-course -o dist/
  pathdeck new concept E6.2 "Rupture and Repair"
  pathdeck list --json
  pathdeck schema -o decks/pathdeck.schema.json

Run `pathdeck COMMAND --help` for a command's options and examples. Shell completion:
`eval "$(_PATHDECK_COMPLETE=bash_source pathdeck)"` (zsh_source, fish_source); see README.
"""

source_argument = click.argument(
    "source", type=click.Path(file_okay=False, path_type=Path), default="decks", required=False
)
DEFAULT_SOURCE = Path("decks")
sources_argument = click.argument(
    "sources", nargs=-1, type=click.Path(file_okay=False, path_type=Path)
)
json_option = click.option(
    "--json", "as_json", is_flag=True, help="Print a machine-readable report."
)
jobs_option = click.option(
    "-j",
    "--jobs",
    type=click.IntRange(min=1),
    envvar="PATHDECK_JOBS",
    help="Processes that read the sources in parallel (default: one per CPU, at most 8; "
    "a small course is read in one).",
)


def _echo_problems(problems: Iterable[Problem]) -> None:
    for problem in problems:
        click.echo(str(problem), err=True)


def _summary(problems: tuple[Problem, ...]) -> str:
    errors = sum(1 for p in problems if p.severity.value == "error")
    warnings = len(problems) - errors
    return f"{errors} error(s), {warnings} warning(s)"


def _report(problems: tuple[Problem, ...], *, ok: bool, **extra: object) -> str:
    """The `--json` form of a run: ok, counts, then every problem in report order."""
    errors = sum(1 for p in problems if p.severity.value == "error")
    payload = {
        "ok": ok,
        **extra,
        "errors": errors,
        "warnings": len(problems) - errors,
        "problems": [p.to_json() for p in problems],
    }
    return json.dumps(payload, indent=2, ensure_ascii=False)


def handles_content_errors(command: F) -> F:
    """User errors become diagnostics and exit 1; only a genuine bug prints a traceback (exit 3).

    ContentError carries every problem found; an OSError (permissions, a full disk) is the
    environment's, not pathdeck's. Anything else is a bug and says how to report it.
    """

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from pathdeck.problems import ContentError, Location, Problem

        as_json = kwargs.get("as_json", False)
        try:
            return command(*args, **kwargs)
        except (ContentError, OSError) as exc:
            if isinstance(exc, ContentError):
                problems = exc.problems
            else:
                where = Location(str(exc.filename or "pathdeck"))
                message = exc.strerror or str(exc)
                problems = (Problem(location=where, code="os-error", message=message),)
            if as_json:
                click.echo(_report(problems, ok=False))
            _echo_problems(problems)
            click.echo(f"pathdeck: stopped: {_summary(problems)}; nothing was written", err=True)
            sys.exit(EXIT_PROBLEMS)
        except KeyboardInterrupt:
            click.echo("pathdeck: interrupted (no file is left half-written)", err=True)
            sys.exit(EXIT_INTERRUPTED)
        except (click.exceptions.Exit, click.ClickException, SystemExit):
            raise
        except Exception:  # noqa: BLE001 - the one place that turns a bug into a readable report
            traceback.print_exc()
            click.echo(REPORT_BUGS, err=True)
            sys.exit(EXIT_BUG)

    return wrapper  # type: ignore[return-value]


@click.group(
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
    epilog=EXAMPLES,
)
@click.version_option(__version__, "--version", prog_name="pathdeck")
@click.option("-v", "--verbose", count=True, help="Say more on stderr.")
@click.option("-q", "--quiet", is_flag=True, help="Only errors on stderr; no progress.")
@click.pass_context
def main(ctx: click.Context, verbose: int, quiet: bool) -> None:
    """Turn a clinical curriculum (YAML stages and concepts) into Anki decks that are safe to rebuild."""
    ctx.obj = {"verbose": verbose, "quiet": quiet}
    if gc.isenabled():
        # One short run building large acyclic trees: the cyclic collector would rescan every
        # node again and again (a quarter of a 10,000-concept build, growing faster than linear).
        gc.disable()
        ctx.call_on_close(gc.enable)


@main.command(short_help="Check the source; report problems as path:line:col.")
@source_argument
@click.option("--strict", is_flag=True, help="Treat warnings as errors (exit 1).")
@jobs_option
@json_option
@handles_content_errors
def check(source: Path, strict: bool, jobs: int | None, as_json: bool) -> None:
    """Validate SOURCE (default: decks) and report every problem as path:line:col."""
    from pathdeck.pipeline import check as run_check

    report = run_check(source, jobs=jobs)
    failed = strict and bool(report.warnings)
    concepts, stages = len(report.course.concepts()), len(report.course.stages)
    if as_json:
        click.echo(_report(report.warnings, ok=not failed, concepts=concepts, stages=stages))
    _echo_problems(report.warnings)
    if failed:
        click.echo(f"pathdeck: --strict: {_summary(report.warnings)}", err=True)
        sys.exit(EXIT_PROBLEMS)
    if not as_json:
        click.echo(f"{source}: {concepts} concept(s) in {stages} stage(s): ok")


@main.command(short_help="Build .apkg decks and update the identity ledger.")
@sources_argument
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path),
    help="The .apkg to write (default: dist/<course id>.apkg); a folder with --split.",
)
@click.option(
    "--split",
    type=click.Choice(["stage", "course"]),
    help="Write one .apkg per stage (or per course) into the -o folder (default: dist).",
)
@click.option(
    "--with-course", is_flag=True, help="With --split stage, also write the whole course."
)
@click.option(
    "--concept-decks", is_flag=True, help="Give each concept its own deck under its stage."
)
@click.option(
    "--locked",
    is_flag=True,
    help="Fail instead of updating the identity ledger (for CI: the ledger must be committed).",
)
@click.option(
    "--new-notetype-version",
    "accept_notetype_changes",
    is_flag=True,
    help="Accept a change to a note type's fields by publishing a new version of it.",
)
@click.option("--strict", is_flag=True, help="Treat warnings as errors (nothing is written).")
@jobs_option
@json_option
@click.pass_context
@handles_content_errors
def build(
    ctx: click.Context,
    sources: tuple[Path, ...],
    output: Path | None,
    split: str | None,
    with_course: bool,
    concept_decks: bool,
    locked: bool,
    accept_notetype_changes: bool,
    strict: bool,
    jobs: int | None,
    as_json: bool,
) -> None:
    """Build SOURCE (default: decks) into one .apkg and update its identity ledger.

    \b
    Examples:
      pathdeck build decks -o dist/course.apkg
      pathdeck build --split stage --with-course -o dist/ decks
    """
    if with_course and not split:
        raise click.UsageError("--with-course adds the whole course to a --split build")
    # "-o dist/" or "-o dist" (no .apkg): a folder, so the package is named after the course
    names_folder = output is not None and (output.is_dir() or output.suffix.lower() != ".apkg")
    if split or len(sources) > 1 or names_folder:
        _build_batch(
            ctx,
            sources,
            output,
            split=split or "course",
            with_course=with_course,
            concept_decks=concept_decks,
            locked=locked,
            accept_notetype_changes=accept_notetype_changes,
            strict=strict,
            jobs=jobs,
            as_json=as_json,
        )
        return
    source = sources[0] if sources else DEFAULT_SOURCE
    from pathdeck.pipeline import build as run_build
    from pathdeck.progress import progress_bar

    with progress_bar(quiet=ctx.obj["quiet"]) as progress:
        report = run_build(
            source,
            output,
            concept_decks=concept_decks,
            accept_notetype_changes=accept_notetype_changes,
            locked=locked,
            strict=strict,
            jobs=jobs,
            progress=progress,
        )
    if not ctx.obj["quiet"]:
        _echo_problems(report.warnings)
    if as_json:
        click.echo(json.dumps({"ok": True, **report.to_json()}, indent=2, ensure_ascii=False))
        return
    counts = report.counts
    click.echo(str(report.output))
    if not ctx.obj["quiet"]:
        click.echo(
            f"{report.notes} notes: {counts['new']} new, {counts['updated']} updated, "
            f"{counts['unchanged']} unchanged, {counts['retired']} retired"
            + (f", {counts['restored']} restored" if counts["restored"] else "")
            + (f" ({counts['retired_total']} retired in all)" if counts["retired_total"] else ""),
            err=True,
        )


DIFF_MARKS = {"new": "+", "updated": "~", "not-delivered": "!", "dropped": "-"}


@main.command(short_help="Show what a learner's next import will change.")
@click.argument("old", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.argument("new", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@json_option
@handles_content_errors
def diff(old: Path, new: Path, as_json: bool) -> None:
    """Show what a learner's next import of NEW (over OLD) will change, note by note."""
    from pathdeck.diff import diff_files

    result = diff_files(old, new)
    if as_json:
        click.echo(json.dumps(result.to_json(), indent=2, ensure_ascii=False))
        return
    for change in result.changes:
        if change.kind == "unchanged":
            continue
        detail = f" ({', '.join(change.fields)})" if change.fields else ""
        mark = DIFF_MARKS[change.kind]
        click.echo(f"{mark} {change.kind:<13} {change.notetype}: {change.summary}{detail}")
    for deck in result.new_decks:
        click.echo(f"+ deck          {deck}")
    for problem in result.notetype_problems:
        click.echo(f"warning: {problem}", err=True)
    counts = result.counts
    click.echo(
        f"{counts['new']} new, {counts['updated']} updated, {counts['unchanged']} unchanged"
        + (
            f", {counts['not-delivered']} changed but not newer (Anki will skip them)"
            if counts["not-delivered"]
            else ""
        )
        + (f", {counts['dropped']} no longer in the package" if counts["dropped"] else ""),
        err=True,
    )


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
@json_option
@click.pass_context
@handles_content_errors
def import_command(
    ctx: click.Context,
    pages: tuple[Path, ...],
    into: Path,
    force: bool,
    course_title: str | None,
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
    from pathdeck.importer import import_pages, page_files

    files = page_files(pages)
    if not files:
        raise click.UsageError("no .txt pages in " + ", ".join(str(p) for p in pages))
    from pathdeck.progress import progress_bar

    with progress_bar(quiet=ctx.obj["quiet"]) as progress:
        result = import_pages(
            files, into, force=force, course_title=course_title, progress=progress
        )
    shown = result.problems if ctx.obj["quiet"] else result.problems + result.warnings
    if as_json:
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
            "imported": imported,
            "unchanged": [str(p) for p in result.unchanged],
            "failed": [str(f.page) for f in result.failed],
            "written": [str(p) for p in result.written],
        }
        click.echo(_report(result.problems + result.warnings, ok=result.ok, **extra))
    else:
        for page in result.imported:
            click.echo(str(page.path))
        click.echo(result.summary())
    _echo_problems(shown)
    if not result.ok:
        sys.exit(EXIT_PROBLEMS)


# ---------------------------------------------------------------- batch export (build --split)


def _build_batch(
    ctx: click.Context,
    sources: tuple[Path, ...],
    output: Path | None,
    *,
    split: str,
    with_course: bool,
    concept_decks: bool,
    locked: bool,
    accept_notetype_changes: bool,
    strict: bool,
    jobs: int | None,
    as_json: bool,
) -> None:
    """`build` with --split, several sources or an output folder: one .apkg per stage or course."""
    from pathdeck.pipeline import build_split

    if output is not None and output.suffix == ".apkg":
        raise click.BadParameter(
            "with --split or several sources, -o names a folder, not an .apkg", param_hint="-o"
        )
    sources = sources or (DEFAULT_SOURCE,)
    reports = build_split(
        sources,
        output or Path("dist"),
        split=split,
        with_course=with_course,
        concept_decks=concept_decks,
        accept_notetype_changes=accept_notetype_changes,
        locked=locked,
        strict=strict,
        jobs=jobs,
    )
    quiet = ctx.obj["quiet"]
    if not quiet:
        _echo_problems(w for report in reports for w in report.warnings)
    if as_json:
        payload = {"ok": True, "builds": [report.to_json() for report in reports]}
        click.echo(json.dumps(payload, indent=2, ensure_ascii=False))
        return
    for report in reports:
        for path in report.outputs:
            click.echo(str(path))
        if not quiet:
            counts = report.counts
            click.echo(
                f"{report.source}: {len(report.outputs)} package(s), {report.notes} notes: "
                f"{counts['new']} new, {counts['updated']} updated, "
                f"{counts['unchanged']} unchanged, {counts['retired']} retired",
                err=True,
            )


# ---------------------------------------------------------------- toolbox: schema, new, list, stats


@main.command(short_help="Print the JSON Schema of source files, for editors.")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the schema to this file instead of printing it.",
)
@handles_content_errors
def schema(output: Path | None) -> None:
    """Print the JSON Schema of source files, for editors' completion and checks.

    \b
    Examples:
      pathdeck schema -o decks/pathdeck.schema.json
      pathdeck schema > pathdeck.schema.json
    """
    from pathdeck.jsonschema import render

    text = render()
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
    default="decks",
    show_default=True,
    help="The source folder to add the file to.",
)


def _not_blank(ctx: click.Context, param: click.Parameter, value: str) -> str:
    if not value.strip():
        raise click.BadParameter("must not be empty")
    return value.strip()


def _checked_by(check_name: str) -> Callable[[click.Context, click.Parameter, str], str]:
    """A click callback that runs scaffold.`check_name` on the value (imported when used)."""

    def callback(ctx: click.Context, param: click.Parameter, value: str) -> str:
        from pathdeck import scaffold

        try:
            getattr(scaffold, check_name)(value)
        except ValueError as exc:
            raise click.BadParameter(str(exc)) from None
        return value

    return callback


_concept_id = _checked_by("concept_numbers")
_course_id = _checked_by("check_course_id")


def _report_new(obj: dict[str, Any], result: Any, as_json: bool) -> None:
    _echo_problems(result.warnings)
    if as_json:
        payload = {
            "ok": True,
            "path": str(result.path),
            "written": [str(path) for path in result.written],
        }
        click.echo(json.dumps(payload, indent=2, ensure_ascii=False))
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
    from pathdeck.scaffold import new_course as scaffold_course

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
    from pathdeck.scaffold import new_stage as scaffold_stage

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
    from pathdeck.scaffold import concept_numbers
    from pathdeck.scaffold import new_concept as scaffold_concept

    number, _ = concept_numbers(concept_id)
    if stage is not None and stage != number:
        raise click.BadParameter(
            f"{concept_id} belongs to stage {number}, not stage {stage}", param_hint="--stage"
        )
    _report_new(obj, scaffold_concept(source, concept_id, title), as_json)


def _course_stats(sources: tuple[Path, ...]) -> list[Any]:
    from pathdeck.pipeline import check as run_check
    from pathdeck.problems import ContentError
    from pathdeck.stats import course_stats

    found = []
    problems: list[Problem] = []
    for source in sources or (DEFAULT_SOURCE,):
        try:
            found.append(course_stats(source, run_check(source).course))
        except ContentError as exc:
            problems.extend(exc.problems)
    if problems:
        raise ContentError(problems)
    return found


def _echo_courses(
    sources: tuple[Path, ...],
    render: Callable[[Any], Iterable[str]],
    *,
    as_json: bool,
    with_concepts: bool,
) -> None:
    """Print each source's course stats as text (blank line between courses) or as JSON."""
    courses = _course_stats(sources)
    if as_json:
        payload = {"ok": True, "courses": [c.to_json(with_concepts=with_concepts) for c in courses]}
        click.echo(json.dumps(payload, indent=2, ensure_ascii=False))
        return
    click.echo("\n\n".join("\n".join(render(course)) for course in courses))


@main.command("list", short_help="List stages and concepts with their card counts.")
@sources_argument
@json_option
@handles_content_errors
def list_command(sources: tuple[Path, ...], as_json: bool) -> None:
    """List the stages and concepts of each SOURCE (default: decks) with their cards.

    \b
    Examples:
      pathdeck list
      pathdeck list decks other-course --json
    """
    from pathdeck.stats import outline

    _echo_courses(sources, outline, as_json=as_json, with_concepts=True)


@main.command(short_help="Count cards per stage and role.")
@sources_argument
@json_option
@handles_content_errors
def stats(sources: tuple[Path, ...], as_json: bool) -> None:
    """Count the cards of each SOURCE (default: decks) per stage and role.

    \b
    Examples:
      pathdeck stats
      pathdeck stats --json
    """
    from pathdeck.stats import table

    _echo_courses(sources, table, as_json=as_json, with_concepts=False)


@main.command(short_help="Render every card as Anki shows it into an HTML gallery.")
@source_argument
@click.option(
    "-o",
    "--output",
    type=click.Path(file_okay=False, path_type=Path),
    default="preview",
    show_default=True,
    help="The folder to write the gallery into (index.html and a page per concept).",
)
@json_option
@click.pass_context
@handles_content_errors
def preview(ctx: click.Context, source: Path, output: Path, as_json: bool) -> None:
    """Render every card of SOURCE (default: decks), front and back, as Anki shows it.

    The gallery (OUTPUT/index.html, by stage, concept and card) works offline in any browser,
    with toggles for phone width and night mode. Needs the official Anki library:
    pip install 'pathdeck[preview]'. SOURCE and its ledger are never modified.

    \b
    Examples:
      pathdeck preview
      pathdeck preview decks -o preview
    """
    from pathdeck.preview import AnkiNotInstalledError
    from pathdeck.preview import preview as run_preview

    try:
        report = run_preview(source, output)
    except AnkiNotInstalledError as exc:
        click.echo(f"pathdeck: {exc}", err=True)
        sys.exit(EXIT_PROBLEMS)
    if not ctx.obj["quiet"]:
        _echo_problems(report.warnings)
    if as_json:
        click.echo(_report(report.warnings, ok=True, **report.to_json()))
        return
    click.echo(str(report.index))
    if not ctx.obj["quiet"]:
        click.echo(
            f"{report.cards} card(s) of {report.concepts} concept(s), rendered by Anki "
            f"{report.anki_version}: open {report.index} in any browser",
            err=True,
        )


@main.command(short_help="Rank items by how learners struggle, from their exports.")
@click.argument(
    "inputs", metavar="INPUT...", nargs=-1, required=True, type=click.Path(path_type=Path)
)
@click.option(
    "--source",
    "sources",
    multiple=True,
    default=[DEFAULT_SOURCE],
    type=click.Path(file_okay=False, path_type=Path),
    help="A course's source folder (repeat for several courses; default decks).",
)
@click.option(
    "--csv",
    "csv_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write one row per item to FILE.",
)
@click.option(
    "--html",
    "html_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write a self-contained HTML report to FILE.",
)
@click.option(
    "--min-learners",
    type=click.IntRange(min=1),
    default=3,
    show_default=True,
    help="Show an item's figures only when at least this many learners studied it.",
)
@jobs_option
@json_option
@click.pass_context
@handles_content_errors
def insights(
    ctx: click.Context,
    inputs: tuple[Path, ...],
    sources: tuple[Path, ...],
    csv_file: Path | None,
    html_file: Path | None,
    min_learners: int,
    jobs: int | None,
    as_json: bool,
) -> None:
    """Rank the curriculum's items hardest first from learners' exports (INPUT: .apkg exported
    with scheduling, .colpkg, or a folder of them; one file is one learner)."""
    from pathdeck.output import write_text_atomically
    from pathdeck.progress import progress_bar
    from pathdeck.tools.insights import formats, terminal, webpage
    from pathdeck.tools.insights.run import insights as gather_insights
    from pathdeck.tools.insights.run import refuse_writing_inputs

    if sum(bool(x) for x in (as_json, csv_file, html_file)) > 1:
        raise click.UsageError("choose one of --json, --csv and --html")
    refuse_writing_inputs(inputs, csv_file or html_file)
    with progress_bar(quiet=ctx.obj["quiet"]) as progress:
        report, read = gather_insights(
            inputs, sources=sources, min_learners=min_learners, jobs=jobs, progress=progress
        )
    if ctx.obj["verbose"]:
        for path in read:
            click.echo(f"read {path}", err=True)
    _echo_problems(report.problems)
    if as_json:
        click.echo(formats.dumps(formats.to_json(report, paths=bool(ctx.obj["verbose"]))))
    elif csv_file or html_file:
        target = csv_file or html_file
        assert target is not None
        text = formats.to_csv(report) if csv_file else webpage.render_page(report)
        write_text_atomically(target, text)
        click.echo(str(target))
    else:
        click.echo(terminal.render_table(report))
    if report.problems:
        click.echo(
            f"pathdeck: {len(report.problems)} input(s) could not be read; "
            f"the report covers the other {report.learners}",
            err=True,
        )
        sys.exit(EXIT_PROBLEMS)


def run() -> NoReturn:
    """The `pathdeck` command: `main`, then an exit that skips tearing the interpreter down.

    A large build leaves about 100 MB of objects behind; freeing them one at a time at exit
    took 40 ms of a 1.2 s build, and the OS reclaims the memory at once anyway. Exit handlers
    still run and output is flushed, so nothing a normal exit does is lost.
    """
    code: int
    try:
        main()
        code = 0
    except SystemExit as exc:
        if exc.code is None or isinstance(exc.code, int):
            code = exc.code or 0
        else:  # sys.exit("message"), as Python itself reports it
            click.echo(exc.code, err=True)
            code = 1
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):  # a closed pipe: nothing left to say
            stream.flush()
    os._exit(code)
