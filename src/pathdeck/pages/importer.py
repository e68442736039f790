"""The import command's core: pages become concept files in a source folder, each page whole or not at all."""

from __future__ import annotations

from collections.abc import Iterable
from contextlib import nullcontext, suppress
from dataclasses import dataclass, replace
from pathlib import Path

from pathdeck import problems as codes
from pathdeck.ids import canonical_concept_id
from pathdeck.output import exclusive, terminations_unwind
from pathdeck.pages.documents import (
    DEFAULT_COURSE_TITLE,
    course_document,
    dump_concept,
    stage_document,
)
from pathdeck.pages.dumper import dump_document
from pathdeck.pages.facts_merge import merge_facts
from pathdeck.pages.naming import concept_file_name, stage_folder_name
from pathdeck.pages.parse import ParsedPage, decode_page, parse_page
from pathdeck.pages.target import (
    StageInfo,
    Target,
    course_id_in,
    course_title_in,
    existing_document,
)
from pathdeck.pages.writes import Write, make_folders, write_all
from pathdeck.problems import NO_FILE, ContentError, Location, Problem, Severity
from pathdeck.progress import Progress, silent
from pathdeck.source import COURSE_FILE, STAGE_FILE, read_limited
from pathdeck.source.tree import is_visible
from pathdeck.validate.jsonschema import COURSE_MODELINE, SCHEMA_FILE, STAGE_FOLDER_MODELINE
from pathdeck.validate.jsonschema import render as render_schema

PAGE_SUFFIX = ".txt"


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


def _error(where: Location, code: str, message: str) -> Problem:
    return Problem(location=where, code=code, message=message)


class _Importer:
    """One import run: where the target folder stands, and what became of each page."""

    def __init__(
        self, into: Path, *, force: bool, course_title: str | None, course_id: str | None
    ) -> None:
        self.into = into
        self.force = force
        self.course_title = course_title
        self.new_course_id = course_id
        self.target = Target.scan(into)
        self.written: list[Path] = []
        self.imported: list[ImportedPage] = []
        self.unchanged: list[Path] = []
        self.failed: list[FailedPage] = []
        self.warnings: list[Problem] = []

    def course_warning(self) -> None:
        """Warn when the course exists under another title than the one asked for."""
        if self.course_title is None or not self.target.course_exists:
            return
        title = course_title_in(self.into)
        if title is not None and title != self.course_title:
            self.warnings.append(
                Problem(
                    location=Location(str(self.into / COURSE_FILE)),
                    code=codes.COURSE_TITLE_DIFFERS,
                    message=f"the course is titled '{title}', not "
                    f"'{self.course_title}'; course.yaml was left unchanged",
                    severity=Severity.WARNING,
                )
            )

    def page(self, page: Path) -> None:
        """Import one page, all its files or none, or record why it failed."""
        shown = str(page)
        try:
            parsed = parse_page(decode_page(shown, page.read_bytes()), shown)
        except ContentError as exc:
            self.failed.append(FailedPage(page=page, problems=exc.errors))
            return
        except OSError as exc:
            problem = _error(
                Location(shown), codes.PAGE_UNREADABLE, f"cannot read the page: {exc.strerror}"
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
            folders = make_folders(concept_path.parent)
            write_all(writes)
        except OSError as exc:
            for folder in reversed(folders):
                with suppress(OSError):
                    folder.rmdir()
            problem = _error(
                Location(str(exc.filename or concept_path)),
                codes.WRITE_FAILED,
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
    ) -> tuple[Path, bool, list[Write]] | None:
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
        old = existing_document(concept_path)
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
                        codes.CONCEPT_EXISTS,
                        f"{concept_path} already holds a different {concept.id}; pass --force "
                        "to replace it",
                    )
                )
                return None
        writes.append(Write(concept_path, text, exists=replaced))
        if not self.target.course_exists:
            course = course_document(self.course_title or DEFAULT_COURSE_TITLE, self.new_course_id)
            if not course["id"]:
                problems.append(
                    _error(
                        NO_FILE,
                        codes.NO_COURSE_ID,
                        f"the course title '{course['title']}' has no letters or digits to make "
                        "a course id from; name one with --course-id",
                    )
                )
                return None
            course_text = dump_document(course, COURSE_MODELINE)
            writes.insert(0, Write(self.into / COURSE_FILE, course_text, exists=False))
            if not (self.into / SCHEMA_FILE).exists():  # the modelines point editors at it
                writes.insert(0, Write(self.into / SCHEMA_FILE, render_schema(), exists=False))
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
                codes.DUPLICATE_PAGE,
                f"concept {concept.id} was already imported from {earlier} in this run",
            )
        holder = self.target.holder(folder, concept.position)
        if holder is not None and canonical_concept_id(holder[0]) != key:
            return _error(
                parsed.concept_line or concept.location,
                codes.DUPLICATE_POSITION,
                f"position {concept.position} of stage {parsed.stage_number} is already "
                f"taken by {holder[0]} in {holder[1]}; fix the 'Concept "
                f"{concept.position} of {parsed.concept_count}' line or move {holder[0]}",
            )
        return None

    def stage_plan(
        self, parsed: ParsedPage, problems: list[Problem]
    ) -> tuple[Path, list[Write]] | None:
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
                        codes.STAGE_FOLDER_TAKEN,
                        f"{folder / STAGE_FILE} belongs to another stage; rename that folder",
                    )
                )
                return None
            stage_doc = stage_document(number, title, parsed.concept_count)
            stage_text = dump_document(stage_doc, STAGE_FOLDER_MODELINE)
            return folder, [Write(folder / STAGE_FILE, stage_text, exists=False)]
        if stage.title != title:
            problems.append(
                _error(
                    parsed.stage_line,
                    codes.STAGE_TITLE_CONFLICT,
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
                    code=codes.STAGE_SIZE_DIFFERS,
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
            self.target.stages[parsed.stage_number] = StageInfo(
                parsed.stage_number,
                folder,
                parsed.stage_title,
                parsed.concept_count,
                folder / STAGE_FILE,
            )
        self.target.place(folder, parsed.concept.id, parsed.concept.position, concept_path)
        self.target.imported_from[canonical_concept_id(parsed.concept.id)] = page

    def result(self) -> ImportResult:
        return ImportResult(
            course_id=course_id_in(self.into),
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
                    if p.suffix == PAGE_SUFFIX and is_visible(p) and p.is_file()
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
