"""The `pathdeck` command group: -q/-v everywhere, and how an error becomes an exit code."""

from __future__ import annotations

import functools
import sys
import traceback
from collections.abc import Callable
from typing import Any, NoReturn, TypeVar

import click

from pathdeck import __version__
from pathdeck import problems as codes
from pathdeck._speed.process import exit_without_teardown, pause_cyclic_gc
from pathdeck.cli.common import (
    EXIT_BUG,
    EXIT_INTERRUPTED,
    EXIT_PROBLEMS,
    echo_problems,
    json_report,
    problem_summary,
)

REPORT_BUGS = (
    "This is a bug in pathdeck, not in your content: please report it with the text above."
)

F = TypeVar("F", bound=Callable[..., Any])

EXAMPLES = """\b
Examples:
  pathdeck check                                 check decks/, exit 1 on problems
  pathdeck build -o dist/course.apkg             build decks/ into one .apkg
  pathdeck build --split stage --with-course -o dist/
  pathdeck build --dry-run                       what the next build would change for learners
  pathdeck serve --open                          live preview while you edit
  pathdeck new concept E6.2 "Rupture and Repair"
  pathdeck list --json
  pathdeck schema -o decks/pathdeck.schema.json

Run `pathdeck COMMAND --help` for a command's options and examples. Shell completion:
`eval "$(_PATHDECK_COMPLETE=bash_source pathdeck)"` (zsh_source, fish_source); see README.
"""


def handles_content_errors(command: F) -> F:
    """User errors become diagnostics and exit 1; only a genuine bug prints a traceback (exit 3).

    ContentError carries every problem found; an OSError (permissions, a full disk) is the
    environment's, not pathdeck's. Anything else is a bug and says how to report it.
    """

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from pathdeck.problems import NO_FILE, ContentError, Location, Problem

        as_json = kwargs.get("as_json", False)
        try:
            return command(*args, **kwargs)
        except (ContentError, OSError) as exc:
            if isinstance(exc, ContentError):
                problems = exc.problems
            else:
                where = Location(str(exc.filename)) if exc.filename else NO_FILE
                message = exc.strerror or str(exc)
                problems = (Problem(location=where, code=codes.OS_ERROR, message=message),)
            if as_json:
                click.echo(json_report(problems, ok=False))
            echo_problems(problems)
            click.echo(
                f"pathdeck: stopped: {problem_summary(problems)}; nothing was written", err=True
            )
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


def _set_verbosity(ctx: click.Context, param: click.Parameter, value: object) -> None:
    """-q/-v given after a subcommand: recorded where the group's own -q/-v are."""
    root = ctx.find_root()
    if root.obj is None or not value or param.name is None:
        return
    root.obj[param.name] = value if param.name == "quiet" else root.obj[param.name] + value


def _verbosity_options() -> list[click.Parameter]:
    return [
        click.Option(
            ["-v", "--verbose"],
            count=True,
            expose_value=False,
            callback=_set_verbosity,
            help="Say more on stderr (per-file detail).",
        ),
        click.Option(
            ["-q", "--quiet"],
            is_flag=True,
            expose_value=False,
            callback=_set_verbosity,
            help="Only errors on stderr; no progress.",
        ),
    ]


class PathdeckCommand(click.Command):
    """A subcommand: takes -q/-v after its name too (`pathdeck stats -q`)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.params.extend(_verbosity_options())


class PathdeckGroup(click.Group):
    """The command group: every subcommand gets -q/-v; `--json` usage errors go to stdout too."""

    command_class = PathdeckCommand

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if ctx.parent is None:
            ctx.meta["pathdeck.json"] = "--json" in args
        try:
            return super().parse_args(ctx, args)
        except click.UsageError as exc:
            _usage_error_as_json(ctx, exc)
            raise

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except click.UsageError as exc:
            _usage_error_as_json(ctx, exc)
            raise


PathdeckGroup.group_class = PathdeckGroup


def _usage_error_as_json(ctx: click.Context, exc: click.UsageError) -> None:
    """With --json anywhere on the line, a usage error is also a report on stdout (exit 2)."""
    if not ctx.meta.get("pathdeck.json") or ctx.meta.get("pathdeck.usage-reported"):
        return
    ctx.meta["pathdeck.usage-reported"] = True  # nested groups see the same error once
    from pathdeck.report import render, usage_error

    failed = exc.ctx or ctx
    command = " ".join(failed.command_path.split()[1:]) or None
    click.echo(render(usage_error(command, exc.format_message())))


@click.group(
    cls=PathdeckGroup,
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
    pause_cyclic_gc(ctx)  # see pathdeck._speed.process for the figure


def run() -> NoReturn:
    """The `pathdeck` command: `main`, then an exit that skips tearing the interpreter down."""
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
    exit_without_teardown(code)
