"""What a source folder already holds, as an import sees it: stages, concept files, positions."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from pathdeck import problems as codes
from pathdeck.ids import canonical_concept_id
from pathdeck.problems import Location, Problem
from pathdeck.source import COURSE_FILE, STAGE_FILE, decode, read_limited
from pathdeck.source.tree import is_visible

_TOP_LEVEL_ID = re.compile(r"^id:[ \t]*(.*?)[ \t]*$", re.MULTILINE)
_TOP_LEVEL_POSITION = re.compile(r"^position:[ \t]*([0-9]+)[ \t]*(?:#.*)?$", re.MULTILINE)

try:
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]


@dataclass(slots=True)
class StageInfo:
    """A stage the folder holds (or this run filed): its number, folder, title, size, stage.yaml."""

    number: int
    folder: Path
    title: str
    concepts: int
    file: Path


@dataclass(slots=True)
class Target:
    """Where a source folder stands: its stages, known concept files, and what this run wrote."""

    root: Path
    course_exists: bool
    stages: dict[int, StageInfo] = field(default_factory=dict)
    unreadable: list[Problem] = field(default_factory=list)
    concept_files: dict[Path, dict[str, Path]] = field(default_factory=dict)
    positions: dict[Path, dict[int, tuple[str, Path]]] = field(default_factory=dict)
    imported_from: dict[str, Path] = field(default_factory=dict)

    @classmethod
    def scan(cls, root: Path) -> Target:
        """The folder as it stands: each stage.yaml read, unreadable or duplicate ones noted."""
        target = cls(root, (root / COURSE_FILE).is_file())
        if not root.is_dir():
            return target
        for folder in sorted(p for p in root.iterdir() if p.is_dir()):
            stage_file = folder / STAGE_FILE
            if not is_visible(folder) or not stage_file.is_file():
                continue
            info = _read_stage(stage_file)
            if info is None:
                target.unreadable.append(
                    Problem(
                        location=Location(str(stage_file)),
                        code=codes.STAGE_UNREADABLE,
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
                        code=codes.DUPLICATE_STAGE_NUMBER,
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
                for path in sorted(p for p in folder.iterdir() if is_visible(p)):
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


def source_text(path: Path) -> str | None:
    """A file of the target folder as text, as `check` reads it; None when it cannot be read
    (a FIFO, device or folder is never opened: reading a FIFO would wait forever), is too
    large or is not UTF-8."""
    data, _ = read_limited(path, str(path))
    return None if data is None else decode(str(path), data)[0]


def _yaml(text: str | None) -> object:
    """`text` as YAML data; None when there is no text or it is not YAML."""
    if text is None:
        return None
    try:
        return yaml.load(text, Loader=_Loader)
    except yaml.YAMLError:
        return None


def _read_stage(stage_file: Path) -> StageInfo | None:
    """A stage.yaml's title and size, or None when it is not a readable stage file."""
    data = _yaml(source_text(stage_file))
    if not isinstance(data, dict):
        return None
    number, title, concepts = data.get("number"), data.get("title"), data.get("concepts")
    if not (isinstance(number, int) and isinstance(title, str) and isinstance(concepts, int)):
        return None
    if isinstance(number, bool) or isinstance(concepts, bool) or concepts < 1:
        return None
    return StageInfo(number, stage_file.parent, title.strip(), concepts, stage_file)


def _concept_head(path: Path) -> tuple[str | None, int | None]:
    """The top-level `id:` and `position:` of a concept file, read without parsing it whole."""
    text = source_text(path)
    match = _TOP_LEVEL_ID.search(text) if text is not None else None
    if text is None or match is None:
        return None, None
    value = _yaml(match.group(1))
    position = _TOP_LEVEL_POSITION.search(text)
    return (value if isinstance(value, str) else None), (
        int(position.group(1)) if position else None
    )


def existing_document(path: Path) -> dict[str, object] | None:
    """The concept file a re-import replaces, read for its facts; None when there is none (or
    it is not a YAML mapping, which `--force` replaces whole, as it always has)."""
    try:
        document = yaml.load(path.read_bytes(), Loader=_Loader)
    except (OSError, yaml.YAMLError):
        return None
    return document if isinstance(document, dict) else None


def course_title_in(root: Path) -> str | None:
    """The title in `root`'s course.yaml, if it can be read."""
    data = _yaml(source_text(root / COURSE_FILE))
    title = data.get("title") if isinstance(data, dict) else None
    return title.strip() if isinstance(title, str) else None


def course_id_in(root: Path) -> str | None:
    """The id in `root`'s course.yaml, read without parsing it whole; None when there is none."""
    text = source_text(root / COURSE_FILE)
    found = _TOP_LEVEL_ID.search(text) if text is not None else None
    return found.group(1).strip("'\"") if found else None
