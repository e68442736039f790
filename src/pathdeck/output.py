"""Safe writing: outputs staged beside their targets and replaced together, under a lock."""

from __future__ import annotations

import os
import signal
import stat
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType

from pathdeck import problems as codes
from pathdeck.problems import ContentError

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows has no flock; builds there are not serialised
    fcntl = None  # type: ignore[assignment]

TEMP_SUFFIX = ".tmp"
_CLAIM_ATTEMPTS = 8
"""How often a writer tries a fresh temporary name when a sweep removed the one it just made."""
_TERMINATING = tuple(
    getattr(signal, name) for name in ("SIGTERM", "SIGHUP") if hasattr(signal, name)
)


def _unwritable(where: Path, exc: OSError) -> ContentError:
    return ContentError.at(
        str(where), codes.UNWRITABLE_OUTPUT, f"cannot write {where}: {exc.strerror or exc}"
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


def _still_named(fd: int, path: Path) -> bool:
    """True when `path` is still the file open as `fd` (no sweep removed or replaced it)."""
    try:
        named = path.stat()
    except OSError:
        return False
    opened = os.fstat(fd)
    return (named.st_dev, named.st_ino) == (opened.st_dev, opened.st_ino)


def remove_stale_temporaries(target: Path) -> None:
    """Delete every temporary file beside `target` that no live writer holds, whatever its age.

    A writer locks its temporary file before it writes a byte and keeps the lock until the file
    is renamed or removed (`claim_temporary`), so a temporary that can be locked was left by a killed
    build (SIGKILL, power cut).
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
            if not stat.S_ISREG(path.lstat().st_mode):
                continue  # never open a FIFO or device someone named like a temporary
            fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
            try:
                if _try_lock(fd) and _still_named(fd, path):
                    path.unlink()
            finally:
                os.close(fd)


def claim_temporary(target: Path) -> tuple[int, Path]:
    """A new temporary file beside `target`, locked by this process so no sweep removes it.

    Between creating a file and locking it another build's sweep may take it for a killed
    build's leftover; the name is then gone or someone else's, so a fresh one is made.
    """
    prefix = _temporary_prefix(target)
    for _ in range(_CLAIM_ATTEMPTS):
        fd, name = tempfile.mkstemp(dir=target.parent, prefix=prefix, suffix=TEMP_SUFFIX)
        temporary = Path(name)
        if _try_lock(fd) and _still_named(fd, temporary):
            return fd, temporary
        os.close(fd)
    raise OSError(f"could not keep a temporary file beside {target}")  # pragma: no cover


def _fsync_folder(folder: Path) -> None:
    # Makes the rename itself durable; not possible (nor needed) on every platform.
    with suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _folder_target(target: Path) -> ContentError:
    return ContentError.at(
        str(target),
        codes.UNWRITABLE_OUTPUT,
        f"{target} is a folder, not a file: name the file to write, or remove the folder",
    )


@dataclass(slots=True, kw_only=True)
class _Staged:
    """One target and the locked temporary file that will replace it."""

    target: Path
    temporary: Path
    fd: int
    backup: Path | None = None  # a second name for the old file, to restore it from
    backup_fd: int | None = None
    fresh: bool = False  # no file was there before
    replaced: bool = False


@dataclass(slots=True)
class Staging:
    """Temporaries for several outputs, replaced together when the `staged` block ends well.

    Records (the ledger) are replaced before outputs (packages): see `staged`.
    """

    records: list[_Staged] = field(default_factory=list)
    outputs: list[_Staged] = field(default_factory=list)

    def output(self, target: Path) -> Path:
        """A temporary path to write `target`'s new content in; it replaces `target` on commit."""
        item = _stage(target)
        self.outputs.append(item)
        return item.temporary

    def record(self, target: Path, text: str) -> None:
        """Stage `text` as the new content of a record file, written now, replaced first."""
        item = _stage(target)
        self.records.append(item)
        try:
            item.temporary.write_text(text, encoding="utf-8")
        except OSError as exc:
            raise _unwritable(target, exc) from None

    def sweep(self, target: Path) -> None:
        """Remove killed builds' temporaries of a target this build leaves as it is."""
        remove_stale_temporaries(target)

    def all(self) -> list[_Staged]:
        """Every staged target, in commit order."""
        return [*self.records, *self.outputs]


def _stage(target: Path) -> _Staged:
    """Claim a temporary beside `target`, first sweeping the ones killed builds left there."""
    if target.is_dir():
        raise _folder_target(target)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        remove_stale_temporaries(target)
        fd, temporary = claim_temporary(target)
    except OSError as exc:
        raise _unwritable(target, exc) from None
    return _Staged(target=target, temporary=temporary, fd=fd)


def _durable(item: _Staged) -> None:
    """Flush a written temporary to disk and give it the mode of the file it replaces."""
    target = item.target
    with item.temporary.open("rb+") as written:
        os.fsync(written.fileno())
    mode = target.stat().st_mode & 0o777 if target.exists() else 0o644
    item.temporary.chmod(mode)


def _keep_old(item: _Staged) -> None:
    """Give the file about to be replaced a second (temporary) name, to restore it from.

    The old file is locked first: the second name then shares a locked file, which no sweep
    removes; the name comes from this writer's own temporary, so nobody else has it.
    """
    if not item.target.exists():
        item.fresh = True
        return
    if not item.target.is_file():  # never open what is not a regular file
        return
    fd = os.open(item.target, os.O_RDONLY)
    _try_lock(fd)
    name = item.temporary.name.removesuffix(TEMP_SUFFIX)
    backup = item.temporary.with_name(f"{name}.old{TEMP_SUFFIX}")
    try:
        os.link(item.target, backup)
    except OSError:  # no hard links here: the record is replaced without a way back
        os.close(fd)
        return
    item.backup, item.backup_fd = backup, fd


def _replace(item: _Staged) -> None:
    item.temporary.replace(item.target)
    item.replaced = True
    _fsync_folder(item.target.parent)


def _restore(records: list[_Staged]) -> None:
    """Put back the records an unfinished commit replaced, so a failed build changed nothing."""
    for item in reversed(records):
        if not item.replaced:
            continue
        with suppress(OSError):
            if item.backup is not None:
                item.backup.replace(item.target)
            elif item.fresh:  # there was no record before this build
                item.target.unlink()
            _fsync_folder(item.target.parent)


def _commit(staging: Staging) -> None:
    """Replace every target: all records first, then the outputs.

    Every temporary is written and flushed before the first rename, so running out of space or
    a read-only file system stops the build with every target as it was. The record goes first
    because a record ahead of the outputs is harmless (the next build writes the same outputs
    from it), while an output ahead of its record is a published package whose identities
    nobody recorded. Until the first output is replaced, a failure (or Ctrl-C) puts the
    records back.
    """
    current = Path()
    try:
        for item in staging.all():
            current = item.target
            _durable(item)
        try:
            for item in staging.records:
                current = item.target
                _keep_old(item)
                _replace(item)
            for item in staging.outputs:
                current = item.target
                _replace(item)
        except BaseException:
            if not any(item.replaced for item in staging.outputs):
                _restore(staging.records)
            raise
    except OSError as exc:
        raise _unwritable(current, exc) from None


def _release(staging: Staging) -> None:
    for item in staging.all():
        for fd, path in ((item.fd, item.temporary), (item.backup_fd, item.backup)):
            if fd is not None:
                os.close(fd)
            if path is not None:
                path.unlink(missing_ok=True)


@contextmanager
def staged() -> Iterator[Staging]:
    """Stage several outputs and replace them all once the block succeeds, records first.

    A failed, interrupted or killed block leaves every target byte for byte and, by the next
    build at the latest, no temporary file.
    """
    staging = Staging()
    try:
        try:
            yield staging
        except OSError as exc:
            written = staging.outputs[-1].target if staging.outputs else Path()
            raise _unwritable(written, exc) from None
        _commit(staging)
    finally:
        _release(staging)


@contextmanager
def atomic_output(target: Path) -> Iterator[Path]:
    """A temporary path beside `target`, renamed over it only if the block succeeds.

    Readers see the old file or the new one, never a mix.
    """
    with staged() as staging:
        yield staging.output(target)


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
            str(folder), codes.UNREADABLE_FILE, f"cannot read this: {exc.strerror or exc}"
        ) from None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        with terminations_unwind():
            yield
    finally:
        os.close(fd)  # closing the descriptor releases the lock
