"""Watching the workers pathdeck forks, for tests of its parallel paths."""

from __future__ import annotations

import pytest

from pathdeck._speed import parallel


def started_workers(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The pid of every worker map_in_workers or claim_in_workers forks from now on."""
    pids: list[int] = []
    real_start = parallel._Worker.start.__func__  # type: ignore[attr-defined]

    def counting_start(cls: type[parallel._Worker], work: object) -> object:
        worker = real_start(cls, work)
        pids.append(worker.pid)
        return worker

    monkeypatch.setattr(parallel._Worker, "start", classmethod(counting_start))
    return pids
