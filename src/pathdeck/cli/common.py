"""What every command shares: the source arguments, common options, and how problems are printed."""

from __future__ import annotations

import sys
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

import click

from pathdeck import problems as codes
from pathdeck.problems import Severity

if TYPE_CHECKING:
    from pathdeck.curriculum import Course
    from pathdeck.problems import Problem

EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE, EXIT_BUG = 0, 1, 2, 3
EXIT_INTERRUPTED = 130  # 128 + SIGINT, as shells report Ctrl-C

DEFAULT_SOURCE = Path("decks")


def default_source(ctx: click.Context) -> Path:
    """decks/, or the course the command runs inside (said on stderr unless quiet)."""
    from pathdeck.source.locate import find_source

    found = find_source(Path.cwd())
    root = ctx.find_root().obj or {}
    if found.found_upward and not root.get("quiet"):
        click.echo(found.announcement(), err=True)
    return found.folder


def source_or_default(ctx: click.Context, param: click.Parameter, value: Path | None) -> Path:
    return default_source(ctx) if value is None else value


def _sources_or_default(
    ctx: click.Context, param: click.Parameter, value: tuple[Path, ...]
) -> tuple[Path, ...]:
    return value or (default_source(ctx),)


source_argument = click.argument(
    "source",
    type=click.Path(file_okay=False, path_type=Path),
    required=False,
    callback=source_or_default,
)
sources_argument = click.argument(
    "sources",
    nargs=-1,
    type=click.Path(file_okay=False, path_type=Path),
    callback=_sources_or_default,
)
json_option = click.option(
    "--json", "as_json", is_flag=True, help="Print a machine-readable report."
)
placeholders_option = click.option(
    "--allow-placeholders",
    is_flag=True,
    help="A draft: let TODO placeholders through as warnings (they would reach learners).",
)
jobs_option = click.option(
    "-j",
    "--jobs",
    type=click.IntRange(min=1),
    envvar="PATHDECK_JOBS",
    help="Processes that read the sources in parallel (default: one per CPU, at most 8; "
    "a small course is read in one).",
)


def echo_problems(problems: Iterable[Problem]) -> None:
    for problem in problems:
        click.echo(str(problem), err=True)


def counts_line(notes: int, counts: Mapping[str, int]) -> str:
    """`N notes: a new, b updated, c unchanged, d retired`: what a build publishes."""
    return (
        f"{notes} notes: {counts['new']} new, {counts['updated']} updated, "
        f"{counts['unchanged']} unchanged, {counts['retired']} retired"
    )


def problem_summary(problems: tuple[Problem, ...]) -> str:
    errors = sum(1 for p in problems if p.severity is Severity.ERROR)
    warnings = len(problems) - errors
    return f"{errors} error(s), {warnings} warning(s)"


def command_name() -> str | None:
    """The running command as typed after `pathdeck` (`build`, `new concept`), if any."""
    ctx = click.get_current_context(silent=True)
    words = ctx.command_path.split()[1:] if ctx is not None else []
    return " ".join(words) or None


def json_report(problems: Iterable[Problem], *, ok: bool, **extra: object) -> str:
    """The `--json` form of a run: the one envelope every command shares (pathdeck.report)."""
    from pathdeck.report import envelope, render

    return render(envelope(command_name(), problems, ok=ok, **extra))


def missing_dependency(message: str, *, as_json: bool) -> NoReturn:
    """An optional dependency is not installed: the environment's problem, so usage (exit 2)."""
    if as_json:
        from pathdeck.report import render, usage_error

        click.echo(render(usage_error(command_name(), message, code=codes.MISSING_DEPENDENCY)))
    click.echo(f"pathdeck: {message}", err=True)
    sys.exit(EXIT_USAGE)


def echo_checked_files(course: Course) -> None:
    """-v: each concept file read, with the concept it holds, in curriculum order."""
    for stage in course.stages:
        click.echo(
            f"stage {stage.number}: {stage.title} ({len(stage.concepts)} concept(s))", err=True
        )
        for concept in stage.concepts:
            click.echo(f"  {concept.source}: {concept.id} {concept.title}", err=True)


DIFF_MARKS = {
    "new": "+",
    "updated": "~",
    "retired": "x",
    "restored": "^",
    "not_delivered": "!",
    "dropped": "-",
    "unchanged": "=",
}
