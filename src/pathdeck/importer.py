"""The import command's core: pages become concept files in a source folder, each page whole or not at all."""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from contextlib import nullcontext, suppress
from dataclasses import dataclass, field, replace
from pathlib import Path

import yaml

from pathdeck.facts_merge import merge_facts
from pathdeck.ids import canonical_concept_id
from pathdeck.output import claim_temporary, exclusive, terminations_unwind
from pathdeck.pages import (
    DEFAULT_COURSE_TITLE,
    ParsedPage,
    concept_file_name,
    course_document,
    decode_page,
    dump_concept,
    dump_document,
    parse_page,
    stage_document,
    stage_folder_name,
)
from pathdeck.problems import NO_FILE, ContentError, Location, Problem, Severity
from pathdeck.progress import Progress, silent
from pathdeck.source import COURSE_FILE, STAGE_FILE, read_limited
from pathdeck.validate.jsonschema import COURSE_MODELINE, SCHEMA_FILE, STAGE_FOLDER_MODELINE
from pathdeck.validate.jsonschema import render as render_schema

PAGE_SUFFIX = ".txt"
_TOP_LEVEL_ID = re.compile(r"^id:[ \t]*(.*?)[ \t]*$", re.MULTILINE)
_TOP_LEVEL_POSITION = re.compile(r"^position:[ \t]*([0-9]+)[ \t]*(?:#.*)?$", re.MULTILINE)

try:
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]


@dataclass(frozen=True, slots=True, kw_only=True)
class ImportedPage:
    """A page whose concept was written: where to, and whether it replaced an existing one."""

    page: Path
    concept_id: str
    path: Path
    replaced: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class FailedPage:
    """A page that was not imported, with every reason; nothing was written for it."""

    page: Path
    problems: tuple[Problem, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class ImportResult:
    """What an import did: files written, pages imported, already up to date, or failed."""

    written: tuple[Path, ...] = ()
    imported: tuple[ImportedPage, ...] = ()
    unchanged: tuple[Path, ...] = ()
    failed: tuple[FailedPage, ...] = ()
    warnings: tuple[Problem, ...] = ()
    course_id: str | None = None  # of the course the pages went into, once it exists

    @property
    def created(self) -> tuple[Path, ...]:
        """The course.yaml and the stage folders this import created, in the order written."""
        return tuple(
            path if path.name == COURSE_FILE else path.parent
            for path in self.written
            if path.name in {COURSE_FILE, STAGE_FILE}
        )

    @property
    def ok(self) -> bool:
        """True when no page failed."""
        return not self.failed

    @property
    def problems(self) -> tuple[Problem, ...]:
        """Every error of every failed page, in page order."""
        return tuple(p for failed in self.failed for p in failed.problems)

    def summary(self) -> str:
        """One line for humans, e.g. `imported 3 pages (2 new, 1 replaced), 1 failed`."""
        replaced = sum(1 for page in self.imported if page.replaced)
        count = len(self.imported)
        text = f"imported {count} page{'' if count == 1 else 's'}"
        if count:
            text += f" ({count - replaced} new, {replaced} replaced)"
        if self.unchanged:
            text += f", {len(self.unchanged)} unchanged"
        if self.failed:
            text += f", {len(self.failed)} failed"
        if self.warnings:
            text += f", {len(self.warnings)} warning{'' if len(self.warnings) == 1 else 's'}"
        return text


@dataclass(slots=True)
class _StageInfo:
    number: int
    folder: Path
    title: str
    concepts: int
    file: Path


@dataclass(slots=True)
class _Target:
    """Where a source folder stands: its stages, known concept files, and what this run wrote."""

    root: Path
    course_exists: bool
    stages: dict[int, _StageInfo] = field(default_factory=dict)
    unreadable: list[Problem] = field(default_factory=list)
    concept_files: dict[Path, dict[str, Path]] = field(default_factory=dict)
    positions: dict[Path, dict[int, tuple[str, Path]]] = field(default_factory=dict)
    imported_from: dict[str, Path] = field(default_factory=dict)

    @classmethod
    def scan(cls, root: Path) -> _Target:
        target = cls(root, (root / COURSE_FILE).is_file())
        if not root.is_dir():
            return target
        for folder in sorted(p for p in root.iterdir() if p.is_dir()):
            stage_file = folder / STAGE_FILE
            if folder.name.startswith((".", "_")) or not stage_file.is_file():
                continue
            info = _read_stage(stage_file)
            if info is None:
                target.unreadable.append(
                    Problem(
                        location=Location(str(stage_file)),
                        code="stage-unreadable",
                        message="this stage.yaml cannot be read (it needs number, title and "
                        "concepts), so it is unknown which stage it is; fix it first",
                    )
                )
                continue
            first = target.stages.setdefault(info.number, info)
            if first is not info:
                target.unreadable.append(
                    Problem(
                        location=Location(str(stage_file)),
                        code="duplicate-stage-number",
                        message=f"stage {info.number} is already defined in {first.file}",
                    )
                )
        return target

    def concepts_in(self, folder: Path) -> dict[str, Path]:
        """Canonical concept id -> file for the concept files of a stage folder (read once per
        run); `e6.1` and `E6.1` are one concept, as `check` sees them."""
        known = self.concept_files.get(folder)
        if known is None:
            known = {}
            taken: dict[int, tuple[str, Path]] = {}
            if folder.is_dir():
                for path in sorted(folder.iterdir()):
                    if path.suffix in {".yaml", ".yml"} and path.name != STAGE_FILE:
                        concept_id, position = _concept_head(path)
                        if concept_id is not None:
                            known.setdefault(canonical_concept_id(concept_id), path)
                            if position is not None:
                                taken.setdefault(position, (concept_id, path))
            self.concept_files[folder] = known
            self.positions[folder] = taken
        return known

    def holder(self, folder: Path, position: int) -> tuple[str, Path] | None:
        """The concept id and file that hold `position` in a stage folder, if any."""
        self.concepts_in(folder)
        return self.positions[folder].get(position)

    def place(self, folder: Path, concept_id: str, position: int, path: Path) -> None:
        """Record that `concept_id` now sits at `position` (and nowhere else)."""
        key = canonical_concept_id(concept_id)
        self.concepts_in(folder)[key] = path
        taken = self.positions[folder]
        for old in [p for p, (held, _) in taken.items() if canonical_concept_id(held) == key]:
            del taken[old]
        taken[position] = (concept_id, path)


def _source_text(path: Path) -> str:
    """A file of the target folder as text; OSError when it is a FIFO, device or folder, which
    are never opened (reading a FIFO would wait forever), or too large."""
    data, problems = read_limited(path, str(path))
    if data is None:
        raise OSError(problems[0].message)
    return data.decode("utf-8")


def _read_stage(stage_file: Path) -> _StageInfo | None:
    """A stage.yaml's title and size, or None when it is not a readable stage file."""
    try:
        data = yaml.load(_source_text(stage_file), Loader=_Loader)
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return None
    if not isinstance(data, dict):
        return None
    number, title, concepts = data.get("number"), data.get("title"), data.get("concepts")
    if not (isinstance(number, int) and isinstance(title, str) and isinstance(concepts, int)):
        return None
    if isinstance(number, bool) or isinstance(concepts, bool) or concepts < 1:
        return None
    return _StageInfo(number, stage_file.parent, title.strip(), concepts, stage_file)


def _concept_head(path: Path) -> tuple[str | None, int | None]:
    """The top-level `id:` and `position:` of a concept file, read without parsing it whole."""
    try:
        text = _source_text(path)
    except (OSError, UnicodeDecodeError):
        return None, None
    match = _TOP_LEVEL_ID.search(text)
    if match is None:
        return None, None
    try:
        value = yaml.load(match.group(1), Loader=_Loader)
    except yaml.YAMLError:
        return None, None
    position = _TOP_LEVEL_POSITION.search(text)
    return (value if isinstance(value, str) else None), (
        int(position.group(1)) if position else None
    )


@dataclass(frozen=True, slots=True)
class _Write:
    """One file a page needs: where, what, and whether a file is there already."""

    path: Path
    text: str
    exists: bool


def _existing_document(path: Path) -> dict[str, object] | None:
    """The concept file a re-import replaces, read for its facts; None when there is none (or
    it is not a YAML mapping, which `--force` replaces whole, as it always has)."""
    try:
        document = yaml.load(path.read_bytes(), Loader=_Loader)
    except (OSError, yaml.YAMLError):
        return None
    return document if isinstance(document, dict) else None


def _write_atomically(write: _Write) -> None:
    """Write a temporary file beside the target and rename it into place: never a partial file.

    Unlike output.write_text_atomically this does not fsync: an import writes thousands of
    small files that its pages can regenerate, and a sync per file would cost more than the
    whole import. The temporary is output's, locked until renamed, so no sweep takes it for a
    killed writer's (a killed import's, a hidden file, is never read as a source).
    """
    path = write.path
    mode = path.stat().st_mode & 0o777 if write.exists else 0o644
    descriptor, temporary = claim_temporary(path)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            os.fchmod(handle.fileno(), mode)
            handle.write(write.text.encode("utf-8"))
            handle.flush()
            temporary.replace(path)  # before the close, which releases the lock
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def _make_folders(folder: Path) -> list[Path]:
    """Create `folder` and any missing parents; return the ones created, outermost first."""
    missing: list[Path] = []
    while not folder.is_dir():
        missing.append(folder)
        folder = folder.parent
    for path in reversed(missing):
        path.mkdir()
    return missing[::-1]


def _write_all(writes: list[_Write]) -> None:
    """Write every file (each atomically) or, on failure, remove the ones this call created."""
    done: list[_Write] = []
    try:
        for write in writes:
            _write_atomically(write)
            done.append(write)
    except BaseException:
        for write in done:
            if not write.exists:
                write.path.unlink(missing_ok=True)
        raise


def _error(where: Location, code: str, message: str) -> Problem:
    return Problem(location=where, code=code, message=message)


class _Importer:
    def __init__(
        self, into: Path, *, force: bool, course_title: str | None, course_id: str | None
    ) -> None:
        self.into = into
        self.force = force
        self.course_title = course_title
        self.new_course_id = course_id
        self.target = _Target.scan(into)
        self.written: list[Path] = []
        self.imported: list[ImportedPage] = []
        self.unchanged: list[Path] = []
        self.failed: list[FailedPage] = []
        self.warnings: list[Problem] = []

    def course_warning(self) -> None:
        if self.course_title is None or not self.target.course_exists:
            return
        course_file = self.into / COURSE_FILE
        try:
            data = yaml.load(_source_text(course_file), Loader=_Loader)
        except (OSError, UnicodeDecodeError, yaml.YAMLError):
            return
        title = data.get("title") if isinstance(data, dict) else None
        if isinstance(title, str) and title.strip() != self.course_title:
            self.warnings.append(
                Problem(
                    location=Location(str(course_file)),
                    code="course-title-differs",
                    message=f"the course is titled '{title.strip()}', not "
                    f"'{self.course_title}'; course.yaml was left unchanged",
                    severity=Severity.WARNING,
                )
            )

    def page(self, page: Path) -> None:
        shown = str(page)
        try:
            parsed = parse_page(decode_page(shown, page.read_bytes()), shown)
        except ContentError as exc:
            self.failed.append(FailedPage(page=page, problems=exc.errors))
            return
        except OSError as exc:
            problem = _error(
                Location(shown), "page-unreadable", f"cannot read the page: {exc.strerror}"
            )
            self.failed.append(FailedPage(page=page, problems=(problem,)))
            return
        problems: list[Problem] = []
        files = self.plan(parsed, problems)
        if problems or files is None:
            self.failed.append(FailedPage(page=page, problems=tuple(problems)))
            return
        concept_path, replaced, writes = files
        if not writes:
            self.unchanged.append(page)
            self.warnings.extend(parsed.warnings)
            return
        folders: list[Path] = []
        try:
            folders = _make_folders(concept_path.parent)
            _write_all(writes)
        except OSError as exc:
            for folder in reversed(folders):
                with suppress(OSError):
                    folder.rmdir()
            problem = _error(
                Location(str(exc.filename or concept_path)),
                "write-failed",
                f"cannot write {exc.filename or concept_path}: {exc.strerror}; nothing was "
                f"written for {shown}",
            )
            self.failed.append(FailedPage(page=page, problems=(problem,)))
            return
        self.commit(parsed, page, concept_path)
        self.written.extend(write.path for write in writes)
        self.warnings.extend(parsed.warnings)
        self.imported.append(
            ImportedPage(
                page=page, concept_id=parsed.concept.id, path=concept_path, replaced=replaced
            )
        )

    def plan(
        self, parsed: ParsedPage, problems: list[Problem]
    ) -> tuple[Path, bool, list[_Write]] | None:
        """The files to write for a page (none when it is already imported), or None."""
        stage = self.stage_plan(parsed, problems)
        if stage is None:
            return None
        folder, writes = stage
        concept = parsed.concept
        taken = self.taken(parsed, folder)
        if taken is not None:
            problems.append(taken)
            return None
        existing = self.target.concepts_in(folder).get(canonical_concept_id(concept.id))
        concept_path = existing or folder / concept_file_name(concept.id, concept.title)
        old = _existing_document(concept_path)
        merged = merge_facts(concept, old)
        concept = replace(concept, facts=merged.facts, dropped_facts=merged.dropped)
        text = dump_concept(concept)
        replaced = concept_path.exists()
        if replaced:
            if read_limited(concept_path, str(concept_path))[0] == text.encode("utf-8"):
                return concept_path, False, []
            if not self.force:
                problems.append(
                    _error(
                        concept.location,
                        "concept-exists",
                        f"{concept_path} already holds a different {concept.id}; pass --force "
                        "to replace it",
                    )
                )
                return None
        writes.append(_Write(concept_path, text, exists=replaced))
        if not self.target.course_exists:
            course = course_document(self.course_title or DEFAULT_COURSE_TITLE, self.new_course_id)
            if not course["id"]:
                problems.append(
                    _error(
                        NO_FILE,
                        "no-course-id",
                        f"the course title '{course['title']}' has no letters or digits to make "
                        "a course id from; name one with --course-id",
                    )
                )
                return None
            course_text = dump_document(course, COURSE_MODELINE)
            writes.insert(0, _Write(self.into / COURSE_FILE, course_text, exists=False))
            if not (self.into / SCHEMA_FILE).exists():  # the modelines point editors at it
                writes.insert(0, _Write(self.into / SCHEMA_FILE, render_schema(), exists=False))
        return concept_path, replaced, writes

    def taken(self, parsed: ParsedPage, folder: Path) -> Problem | None:
        """Why the page's concept cannot go where it says: imported twice, or its position
        held by another concept (as `check` would refuse it); None when it can."""
        concept = parsed.concept
        key = canonical_concept_id(concept.id)
        earlier = self.target.imported_from.get(key)
        if earlier is not None:
            return _error(
                concept.location,
                "duplicate-page",
                f"concept {concept.id} was already imported from {earlier} in this run",
            )
        holder = self.target.holder(folder, concept.position)
        if holder is not None and canonical_concept_id(holder[0]) != key:
            return _error(
                parsed.concept_line or concept.location,
                "duplicate-position",
                f"position {concept.position} of stage {parsed.stage_number} is already "
                f"taken by {holder[0]} in {holder[1]}; fix the 'Concept "
                f"{concept.position} of {parsed.concept_count}' line or move {holder[0]}",
            )
        return None

    def stage_plan(
        self, parsed: ParsedPage, problems: list[Problem]
    ) -> tuple[Path, list[_Write]] | None:
        """The page's stage folder and, for a new stage, its stage.yaml; or None."""
        number, title = parsed.stage_number, parsed.stage_title
        stage = self.target.stages.get(number)
        if stage is None:
            if self.target.unreadable:  # that unreadable stage.yaml might be this very stage
                problems.extend(self.target.unreadable)
                return None
            folder = self.into / stage_folder_name(number, title)
            if (folder / STAGE_FILE).exists():
                problems.append(
                    _error(
                        parsed.stage_line,
                        "stage-folder-taken",
                        f"{folder / STAGE_FILE} belongs to another stage; rename that folder",
                    )
                )
                return None
            stage_doc = stage_document(number, title, parsed.concept_count)
            stage_text = dump_document(stage_doc, STAGE_FOLDER_MODELINE)
            return folder, [_Write(folder / STAGE_FILE, stage_text, exists=False)]
        if stage.title != title:
            problems.append(
                _error(
                    parsed.stage_line,
                    "stage-title-conflict",
                    f"the page puts this concept in stage {number} '{title}', but {stage.file} "
                    f"titles stage {number} '{stage.title}'; deck names are identity in Anki, "
                    "so fix whichever is wrong (a rename is deliberate, not an import)",
                )
            )
            return None
        if stage.concepts != parsed.concept_count:
            self.warnings.append(
                Problem(
                    location=parsed.stage_line,
                    code="stage-size-differs",
                    message=f"the page says stage {number} has {parsed.concept_count} concepts, "
                    f"{stage.file} says {stage.concepts}; stage.yaml was left unchanged",
                    severity=Severity.WARNING,
                )
            )
        return stage.folder, []

    def commit(self, parsed: ParsedPage, page: Path, concept_path: Path) -> None:
        """Remember what a successful page wrote, for the pages after it."""
        self.target.course_exists = True
        folder = concept_path.parent
        if parsed.stage_number not in self.target.stages:
            self.target.stages[parsed.stage_number] = _StageInfo(
                parsed.stage_number,
                folder,
                parsed.stage_title,
                parsed.concept_count,
                folder / STAGE_FILE,
            )
        self.target.place(folder, parsed.concept.id, parsed.concept.position, concept_path)
        self.target.imported_from[canonical_concept_id(parsed.concept.id)] = page

    def course_id(self) -> str | None:
        try:
            text = (self.into / COURSE_FILE).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            return None
        found = _TOP_LEVEL_ID.search(text)
        return found.group(1).strip("'\"") if found else None

    def result(self) -> ImportResult:
        return ImportResult(
            course_id=self.course_id(),
            written=tuple(self.written),
            imported=tuple(self.imported),
            unchanged=tuple(self.unchanged),
            failed=tuple(self.failed),
            warnings=tuple(self.warnings),
        )


def page_files(paths: Iterable[Path]) -> list[Path]:
    """The pages to import: a folder stands for its `.txt` files in name order (hidden ones and
    names starting with '_' skipped); any other path is a page."""
    pages: list[Path] = []
    for path in paths:
        if path.is_dir():
            pages.extend(
                sorted(
                    p
                    for p in path.iterdir()
                    if p.suffix == PAGE_SUFFIX and not p.name.startswith((".", "_")) and p.is_file()
                )
            )
        else:
            pages.append(path)
    return pages


def import_pages(
    pages: list[Path],
    into: Path,
    *,
    force: bool,
    course_title: str | None,
    course_id: str | None = None,
    progress: Progress = silent,
) -> ImportResult:
    """Import each page into the source folder `into`; a page is written whole or not at all.

    Creates the stage folder and its stage.yaml, and `into/course.yaml` (titled `course_title`,
    default "Clinical Encounters") when missing. Refuses to replace a different existing concept
    unless `force`, and to file a page under a stage whose existing title differs.
    """
    importer = _Importer(into, force=force, course_title=course_title, course_id=course_id)
    importer.course_warning()
    # Builds of `into` hold this lock too, so none reads a half-imported batch; a termination
    # signal unwinds the current page, removing its temporary and newly created files.
    with exclusive(into) if into.is_dir() else nullcontext(), terminations_unwind():
        for done, page in enumerate(pages):
            progress(f"Importing {page.name}", done, len(pages))
            importer.page(page)
        progress("Imported", len(pages), len(pages))
    return importer.result()
