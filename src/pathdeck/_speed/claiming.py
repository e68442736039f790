"""Work on numbered items in forked workers that each take the next item as they are free.

`map_in_workers` fixes each process's share before it starts, from weights. For insights the
items are learners' exports, which take much the same time each, but this process also reads
the course meanwhile, and two processes on a busy machine do not keep the same pace: a share
fixed beforehand left one process waiting for the other for up to 0.2 s of a 5 s run (half a
learner to one and a half). Claiming the next export when free leaves at most one export's
time between them, with no estimate to keep up to date.

The processes share a counter in a temporary file, under a POSIX record lock: the OS drops the
lock when the process holding it dies, so a killed worker cannot stall the others. A worker is
only ever an accelerator, as in parallel.py: whatever a failed worker had claimed is done
again in this process, so results and errors are exactly those of a serial run.
"""

from __future__ import annotations

import os
import struct
import tempfile
from collections.abc import Callable, Iterable, Iterator
from typing import IO, Any, TypeVar

from pathdeck._speed import parallel

Result = TypeVar("Result")

_COUNTER = struct.Struct("<q")


class Claims:
    """The numbers 0 to count - 1, each handed to whichever process asks for one first."""

    def __init__(self, count: int) -> None:
        self.count = count
        self.mine: list[int] = []
        """The numbers this process was handed."""
        self._file: IO[bytes] = tempfile.TemporaryFile()  # noqa: SIM115 - closed by close()
        self._file.write(_COUNTER.pack(0))
        self._file.flush()

    def __iter__(self) -> Iterator[int]:
        while (number := self._take()) is not None:
            self.mine.append(number)
            yield number

    def _take(self) -> int | None:
        import fcntl  # POSIX only, as forking is

        descriptor = self._file.fileno()
        fcntl.lockf(descriptor, fcntl.LOCK_EX)
        try:
            (taken,) = _COUNTER.unpack(os.pread(descriptor, _COUNTER.size, 0))
            if taken >= self.count:
                return None
            os.pwrite(descriptor, _COUNTER.pack(taken + 1), 0)
            return int(taken)
        finally:
            fcntl.lockf(descriptor, fcntl.LOCK_UN)

    def close(self) -> None:
        """Remove the counter's file."""
        self._file.close()


def claim_in_workers(
    work: Callable[[Iterable[int], bool], Result],
    count: int,
    *,
    jobs: int,
    meanwhile: Callable[[], None] | None = None,
) -> list[Result]:
    """`work(numbers, here)` in up to `jobs` processes, which between them are handed every
    number in range(count) once; `here` is True in this process. This process's result comes
    first. `meanwhile` is called here once, after the workers start and before this process
    claims its first number: work the items do not need, done while the workers run."""
    if jobs <= 1 or count <= 1 or not parallel.can_fork():
        if meanwhile is not None:
            meanwhile()
        return [work(range(count), True)]
    claims = Claims(count)
    workers: list[parallel._Worker | None] = []

    def in_worker() -> list[Any]:
        return [work(claims, False), claims.mine]

    try:
        workers = [parallel._Worker.start(in_worker) for _ in range(min(jobs, count) - 1)]
        if meanwhile is not None:
            meanwhile()
        results = [work(claims, True)]
        done = set(claims.mine)
        for worker in workers:
            found = worker.result() if worker is not None else None
            if found is not None:
                results.append(found[0])
                done.update(found[1])
        missing = [number for number in range(count) if number not in done]
        if missing:  # a worker failed: what it had claimed is done again here
            results.append(work(missing, True))
    finally:
        for worker in workers:
            if worker is not None:
                worker.stop()
        claims.close()
    return results
