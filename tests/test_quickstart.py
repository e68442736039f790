"""The README's quick start, run line by line in a fresh clone, leaves `pathdeck` runnable."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
README = REPO / "README.md"


def shell_block(after_heading: str) -> list[str]:
    """The command lines of the first ```sh block under a README heading (comments dropped)."""
    section = README.read_text(encoding="utf-8").split(f"\n## {after_heading}\n", 1)[1]
    block = re.search(r"```sh\n(.*?)```", section, flags=re.DOTALL)
    assert block is not None, f"no sh block under '{after_heading}'"
    lines = [re.sub(r"\s+#.*$", "", line).strip() for line in block.group(1).splitlines()]
    return [line for line in lines if line]


def fresh_clone(target: Path) -> Path:
    """A git clone of this repository, with the working tree's uncommitted edits laid over it
    (so the test checks what is about to be committed, as CI will check the commit)."""
    subprocess.run(["git", "clone", "-q", str(REPO), str(target)], check=True)
    changed = subprocess.run(
        ["git", "ls-files", "--modified", "--others", "--exclude-standard"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()
    for name in changed:
        if (REPO / name).is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPO / name, target / name)
    return target


# The README's later examples, in an order a reader can follow in the one clone: importing
# pages, then building both courses, then scaffolding (whose TODOs a build would refuse).
LATER_EXAMPLES = ("Importing concept pages", "Batch export", "Scaffolding")


def test_quick_start_as_written(tmp_path: Path) -> None:
    """Each line of the quick start but `make test`, in one shell: `pathdeck` then just works,
    and so does each later example of the README."""
    clone = fresh_clone(tmp_path / "clone")
    lines = [line for line in shell_block("Quick start") if line != "make test"]
    assert lines[0] == "make deck"
    later = [line for heading in LATER_EXAMPLES for line in shell_block(heading)]
    # One shell, as a reader types them; `set -e` stops at the first line that fails.
    script = "\n".join(["set -euo pipefail", *lines, *later])
    done = subprocess.run(
        ["bash", "-c", script], cwd=clone, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "dist/clinical-encounters.apkg" in done.stdout
    assert "decks: 1 concept(s) in 1 stage(s): ok" in done.stdout
    assert (clone / "decks" / "stage-07-endings" / "e7-1-planned-endings.yaml").is_file()
    assert (clone / "my-course" / "course.yaml").is_file()
    assert (clone / "dist" / "imported-course.apkg").is_file()
