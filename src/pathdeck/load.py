"""Load stage: YAML files become position-tagged trees (one strict parse, a location for every key)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

from pathdeck.problems import Location, Problem

try:  # the libyaml C loader is ~18x faster; fall back to pure Python where it is missing
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

MAX_FILE_BYTES = 1024 * 1024
STR_TAG = "tag:yaml.org,2002:str"
_TAG_NAMES = {
    "tag:yaml.org,2002:bool": "a true/false value",
    "tag:yaml.org,2002:int": "a number",
    "tag:yaml.org,2002:float": "a number",
    "tag:yaml.org,2002:null": "an empty value",
    "tag:yaml.org,2002:timestamp": "a date",
}


@dataclass(frozen=True, slots=True)
class Scalar:
    """A YAML scalar as written: its text, the type YAML would give it, and where it is."""

    text: str
    tag: str
    location: Location

    @property
    def is_text(self) -> bool:
        """True when YAML reads this scalar as a string (quoted, or plain text)."""
        return self.tag == STR_TAG

    @property
    def is_null(self) -> bool:
        """True for `~`, `null` or nothing at all after the colon."""
        return self.tag == "tag:yaml.org,2002:null"

    @property
    def yaml_type(self) -> str:
        """A human name for what YAML would turn this scalar into."""
        return _TAG_NAMES.get(self.tag, "text")


@dataclass(frozen=True, slots=True)
class Mapping:
    """A YAML mapping; keys keep their own locations for "unknown key" diagnostics."""

    entries: tuple[tuple[Scalar, Node], ...]
    location: Location

    def get(self, key: str) -> Node | None:
        """The value under `key`, if present."""
        for k, value in self.entries:
            if k.text == key:
                return value
        return None


@dataclass(frozen=True, slots=True)
class Sequence:
    """A YAML sequence."""

    items: tuple[Node, ...]
    location: Location


Node = Scalar | Mapping | Sequence


@dataclass(frozen=True, slots=True)
class SourceFile:
    """One parsed file: its display path and its tree (None when it could not be parsed)."""

    path: str
    root: Node | None


class _Converter:
    """Turns PyYAML's composed nodes into our tree, rejecting what YAML allows but we must not."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.problems: list[Problem] = []
        self._seen: set[int] = set()

    def loc(self, node: yaml.Node) -> Location:
        mark = node.start_mark
        return Location(self.path, mark.line + 1, mark.column + 1)

    def convert(self, node: yaml.Node) -> Node | None:
        # An alias composes to the very node object it refers to; meeting it twice means an alias.
        if id(node) in self._seen:
            self.problems.append(
                Problem(
                    location=self.loc(node),
                    code="yaml-alias",
                    message="anchors and aliases (&name, *name) are not allowed; write the text out",
                )
            )
            return None
        self._seen.add(id(node))
        if isinstance(node, yaml.ScalarNode):
            tag = node.tag if not node.style else STR_TAG  # style is None or "" when plain
            return Scalar(str(node.value), tag, self.loc(node))
        if isinstance(node, yaml.SequenceNode):
            items = [self.convert(item) for item in node.value]
            return Sequence(tuple(i for i in items if i is not None), self.loc(node))
        if isinstance(node, yaml.MappingNode):
            return self._mapping(node)
        raise TypeError(f"unexpected YAML node {node!r}")  # pragma: no cover

    def _mapping(self, node: yaml.MappingNode) -> Mapping:
        entries: list[tuple[Scalar, Node]] = []
        first_seen: dict[str, Location] = {}
        for key_node, value_node in node.value:
            key = self.convert(key_node)
            if not isinstance(key, Scalar):
                self.problems.append(
                    Problem(
                        location=self.loc(key_node),
                        code="bad-key",
                        message="keys must be plain words",
                    )
                )
                continue
            if key.text in first_seen:
                self.problems.append(
                    Problem(
                        location=key.location,
                        code="duplicate-key",
                        message=f"key '{key.text}' appears twice (first at line {first_seen[key.text].line})",
                    )
                )
                continue
            first_seen[key.text] = key.location
            value = self.convert(value_node)
            if value is not None:
                entries.append((key, value))
        return Mapping(tuple(entries), self.loc(node))


def _decode(path: str, data: bytes) -> tuple[str | None, list[Problem]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        before = data[: exc.start]
        line = before.count(b"\n") + 1
        column = len(before) - (before.rfind(b"\n") + 1) + 1
        return None, [
            Problem(
                location=Location(path, line, column),
                code="not-utf8",
                message=f"the file is not UTF-8 text (byte 0x{data[exc.start]:02x}); save it as UTF-8",
            )
        ]
    return text, []


def parse_text(path: str, text: str) -> tuple[SourceFile, list[Problem]]:
    """Parse YAML text into a SourceFile, collecting every problem rather than raising."""
    if not text.strip() or all(
        not line.strip() or line.lstrip().startswith("#") for line in text.splitlines()
    ):
        problem = Problem(location=Location(path), code="empty-file", message="the file is empty")
        return SourceFile(path, None), [problem]
    try:
        documents = list(yaml.compose_all(text, Loader=_Loader))
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = Location(path, mark.line + 1, mark.column + 1) if mark else Location(path)
        reason = exc.problem or exc.context or "invalid YAML"
        return SourceFile(path, None), [
            Problem(location=where, code="yaml-syntax", message=f"YAML syntax: {reason}")
        ]
    except yaml.YAMLError as exc:
        return SourceFile(path, None), [
            Problem(location=Location(path), code="yaml-syntax", message=f"YAML syntax: {exc}")
        ]
    documents = [d for d in documents if d is not None]
    if len(documents) != 1:
        problem = Problem(
            location=Location(path),
            code="multiple-documents",
            message="a file holds exactly one YAML document (remove the extra '---')",
        )
        return SourceFile(path, None), [problem]
    converter = _Converter(path)
    root = converter.convert(documents[0])
    return SourceFile(path, root), converter.problems


def load_file(path: Path, display: str | None = None) -> tuple[SourceFile, list[Problem]]:
    """Read and parse one file; size, encoding and syntax problems come back as Problems."""
    shown = display or str(path)
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        problem = Problem(
            location=Location(shown),
            code="file-too-large",
            message=f"the file is {size} bytes; a source file may be at most {MAX_FILE_BYTES} bytes",
        )
        return SourceFile(shown, None), [problem]
    text, problems = _decode(shown, path.read_bytes())
    if text is None:
        return SourceFile(shown, None), problems
    return parse_text(shown, text)


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


COURSE_FILE = "course.yaml"
STAGE_FILE = "stage.yaml"


def _display(path: Path) -> str:
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def _visible(path: Path) -> bool:
    return not path.name.startswith((".", "_"))


def load_tree(root: Path) -> SourceTree:
    """Parse course.yaml, every <stage>/stage.yaml and every concept file below `root`."""
    problems: list[Problem] = []

    def parse(path: Path) -> SourceFile:
        source, found = load_file(path, _display(path))
        problems.extend(found)
        return source

    course_path = root / COURSE_FILE
    course = parse(course_path) if course_path.is_file() else None
    stages: list[StageFiles] = []
    for folder in sorted(p for p in root.iterdir() if p.is_dir() and _visible(p)):
        concept_paths = sorted(
            p
            for p in folder.iterdir()
            if p.is_file()
            and p.suffix in {".yaml", ".yml"}
            and p.name != STAGE_FILE
            and _visible(p)
        )
        stage_path = folder / STAGE_FILE
        if not concept_paths and not stage_path.is_file():
            continue
        stage = parse(stage_path) if stage_path.is_file() else None
        stages.append(StageFiles(_display(folder), stage, tuple(parse(p) for p in concept_paths)))
    return SourceTree(root, course, tuple(stages), tuple(problems))
