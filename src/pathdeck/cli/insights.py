"""The insights command: learners' exports read, ranked and reported (table, JSON, CSV, HTML)."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import click

from pathdeck.cli.common import (
    DEFAULT_SOURCE,
    EXIT_PROBLEMS,
    command_name,
    echo_problems,
    jobs_option,
    json_option,
)
from pathdeck.cli.group import handles_content_errors, main


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
    places = formats.ItemPlaces()
    with progress_bar(quiet=ctx.obj["quiet"]) as progress:
        report, read = gather_insights(
            inputs,
            sources=sources,
            min_learners=min_learners,
            jobs=jobs,
            progress=progress,
            prepare=places.prepare if as_json else lambda items: None,
            figures_json=as_json,
        )
    if ctx.obj["verbose"]:
        for path in read:
            click.echo(f"read {path}", err=True)
    echo_problems(report.problems)
    if as_json:
        _echo_large(_insights_json(report, places))
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


def _echo_large(text: str) -> None:
    """Print a large text and a newline to stdout: as bytes where stdout takes them, since
    click.echo strips terminal escapes from text bound for a file or pipe, a pass over all of
    a large report's 20 MB (45 against 27 ms with the encoding)."""
    binary = getattr(sys.stdout, "buffer", None)
    if binary is None:  # a text-only stream (one Python code put in place of stdout)
        click.echo(text)
        return
    sys.stdout.flush()
    try:
        binary.write(text.encode())
        binary.write(b"\n")
        binary.flush()
    except BrokenPipeError:  # the reader left (`| head`): the rest goes nowhere, as it did
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())


def _insights_json(report: Any, places: Any) -> str:
    """The insights report in the one JSON envelope. Inputs are learners' exports, so no file
    name is ever in the report: problems say what is wrong, -v names the files on stderr."""
    from dataclasses import replace

    from pathdeck.problems import NO_FILE
    from pathdeck.report import envelope
    from pathdeck.tools.insights import formats

    payload = formats.to_json(report, paths=False, places=places)
    ok = bool(payload.pop("ok"))
    for key in ("errors", "warnings", "problems"):
        payload.pop(key, None)
    problems = [replace(p, location=NO_FILE) for p in report.problems]
    # formats.dumps, not the shared renderer: a large course's report holds tens of thousands
    # of items, and json's indenting encoder took three times as long
    return formats.dumps(envelope(command_name(), problems, ok=ok, **payload))
