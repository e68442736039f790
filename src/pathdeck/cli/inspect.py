"""Inspecting commands: check, list, stats, diff, preview and serve (insights: insights.py)."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from pathdeck.cli.common import (
    DEFAULT_SOURCE,
    DIFF_MARKS,
    EXIT_PROBLEMS,
    echo_checked_files,
    echo_problems,
    jobs_option,
    json_option,
    json_report,
    missing_dependency,
    placeholders_option,
    problem_summary,
    source_argument,
    sources_argument,
)
from pathdeck.cli.group import handles_content_errors, main

if TYPE_CHECKING:
    from pathdeck.problems import Problem
    from pathdeck.tools.diff import ReleaseDiff
    from pathdeck.tools.serve import Outcome


@main.command(short_help="Check the source; report problems as path:line:col.")
@source_argument
@click.option("--strict", is_flag=True, help="Treat warnings as errors (exit 1).")
@placeholders_option
@jobs_option
@json_option
@click.pass_obj
@handles_content_errors
def check(
    obj: dict[str, Any],
    source: Path,
    strict: bool,
    allow_placeholders: bool,
    jobs: int | None,
    as_json: bool,
) -> None:
    """Validate SOURCE (default: decks) and report every problem as path:line:col.

    -q prints only errors (with --strict, warnings are errors); -v lists every file checked.
    """
    from pathdeck.pipeline import check as run_check

    report = run_check(source, jobs=jobs)
    if not allow_placeholders:  # check refuses what build would refuse
        from pathdeck.validate import refuse_placeholders

        refuse_placeholders(report.warnings)
    failed = strict and bool(report.warnings)
    if obj["quiet"] and not failed:
        report = replace(report, warnings=())
    if obj["verbose"]:
        echo_checked_files(report.course)
    concepts, stages = len(report.course.concepts()), len(report.course.stages)
    if as_json:
        click.echo(
            json_report(
                report.warnings, ok=not failed, source=str(source), concepts=concepts, stages=stages
            )
        )
    echo_problems(report.warnings)
    if failed:
        click.echo(f"pathdeck: --strict: {problem_summary(report.warnings)}", err=True)
        sys.exit(EXIT_PROBLEMS)
    if not as_json and not obj["quiet"]:
        click.echo(f"{source}: {concepts} concept(s) in {stages} stage(s): ok")


@main.command(short_help="Show what a learner's next import will change.")
@click.argument("old", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.argument("new", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--exit-code",
    is_flag=True,
    help="Exit 1 when a learner's import of NEW would change anything, 0 when nothing.",
)
@json_option
@click.pass_obj
@handles_content_errors
def diff(obj: dict[str, Any], old: Path, new: Path, exit_code: bool, as_json: bool) -> None:
    """Show what a learner's next import of NEW (over OLD) will change, concept by concept.

    Both may be packages pathdeck built or ones Anki exported (modern or legacy format).
    To see what a build would publish without keeping old packages: pathdeck build --dry-run.

    \b
    Examples:
      pathdeck diff v1.apkg v2.apkg
      pathdeck diff v1.apkg v2.apkg --exit-code --json
    """
    from pathdeck.tools.diff import diff_files

    result = diff_files(old, new)
    if as_json:
        click.echo(json_report(result.warnings, ok=True, **result.to_json()))
    else:
        _echo_diff(result, verbose=obj["verbose"] > 0)
    if not obj["quiet"]:
        echo_problems(result.warnings)
        click.echo(_diff_summary(result.counts), err=True)
    if exit_code and result.changes_anything:
        sys.exit(EXIT_PROBLEMS)


def _echo_diff(result: ReleaseDiff, *, verbose: bool) -> None:
    """The changes under one heading per concept, in curriculum order (-v: unchanged too)."""
    concept: object = object()
    for change in result.changes:
        if change.kind == "unchanged" and not verbose:
            continue
        if change.concept != concept:
            concept = change.concept
            click.echo(change.concept or "(notes of no concept)")
        detail = f" ({', '.join(change.fields)})" if change.fields else ""
        label = change.kind.replace("_", " ")
        click.echo(
            f"  {DIFF_MARKS[change.kind]} {label:<13} {change.notetype}: {change.summary}{detail}"
        )
    for deck in result.new_decks:
        click.echo(f"+ deck          {deck}")


def _diff_summary(counts: dict[str, int]) -> str:
    text = f"{counts['new']} new, {counts['updated']} updated, {counts['unchanged']} unchanged"
    if counts["retired"] or counts["restored"]:
        text += f", {counts['retired']} retired, {counts['restored']} restored"
    if counts["not_delivered"]:
        text += f", {counts['not_delivered']} changed but not newer (Anki will skip them)"
    if counts["dropped"]:
        text += f", {counts['dropped']} no longer in the package"
    return text


def _course_stats(sources: tuple[Path, ...]) -> list[Any]:
    from pathdeck.pipeline import check as run_check
    from pathdeck.problems import ContentError
    from pathdeck.tools.stats import course_stats

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
        listed = [c.to_json(with_concepts=with_concepts) for c in courses]
        click.echo(json_report((), ok=True, courses=listed))
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
    from pathdeck.tools.stats import outline

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
    from pathdeck.tools.stats import table

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
    from pathdeck.tools.preview import AnkiNotInstalledError
    from pathdeck.tools.preview import preview as run_preview

    try:
        report = run_preview(source, output)
    except AnkiNotInstalledError as exc:
        missing_dependency(str(exc), as_json=as_json)
    if not ctx.obj["quiet"]:
        echo_problems(report.warnings)
    if as_json:
        click.echo(
            json_report(report.warnings, ok=True, outputs=[str(report.index)], **report.to_json())
        )
        return
    click.echo(str(report.index))
    if not ctx.obj["quiet"]:
        click.echo(
            f"{report.cards} card(s) of {report.concepts} concept(s), rendered by Anki "
            f"{report.anki_version}: open {report.index} in any browser",
            err=True,
        )


@main.command(short_help="Preview the cards live: rebuilt and reloaded as you edit.")
@source_argument
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=8000,
    show_default=True,
    help="The port on 127.0.0.1 (0: any free one).",
)
@click.option("--open", "open_browser", is_flag=True, help="Open the preview in a browser.")
@click.pass_obj
@handles_content_errors
def serve(obj: dict[str, Any], source: Path, port: int, open_browser: bool) -> None:
    """Serve the preview of SOURCE (default: decks) on 127.0.0.1 and keep it up to date.

    Every change to a source file rebuilds the preview (re-rendering only the notes that
    changed) and reloads the open page; a content error is shown in the page, with its
    location, until it is fixed. The server listens on this machine only. Ctrl-C stops it.
    Needs the official Anki library: pip install 'pathdeck[preview]'.

    \b
    Examples:
      pathdeck serve
      pathdeck serve decks --port 8001 --open
    """
    import tempfile

    from pathdeck.tools.preview import AnkiNotInstalledError
    from pathdeck.tools.serve import LivePreview, Server

    with tempfile.TemporaryDirectory(prefix="pathdeck-serve-") as gallery:
        try:
            live = LivePreview(source, Path(gallery))
        except AnkiNotInstalledError as exc:
            missing_dependency(str(exc), as_json=False)
        _echo_rebuild(live.rebuild(), quiet=obj["quiet"])
        try:
            server = Server(
                live, port=port, on_rebuild=lambda o: _echo_rebuild(o, quiet=obj["quiet"])
            )
        except OSError as exc:
            raise click.UsageError(f"cannot listen on 127.0.0.1:{port}: {exc.strerror}") from None
        server.start()
        click.echo(f"pathdeck: serving {source} at {server.url} (Ctrl-C to stop)", err=True)
        if open_browser:
            import webbrowser

            webbrowser.open(server.url)
        try:
            _wait_for_ctrl_c()
        except KeyboardInterrupt:
            click.echo("pathdeck: stopped serving", err=True)
        finally:
            server.stop()


def _wait_for_ctrl_c() -> None:
    """Block the main thread until Ctrl-C (the server and watcher run in their own threads)."""
    import threading

    threading.Event().wait()


def _echo_rebuild(outcome: Outcome, *, quiet: bool) -> None:
    """After each rebuild: its problems, and a line saying what was re-rendered."""
    echo_problems(outcome.errors)
    if quiet:
        return
    echo_problems(outcome.warnings)
    if outcome.errors:
        click.echo(f"pathdeck: {len(outcome.errors)} problem(s): shown in the page", err=True)
    else:
        click.echo(f"pathdeck: preview rebuilt ({outcome.rendered} note(s) rendered)", err=True)
