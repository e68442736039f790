"""Shared fixtures: a scratch copy of the real curriculum, so tests never touch decks/."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from hypothesis import settings

# One session-wide Chromium for every browser test: Playwright's sync API cannot start twice
# in one process while the first is running, so the fixture is defined once, here.
from browser_support import browser

__all__ = ["browser"]

REPO = Path(__file__).resolve().parent.parent
DECKS = REPO / "decks"
FIXTURES = Path(__file__).resolve().parent / "fixtures"

# No timed tests: Hypothesis's default 200 ms deadline per example fails at random on a loaded
# machine (CI shares two cores), whatever the code does.
settings.register_profile("untimed", deadline=None)
settings.load_profile("untimed")


def pytest_addoption(parser: pytest.Parser) -> None:
    """`--update-golden` rewrites golden files instead of comparing against them."""
    parser.addoption("--update-golden", action="store_true", help="rewrite tests/golden/*")


@pytest.fixture
def update_golden(request: pytest.FixtureRequest) -> bool:
    """True when the run was asked to rewrite golden files."""
    return bool(request.config.getoption("--update-golden"))


@pytest.fixture
def source(tmp_path: Path) -> Path:
    """A copy of decks/ without its ledger: a course that was never published."""
    target = tmp_path / "decks"
    shutil.copytree(DECKS, target, ignore=shutil.ignore_patterns("pathdeck.lock"))
    return target


@pytest.fixture
def epoch(monkeypatch: pytest.MonkeyPatch) -> int:
    """Pin SOURCE_DATE_EPOCH so builds are reproducible; tests move it forward explicitly."""
    value = 1_780_000_000
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(value))
    return value
