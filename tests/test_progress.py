"""Progress: builds report each step; the bar shows on a terminal and nowhere else."""

from __future__ import annotations

import io
from pathlib import Path

from cli_support import invoke
from pathdeck.pages.importer import import_pages
from pathdeck.pipeline import BUILD_STEPS, build
from pathdeck.progress import progress_bar


class Terminal(io.StringIO):
    """A stream that says it is a terminal, as stderr is in an interactive shell."""

    def isatty(self) -> bool:
        """Always a terminal."""
        return True


def test_build_reports_every_step_in_order(source: Path, tmp_path: Path, epoch: int) -> None:
    """A build announces each step before it starts and ends with every step done."""
    calls: list[tuple[str, int, int]] = []
    build(source, tmp_path / "out.apkg", progress=lambda *call: calls.append(call))
    assert [done for _, done, _ in calls] == list(range(BUILD_STEPS + 1))
    assert {total for _, _, total in calls} == {BUILD_STEPS}
    assert calls[0][0] == "Reading sources"
    assert calls[-2][0] == "Writing out.apkg"


def test_bar_on_a_terminal_shows_each_step(source: Path, tmp_path: Path, epoch: int) -> None:
    """On a terminal the bar names the step it is on and ends on its own line."""
    terminal = Terminal()
    with progress_bar(quiet=False, stream=terminal) as progress:
        build(source, tmp_path / "out.apkg", progress=progress)
    shown = terminal.getvalue()
    assert "Reading sources" in shown
    assert "Writing out.apkg" in shown
    assert f"{BUILD_STEPS}/{BUILD_STEPS}" in shown
    assert shown.endswith("\n")


def test_quiet_hides_the_bar(source: Path, tmp_path: Path, epoch: int) -> None:
    """With -q nothing is drawn, even on a terminal."""
    terminal = Terminal()
    with progress_bar(quiet=True, stream=terminal) as progress:
        build(source, tmp_path / "out.apkg", progress=progress)
    assert terminal.getvalue() == ""


def test_no_bar_when_not_a_terminal(source: Path, tmp_path: Path, epoch: int) -> None:
    """Redirected stderr (a pipe, a CI log) gets no bar and no step labels."""
    piped = io.StringIO()
    with progress_bar(quiet=False, stream=piped) as progress:
        build(source, tmp_path / "out.apkg", progress=progress)
    assert piped.getvalue() == ""


def test_a_new_total_starts_a_new_bar() -> None:
    """An import of N pages followed by a build of M steps draws two bars, one line each."""
    terminal = Terminal()
    with progress_bar(quiet=False, stream=terminal) as progress:
        for page in range(3):
            progress("Importing pages", page, 3)
        progress("Reading sources", 0, 2)
        progress("Checking", 1, 2)
    shown = terminal.getvalue()
    assert "Importing pages" in shown
    assert "Checking" in shown
    assert shown.count("\n") == 2


def test_cli_build_keeps_stderr_clean_without_a_terminal(
    source: Path, tmp_path: Path, epoch: int
) -> None:
    """`pathdeck build` under a pipe prints its summary on stderr and no progress."""
    result = invoke("build", str(source), "-o", str(tmp_path / "out.apkg"))
    assert result.exit_code == 0, result.output
    assert "Reading sources" not in result.stderr
    assert "notes:" in result.stderr


def test_import_reports_each_page(tmp_path: Path) -> None:
    """An import announces every page before it starts and ends with all pages done."""
    pages = sorted((Path(__file__).parent / "fixtures" / "pages").glob("*.txt"))
    calls: list[tuple[str, int, int]] = []
    import_pages(
        pages, tmp_path / "decks", force=False, course_title=None,
        progress=lambda *call: calls.append(call),
    )  # fmt: skip
    assert [done for _, done, _ in calls] == list(range(len(pages) + 1))
    assert calls[0][0] == f"Importing {pages[0].name}"
    assert calls[-1] == ("Imported", len(pages), len(pages))
