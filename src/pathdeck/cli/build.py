"""build and ledger: write packages, plan a release (--dry-run), recover a lost ledger."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from pathdeck.cli.common import (
    DEFAULT_SOURCE,
    DIFF_MARKS,
    counts_line,
    echo_checked_files,
    echo_problems,
    jobs_option,
    json_option,
    json_report,
    placeholders_option,
    source_argument,
    sources_argument,
)
from pathdeck.cli.group import handles_content_errors, main

if TYPE_CHECKING:
    from pathdeck.pipeline.options import BuildOptions


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
    from pathdeck.pipeline.options import BuildOptions

    options = BuildOptions(
        concept_decks=concept_decks,
        accept_notetype_changes=accept_notetype_changes,
        locked=locked,
        strict=strict,
        new_ledger=new_ledger,
        allow_placeholders=allow_placeholders,
        jobs=jobs,
    )
    if dry_run:
        if split or len(sources) > 1:
            raise click.UsageError("--dry-run plans one source tree's build, without --split")
        _dry_run(ctx, sources[0] if sources else DEFAULT_SOURCE, output, options, as_json=as_json)
        return
    batch = bool(split) or len(sources) > 1
    if batch or _names_folder(ctx, output, batch=batch):
        _build_batch(
            ctx,
            sources,
            output,
            options,
            split=split or "course",
            with_course=with_course,
            as_json=as_json,
        )
        return
    _build_one(ctx, sources[0] if sources else DEFAULT_SOURCE, output, options, as_json=as_json)


def _names_folder(ctx: click.Context, output: Path | None, *, batch: bool) -> bool:
    """True when -o names a folder for the package; said on stderr when only the name says so."""
    # "-o dist/" or "-o dist" (no .apkg): a folder, so the package is named after the course;
    # "-o out.apkg" names the package even when a folder is in the way (the build says so)
    names_folder = output is not None and output.suffix.lower() != ".apkg"
    says_folder = output is not None and output.is_dir()
    if names_folder and not (batch or says_folder or ctx.obj["quiet"]):
        click.echo(
            f"pathdeck: -o {output} names a folder (no .apkg at the end): writing "
            f"{output}/<course id>.apkg",
            err=True,
        )
    return names_folder


def _build_one(
    ctx: click.Context, source: Path, output: Path | None, options: BuildOptions, *, as_json: bool
) -> None:
    """`build` of one source tree into one .apkg."""
    from pathdeck.pipeline import build_with
    from pathdeck.progress import progress_bar

    with progress_bar(quiet=ctx.obj["quiet"]) as progress:
        report = build_with(source, output, options, progress=progress)
    if not ctx.obj["quiet"]:
        echo_problems(report.warnings)
    if ctx.obj["verbose"]:
        echo_checked_files(report.course)
    if as_json:
        build_json = {"source": str(source), **report.to_json()}
        click.echo(
            json_report(
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
            counts_line(report.notes, counts)
            + (f", {counts['restored']} restored" if counts["restored"] else "")
            + (f" ({counts['retired_total']} retired in all)" if counts["retired_total"] else ""),
            err=True,
        )


def _dry_run(
    ctx: click.Context, source: Path, output: Path | None, options: BuildOptions, *, as_json: bool
) -> None:
    """`build --dry-run`: the planned changes by concept, in curriculum order; nothing written."""
    from pathdeck.pipeline.dryrun import dry_run

    planned = dry_run(source, output, options)
    if options.strict and planned.warnings:
        from pathdeck.problems import ContentError

        raise ContentError(planned.warnings)
    if not ctx.obj["quiet"]:
        echo_problems(planned.warnings)
    if as_json:
        outputs = [str(planned.target)]
        click.echo(
            json_report(
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
        f"--dry-run: {planned.target} would have {counts_line(planned.notes, counts)}, "
        f"{counts['restored']} restored; nothing was written",
        err=True,
    )


# ---------------------------------------------------------------- batch export (build --split)


def _build_batch(
    ctx: click.Context,
    sources: tuple[Path, ...],
    output: Path | None,
    options: BuildOptions,
    *,
    split: str,
    with_course: bool,
    as_json: bool,
) -> None:
    """`build` with --split, several sources or an output folder: one .apkg per stage or course."""
    from pathdeck.pipeline import build_split_with

    if output is not None and output.suffix == ".apkg":
        raise click.BadParameter(
            "with --split or several sources, -o names a folder, not an .apkg", param_hint="-o"
        )
    reports = build_split_with(
        sources or (DEFAULT_SOURCE,),
        output or Path("dist"),
        options,
        split=split,
        with_course=with_course,
    )
    quiet = ctx.obj["quiet"]
    if not quiet:
        echo_problems(w for report in reports for w in report.warnings)
    for report in reports if ctx.obj["verbose"] else ():
        echo_checked_files(report.course)
    if as_json:
        outputs = [str(path) for report in reports for path in report.outputs]
        warnings = [w for report in reports for w in report.warnings]
        builds = [report.to_json() for report in reports]
        click.echo(json_report(warnings, ok=True, dry_run=False, outputs=outputs, builds=builds))
        return
    for report in reports:
        for path in report.outputs:
            click.echo(str(path))
        if not quiet:
            click.echo(
                f"{report.source}: {len(report.outputs)} package(s), "
                + counts_line(report.notes, report.counts),
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
        click.echo(json_report((), ok=True, outputs=[str(report.ledger)], **report.to_json()))
        return
    click.echo(str(report.ledger))
    click.echo(
        f"recovered {report.notes} notes of {report.concepts} concepts; {report.exact} match "
        "the source exactly, the rest are matched like edited items on the next build",
        err=True,
    )
