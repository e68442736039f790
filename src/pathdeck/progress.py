"""Progress on stderr: one bar for long builds and imports, hidden when quiet or not a terminal."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, TextIO

import click

if TYPE_CHECKING:
    from click._termui_impl import ProgressBar

Progress = Callable[[str, int, int], None]
"""`progress(what, done, total)`: about to do `what`, with `done` of `total` steps behind us."""


def silent(what: str, done: int, total: int) -> None:
    """The progress callback that shows nothing (library use, tests, `-q`, pipes)."""


@contextmanager
def progress_bar(*, quiet: bool, stream: TextIO | None = None) -> Iterator[Progress]:
    """A progress callback drawing one bar on `stream` (default stderr), labelled with the step.

    Nothing is written when `quiet` or when the stream is not a terminal, so redirected output
    and CI logs stay clean. A call with a new `total` starts a fresh bar (an import of N pages,
    then a build of M steps); leaving the block finishes the line.
    """
    stream = stream or sys.stderr
    if quiet or not stream.isatty():
        yield silent
        return
    bars: list[ProgressBar[int]] = []

    def update(what: str, done: int, total: int) -> None:
        if not bars or bars[-1].length != total:
            if bars:
                bars[-1].render_finish()
            bars.append(
                click.progressbar(
                    length=total, label=what, file=stream, show_pos=True, show_eta=False
                )
            )
        bar = bars[-1]
        bar.label = what
        if done > bar.pos:
            bar.update(done - bar.pos)
        else:
            bar.render_progress()  # a new label on the same step still shows

    try:
        yield update
    finally:
        if bars:
            bars[-1].render_finish()
