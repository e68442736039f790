"""Command line: each command parses, calls one core function, prints, and exits."""

from __future__ import annotations

import atexit
import contextlib
import functools
import gc
import os
import sys
import traceback
from collections.abc import Callable, Iterable
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar

import click

from pathdeck import __version__

if TYPE_CHECKING:
    from pathdeck.curriculum import Course
    from pathdeck.diff import ReleaseDiff
    from pathdeck.importer import ImportResult
    from pathdeck.problems import Problem
    from pathdeck.serve import Outcome

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
  pathdeck build --dry-run                       what the next build would change for learners
  pathdeck serve --open                          live preview while you edit
  pathdeck new concept E6.2 "Rupture and Repair"
  pathdeck list --json
  pathdeck schema -o decks/pathdeck.schema.json

Run `pathdeck COMMAND --help` for a command's options and examples. Shell completion:
`eval "$(_PATHDECK_COMPLETE=bash_source pathdeck)"` (zsh_source, fish_source); see README.
"""

DEFAULT_SOURCE = Path("decks")


def _default_source(ctx: click.Context) -> Path:
    """decks/, or the course the command runs inside (said on stderr unless quiet)."""
    from pathdeck.locate import find_source

    found = find_source(Path.cwd())
    root = ctx.find_root().obj or {}
    if found.found_upward and not root.get("quiet"):
        click.echo(found.announcement(), err=True)
    return found.folder


def _source_or_default(ctx: click.Context, param: click.Parameter, value: Path | None) -> Path:
    return _default_source(ctx) if value is None else value


def _sources_or_default(
    ctx: click.Context, param: click.Parameter, value: tuple[Path, ...]
) -> tuple[Path, ...]:
    return value or (_default_source(ctx),)


source_argument = click.argument(
    "source",
    type=click.Path(file_okay=False, path_type=Path),
    required=False,
    callback=_source_or_default,
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


def _echo_problems(problems: Iterable[Problem]) -> None:
    for problem in problems:
        click.echo(str(problem), err=True)


def _summary(problems: tuple[Problem, ...]) -> str:
    errors = sum(1 for p in problems if p.severity.value == "error")
    warnings = len(problems) - errors
    return f"{errors} error(s), {warnings} warning(s)"


def _command_name() -> str | None:
    """The running command as typed after `pathdeck` (`build`, `new concept`), if any."""
    ctx = click.get_current_context(silent=True)
    words = ctx.command_path.split()[1:] if ctx is not None else []
    return " ".join(words) or None


def _report(problems: Iterable[Problem], *, ok: bool, **extra: object) -> str:
    """The `--json` form of a run: the one envelope every command shares (pathdeck.report)."""
    from pathdeck.report import envelope, render

    return render(envelope(_command_name(), problems, ok=ok, **extra))


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
    if gc.isenabled():
        # One short run building large acyclic trees: the cyclic collector would rescan every
        # node again and again (a quarter of a 10,000-concept build, growing faster than linear).
        gc.disable()
        ctx.call_on_close(gc.enable)


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
        _echo_checked_files(report.course)
    concepts, stages = len(report.course.concepts()), len(report.course.stages)
    if as_json:
        click.echo(
            _report(
                report.warnings, ok=not failed, source=str(source), concepts=concepts, stages=stages
            )
        )
    _echo_problems(report.warnings)
    if failed:
        click.echo(f"pathdeck: --strict: {_summary(report.warnings)}", err=True)
        sys.exit(EXIT_PROBLEMS)
    if not as_json and not obj["quiet"]:
        click.echo(f"{source}: {concepts} concept(s) in {stages} stage(s): ok")


def _echo_checked_files(course: Course) -> None:
    """-v: each concept file read, with the concept it holds, in curriculum order."""
    for stage in course.stages:
        click.echo(
            f"stage {stage.number}: {stage.title} ({len(stage.concepts)} concept(s))", err=True
        )
        for concept in stage.concepts:
            click.echo(f"  {concept.source}: {concept.id} {concept.title}", err=True)


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
@click.option(
    "--new-ledger",
    is_flag=True,
    help="Start a new identity ledger although the course looks published (see README).",
)
@click.option("--strict", is_flag=True, help="Treat warnings as errors (nothing is written).")
@placeholders_option
@click.option(
    "--dry-run",
    is_flag=True,
    help="Report what the build would publish against the ledger (new, updated, retired, "
    "renamed decks); write nothing.",
)
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
    new_ledger: bool,
    strict: bool,
    allow_placeholders: bool,
    dry_run: bool,
    jobs: int | None,
    as_json: bool,
) -> None:
    """Build SOURCE (default: decks) into one .apkg and update its identity ledger.

    \b
    Examples:
      pathdeck build decks -o dist/course.apkg
      pathdeck build --split stage --with-course -o dist/ decks
      pathdeck build --dry-run        what the next release would change for learners
    """
    if with_course and not split:
        raise click.UsageError("--with-course adds the whole course to a --split build")
    if dry_run:
        if split or len(sources) > 1:
            raise click.UsageError("--dry-run plans one source tree's build, without --split")
        _dry_run(
            ctx,
            sources[0] if sources else DEFAULT_SOURCE,
            output,
            concept_decks=concept_decks,
            accept_notetype_changes=accept_notetype_changes,
            strict=strict,
            allow_placeholders=allow_placeholders,
            jobs=jobs,
            as_json=as_json,
        )
        return
    # "-o dist/" or "-o dist" (no .apkg): a folder, so the package is named after the course;
    # "-o out.apkg" names the package even when a folder is in the way (the build says so)
    names_folder = output is not None and output.suffix.lower() != ".apkg"
    says_folder = output is not None and output.is_dir()
    if names_folder and not (split or says_folder or len(sources) > 1 or ctx.obj["quiet"]):
        click.echo(
            f"pathdeck: -o {output} names a folder (no .apkg at the end): writing "
            f"{output}/<course id>.apkg",
            err=True,
        )
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
            new_ledger=new_ledger,
            allow_placeholders=allow_placeholders,
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
            new_ledger=new_ledger,
            allow_placeholders=allow_placeholders,
            jobs=jobs,
            progress=progress,
        )
    if not ctx.obj["quiet"]:
        _echo_problems(report.warnings)
    if ctx.obj["verbose"]:
        _echo_checked_files(report.course)
    if as_json:
        build_json = {"source": str(source), **report.to_json()}
        click.echo(
            _report(
                report.warnings,
                ok=True,
                dry_run=False,
                outputs=[str(report.output)],
                builds=[build_json],
            )
        )
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


def _dry_run(
    ctx: click.Context,
    source: Path,
    output: Path | None,
    *,
    concept_decks: bool,
    accept_notetype_changes: bool,
    strict: bool,
    allow_placeholders: bool,
    jobs: int | None,
    as_json: bool,
) -> None:
    """`build --dry-run`: the planned changes by concept, in curriculum order; nothing written."""
    from pathdeck.dryrun import dry_run

    planned = dry_run(
        source,
        output,
        concept_decks=concept_decks,
        accept_notetype_changes=accept_notetype_changes,
        allow_placeholders=allow_placeholders,
        jobs=jobs,
    )
    if strict and planned.warnings:
        from pathdeck.problems import ContentError

        raise ContentError(planned.warnings)
    if not ctx.obj["quiet"]:
        _echo_problems(planned.warnings)
    if as_json:
        outputs = [str(planned.target)]
        click.echo(
            _report(
                planned.warnings, ok=True, dry_run=True, outputs=outputs, builds=[planned.to_json()]
            )
        )
        return
    concept = None
    for change in planned.changes:
        if change.concept != concept:
            concept = change.concept
            click.echo(concept)
        click.echo(
            f"  {DIFF_MARKS[change.status]} {change.status:<9} {change.role}: {change.summary}"
        )
    counts = planned.counts
    click.echo(
        f"--dry-run: {planned.target} would have {planned.notes} notes: {counts['new']} new, "
        f"{counts['updated']} updated, {counts['unchanged']} unchanged, {counts['retired']} "
        f"retired, {counts['restored']} restored; nothing was written",
        err=True,
    )


DIFF_MARKS = {
    "new": "+",
    "updated": "~",
    "retired": "x",
    "restored": "^",
    "not_delivered": "!",
    "dropped": "-",
    "unchanged": "=",
}


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
    from pathdeck.diff import diff_files

    result = diff_files(old, new)
    if as_json:
        click.echo(_report(result.warnings, ok=True, **result.to_json()))
    else:
        _echo_diff(result, verbose=obj["verbose"] > 0)
    if not obj["quiet"]:
        _echo_problems(result.warnings)
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


def _slug_or_none(value: str | None) -> str | None:
    """An optional course id given on the command line: None, or a slug the validator accepts."""
    from pathdeck.scaffold import check_course_id

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
    from pathdeck.importer import import_pages, page_files

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
        click.echo(_report(result.problems + result.warnings, ok=result.ok, **extra))
    else:
        for page in result.imported:
            click.echo(str(page.path))
        _echo_created(result, quiet=ctx.obj["quiet"])
        click.echo(result.summary())
    _echo_problems(shown)
    if not result.ok:
        sys.exit(EXIT_PROBLEMS)


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
    new_ledger: bool,
    allow_placeholders: bool,
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
        new_ledger=new_ledger,
        allow_placeholders=allow_placeholders,
        jobs=jobs,
    )
    quiet = ctx.obj["quiet"]
    if not quiet:
        _echo_problems(w for report in reports for w in report.warnings)
    for report in reports if ctx.obj["verbose"] else ():
        _echo_checked_files(report.course)
    if as_json:
        outputs = [str(path) for report in reports for path in report.outputs]
        warnings = [w for report in reports for w in report.warnings]
        builds = [report.to_json() for report in reports]
        click.echo(_report(warnings, ok=True, dry_run=False, outputs=outputs, builds=builds))
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


# ---------------------------------------------------------------- the identity ledger


@main.group(short_help="Look after the identity ledger (pathdeck.lock).")
def ledger() -> None:
    """Commands for the identity ledger, the file that keeps learners' review history safe."""


@ledger.command("recover", short_help="Rebuild a lost ledger from a published .apkg.")
@click.option(
    "--from",
    "package",
    required=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="The last .apkg published to learners.",
)
@source_argument
@json_option
@handles_content_errors
def ledger_recover(package: Path, source: Path, as_json: bool) -> None:
    """Rebuild SOURCE's missing ledger (default: decks) from the package learners last got.

    The next build then matches every note exactly as if the ledger had never been lost.

    \b
    Example:
      pathdeck ledger recover --from dist/clinical-encounters.apkg decks
    """
    from pathdeck.pipeline import recover

    report = recover(source, package)
    if as_json:
        click.echo(_report((), ok=True, outputs=[str(report.ledger)], **report.to_json()))
        return
    click.echo(str(report.ledger))
    click.echo(
        f"recovered {report.notes} notes of {report.concepts} concepts; {report.exact} match "
        "the source exactly, the rest are matched like edited items on the next build",
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
    from pathdeck.jsonschema import render
    from pathdeck.report import output_schema

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
    callback=_source_or_default,
    help="The source folder to add the file to (default: decks, or the course you are in).",
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
        written = [str(path) for path in result.written]
        click.echo(_report(result.warnings, ok=True, path=str(result.path), outputs=written))
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
        listed = [c.to_json(with_concepts=with_concepts) for c in courses]
        click.echo(_report((), ok=True, courses=listed))
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
        _missing_dependency(str(exc), as_json=as_json)
    if not ctx.obj["quiet"]:
        _echo_problems(report.warnings)
    if as_json:
        click.echo(
            _report(report.warnings, ok=True, outputs=[str(report.index)], **report.to_json())
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

    from pathdeck.preview import AnkiNotInstalledError
    from pathdeck.serve import LivePreview, Server

    with tempfile.TemporaryDirectory(prefix="pathdeck-serve-") as gallery:
        try:
            live = LivePreview(source, Path(gallery))
        except AnkiNotInstalledError as exc:
            _missing_dependency(str(exc), as_json=False)
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
    _echo_problems(outcome.errors)
    if quiet:
        return
    _echo_problems(outcome.warnings)
    if outcome.errors:
        click.echo(f"pathdeck: {len(outcome.errors)} problem(s): shown in the page", err=True)
    else:
        click.echo(f"pathdeck: preview rebuilt ({outcome.rendered} note(s) rendered)", err=True)


def _missing_dependency(message: str, *, as_json: bool) -> NoReturn:
    """An optional dependency is not installed: the environment's problem, so usage (exit 2)."""
    if as_json:
        from pathdeck.report import render, usage_error

        click.echo(render(usage_error(_command_name(), message, code="missing-dependency")))
    click.echo(f"pathdeck: {message}", err=True)
    sys.exit(EXIT_USAGE)


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
        click.echo(_insights_json(report))
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


def _insights_json(report: Any) -> str:
    """The insights report in the one JSON envelope. Inputs are learners' exports, so no file
    name is ever in the report: problems say what is wrong, -v names the files on stderr."""
    from dataclasses import replace

    from pathdeck.problems import NO_FILE
    from pathdeck.report import envelope
    from pathdeck.tools.insights import formats

    payload = formats.to_json(report, paths=False)
    ok = bool(payload.pop("ok"))
    for key in ("errors", "warnings", "problems"):
        payload.pop(key, None)
    problems = [replace(p, location=NO_FILE) for p in report.problems]
    # formats.dumps, not the shared renderer: a large course's report holds tens of thousands
    # of items, and json's indenting encoder took three times as long
    return formats.dumps(envelope(_command_name(), problems, ok=ok, **payload))


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
