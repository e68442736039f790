"""Map a function over items in forked worker processes; results come back in item order.

A large course is read stage by stage, and the stages are independent: on a machine with two
cores, two processes read it in a little over half the time. Workers are forked (they inherit
everything already loaded, nothing is re-imported) and send their results back pickled through
a pipe. A worker is only ever an accelerator: if one cannot be started or fails in any way, its
share is done again in this process, so results and errors are exactly those of a serial run.

Why not concurrent.futures: bench/pool_trial.py runs the commands on a ProcessPoolExecutor
with the same contract. It cost 2% more CPU on a 2,000-concept build, 5% on insights (larger
results through its queue) and 8-12 MB more peak memory, so this pool of about 100 lines stays.
"""

from __future__ import annotations

import contextlib
import functools
import os
import pickle
import signal
import sys
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

Item = TypeVar("Item")
Result = TypeVar("Result")

MIN_WEIGHT_PER_WORKER = 200
"""A worker is forked only for at least this much work (files, for the reader): below it,
forking and pickling cost more than they save."""
MAX_JOBS = 8
HOME_SHARE = 1.3
"""How much more work this process takes than each worker: a worker also pickles its results
and this process unpickles them, about 30% of the work in each direction (measured)."""
CHECK_HOME_SHARE = 1.0
"""The same for `check`, whose workers lint the cards and send back only the checked stages
and the warnings, while this process also reads the whole ledger: at 2,000 concepts, 1.3 kept
this process busy 0.3 s of CPU longer than the worker; an equal share made `check` 5% faster
(1.08 -> 1.02 s in-process, median of 7), and with the ledger read here too it still waits
about 0.04 s for the worker (0.85 made that 0.13 s)."""


def available_cpus() -> int:
    """The CPUs this process may run on (its affinity mask, where the OS has one)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1  # pragma: no cover - macOS and Windows have no affinity mask


def default_jobs() -> int:
    """How many processes to use when not told: one per available CPU, at most MAX_JOBS."""
    return max(1, min(available_cpus(), MAX_JOBS))


def can_fork() -> bool:
    """Whether forking is safe here: POSIX, and no other thread that could hold a lock."""
    return hasattr(os, "fork") and sys.platform != "win32" and threading.active_count() == 1


def shares(
    weights: Sequence[int], jobs: int, minimum: int | None = None, home: float = HOME_SHARE
) -> list[range]:
    """Contiguous index ranges: as many as `jobs` allows, each with at least `minimum` (default
    MIN_WEIGHT_PER_WORKER) of the weight; the first, this process's, `home` times the others."""
    if minimum is None:
        minimum = MIN_WEIGHT_PER_WORKER
    total = sum(weights)
    count = max(1, min(jobs, len(weights), total // max(minimum, 1)))
    parts = home + count - 1
    ranges: list[range] = []
    start, done = 0, 0
    for number in range(1, count + 1):
        target = total * (home + number - 1) / parts
        end = start
        while end < len(weights) and (done + weights[end] <= target or end == start):
            done += weights[end]
            end += 1
        if number == count:
            end = len(weights)
        ranges.append(range(start, end))
        start = end
    return [r for r in ranges if len(r)]


class _Worker:
    """One forked process working through a share of the items."""

    def __init__(self, pid: int, pipe: int) -> None:
        self.pid: int | None = pid
        self.pipe: int | None = pipe

    @classmethod
    def start(cls, work: Callable[[], list[Any]]) -> _Worker | None:
        """Fork a process that runs `work` and writes its pickled result to a pipe."""
        reader, writer = os.pipe()
        try:
            pid = os.fork()
        except OSError:
            os.close(reader)
            os.close(writer)
            return None  # no process to spare: the share is done in this one
        if pid == 0:  # pragma: no cover - runs in the child, whose coverage is not collected
            cls._child(reader, writer, work)
        os.close(writer)
        return cls(pid, reader)

    @staticmethod
    def _child(reader: int, writer: int, work: Callable[[], list[Any]]) -> None:  # pragma: no cover
        # Never return into the parent's code, and never run its exit handlers or flush its
        # buffered output: every way out of here is os._exit.
        status = 1
        try:
            os.close(reader)
            # Ctrl-C or stop(): leave through the `with`s, which remove the temporary files
            # (learners' collections) made here, and the parent reports
            signal.signal(signal.SIGINT, _leave)
            signal.signal(signal.SIGTERM, _leave)
            data = pickle.dumps(work(), protocol=pickle.HIGHEST_PROTOCOL)
            with os.fdopen(writer, "wb") as pipe:
                pipe.write(data)
            status = 0
        except BaseException:  # noqa: BLE001, S110 - the parent redoes the share and reports
            pass
        finally:
            os._exit(status)

    def result(self) -> list[Any] | None:
        """The list the work returned, once the worker is done; None if it failed."""
        if self.pid is None or self.pipe is None:
            return None
        with os.fdopen(self.pipe, "rb") as pipe:
            self.pipe = None
            data = pipe.read()
        _, status = os.waitpid(self.pid, 0)
        self.pid = None
        if os.waitstatus_to_exitcode(status) != 0:
            return None
        try:
            found = pickle.loads(data)  # noqa: S301 - our own fork's output, via a private pipe
        except Exception:  # noqa: BLE001 - a truncated result: redo the share
            return None
        return found if isinstance(found, list) else None

    def stop(self) -> None:
        """Kill and reap the worker if it is still there (on an error or Ctrl-C in the parent)."""
        if self.pipe is not None:
            os.close(self.pipe)
            self.pipe = None
        if self.pid is not None:
            pid, self.pid = self.pid, None
            with contextlib.suppress(ProcessLookupError):  # it may have exited already
                os.kill(pid, signal.SIGTERM)
                for _ in range(STOP_TURNS):  # a worker mid-way in C code leaves soon after
                    if os.waitpid(pid, os.WNOHANG)[0]:
                        return
                    time.sleep(0.01)
                os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)


STOP_TURNS = 200
"""How many hundredths of a second a worker told to stop has to remove its temporary files
before it is killed."""


def _leave(signum: int, frame: object) -> None:  # pragma: no cover - runs in the child
    # once only: a second signal (Ctrl-C, then stop()) must not escape _child's os._exit
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    raise SystemExit(1)


def map_in_workers(
    function: Callable[[Item], Result],
    items: Sequence[Item],
    *,
    jobs: int,
    weights: Sequence[int] | None = None,
    send: Callable[[Result], Result] | None = None,
    meanwhile: Callable[[], None] | None = None,
    home: float = HOME_SHARE,
) -> list[Result]:
    """`[function(item) for item in items]`, shared among up to `jobs` processes.

    `weights` say how much work each item is (default 1 each). The first share runs in this
    process while forked workers do the others; a worker that fails has its share redone here.
    A worker sends back `send(result)` (default: the result), to leave out what this process
    already has. `meanwhile` is called once in this process, after the workers are started and
    before its own share: work the items do not need, done while the workers run. `home` is
    this process's share, as for shares().
    """
    parts = shares(weights or [1] * len(items), jobs, home=home) if jobs > 1 and can_fork() else []
    if len(parts) <= 1:
        if meanwhile is not None:
            meanwhile()
        return [function(item) for item in items]

    def run(share: range) -> list[Result]:
        return [function(items[index]) for index in share]

    def run_and_send(share: range) -> list[Result]:
        results = run(share)
        return results if send is None else [send(result) for result in results]

    workers: list[tuple[range, _Worker | None]] = []
    try:
        for share in parts[1:]:
            workers.append((share, _Worker.start(functools.partial(run_and_send, share))))
        if meanwhile is not None:
            meanwhile()
        results = run(parts[0])
        for share, worker in workers:
            found = worker.result() if worker is not None else None
            results += run(share) if found is None else found  # a failed share is redone here
    finally:
        for _, worker in workers:
            if worker is not None:
                worker.stop()
    return results
