"""Command line: each command parses, calls one core function, prints, and exits."""

from __future__ import annotations

import functools
import json
import sys
import traceback
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

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

source_argument = click.argument(
    "source", type=click.Path(file_okay=False, path_type=Path), default="decks", required=False
)
json_option = click.option(
    "--json", "as_json", is_flag=True, help="Print a machine-readable report."
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
            click.echo("pathdeck: interrupted; nothing was written", err=True)
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
    epilog="Examples:\n\n  pathdeck check decks\n\n  pathdeck build decks -o dist/course.apkg",
)
@click.version_option(__version__, "--version", prog_name="pathdeck")
@click.option("-v", "--verbose", count=True, help="Say more on stderr.")
@click.option("-q", "--quiet", is_flag=True, help="Only errors on stderr; no progress.")
@click.pass_context
def main(ctx: click.Context, verbose: int, quiet: bool) -> None:
    """Turn a clinical curriculum (YAML stages and concepts) into Anki decks that are safe to rebuild."""
    ctx.obj = {"verbose": verbose, "quiet": quiet}


@main.command()
@source_argument
@click.option("--strict", is_flag=True, help="Treat warnings as errors (exit 1).")
@json_option
@handles_content_errors
def check(source: Path, strict: bool, as_json: bool) -> None:
    """Validate SOURCE (default: decks) and report every problem as path:line:col."""
    from pathdeck.pipeline import check as run_check

    report = run_check(source)
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


@main.command()
@source_argument
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="The .apkg to write (default: dist/<course id>.apkg).",
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
@json_option
@click.pass_context
@handles_content_errors
def build(
    ctx: click.Context,
    source: Path,
    output: Path | None,
    concept_decks: bool,
    locked: bool,
    accept_notetype_changes: bool,
    strict: bool,
    as_json: bool,
) -> None:
    """Build SOURCE (default: decks) into one .apkg and update its identity ledger."""
    from pathdeck.pipeline import build as run_build
    from pathdeck.pipeline import check as run_check
    from pathdeck.progress import progress_bar

    if strict:
        warnings = run_check(source).warnings
        if warnings:
            from pathdeck.problems import ContentError

            raise ContentError(warnings)
    with progress_bar(quiet=ctx.obj["quiet"]) as progress:
        report = run_build(
            source,
            output,
            concept_decks=concept_decks,
            accept_notetype_changes=accept_notetype_changes,
            locked=locked,
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


@main.command()
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
@click.argument("pages", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--into",
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

    A page is written whole or not at all; the others still import. Exits 1 if any failed.

    \b
    Examples:
      pathdeck import pages/*.txt --into decks
      pathdeck import e6-2.txt --into decks --force
    """
    from pathdeck.importer import import_pages

    result = import_pages(list(pages), into, force=force, course_title=course_title)
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
