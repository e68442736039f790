"""Process-level speed tricks of the `pathdeck` command: no cyclic GC, no interpreter teardown."""

from __future__ import annotations

import atexit
import contextlib
import gc
import os
import sys
from typing import NoReturn

import click


def pause_cyclic_gc(ctx: click.Context) -> None:
    """Switch the cyclic garbage collector off for the command, back on when it closes.

    One short run building large acyclic trees: the cyclic collector would rescan every node
    again and again (a quarter of a 10,000-concept build, growing faster than linear).
    """
    if gc.isenabled():
        gc.disable()
        ctx.call_on_close(gc.enable)


def exit_without_teardown(code: int) -> NoReturn:
    """Run the exit handlers, flush, and leave without freeing every object one at a time.

    A large build leaves about 100 MB of objects behind; freeing them one at a time at exit
    took 40 ms of a 1.2 s build, and the OS reclaims the memory at once anyway. Exit handlers
    still run and output is flushed, so nothing a normal exit does is lost.
    """
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):  # a closed pipe: nothing left to say
            stream.flush()
    os._exit(code)
