"""Where a build's time goes: CPU seconds per pipeline step, timed through the progress hook.

    python -m bench.stages --concepts 2000          # first build, then a rebuild, of a fresh tree

Runs in-process with the cyclic garbage collector paused, as the CLI runs. The steps are the
ones `pathdeck build` reports; "Reading sources" includes matching each stage against the
ledger, "Assembling the ledger" rendering the new ledger text.
"""

from __future__ import annotations

import argparse
import gc
import shutil
import tempfile
import time
from pathlib import Path

from bench import generate
from pathdeck.pipeline import BUILD_STEPS, build


class StepClock:
    """A progress callback that charges CPU and wall time to the step that was running."""

    def __init__(self) -> None:
        self.cpu: dict[str, float] = {}
        self.wall: dict[str, float] = {}
        self._step: str | None = None
        self._cpu = time.process_time()
        self._wall = time.perf_counter()

    def __call__(self, what: str, done: int, total: int) -> None:
        """Close the running step and open `what`."""
        cpu, wall = time.process_time(), time.perf_counter()
        if self._step is not None:
            self.cpu[self._step] = self.cpu.get(self._step, 0.0) + cpu - self._cpu
            self.wall[self._step] = self.wall.get(self._step, 0.0) + wall - self._wall
        self._step = what if done < total else None
        self._cpu, self._wall = cpu, wall


def timed_build(source: Path, target: Path) -> StepClock:
    """One build of `source`, timed step by step."""
    clock = StepClock()
    gc.disable()
    try:
        build(source, target, progress=clock)
    finally:
        gc.enable()
    return clock


def report(title: str, clock: StepClock, notes: int) -> str:
    """The steps of one build as a Markdown table."""
    lines = [f"{title}:", "", "| step | CPU s | wall s | µs/note |", "|---|---:|---:|---:|"]
    for step, cpu in clock.cpu.items():
        label = "Writing the package" if step.startswith("Writing") else step
        lines.append(f"| {label} | {cpu:.3f} | {clock.wall[step]:.3f} | {cpu / notes * 1e6:.1f} |")
    total = sum(clock.cpu.values())
    lines.append(
        f"| **total** | {total:.3f} | {sum(clock.wall.values()):.3f} | {total / notes * 1e6:.1f} |"
    )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    """Command line: time a first build and a rebuild of a synthetic course."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--concepts", type=int, default=2000)
    parser.add_argument("--stages", type=int, default=40)
    args = parser.parse_args(argv)
    notes = args.concepts * 11
    with tempfile.TemporaryDirectory(prefix="pathdeck-stages-") as scratch:
        source = Path(scratch) / "decks"
        generate.write_tree(source, generate.curriculum(args.concepts, args.stages))
        target = Path(scratch) / "course.apkg"
        first = timed_build(source, target)
        again = timed_build(source, target)
        shutil.rmtree(source)
    assert len(first.cpu) == BUILD_STEPS
    print(report(f"{args.concepts} concepts, first build", first, notes))
    print()
    print(report(f"{args.concepts} concepts, rebuild", again, notes))


if __name__ == "__main__":
    main()
