"""`make bench`, insights part: `pathdeck insights` over 50 and 100 learners of a 2,000-concept
course, side by side with importing each learner's package through the anki library.

    python -m bench.insights                 # only this part (the cohort is generated once)
    python -m bench.insights --quick         # a seconds-long smoke run

The learners are generated once into bench/out/: the course is built and imported into one
collection by the anki library; each learner is a copy of that collection with a synthetic
review history (about three answers per card, some cards failed, suspended or flagged, a few
notes tagged leech or marked, a few edited) written into the copy's own tables, then exported
by the anki library: mostly modern .apkg with scheduling, every tenth a legacy .apkg, every
tenth a .colpkg.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import random
import shutil
import sqlite3
import sys
import tempfile
from pathlib import Path
from typing import Any

from bench import generate
from bench.run import HERE, PATHDECK, Job, Row, compile_bytecode, interleave, machine, table

START_MS = 1_780_000_000_000  # reviews start on a fixed day, so every run makes the same cohort
READY = "cohort-ready"
FULL = (2000, 40, (50, 100), 3)
QUICK = (8, 4, (3, 6), 1)
"""(concepts, stages, learner counts, runs of each measurement)."""


def synthetic_reviews(db: sqlite3.Connection, rng: random.Random) -> None:
    """About three answers per card into the collection's revlog, cards left as they would be.

    Written with sqlite3 in one transaction, before the anki library opens the file: through
    the library's own DB proxy the same inserts take a minute per learner."""
    cards = db.execute("SELECT id, nid FROM cards").fetchall()
    difficulty = {nid: rng.random() ** 3 for _, nid in cards}  # most notes easy, a few hard
    answers: list[tuple[int, ...]] = []
    states: list[tuple[int, ...]] = []
    now = START_MS
    for cid, nid in cards:
        if rng.random() < 0.05:  # a card this learner has not reached yet
            continue
        for number in range(rng.choice((2, 3, 3, 4))):
            now += rng.randint(2_000, 20_000)
            kind = 0 if number < 2 else 1  # two learning steps, then reviews
            ease = 1 if rng.random() < 0.05 + 0.6 * difficulty[nid] else 3
            interval = 1 if kind else -600
            answers.append(
                (now, cid, -1, ease, interval, 0, 2500, rng.randint(1_500, 30_000), kind)
            )
        queue = -1 if rng.random() < 0.01 else 2
        states.append((queue, 1 if rng.random() < 0.01 else 0, cid))
    notes = [row[0] for row in db.execute("SELECT id FROM notes")]
    tags = ("leech ", "marked ")
    tagged = [(rng.choice(tags), nid) for nid in rng.sample(notes, len(notes) // 500)]
    edited = [(nid,) for nid in rng.sample(notes, max(1, len(notes) // 2000))]
    with db:
        db.executemany("INSERT INTO revlog VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", answers)
        db.executemany("UPDATE cards SET type = 2, queue = ?, flags = ? WHERE id = ?", states)
        db.executemany("UPDATE notes SET tags = tags || ?, mod = mod + 86400 WHERE id = ?", tagged)
        db.executemany(
            "UPDATE notes SET flds = replace(flds, 'the', 'teh'), mod = mod + 86400 WHERE id = ?",
            edited,
        )


def export_learner(col: Any, folder: Path, number: int) -> Path:
    """Export as learners do: mostly modern .apkg with scheduling, some legacy, some .colpkg."""
    from anki.collection import ExportAnkiPackageOptions

    if number % 10 == 9:
        path = folder / f"learner-{number:03}.colpkg"
        col.export_collection_package(str(path), include_media=False, legacy=False)
        return path  # the export closed the collection
    path = folder / f"learner-{number:03}.apkg"
    options = ExportAnkiPackageOptions(
        with_scheduling=True, with_deck_configs=True, with_media=False, legacy=number % 10 == 7
    )
    col.export_anki_package(out_path=str(path), options=options, limit=None)
    col.close()
    return path


def _base_collection(home: Path, concepts: int, stages: int) -> Path:
    """The course's source, built, and imported by the anki library into a collection."""
    from anki.collection import Collection, ImportAnkiPackageOptions, ImportAnkiPackageRequest

    from pathdeck.pipeline import build

    base = home / "base" / "collection.anki2"
    if (home / READY).exists():
        return base
    shutil.rmtree(home, ignore_errors=True)
    generate.write_tree(home / "course", generate.curriculum(concepts, stages))
    apkg = build(home / "course", home / "course.apkg").output
    base.parent.mkdir(parents=True)
    col = Collection(str(base))
    request = ImportAnkiPackageRequest(package_path=str(apkg), options=ImportAnkiPackageOptions())
    col.import_anki_package(request)
    col.close()
    (home / READY).touch()
    return base


def make_cohort(out: Path, concepts: int, stages: int, learners: int) -> Path:
    """The cohort's home (course/, learners/): generated once, kept in `out` for later runs."""
    from anki.collection import Collection

    home = out / f"insights-{concepts}"
    base = _base_collection(home, concepts, stages)
    folder = home / "learners"
    have = len(list(folder.glob("learner-*"))) if (folder / READY).exists() else 0
    if have >= learners:
        return home
    (folder / READY).unlink(missing_ok=True)
    folder.mkdir(exist_ok=True)
    for number in range(have, learners):
        with tempfile.TemporaryDirectory(dir=home) as scratch:
            copy = Path(scratch) / "collection.anki2"
            shutil.copy(base, copy)
            with contextlib.closing(sqlite3.connect(copy)) as db:
                synthetic_reviews(db, random.Random(number))
            export_learner(Collection(str(copy)), folder, number)
        print(f"  generated learner {number + 1}/{learners}", end="\r", flush=True)
    (folder / READY).touch()
    print(flush=True)
    return home


def cohort_of(home: Path, learners: int) -> Path:
    """A folder holding the first `learners` exports (hard links), for one measurement."""
    folder = home / f"cohort-{learners}"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir()
    for path in sorted((home / "learners").glob("learner-*"))[:learners]:
        os.link(path, folder / path.name)
    return folder


# The baseline asks the imported collection what `pathdeck insights` asks the export.
BASELINE_QUERY = """
SELECT n.guid, count(r.id), total(r.type = 1 AND r.ease = 1), total(r.time)
FROM notes AS n JOIN cards AS c ON c.nid = n.id LEFT JOIN revlog AS r ON r.cid = c.id
GROUP BY n.id
"""


def import_each(folder: Path) -> int:
    """The baseline: each learner's package imported into a new collection by the anki library
    (with its scheduling), then its per-note figures queried; the notes seen in all."""
    from anki.collection import Collection, ImportAnkiPackageOptions, ImportAnkiPackageRequest

    seen = 0
    for path in sorted(folder.glob("learner-*")):
        with tempfile.TemporaryDirectory() as scratch:
            col: Any = Collection(str(Path(scratch) / "collection.anki2"))
            options = ImportAnkiPackageOptions(with_scheduling=True)
            col.import_anki_package(
                ImportAnkiPackageRequest(package_path=str(path), options=options)
            )
            seen += len(col.db.all(BASELINE_QUERY))
            col.close()
    return seen


def bench_insights(out: Path, *, quick: bool) -> tuple[list[Row], list[str]]:
    """The measurements, interleaved, and each target's verdict as Markdown table rows."""
    concepts, stages, (small, large), runs = QUICK if quick else FULL
    print(f"insights, {concepts} concepts, {small} and {large} learners:", flush=True)
    home = make_cohort(out, concepts, stages, large)
    notes = concepts * 11
    insights = [str(PATHDECK), "-q", "insights", "--source", str(home / "course"), "--json"]
    rows = {
        size: Row(name=f"pathdeck insights, {size} learners", size=concepts, notes=notes * size)
        for size in (small, large)
    }
    baseline = Row(
        name=f"anki import of each, {small} learners", size=concepts, notes=notes * small
    )
    jobs = [Job(row=rows[n], argv=[*insights, str(cohort_of(home, n))], runs=runs) for n in rows]
    jobs.append(
        Job(
            row=baseline,
            argv=[
                sys.executable,
                "-m",
                "bench.insights",
                "--import-each",
                str(home / f"cohort-{small}"),
            ],
            runs=1,
        )
    )
    interleave(jobs, HERE.parent)
    fast, slow = rows[small], rows[large]
    verdicts = [
        _verdict(f"insights, {small} learners (≤ 20 s)", fast.median, 20, " s"),
        _verdict(f"insights, {small} learners, peak memory (≤ 500 MB)", fast.peak_mb, 500, " MB"),
        _verdict(
            f"insights, {large} ÷ {small} learners (≤ 2.2×)", slow.median / fast.median, 2.2, "×"
        ),
        _verdict(
            f"anki import of each ÷ insights, {small} learners (≥ 10×)",
            baseline.median / fast.median,
            10,
            "×",
            at_least=True,
        ),
    ]
    return [fast, slow, baseline], verdicts


def _verdict(target: str, value: float, limit: float, unit: str, *, at_least: bool = False) -> str:
    met = value >= limit if at_least else value <= limit
    return f"| {target} | {value:.3g}{unit} | | {'yes' if met else 'NO'} |"


def main(argv: list[str] | None = None) -> None:
    """Command line: the insights benchmark alone, or the baseline's inner loop."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="tiny sizes, one run each")
    parser.add_argument("--out", type=Path, default=HERE / "out")
    parser.add_argument("--import-each", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.import_each:
        import_each(args.import_each)
        return
    args.out.mkdir(parents=True, exist_ok=True)
    compile_bytecode()
    rows, verdicts = bench_insights(args.out.resolve(), quick=args.quick)
    print(f"\nMachine: {machine()}\n\n{table(rows)}\n")
    print("| target | wall | CPU | ok |\n|---|---:|---:|:---:|\n" + "\n".join(verdicts))


if __name__ == "__main__":
    main()
