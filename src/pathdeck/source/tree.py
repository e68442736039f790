"""Listing a source tree: course.yaml, stage folders and concept files, hidden files left out."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pathdeck import problems as codes
from pathdeck.problems import Location, Problem
from pathdeck.source.files import (
    BROKEN_LINK,
    load_file,
    not_a_file,
    not_a_file_problem,
    unreadable,
)
from pathdeck.source.nodes import SourceFile

COURSE_FILE = "course.yaml"
STAGE_FILE = "stage.yaml"
_YAML_SUFFIXES = (".yaml", ".yml")


@dataclass(frozen=True, slots=True)
class StageFiles:
    """One stage folder: its stage.yaml (if present) and its concept files, in name order."""

    folder: str
    stage: SourceFile | None
    concepts: tuple[SourceFile, ...]


@dataclass(frozen=True, slots=True)
class SourceTree:
    """Everything under a source folder, parsed, with the problems parsing found."""

    root: Path
    course: SourceFile | None
    stages: tuple[StageFiles, ...]
    problems: tuple[Problem, ...]
    course_path: str = COURSE_FILE


@dataclass(frozen=True, slots=True)
class StageListing:
    """One stage folder before parsing: (path, shown path) of its stage.yaml and concept files."""

    folder: str
    stage: tuple[Path, str] | None
    concepts: tuple[tuple[Path, str], ...]

    @property
    def files(self) -> int:
        """How many files parsing this stage reads."""
        return len(self.concepts) + (self.stage is not None)


@dataclass(frozen=True, slots=True)
class TreeListing:
    """A source folder listed: course.yaml parsed, stage folders found but not yet parsed."""

    root: Path
    course: SourceFile | None
    stages: tuple[StageListing, ...]
    problems: tuple[Problem, ...]
    course_path: str = COURSE_FILE


def is_visible(path: Path) -> bool:
    """False for a file or folder the tree leaves out: hidden, or parked as a draft."""
    # Dot-files are editor and VCS litter; a leading '_' is how authors park a draft.
    return not path.name.startswith((".", "_"))


class _TreeLister:
    """Walks a source folder: course.yaml, then one folder per stage."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.problems: list[Problem] = []
        cwd = Path.cwd()
        self.base = (
            root.relative_to(cwd) if root.is_absolute() and root.is_relative_to(cwd) else root
        )

    def shown(self, path: Path) -> str:
        return str(self.base / path.relative_to(self.root))

    def listing(self, folder: Path) -> list[Path]:
        try:
            return sorted(p for p in folder.iterdir() if is_visible(p))
        except OSError as exc:
            self.problems.append(unreadable(self.shown(folder), exc))
            return []

    def misnamed(self, path: Path, wanted: str) -> None:
        self.problems.append(
            Problem(
                location=Location(self.shown(path)),
                code=codes.MISNAMED_FILE,
                message=f"pathdeck reads {wanted}, not {path.name}: rename the file",
            )
        )

    def not_a_file(self, path: Path) -> bool:
        """Report `path` if it is not a regular file; True when it was reported."""
        kind = not_a_file(path)
        if kind is not None:
            self.problems.append(not_a_file_problem(self.shown(path), kind))
        return kind is not None

    def stage(self, folder: Path) -> StageListing | None:
        concepts: list[tuple[Path, str]] = []
        for path in self.listing(folder):
            # Whatever is named like YAML is read or reported: silently skipping it would
            # retire the notes of the concept it holds.
            if not _named_like_yaml(path) or self.not_a_file(path) or path.name == STAGE_FILE:
                continue
            stem = path.stem.lower()
            if stem == "stage":
                self.misnamed(path, STAGE_FILE)
            elif stem == "course":
                self.misnamed(path, f"{COURSE_FILE} only in the source folder itself")
            elif path.suffix not in _YAML_SUFFIXES:
                self.misnamed(path, f"{path.stem}{path.suffix.lower()} (a lowercase ending)")
            else:
                concepts.append((path, self.shown(path)))
        stage_path = folder / STAGE_FILE
        if not concepts and not stage_path.is_file():
            return None  # a folder of images or notes, not a stage
        stage = (stage_path, self.shown(stage_path)) if stage_path.is_file() else None
        return StageListing(self.shown(folder), stage, tuple(concepts))

    def tree(self) -> TreeListing:
        course: SourceFile | None = None
        stages: list[StageListing] = []
        for path in self.listing(self.root):
            yaml_like = _named_like_yaml(path)
            broken = (not_a_file(path) or "").startswith(BROKEN_LINK)
            if (yaml_like or broken) and self.not_a_file(path):
                continue  # a broken link may have been a stage folder
            if path.is_dir():
                listed = self.stage(path)
                if listed is not None:
                    stages.append(listed)
            elif path.name == COURSE_FILE:
                course, found = load_file(path, self.shown(path))
                self.problems.extend(found)
            elif yaml_like and path.stem.lower() == "course":
                self.misnamed(path, COURSE_FILE)
            elif yaml_like:
                self.problems.append(
                    Problem(
                        location=Location(self.shown(path)),
                        code=codes.MISPLACED_FILE,
                        message="a concept file must sit in its stage's folder, beside "
                        f"{STAGE_FILE}; this one would be ignored",
                    )
                )
        course_path = self.shown(self.root / COURSE_FILE)
        return TreeListing(self.root, course, tuple(stages), tuple(self.problems), course_path)


def _named_like_yaml(path: Path) -> bool:
    # `.YAML` and `.Yml` too: such a file is reported, never silently left out
    return path.suffix.lower() in _YAML_SUFFIXES


def list_tree(root: Path) -> TreeListing:
    """Parse course.yaml and find every stage folder and concept file below `root`."""
    return _TreeLister(root).tree()


def load_stage(listing: StageListing) -> tuple[StageFiles, list[Problem]]:
    """Parse one listed stage folder: its stage.yaml and every concept file."""
    problems: list[Problem] = []

    def parse(path: Path, shown: str) -> SourceFile:
        source, found = load_file(path, shown)
        problems.extend(found)
        return source

    stage = parse(*listing.stage) if listing.stage else None
    concepts = tuple(parse(path, shown) for path, shown in listing.concepts)
    return StageFiles(listing.folder, stage, concepts), problems


def load_tree(root: Path) -> SourceTree:
    """Parse course.yaml, every <stage>/stage.yaml and every concept file below `root`."""
    listed = list_tree(root)
    problems = list(listed.problems)
    stages = []
    for stage in listed.stages:
        files, found = load_stage(stage)
        stages.append(files)
        problems += found
    return SourceTree(root, listed.course, tuple(stages), tuple(problems), listed.course_path)
