"""The benchmark's smoke run: its generator and harness work at a tiny size (`make bench` runs big)."""

from __future__ import annotations

import gc
import importlib.util
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from bench import generate, run, stages
from cli_support import invoke
from pathdeck import pipeline
from pathdeck.cards import course_notes
from pathdeck.pages.importer import import_pages
from pathdeck.pipeline import check


def tree_bytes(root: Path) -> dict[str, bytes]:
    """Every file below `root` by relative path."""
    return {str(p.relative_to(root)): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def test_generator_is_deterministic(tmp_path: Path) -> None:
    """The same size and seed give byte-identical source trees, so runs compare like with like."""
    generate.write_tree(tmp_path / "a", generate.curriculum(12, stages=3))
    generate.write_tree(tmp_path / "b", generate.curriculum(12, stages=3))
    assert tree_bytes(tmp_path / "a") == tree_bytes(tmp_path / "b")


def test_generated_tree_is_a_valid_course(tmp_path: Path) -> None:
    """The synthetic tree passes `check` with every concept spread evenly over its stages."""
    generate.write_tree(tmp_path / "decks", generate.curriculum(10, stages=4))
    course = check(tmp_path / "decks").course
    assert [len(stage.concepts) for stage in course.stages] == [3, 3, 2, 2]


def test_each_concept_gives_fourteen_notes(tmp_path: Path) -> None:
    """4 phrases, 4 pitfalls, 1 red flag, a case, an anchor and 3 facts: 14 notes per concept."""
    generate.write_tree(tmp_path / "decks", generate.curriculum(8, stages=2))
    course = check(tmp_path / "decks").course
    notes = course_notes(course)
    assert len(notes) == 8 * 14


def test_generated_pages_import_to_the_generated_course(tmp_path: Path) -> None:
    """The text pages import back into exactly the concepts of the generated YAML tree (facts
    aside: a page has none written, the import extracts its own)."""
    course = generate.curriculum(6, stages=2)
    generate.write_pages(tmp_path / "pages", course)
    pages = sorted((tmp_path / "pages").iterdir())
    result = import_pages(pages, tmp_path / "decks", force=False, course_title=None)
    assert not result.failed
    imported = check(tmp_path / "decks").course
    assert [replace(c, source="", facts=()) for _, c in imported.concepts()] == [
        replace(c, facts=()) for _, c in course.concepts()
    ]


def test_harness_quick_run_reports_every_target(tmp_path: Path) -> None:
    """`python -m bench.run --quick` measures every command and writes the table and verdicts."""
    report = tmp_path / "report.md"
    run.main(["--quick", "--out", str(tmp_path / "out"), "--report", str(report)])
    text = report.read_text(encoding="utf-8")
    for measured in (
        "pathdeck --version",
        "pathdeck import",
        "pathdeck check",
        "pathdeck build (first)",
        "pathdeck build (rebuild)",
        "pathdeck build --concept-decks",
        "naive genanki, stage decks",
        "naive genanki, concept decks",
        "pathdeck insights, 3 learners",
        "pathdeck insights, 6 learners",
        "anki import of each, 3 learners",
    ):
        assert f"| {measured} |" in text
    assert "| anki import of each ÷ insights, 3 learners (≥ 10×) |" in text
    assert "time per note at 24 ÷ at 8" in text
    assert "(a) pairs of alike fronts (>= 0.85): 0" in text  # the card-quality section


def test_cli_pauses_the_garbage_collector_and_restores_it(
    source: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A command runs with the cyclic collector paused (its cost grows with the heap), then resumes it."""
    seen: list[bool] = []
    real_check = pipeline.check

    def spy(*args: Any, **kwargs: Any) -> pipeline.CheckReport:
        seen.append(gc.isenabled())
        return real_check(*args, **kwargs)

    monkeypatch.setattr(pipeline, "check", spy)
    result = invoke("check", str(source))
    assert result.exit_code == 0, result.output
    assert seen == [False]
    assert gc.isenabled()


def test_stage_timer_charges_every_build_step(capsys: pytest.CaptureFixture[str]) -> None:
    """`python -m bench.stages` times each of the build's steps, for a first build and a rebuild."""
    stages.main(["--concepts", "4", "--stages", "2"])
    shown = capsys.readouterr().out
    for step in ("Reading sources", "Checking", "Assembling the ledger"):
        assert shown.count(f"| {step} |") == 2
    assert shown.count("| Writing the package |") == 2


def test_bench_times_pathdeck_with_its_bytecode_compiled() -> None:
    """Every pathdeck module has its .pyc before timing, as after `pip install`, so no timed
    process compiles pathdeck from source (this machine sets PYTHONDONTWRITEBYTECODE)."""
    folder = run.compile_bytecode()
    modules = sorted(folder.glob("*.py"))
    assert modules
    for module in modules:
        assert Path(importlib.util.cache_from_source(str(module))).is_file(), module
