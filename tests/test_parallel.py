"""Parallel reading: forked workers give exactly what one process gives, or step aside."""

from __future__ import annotations

import operator
import os
import pickle
import shutil
import signal
import threading
from pathlib import Path

import pytest

from bench import generate
from fork_support import started_workers
from pathdeck import pipeline
from pathdeck._speed import parallel
from pathdeck.cards import course_notes
from pathdeck.cards.lint import lint_course
from pathdeck.curriculum import Concept, Phrase
from pathdeck.identity import LEDGER_FILE
from pathdeck.pipeline import build, check
from pathdeck.problems import ContentError, Location, sorted_problems

# Python 3.12+ warns on any fork beside other threads; see the `forks` fixture.
pytestmark = pytest.mark.filterwarnings("ignore:This process .* is multi-threaded")


@pytest.fixture
def forks(monkeypatch: pytest.MonkeyPatch) -> None:
    """Workers for any amount of work, so a small course is read in several processes.

    The browser tests leave Playwright's idle executor threads behind in this process, and
    pathdeck rightly refuses to fork beside other threads; idle ones hold no lock, so these
    tests fork anyway.
    """
    monkeypatch.setattr(parallel, "can_fork", lambda: hasattr(os, "fork"))
    monkeypatch.setattr(parallel, "MIN_WEIGHT_PER_WORKER", 1)


def test_no_fork_beside_other_threads() -> None:
    """A thread could hold a lock at the fork and deadlock the worker: then one process reads."""
    release = threading.Event()
    thread = threading.Thread(target=release.wait)
    thread.start()
    try:
        assert not parallel.can_fork()
        assert (
            parallel.map_in_workers(lambda item: os.getpid(), [1, 2], jobs=2) == [os.getpid()] * 2
        )
    finally:
        release.set()
        thread.join()


def test_shares_are_contiguous_balanced_and_cover_everything() -> None:
    """Stages are cut into runs of about equal work, in order, none empty."""
    weights = [5, 1, 1, 1, 5, 1, 1, 1]
    parts = parallel.shares(weights, jobs=2, minimum=1)
    assert parts == [range(4), range(4, 8)]  # 8 and 8
    assert parallel.shares(weights, jobs=3, minimum=1)[-1].stop == len(weights)
    assert parallel.shares(weights, jobs=8, minimum=1) == [range(i, i + 1) for i in range(8)]


def test_small_work_stays_in_one_process() -> None:
    """Below MIN_WEIGHT_PER_WORKER per worker, forking would cost more than it saves."""
    assert parallel.shares([1] * 50, jobs=4) == [range(50)]
    assert len(parallel.shares([1] * (2 * parallel.MIN_WEIGHT_PER_WORKER), jobs=4)) == 2


def test_results_come_back_in_order_from_other_processes(forks: None) -> None:
    """Each item's result, in item order; all but the first share computed in other processes."""
    pids = parallel.map_in_workers(lambda item: (item, os.getpid()), list(range(6)), jobs=3)
    assert [item for item, _ in pids] == list(range(6))
    assert len({pid for _, pid in pids}) == 3
    assert pids[0][1] == os.getpid()


def test_a_failed_worker_share_is_redone_here(forks: None) -> None:
    """A worker that raises (or dies) costs time, never results: its share is done again here."""
    parent = os.getpid()

    def fragile(item: int) -> tuple[int, int]:
        if os.getpid() != parent and item == 4:
            raise RuntimeError("only in the worker")
        if os.getpid() != parent and item == 2:
            os.kill(os.getpid(), signal.SIGKILL)
        return item, os.getpid()

    results = parallel.map_in_workers(fragile, list(range(6)), jobs=3)
    assert results == [(item, parent) for item in range(6)]


def test_an_error_here_stops_the_workers(forks: None, monkeypatch: pytest.MonkeyPatch) -> None:
    """An exception in this process (a bug, Ctrl-C) propagates, and no worker is left behind."""
    parent = os.getpid()
    workers = started_workers(monkeypatch)

    def failing(item: int) -> int:
        if os.getpid() == parent:
            raise KeyboardInterrupt
        return item

    with pytest.raises(KeyboardInterrupt):
        parallel.map_in_workers(failing, list(range(4)), jobs=2)
    assert len(workers) == 1
    with pytest.raises(ChildProcessError):
        os.waitpid(workers[0], os.WNOHANG)  # killed and reaped: no zombie left


def test_curriculum_objects_survive_compact_pickling() -> None:
    """compact_pickle round-trips frozen dataclasses field for field, locations included."""
    concept = Concept(
        id="E1.1",
        title="T",
        position=1,
        stage_number=1,
        sample_language=(Phrase(text="Hello", id="a", location=Location("f.yaml", 3, 5)),),
        location=Location("f.yaml", 1, 1),
    )
    copy = pickle.loads(pickle.dumps(concept))
    assert copy == concept
    assert copy.sample_language[0].location == Location("f.yaml", 3, 5)
    with pytest.raises(AttributeError):
        object.__getattribute__(copy, "__setattr__")("title", "changed")  # still frozen


@pytest.fixture
def course_tree(tmp_path: Path) -> Path:
    """A synthetic course of 24 concepts in 6 stages."""
    root = tmp_path / "decks"
    generate.write_tree(root, generate.curriculum(24, stages=6))
    return root


def test_parallel_build_is_byte_identical_to_a_serial_one(
    course_tree: Path, tmp_path: Path, forks: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Package, ledger and report are the same whether one process reads the stages or three."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    forked = started_workers(monkeypatch)
    one = build(course_tree, tmp_path / "one.apkg", jobs=1)
    assert forked == []
    serial_ledger = (course_tree / LEDGER_FILE).read_bytes()
    (course_tree / LEDGER_FILE).unlink()  # so the second build is a first build too
    three = build(course_tree, tmp_path / "three.apkg", jobs=3)
    assert len(forked) == 2
    assert (tmp_path / "one.apkg").read_bytes() == (tmp_path / "three.apkg").read_bytes()
    assert (course_tree / LEDGER_FILE).read_bytes() == serial_ledger
    assert (one.counts, one.notes, one.warnings) == (three.counts, three.notes, three.warnings)
    assert one.course == three.course


def test_notes_read_in_parallel_are_the_course_notes(course_tree: Path, forks: None) -> None:
    """The notes workers make per stage are, in order, what course_notes makes of the course."""
    checked, resolution = pipeline.plan(course_tree, jobs=4)
    assert [n.spec for n in resolution.notes if n.status == "new"] == course_notes(checked.course)


def test_cards_linted_in_the_workers_are_the_whole_course_linted_here(
    course_tree: Path, forks: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """check's card warnings, linted where each stage is read, are lint_course's of the course."""
    forked = started_workers(monkeypatch)
    report = check(course_tree, jobs=3)
    assert len(forked) == 2
    linted = lint_course(report.course)
    assert linted  # the synthetic phrases read alike: there is something to compare
    card_codes = {p.code for p in linted}
    assert [p for p in report.warnings if p.code in card_codes] == list(sorted_problems(linted))
    assert check(course_tree, jobs=1).warnings == report.warnings


def test_problems_found_in_parallel_are_reported_as_in_one_process(
    course_tree: Path, forks: None
) -> None:
    """Errors and warnings spread over stages come out the same, and stop the build alike."""
    stages = sorted(p for p in course_tree.iterdir() if p.is_dir())
    first = sorted(stages[0].glob("e*.yaml"))[0]
    first.write_text(first.read_text().replace("position: 1", "position: x"), encoding="utf-8")
    last = sorted(stages[-1].glob("e*.yaml"))[-1]
    last.write_text(last.read_text() + "connects_to: [E99.9]\nmystery: 1\n", encoding="utf-8")
    shutil.copytree(stages[2], stages[2].with_name("stage-99-copy"))  # a duplicate stage number
    reports = []
    for jobs in (1, 3):
        with pytest.raises(ContentError) as caught:
            check(course_tree, jobs=jobs)
        reports.append(caught.value.problems)
    assert reports[0] == reports[1]
    codes = {p.code for p in reports[0]}
    assert {"wrong-type", "unknown-key", "duplicate-stage-number", "duplicate-concept-id"} <= codes


def edit_course(root: Path) -> None:
    """A term's worth of edits: a typo fixed, an item removed, a concept and a stage deleted."""
    stages = sorted(p for p in root.iterdir() if p.is_dir())
    concept = sorted(stages[1].glob("e*.yaml"))[0]
    text = concept.read_text(encoding="utf-8")
    lines = text.splitlines(keepends=True)
    first_pitfall = next(i for i, line in enumerate(lines) if line.startswith("pitfalls:")) + 1
    del lines[first_pitfall]  # one pitfall fewer: its note retires
    phrase = next(i for i, line in enumerate(lines) if line.startswith("sample_language:")) + 1
    lines[phrase] = lines[phrase].replace(" the ", " teh ", 1)  # a typo: its note updates
    concept.write_text("".join(lines), encoding="utf-8")
    sorted(stages[2].glob("e*.yaml"))[-1].unlink()  # a concept gone: its notes retire
    shutil.rmtree(stages[-1])  # a whole stage gone


def test_parallel_rebuild_matches_the_whole_course_at_once(
    course_tree: Path, tmp_path: Path, forks: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Matched stage by stage in workers, a rebuild after edits gives what matching in one
    process gives, and writes the same bytes."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    build(course_tree, tmp_path / "first.apkg", jobs=1)
    edit_course(course_tree)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700086400")
    copy = tmp_path / "copy"
    shutil.copytree(course_tree, copy)
    _, reference = pipeline.plan(copy, jobs=1)
    workers = started_workers(monkeypatch)
    _, resolution = pipeline.plan(course_tree, jobs=3)
    assert len(workers) == 2
    key = operator.attrgetter("guid")
    assert sorted(resolution.notes, key=key) == sorted(reference.notes, key=key)
    assert resolution.ledger.render() == reference.ledger.render()
    assert {"updated", "retired", "unchanged"} <= {n.status for n in resolution.notes}

    one = build(copy, tmp_path / "one.apkg", jobs=1)
    three = build(course_tree, tmp_path / "three.apkg", jobs=3)
    assert (tmp_path / "one.apkg").read_bytes() == (tmp_path / "three.apkg").read_bytes()
    assert (copy / LEDGER_FILE).read_bytes() == (course_tree / LEDGER_FILE).read_bytes()
    assert one.counts == three.counts


def test_a_damaged_ledger_is_reported_alike_by_workers_and_by_check(
    course_tree: Path, tmp_path: Path, forks: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Note lines are parsed where their stage is matched; damage and hand edits found in a
    worker are reported exactly as `check` (which parses the whole ledger) reports them."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    build(course_tree, tmp_path / "first.apkg", jobs=1)
    ledger = course_tree / LEDGER_FILE
    lines = ledger.read_text(encoding="utf-8").splitlines(keepends=True)
    notes = [i for i, line in enumerate(lines) if line.startswith('{"note"')]
    edited = lines[notes[len(notes) // 2]].replace('"key": "', '"key": "x')
    lines[notes[len(notes) // 2]] = edited  # a hand edit, in a middle stage
    ledger.write_text("".join(lines), encoding="utf-8")
    reports = []
    for damaged in (False, True):
        if damaged:  # then also damage that keeps the line's start, in the last stage
            lines[notes[-1]] = lines[notes[-1]].replace('"changed": ', '"changed": x')
            ledger.write_text("".join(lines), encoding="utf-8")
        with pytest.raises(ContentError) as checked:
            check(course_tree)
        workers = started_workers(monkeypatch)
        with pytest.raises(ContentError) as built:
            build(course_tree, tmp_path / "second.apkg", jobs=3)
        assert len(workers) == 2
        assert built.value.problems == checked.value.problems
        reports.append({p.code for p in built.value.problems})
        assert not (tmp_path / "second.apkg").exists()
    assert reports == [{"ledger-conflict"}, {"ledger-conflict", "ledger-corrupt"}]  # every line
