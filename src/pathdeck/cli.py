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


def handles_content_errors(command: F) -> F:
    """Turn ContentError into diagnostics and exit 1; a genuine bug prints a traceback and exits 3."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from pathdeck.problems import ContentError

        as_json = kwargs.get("as_json", False)
        try:
            return command(*args, **kwargs)
        except ContentError as exc:
            if as_json:
                payload = {"ok": False, "problems": [p.to_json() for p in exc.problems]}
                click.echo(json.dumps(payload, indent=2, ensure_ascii=False))
            _echo_problems(exc.problems)
            click.echo(
                f"pathdeck: stopped: {_summary(exc.problems)}; nothing was written", err=True
            )
            sys.exit(EXIT_PROBLEMS)
        except (click.exceptions.Exit, click.ClickException, KeyboardInterrupt, SystemExit):
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
    if as_json:
        payload = {
            "ok": not (strict and report.warnings),
            "problems": [w.to_json() for w in report.warnings],
        }
        click.echo(json.dumps(payload, indent=2, ensure_ascii=False))
    _echo_problems(report.warnings)
    concepts = len(report.course.concepts())
    if not as_json:
        click.echo(f"{source}: {concepts} concept(s) in {len(report.course.stages)} stage(s): ok")
    if strict and report.warnings:
        click.echo(f"pathdeck: --strict: {_summary(report.warnings)}", err=True)
        sys.exit(EXIT_PROBLEMS)


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

    if strict:
        warnings = run_check(source).warnings
        if warnings:
            from pathdeck.problems import ContentError

            raise ContentError(warnings)
    report = run_build(
        source,
        output,
        concept_decks=concept_decks,
        accept_notetype_changes=accept_notetype_changes,
        locked=locked,
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
