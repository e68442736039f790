"""Finding a course's ledger file, and refusing to start a new one for a published course."""

from __future__ import annotations

import shutil
import stat
import subprocess
from collections.abc import Mapping
from pathlib import Path

from pathdeck import problems as codes
from pathdeck.identity.ledger import LEDGER_FILE, Ledger, corrupt, parse_ledger
from pathdeck.problems import ContentError, Location, Problem


def read_ledger(source: Path, course_id: str, *, defer: bool = False) -> Ledger:
    """The source tree's ledger, or a fresh empty one when there is none yet (`defer`: see
    parse_ledger). A ledger that exists but cannot be read is an error, never a fresh start."""
    path = source / LEDGER_FILE
    shown = str(path)
    text = _ledger_text(path, shown)
    if text is None or not any(
        line.strip() and line.lstrip("\ufeff")[:1] != "#" for line in text.split("\n")
    ):
        return Ledger(course=course_id, path=shown, fresh=True)
    ledger = parse_ledger(text, shown, defer=defer)
    if ledger.course != course_id:
        raise ContentError.at(
            shown,
            codes.LEDGER_COURSE_MISMATCH,
            f"the ledger belongs to course '{ledger.course}' but course.yaml says "
            f"'{course_id}'; a new course id would give every note a new identity and "
            f"duplicate every learner's deck. Put 'id: {ledger.course}' back",
        )
    if not (ledger.notetypes or ledger.concepts or ledger.pending):
        ledger.fresh = True
    return ledger


def _ledger_text(path: Path, shown: str) -> str | None:
    """The ledger's text; None when there is no file. FIFOs and devices are never opened."""
    try:
        mode = path.lstat().st_mode
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise _unreadable(shown, exc.strerror or str(exc)) from None
    if stat.S_ISLNK(mode):
        try:
            mode = path.stat().st_mode
        except OSError:
            raise _unreadable(shown, "it is a link to a file that does not exist") from None
    if not stat.S_ISREG(mode):
        raise _unreadable(shown, "it is not a regular file")
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise ContentError([corrupt(shown, 1, "the ledger is not UTF-8 text")]) from None
    except OSError as exc:
        raise _unreadable(shown, exc.strerror or str(exc)) from None


def _unreadable(shown: str, why: str) -> ContentError:
    return ContentError.at(
        shown,
        codes.LEDGER_UNREADABLE,
        f"cannot read the ledger: {why}. Restore it from version control; building without it "
        "could give learners duplicates",
    )


def refuse_fresh_start(source: Path, released: Mapping[Path, int]) -> None:
    """A build without a ledger is only a first build when nothing shows the course was
    published: raise `ledger-missing` when git knows the ledger file or an output package
    already holds notes of this course (`released`: how many each output holds)."""
    release = next(((path, count) for path, count in released.items() if count), None)
    held = f"{release[0]} holds {release[1]} of its notes" if release else None
    evidence = _git_evidence(source) or held
    if evidence:
        package = str(release[0]) if release else "RELEASE.apkg"
        raise ContentError([_missing(str(source / LEDGER_FILE), source, evidence, package)])


def _missing(path: str, source: Path, evidence: str, package: str) -> Problem:
    return Problem(
        location=Location(path),
        code=codes.LEDGER_MISSING,
        message=(
            f"the ledger is missing or empty, but this course has been published ({evidence}). "
            "Building now would start identities from nothing. Restore it (`git checkout -- "
            f"{path}`), or rebuild it from the last release: `pathdeck ledger recover --from "
            f"{package} {source}`. To start a new ledger anyway, build with --new-ledger"
        ),
    )


def _git_evidence(source: Path) -> str | None:
    git = shutil.which("git")
    if git is None:
        return None
    try:
        done = subprocess.run(
            [git, "log", "-1", "--format=%h", "--", LEDGER_FILE],
            cwd=source,
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    commit = done.stdout.strip() if done.returncode == 0 else ""
    return f"git has the ledger in commit {commit}" if commit else None
