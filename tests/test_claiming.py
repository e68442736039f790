"""Claiming: forked workers each take the next number as they are free, every number once."""

from __future__ import annotations

import fcntl
import os
import signal
import time
from collections.abc import Iterable

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fork_support import started_workers
from pathdeck._speed import parallel
from pathdeck._speed.claiming import Claims, claim_in_workers

pytestmark = pytest.mark.filterwarnings("ignore:This process .* is multi-threaded")


@pytest.fixture
def forks(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fork even beside the idle threads other tests leave behind (see test_parallel.py)."""
    monkeypatch.setattr(parallel, "can_fork", lambda: hasattr(os, "fork"))


def pid_and_numbers(numbers: Iterable[int], here: bool) -> tuple[int, bool, list[int]]:
    return os.getpid(), here, list(numbers)


@given(st.integers(0, 40), st.lists(st.integers(0, 3), max_size=60))
def test_every_number_is_handed_out_once_in_order(count: int, turns: list[int]) -> None:
    """However the askers take turns, they are handed 0 to count - 1, each once, in order."""
    claims = Claims(count)
    askers = [iter(claims) for _ in range(4)]
    handed = [next(askers[turn], None) for turn in turns]
    handed += [number for asker in askers for number in asker]
    claims.close()
    assert [number for number in handed if number is not None] == list(range(count))
    assert claims.mine == list(range(count))


def test_workers_and_this_process_share_the_numbers(forks: None) -> None:
    """Each number is worked on once, by one of the processes; this process's result first."""
    parent = os.getpid()

    def slow(numbers: Iterable[int], here: bool) -> tuple[int, bool, list[int]]:
        taken = []
        for number in numbers:
            taken.append(number)
            os.sched_yield()
        return os.getpid(), here, taken

    results = claim_in_workers(slow, 200, jobs=3)
    assert results[0][:2] == (parent, True)
    assert all(pid != parent and not here for pid, here, _ in results[1:])
    numbers = [number for _, _, taken in results for number in taken]
    assert sorted(numbers) == list(range(200))
    for _, _, taken in results:
        assert taken == sorted(taken)


def test_meanwhile_runs_here_once_before_this_process_claims(forks: None) -> None:
    """Work the items do not need runs here while the workers have started claiming."""
    calls: list[int] = []
    results = claim_in_workers(pid_and_numbers, 50, jobs=2, meanwhile=lambda: calls.append(1))
    assert calls == [1]
    assert sorted(n for _, _, taken in results for n in taken) == list(range(50))


def test_one_job_or_no_fork_is_one_call_here(monkeypatch: pytest.MonkeyPatch) -> None:
    """No worker when one process is asked for, or forking is unsafe: one call, every number."""
    assert claim_in_workers(pid_and_numbers, 5, jobs=1) == [(os.getpid(), True, [0, 1, 2, 3, 4])]
    monkeypatch.setattr(parallel, "can_fork", lambda: False)
    assert claim_in_workers(pid_and_numbers, 3, jobs=4) == [(os.getpid(), True, [0, 1, 2])]


def test_what_a_failed_worker_claimed_is_done_again_here(forks: None) -> None:
    """A worker that raises or is killed costs time, never results: every number it had
    claimed is worked on again here, and no number twice."""
    parent = os.getpid()

    def fragile(numbers: Iterable[int], here: bool) -> list[int]:
        taken: list[int] = []
        for number in numbers:
            if os.getpid() != parent and len(taken) == 3:
                if number % 2:
                    os.kill(os.getpid(), signal.SIGKILL)
                raise RuntimeError("only in a worker")
            taken.append(number)
            os.sched_yield()
        return taken

    results = claim_in_workers(fragile, 100, jobs=3)
    assert sorted(n for taken in results for n in taken) == list(range(100))


def test_a_worker_killed_holding_the_lock_stalls_nobody() -> None:
    """The counter's lock is the OS's: it goes with a process that dies holding it."""
    claims = Claims(3)
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        fcntl.lockf(claims._file.fileno(), fcntl.LOCK_EX)
        os.kill(os.getpid(), signal.SIGKILL)
    os.waitpid(pid, 0)
    assert list(claims) == [0, 1, 2]
    claims.close()


def test_an_error_here_stops_the_workers(forks: None, monkeypatch: pytest.MonkeyPatch) -> None:
    """An exception in this process (a bug, Ctrl-C) propagates, and no worker is left behind."""
    parent = os.getpid()
    workers = started_workers(monkeypatch)

    def failing(numbers: Iterable[int], here: bool) -> None:
        if os.getpid() == parent:
            raise KeyboardInterrupt  # here, while the workers are still at work
        for _ in numbers:
            time.sleep(0.01)

    with pytest.raises(KeyboardInterrupt):
        claim_in_workers(failing, 100, jobs=3)
    assert len(workers) == 2
    for pid in workers:
        with pytest.raises(ChildProcessError):
            os.waitpid(pid, os.WNOHANG)  # killed and reaped: no zombie left
