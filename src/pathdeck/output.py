"""Safe writing: atomic replacement of outputs and a lock so concurrent builds cannot interleave."""

from __future__ import annotations

import os
import signal
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from types import FrameType

from pathdeck.problems import ContentError

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows has no flock; builds there are not serialised
    fcntl = None  # type: ignore[assignment]

TEMP_SUFFIX = ".tmp"
STALE_AFTER_SECONDS = 60
"""A temporary file nobody holds a lock on, older than this, was left by a killed build."""
_TERMINATING = tuple(
    getattr(signal, name) for name in ("SIGTERM", "SIGHUP") if hasattr(signal, name)
)


def _unwritable(where: Path, exc: OSError) -> ContentError:
    return ContentError.at(
        str(where), "unwritable-output", f"cannot write {where}: {exc.strerror or exc}"
    )


def _temporary_prefix(target: Path) -> str:
    return f".{target.name}."


def _try_lock(fd: int) -> bool:
    if fcntl is None:  # pragma: no cover
        return True
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return False
    return True


def remove_stale_temporaries(target: Path) -> None:
    """Delete temporary files beside `target` that a killed build (SIGKILL, power cut) left.

    A writer holds a lock on its temporary file for as long as it writes, so a file that can be
    locked, and is older than a minute, belongs to nobody.
    """
    if fcntl is None:  # pragma: no cover - without locks a live writer cannot be told apart
        return
    prefix = _temporary_prefix(target)
    try:
        candidates = [
            p
            for p in target.parent.iterdir()
            if p.name.startswith(prefix) and p.name.endswith(TEMP_SUFFIX)
        ]
    except OSError:
        return
    for path in candidates:
        with suppress(OSError):
            if time.time() - path.stat().st_mtime < STALE_AFTER_SECONDS:
                continue
            fd = os.open(path, os.O_RDONLY)
            try:
                if _try_lock(fd):
                    path.unlink()
            finally:
                os.close(fd)


def _fsync_folder(folder: Path) -> None:
    # Makes the rename itself durable; not possible (nor needed) on every platform.
    with suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


@contextmanager
def atomic_output(target: Path) -> Iterator[Path]:
    """A temporary path beside `target`, renamed over it only if the block succeeds.

    Readers see the old file or the new one, never a mix; a failed, interrupted or killed
    write leaves the old file byte for byte and, by the next build at the latest, no
    temporary file.
    """
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(
            dir=target.parent, prefix=_temporary_prefix(target), suffix=TEMP_SUFFIX
        )
    except OSError as exc:
        raise _unwritable(target.parent, exc) from None
    temporary = Path(name)
    try:
        _try_lock(fd)  # tells remove_stale_temporaries that this file is alive
        remove_stale_temporaries(target)
        yield temporary
        with temporary.open("rb+") as written:
            os.fsync(written.fileno())
        mode = target.stat().st_mode & 0o777 if target.exists() else 0o644
        temporary.chmod(mode)
        temporary.replace(target)
        _fsync_folder(target.parent)
    except OSError as exc:
        raise _unwritable(target, exc) from None
    finally:
        os.close(fd)
        temporary.unlink(missing_ok=True)


def write_text_atomically(target: Path, text: str) -> None:
    """Replace a text file in one step: readers see the old or the new file, never a mix."""
    with atomic_output(target) as temporary:
        temporary.write_text(text, encoding="utf-8")


def _exit_on_signal(signum: int, frame: FrameType | None) -> None:
    raise SystemExit(128 + signum)


@contextmanager
def terminations_unwind() -> Iterator[None]:
    """Turn SIGTERM and SIGHUP into an ordinary exit, so `finally` blocks remove temporary files.

    Python's default for these signals ends the process on the spot. Only the main thread may
    install handlers; elsewhere (and for SIGKILL) stale files are swept by the next build.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {number: signal.signal(number, _exit_on_signal) for number in _TERMINATING}
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)


@contextmanager
def exclusive(folder: Path) -> Iterator[None]:
    """Hold an exclusive lock on a folder, so two builds of one source run one after the other.

    While the lock is held a termination signal unwinds the build cleanly (see
    `terminations_unwind`), so an interrupted build leaves no temporary files behind.
    """
    if fcntl is None:  # pragma: no cover
        with terminations_unwind():
            yield
        return
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError as exc:
        raise ContentError.at(
            str(folder), "unreadable-file", f"cannot read this: {exc.strerror or exc}"
        ) from None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        with terminations_unwind():
            yield
    finally:
        os.close(fd)  # closing the descriptor releases the lock
