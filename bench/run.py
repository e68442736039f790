"""`make bench`: time whole `pathdeck` processes against naive genanki, side by side, in one run.

Every figure is a whole process (interpreter start and imports included), the median of several
runs, wall time from spawn to exit and peak RSS from the kernel's rusage of that child (what
`/usr/bin/time -v` reports as "Maximum resident set size"). Ratios compare figures measured in
this same run, never figures from another machine or day.

    python -m bench.run                   # the full benchmark (~5 minutes on 2 cores)
    python -m bench.run --quick           # a seconds-long smoke run of the same harness
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from bench import generate

HERE = Path(__file__).resolve().parent
BIN = Path(sys.executable).parent
PATHDECK = BIN / "pathdeck"
NAIVE = HERE / "naive_genanki.py"


@dataclass(frozen=True, slots=True, kw_only=True)
class Sample:
    """One process run: wall seconds and peak resident memory."""

    seconds: float
    peak_mb: float


@dataclass(slots=True, kw_only=True)
class Row:
    """One measured command: its runs and what it produced."""

    name: str
    size: int
    samples: list[Sample] = field(default_factory=list)
    notes: int = 0

    @property
    def median(self) -> float:
        """Median wall time in seconds."""
        return statistics.median(s.seconds for s in self.samples)

    @property
    def peak_mb(self) -> float:
        """The largest peak RSS over the runs, in MB."""
        return max(s.peak_mb for s in self.samples)

    @property
    def us_per_note(self) -> float | None:
        """Median microseconds per note written, for the linearity check."""
        return self.median / self.notes * 1e6 if self.notes else None


class CommandFailedError(RuntimeError):
    """A measured command exited non-zero: the figures would be meaningless."""


def run_once(argv: Sequence[str], cwd: Path) -> Sample:
    """Run one process to completion; wall time and its own peak RSS (not the harness's)."""
    with tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        process = subprocess.Popen(list(argv), cwd=cwd, stdout=subprocess.DEVNULL, stderr=err)
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - start
        process.returncode = os.waitstatus_to_exitcode(status)
        if process.returncode != 0:
            err.seek(0)
            message = err.read().decode(errors="replace")[-2000:]
            raise CommandFailedError(f"{' '.join(argv)} exited {process.returncode}:\n{message}")
    return Sample(seconds=seconds, peak_mb=usage.ru_maxrss / 1024)  # ru_maxrss is KiB on Linux


def measure(
    row: Row,
    argv: Sequence[str],
    cwd: Path,
    runs: int,
    setup: Callable[[], None] | None = None,
) -> Row:
    """Run `argv` `runs` times, calling `setup` (untimed) before each run."""
    for _ in range(runs):
        if setup is not None:
            setup()
        row.samples.append(run_once(argv, cwd))
    print(f"  {row.name:<34} {row.size:>6}  {row.median:8.3f} s  {row.peak_mb:7.1f} MB", flush=True)
    return row


def fresh_copy(source: Path, target: Path) -> Callable[[], None]:
    """A setup step: replace `target` with a copy of `source` (no ledger: a first build)."""

    def setup() -> None:
        shutil.rmtree(target, ignore_errors=True)
        shutil.copytree(source, target)

    return setup


def dump_notes(apkg: Path, target: Path) -> int:
    """Turn a built .apkg into the naive baseline's input: the very same notes, decks, note types."""
    with tempfile.TemporaryDirectory() as scratch:
        database = Path(scratch) / "collection.anki2"
        with zipfile.ZipFile(apkg) as archive:
            database.write_bytes(archive.read("collection.anki2"))
        db = sqlite3.connect(database)
        try:
            models_json, decks_json = db.execute("SELECT models, decks FROM col").fetchone()
            deck_of = dict(db.execute("SELECT nid, did FROM cards WHERE ord = 0").fetchall())
            due_of = dict(db.execute("SELECT nid, due FROM cards WHERE ord = 0").fetchall())
            rows = db.execute("SELECT id, guid, mid, tags, flds FROM notes ORDER BY id").fetchall()
        finally:
            db.close()
    notetypes = [
        {
            "id": int(m["id"]),
            "name": m["name"],
            "fields": [f["name"] for f in m["flds"]],
            "templates": [[t["name"], t["qfmt"], t["afmt"]] for t in m["tmpls"]],
            "css": m["css"],
            "sort_field": m["sortf"],
        }
        for m in json.loads(models_json).values()
    ]
    decks = [
        {"id": d["id"], "name": d["name"], "description": d["desc"]}
        for d in json.loads(decks_json).values()
        if d["id"] != 1  # genanki's collection template brings its own Default deck
    ]
    notes = [
        [guid, mid, flds.split("\x1f"), tags.split(), deck_of[nid], due_of[nid]]
        for nid, guid, mid, tags, flds in rows
    ]
    target.write_text(
        json.dumps({"notetypes": notetypes, "decks": decks, "notes": notes}), encoding="utf-8"
    )
    return len(notes)


def has_import_command() -> bool:
    """True once `pathdeck import` exists (the import engineer is adding it)."""
    result = subprocess.run(
        [str(PATHDECK), "import", "--help"], capture_output=True, check=False, text=True
    )
    return result.returncode == 0


def bench_size(size: int, stages: int, runs: int, slow_runs: int, out: Path) -> list[Row]:
    """Every measurement at one curriculum size."""
    print(f"{size} concepts in {stages} stages:", flush=True)
    tree = out / f"tree-{size}"
    if not tree.exists():
        generate.write_tree(tree, generate.curriculum(size, stages))
    work = out / f"work-{size}"
    apkg = out / f"pathdeck-{size}.apkg"
    rows: list[Row] = []
    if has_import_command():
        pages = out / f"pages-{size}"
        if not pages.exists():
            generate.write_pages(pages, generate.curriculum(size, stages))
        imported = out / f"imported-{size}"
        rows.append(
            measure(
                Row(name="pathdeck import", size=size),
                [str(PATHDECK), "-q", "import", str(pages), "-o", str(imported)],
                out,
                runs,
                setup=lambda: shutil.rmtree(imported, ignore_errors=True),
            )
        )
    rows.append(
        measure(
            Row(name="pathdeck check", size=size),
            [str(PATHDECK), "-q", "check", str(tree)],
            out,
            runs,
        )
    )
    build = [str(PATHDECK), "-q", "build", str(work), "-o", str(apkg)]
    first = measure(
        Row(name="pathdeck build (first)", size=size), build, out, runs, fresh_copy(tree, work)
    )
    rows.append(first)
    rows.append(measure(Row(name="pathdeck build (rebuild)", size=size), build, out, runs))
    stage_dump = out / f"notes-{size}-stage.json"
    first.notes = rows[-1].notes = dump_notes(apkg, stage_dump)
    naive = [sys.executable, str(NAIVE), str(stage_dump), str(out / "naive.apkg")]
    naive_row = measure(Row(name="naive genanki, stage decks", size=size), naive, out, runs)
    naive_row.notes = first.notes
    rows.append(naive_row)
    if size <= 2000:  # genanki's writer is quadratic in decks: 10,000 concept decks take hours
        concept_build = [*build, "--concept-decks"]
        concept_row = measure(
            Row(name="pathdeck build --concept-decks", size=size),
            concept_build,
            out,
            runs,
            fresh_copy(tree, work),
        )
        concept_dump = out / f"notes-{size}-concept.json"
        concept_row.notes = dump_notes(apkg, concept_dump)
        rows.append(concept_row)
        naive = [sys.executable, str(NAIVE), str(concept_dump), str(out / "naive.apkg")]
        rows.append(
            measure(Row(name="naive genanki, concept decks", size=size), naive, out, slow_runs)
        )
        rows[-1].notes = concept_row.notes
    return rows


def startup(runs: int, out: Path) -> list[Row]:
    """`pathdeck --version` against a bare interpreter start, for scale."""
    print("startup:", flush=True)
    bare = measure(Row(name="python -c pass", size=0), [sys.executable, "-c", "pass"], out, runs)
    version = measure(
        Row(name="pathdeck --version", size=0), [str(PATHDECK), "--version"], out, runs
    )
    helped = measure(Row(name="pathdeck --help", size=0), [str(PATHDECK), "--help"], out, runs)
    return [bare, version, helped]


def _find(rows: list[Row], name: str, size: int) -> Row | None:
    return next((r for r in rows if r.name == name and r.size == size), None)


def table(rows: list[Row]) -> str:
    """The figures as a Markdown table."""
    lines = [
        "| measurement | concepts | notes | runs | median s | min s | peak MB | µs/note |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        per_note = f"{r.us_per_note:.1f}" if r.us_per_note else ""
        lines.append(
            f"| {r.name} | {r.size or ''} | {r.notes or ''} | {len(r.samples)} | {r.median:.3f} "
            f"| {min(s.seconds for s in r.samples):.3f} | {r.peak_mb:.0f} | {per_note} |"
        )
    return "\n".join(lines)


def verdicts(rows: list[Row], small: int, large: int) -> str:
    """Each target of the issue against this run's figures."""
    lines = ["| target | measured | ok |", "|---|---:|:---:|"]

    def add(target: str, value: float | None, limit: float, unit: str = "") -> None:
        if value is None:
            lines.append(f"| {target} | not measured | – |")
            return
        lines.append(f"| {target} | {value:.3g}{unit} | {'yes' if value <= limit else 'NO'} |")

    def ratio(a: str, b: str, size: int) -> float | None:
        top, bottom = _find(rows, a, size), _find(rows, b, size)
        return top.median / bottom.median if top and bottom else None

    def value(name: str, size: int, attr: str = "median") -> float | None:
        row = _find(rows, name, size)
        return float(getattr(row, attr)) if row else None

    naive = "naive genanki, stage decks"
    add(
        f"build {small}, first ÷ naive genanki (≤ 1.5×)",
        ratio("pathdeck build (first)", naive, small),
        1.5,
        "×",
    )
    add(
        f"build {small}, rebuild ÷ naive genanki (≤ 1.5×)",
        ratio("pathdeck build (rebuild)", naive, small),
        1.5,
        "×",
    )
    add(f"import {small} pages (≤ 3 s)", value("pathdeck import", small), 3.0, " s")
    add(f"check {small} (≤ 1 s)", value("pathdeck check", small), 1.0, " s")
    add(
        f"build {small} --concept-decks ÷ naive concept decks (≤ 0.1×)",
        ratio("pathdeck build --concept-decks", "naive genanki, concept decks", small),
        0.1,
        "×",
    )
    add(f"build {large}, first (≤ 10 s)", value("pathdeck build (first)", large), 10.0, " s")
    add(f"build {large}, rebuild (≤ 10 s)", value("pathdeck build (rebuild)", large), 10.0, " s")
    add(
        f"build {large}, peak memory (≤ 500 MB)",
        value("pathdeck build (first)", large, "peak_mb"),
        500,
        " MB",
    )
    for name in ("pathdeck build (first)", "pathdeck build (rebuild)"):
        big, little = _find(rows, name, large), _find(rows, name, small)
        per_note = (
            big.us_per_note / little.us_per_note
            if big and little and big.us_per_note and little.us_per_note
            else None
        )
        add(f"{name}: µs/note at {large} ÷ at {small} (≤ 1.3×)", per_note, 1.3, "×")
    add(
        "startup, pathdeck --version (≤ 150 ms)",
        (value("pathdeck --version", 0) or 0) * 1000,
        150,
        " ms",
    )
    return "\n".join(lines)


def machine() -> str:
    """Where these figures come from."""
    model = platform.processor() or platform.machine()
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    return (
        f"{os.cpu_count()} cores ({model}), {platform.system()} {platform.release()}, "
        f"Python {platform.python_version()}"
    )


def main(argv: list[str] | None = None) -> None:
    """Command line: the full benchmark, or `--quick` for a smoke run."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="tiny sizes, one run each")
    parser.add_argument("--out", type=Path, default=HERE / "out")
    parser.add_argument("--report", type=Path, help="also write the Markdown report here")
    args = parser.parse_args(argv)
    if args.quick:
        sizes, stages, runs, slow_runs = (8, 24), 4, 1, 1
    else:
        sizes, stages, runs, slow_runs = (2000, 10000), 40, 5, 3
    args.out.mkdir(parents=True, exist_ok=True)
    out = args.out.resolve()
    rows = startup(3 if args.quick else 15, out)
    for size in sizes:
        rows += bench_size(size, stages, runs if size <= 2000 else 3, slow_runs, out)
    report = f"Machine: {machine()}\n\n{table(rows)}\n\n{verdicts(rows, sizes[0], sizes[1])}\n"
    print()
    print(report)
    if args.report:
        args.report.write_text(report, encoding="utf-8")


if __name__ == "__main__":
    main()
