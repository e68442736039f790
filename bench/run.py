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
import compileall
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

import pathdeck
from bench import card_quality, generate

HERE = Path(__file__).resolve().parent
BIN = Path(sys.executable).parent
PATHDECK = BIN / "pathdeck"
NAIVE = HERE / "naive_genanki.py"


@dataclass(frozen=True, slots=True, kw_only=True)
class Sample:
    """One process run: wall seconds, CPU seconds (user + system) and peak resident memory."""

    seconds: float
    cpu: float
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
    def cpu(self) -> float:
        """Median CPU seconds: unlike wall time, barely moved by other work on the machine."""
        return statistics.median(s.cpu for s in self.samples)

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


GNU_TIME = Path("/usr/bin/time")


def run_once(argv: Sequence[str], cwd: Path) -> Sample:
    """Run one process to completion: wall time, CPU time and its own peak RSS.

    The child's rusage is read through GNU time, which forks it from a tiny process: Linux
    carries the memory high-water mark of the process that execs into a child's ru_maxrss, so
    a child forked straight from this (large) harness would report the harness's peak.
    """
    with tempfile.TemporaryDirectory() as scratch:
        usage_file, err_file = Path(scratch) / "usage", Path(scratch) / "stderr"
        command = [str(GNU_TIME), "-f", "%M %U %S", "-o", str(usage_file), *argv]
        with err_file.open("wb") as err:
            start = time.perf_counter()
            result = subprocess.run(
                command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=err, check=False
            )
            seconds = time.perf_counter() - start
        if result.returncode != 0:
            message = err_file.read_text(errors="replace")[-2000:]
            raise CommandFailedError(f"{' '.join(argv)} exited {result.returncode}:\n{message}")
        peak_kb, user, system = usage_file.read_text().split()[-3:]
    return Sample(seconds=seconds, cpu=float(user) + float(system), peak_mb=int(peak_kb) / 1024)


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
    print(
        f"  {row.name:<34} {row.size:>6}  {row.median:8.3f} s  {row.cpu:8.3f} s CPU"
        f"  {row.peak_mb:7.1f} MB",
        flush=True,
    )
    return row


def fresh_copy(source: Path, target: Path, output: Path) -> Callable[[], None]:
    """A setup step: replace `target` with a copy of `source` and remove `output`: a first build
    (no ledger, and no package of the course beside it, which a build would take as a sign
    that the course was published and its ledger lost)."""

    def setup() -> None:
        shutil.rmtree(target, ignore_errors=True)
        shutil.copytree(source, target)
        output.unlink(missing_ok=True)

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


@dataclass(slots=True, kw_only=True)
class Job:
    """One command to time: its row, its argv, an untimed setup and how many runs it gets."""

    row: Row
    argv: list[str]
    runs: int
    setup: Callable[[], None] | None = None


def interleave(jobs: list[Job], cwd: Path) -> None:
    """Run the jobs round-robin (A B C A B C ...) so a slow spell on the machine hits them all."""
    for round_ in range(max(job.runs for job in jobs)):
        for job in jobs:
            if round_ < job.runs:
                if job.setup is not None:
                    job.setup()
                job.row.samples.append(run_once(job.argv, cwd))
    for job in jobs:
        row = job.row
        print(
            f"  {row.name:<34} {row.size:>6}  {row.median:8.3f} s  {row.cpu:8.3f} s CPU"
            f"  {row.peak_mb:7.1f} MB",
            flush=True,
        )


def prepare(out: Path, size: int, stages: int) -> tuple[Path, Path]:
    """Fresh synthetic sources for this size: (YAML tree, text pages)."""
    course = generate.curriculum(size, stages)
    tree, pages = out / f"tree-{size}", out / f"pages-{size}"
    for folder in (tree, pages):
        shutil.rmtree(folder, ignore_errors=True)
    generate.write_tree(tree, course)
    generate.write_pages(pages, course)
    return tree, pages


def bench_size(size: int, stages: int, runs: int, slow_runs: int, out: Path) -> list[Row]:
    """Every measurement at one curriculum size, interleaved."""
    print(f"{size} concepts in {stages} stages:", flush=True)
    tree, pages = prepare(out, size, stages)
    pathdeck = [str(PATHDECK), "-q"]
    first_dir, rebuild_dir, concept_dir = (
        out / f"{name}-{size}" for name in ("first", "rebuild", "concept")
    )
    stage_apkg, concept_apkg = out / f"stage-{size}.apkg", out / f"concept-{size}.apkg"
    # Untimed: the rebuild's ledger, and the notes the naive baseline writes (the same notes).
    fresh_copy(tree, rebuild_dir, stage_apkg)()
    run_once([*pathdeck, "build", str(rebuild_dir), "-o", str(stage_apkg)], out)
    fresh_copy(tree, concept_dir, concept_apkg)()
    run_once(
        [*pathdeck, "build", str(concept_dir), "-o", str(concept_apkg), "--concept-decks"], out
    )
    stage_dump, concept_dump = out / f"notes-{size}-stage.json", out / f"notes-{size}-concept.json"
    notes = dump_notes(stage_apkg, stage_dump)
    dump_notes(concept_apkg, concept_dump)
    imported = out / f"imported-{size}"

    def naive(dump: Path) -> list[str]:
        return [sys.executable, str(NAIVE), str(dump), str(out / "naive.apkg")]

    jobs = [
        Job(
            row=Row(name="pathdeck import", size=size),
            argv=[*pathdeck, "import", str(pages), "-o", str(imported)],
            runs=runs,
            setup=lambda: shutil.rmtree(imported, ignore_errors=True),
        ),
        Job(
            row=Row(name="pathdeck check", size=size),
            argv=[*pathdeck, "check", str(tree)],
            runs=runs,
        ),
        Job(
            row=Row(name="pathdeck build (first)", size=size, notes=notes),
            argv=[*pathdeck, "build", str(first_dir), "-o", str(out / "first.apkg")],
            runs=runs,
            setup=fresh_copy(tree, first_dir, out / "first.apkg"),
        ),
        Job(
            row=Row(name="pathdeck build (rebuild)", size=size, notes=notes),
            argv=[*pathdeck, "build", str(rebuild_dir), "-o", str(stage_apkg)],
            runs=runs,
        ),
        Job(
            row=Row(name="naive genanki, stage decks", size=size, notes=notes),
            argv=naive(stage_dump),
            runs=runs,
        ),
    ]
    if size <= 2000:  # genanki's writer is quadratic in decks: 10,000 concept decks take hours
        jobs += [
            Job(
                row=Row(name="pathdeck build --concept-decks", size=size, notes=notes),
                argv=[
                    *pathdeck,
                    "build",
                    str(concept_dir),
                    "-o",
                    str(out / "c.apkg"),
                    "--concept-decks",
                ],
                runs=runs,
                setup=fresh_copy(tree, concept_dir, out / "c.apkg"),
            ),
            Job(
                row=Row(name="naive genanki, concept decks", size=size, notes=notes),
                argv=naive(concept_dump),
                runs=slow_runs,
            ),
        ]
    interleave(jobs, out)
    for scratch in (tree, pages, first_dir, rebuild_dir, concept_dir, imported):
        shutil.rmtree(scratch, ignore_errors=True)  # 10,000 concepts leave ~600 MB behind
    made = ("first.apkg", "c.apkg", "naive.apkg", stage_apkg.name, concept_apkg.name)
    for leftover in (stage_dump, concept_dump, *(out / name for name in made)):
        leftover.unlink(missing_ok=True)
    return [job.row for job in jobs]


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
        "| measurement | concepts | notes | runs | median s | min s | CPU s | peak MB | µs/note |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        per_note = f"{r.us_per_note:.1f}" if r.us_per_note else ""
        lines.append(
            f"| {r.name} | {r.size or ''} | {r.notes or ''} | {len(r.samples)} | {r.median:.3f} "
            f"| {min(s.seconds for s in r.samples):.3f} | {r.cpu:.3f} | {r.peak_mb:.0f} | {per_note} |"
        )
    return "\n".join(lines)


def verdicts(rows: list[Row], small: int, large: int) -> str:
    """Each target of the issue against this run's figures: wall time decides, CPU time explains."""
    lines = ["| target | wall | CPU | ok |", "|---|---:|---:|:---:|"]

    def add(target: str, limit: float, unit: str, wall: float | None, cpu: float | None) -> None:
        if wall is None:
            lines.append(f"| {target} | not measured | | – |")
            return
        shown_cpu = f"{cpu:.3g}{unit}" if cpu is not None else ""
        verdict = "yes" if wall <= limit else "NO"
        lines.append(f"| {target} | {wall:.3g}{unit} | {shown_cpu} | {verdict} |")

    def ratio(top: str, bottom: str, size: int, attr: str) -> float | None:
        a, b = _find(rows, top, size), _find(rows, bottom, size)
        return float(getattr(a, attr)) / float(getattr(b, attr)) if a and b else None

    def value(name: str, size: int, attr: str) -> float | None:
        row = _find(rows, name, size)
        return float(getattr(row, attr)) if row else None

    def compare(target: str, top: str, bottom: str, size: int, limit: float) -> None:
        add(target, limit, "×", ratio(top, bottom, size, "median"), ratio(top, bottom, size, "cpu"))

    def absolute(target: str, name: str, size: int, limit: float, scale: float = 1.0) -> None:
        wall, cpu = value(name, size, "median"), value(name, size, "cpu")
        unit = " s" if scale == 1.0 else " ms"
        add(
            target,
            limit,
            unit,
            wall * scale if wall is not None else None,
            cpu * scale if cpu is not None else None,
        )

    first, rebuild = "pathdeck build (first)", "pathdeck build (rebuild)"
    naive = "naive genanki, stage decks"
    compare(f"build {small}, first ÷ naive genanki (≤ 1.5×)", first, naive, small, 1.5)
    compare(f"build {small}, rebuild ÷ naive genanki (≤ 1.5×)", rebuild, naive, small, 1.5)
    absolute(f"import {small} pages (≤ 3 s)", "pathdeck import", small, 3.0)
    absolute(f"check {small} (≤ 1 s)", "pathdeck check", small, 1.0)
    compare(
        f"build {small} --concept-decks ÷ naive concept decks (≤ 0.1×)",
        "pathdeck build --concept-decks",
        "naive genanki, concept decks",
        small,
        0.1,
    )
    absolute(f"build {large}, first (≤ 10 s)", first, large, 10.0)
    absolute(f"build {large}, rebuild (≤ 10 s)", rebuild, large, 10.0)
    for name in (first, rebuild):
        add(
            f"{name} {large}, peak memory (≤ 500 MB)",
            500,
            " MB",
            value(name, large, "peak_mb"),
            None,
        )
    for name in (first, rebuild):
        wall_big, wall_small = value(name, large, "median"), value(name, small, "median")
        cpu_big, cpu_small = value(name, large, "cpu"), value(name, small, "cpu")
        notes_big, notes_small = value(name, large, "notes"), value(name, small, "notes")
        per_note_wall = per_note_cpu = None
        if wall_big and wall_small and cpu_big and cpu_small and notes_big and notes_small:
            per_note_wall = (wall_big / notes_big) / (wall_small / notes_small)
            per_note_cpu = (cpu_big / notes_big) / (cpu_small / notes_small)
        add(
            f"{name}: time per note at {large} ÷ at {small} (≤ 1.3×)",
            1.3,
            "×",
            per_note_wall,
            per_note_cpu,
        )
    absolute("startup, pathdeck --version (≤ 150 ms)", "pathdeck --version", 0, 150, scale=1000)
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


def compile_bytecode() -> Path:
    """Compile pathdeck's modules to bytecode, as `pip install` does; the folder compiled.

    An editable install writes its .pyc files on first use, unless the environment says not
    to (PYTHONDONTWRITEBYTECODE, set on some CI machines): then every timed process would
    compile pathdeck's modules from source (about 30 ms), a cost no installed user pays. The
    libraries on both sides (genanki, PyYAML, click) are compiled by pip already.
    """
    folder = Path(pathdeck.__file__).parent
    compileall.compile_dir(folder, quiet=1)
    return folder


QUALITY_PAGES = HERE.parent / "tests" / "fixtures" / "pages"


def card_quality_section() -> str:
    """Issue 15's card figures on the seed and fixture pages (a few seconds: no timing)."""
    figures = card_quality.measure_pages(sorted(QUALITY_PAGES.glob("*.txt")))
    return f"Card quality (tests/fixtures/pages, rendered by anki):\n\n{figures.summary()}"


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
    compile_bytecode()
    rows = startup(3 if args.quick else 15, out)
    for size in sizes:
        rows += bench_size(size, stages, runs if size <= 2000 else 3, slow_runs, out)
    from bench.insights import bench_insights  # it uses this module's harness

    insight_rows, insight_verdicts = bench_insights(out, quick=args.quick)
    rows += insight_rows
    judged = "\n".join([verdicts(rows, sizes[0], sizes[1]), *insight_verdicts])
    report = f"Machine: {machine()}\n\n{table(rows)}\n\n{judged}\n"
    report += f"\n{card_quality_section()}\n"
    print()
    print(report)
    if args.report:
        args.report.write_text(report, encoding="utf-8")


if __name__ == "__main__":
    main()
