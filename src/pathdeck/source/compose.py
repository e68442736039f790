"""The strict YAML composer: parser events -> nodes, refusing what a source must not hold."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from unicodedata import normalize

import yaml
from yaml.events import (
    AliasEvent,
    CollectionStartEvent,
    DocumentStartEvent,
    Event,
    MappingEndEvent,
    MappingStartEvent,
    ScalarEvent,
    SequenceEndEvent,
    SequenceStartEvent,
)

from pathdeck import problems as codes
from pathdeck._speed.tuples import new_tuple
from pathdeck.characters import UNPRINTABLE
from pathdeck.problems import Location, Problem
from pathdeck.source.nodes import STR_TAG, Mapping, Node, Scalar, Sequence, SourceFile, plain_tag
from pathdeck.source.positions import mark_location, position
from pathdeck.source.syntax import syntax_problem

try:  # the libyaml C parser is many times faster; fall back to pure Python where it is missing
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

MAX_DEPTH = 16
"""The schema nests three levels deep; anything much deeper is not a pathdeck source file."""


class _RefusedError(Exception):
    """Parsing stops at the first construct we refuse (alias, tag, deep nesting, 2nd document)."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(problem.message)
        self.problem = problem


class _Open:
    """A mapping or sequence whose end event has not come yet."""

    __slots__ = ("is_mapping", "items", "key", "location", "seen", "skip_value")

    def __init__(self, location: Location, is_mapping: bool) -> None:
        self.location = location
        self.is_mapping = is_mapping
        self.items: list[Node] | list[tuple[Scalar, Node]] = []
        self.key: Scalar | None = None
        self.skip_value = False
        self.seen: dict[str, Location] = {}


class _Composer:
    """Builds our tree straight from parser events, rejecting what YAML allows but we must not.

    Composing from events (rather than PyYAML's node graph) lets the load stop at the first
    anchor or alias, so an alias bomb costs no more than reading its few hundred bytes, and keeps
    nesting iterative, so no input can exhaust the Python stack.
    """

    def __init__(self, path: str) -> None:
        self.path = path
        self.problems: list[Problem] = []
        self.root: Node | None = None
        self.documents = 0

    def at(self, event: Event) -> Location:
        return mark_location(self.path, event.start_mark)

    def refuse(self, event: Event, code: str, message: str) -> _RefusedError:
        return _RefusedError(Problem(location=self.at(event), code=code, message=message))

    def compose(self, next_event: Callable[[], Any]) -> Node | None:  # noqa: C901 - the hot loop of every load (below): split it only beside a benchmark
        """Consume events until the parser has none left; the root node, if any."""
        # The hot loop of every load, run once per YAML node: events are told apart by exact
        # class (the parsers make no subclasses), scalars first because they are most events.
        # `next_event` returns PyYAML Events, typed Any: comparing classes does not narrow.
        path, new = self.path, new_tuple  # see pathdeck._speed.tuples
        stack: list[_Open] = []
        top: _Open | None = None
        while (event := next_event()) is not None:
            kind = event.__class__
            node: Node
            if kind is ScalarEvent:
                if event.anchor is not None or event.tag is not None:
                    raise self._decorated(event)
                text, mark = event.value, event.start_mark
                if not text.isascii():  # Anki stores every field it imports composed (NFC):
                    text = normalize("NFC", text)  # publish what learners' copies will hold
                tag = STR_TAG if event.style else plain_tag(text)  # style "" or None: plain
                node = new(
                    Scalar, (text, tag, new(Location, (path, mark.line + 1, mark.column + 1)))
                )
                if event.style == '"' and UNPRINTABLE.search(text):  # only escapes make these
                    self._escaped_control(text, node.location)
            elif kind is MappingStartEvent or kind is SequenceStartEvent:
                if event.anchor is not None or event.tag is not None:
                    raise self._decorated(event)
                if len(stack) >= MAX_DEPTH:
                    raise self.refuse(
                        event, codes.YAML_TOO_DEEP, f"nested more than {MAX_DEPTH} levels deep"
                    )
                top = _Open(self.at(event), kind is MappingStartEvent)
                stack.append(top)
                continue
            elif kind is MappingEndEvent or kind is SequenceEndEvent:
                opened = stack.pop()
                top = stack[-1] if stack else None
                node = new(
                    Mapping if opened.is_mapping else Sequence,
                    (tuple(opened.items), opened.location),
                )
            elif kind is AliasEvent:
                raise self.refuse(
                    event,
                    codes.YAML_ALIAS,
                    f"aliases (*{event.anchor}) are not allowed; write the text out in full",
                )
            else:
                if kind is DocumentStartEvent:
                    self._document(event)
                continue
            if top is None:
                self.root = node
            elif not top.is_mapping:
                top.items.append(node)  # type: ignore[arg-type]
            elif top.key is None and not top.skip_value:
                self._key(top, node)
            else:
                if top.key is not None:
                    top.items.append((top.key, node))  # type: ignore[arg-type]
                top.key = None
                top.skip_value = False
        return self.root

    def _document(self, event: Event) -> None:
        self.documents += 1
        if self.documents > 1:
            raise self.refuse(
                event,
                codes.MULTIPLE_DOCUMENTS,
                "a file holds exactly one YAML document; remove this '---' and what follows, "
                "or move it to a file of its own",
            )

    def _decorated(self, event: ScalarEvent | CollectionStartEvent) -> _RefusedError:
        if event.anchor is not None:
            return self.refuse(
                event,
                codes.YAML_ALIAS,
                f"anchors (&{event.anchor}) are not allowed; write the text out in full",
            )
        return self.refuse(
            event,
            codes.YAML_TAG,
            f"YAML tags ({_short_tag(event.tag)}) are not allowed; to keep a value as text, "
            "quote it",
        )

    def _escaped_control(self, text: str, where: Location) -> None:
        found = UNPRINTABLE.search(text)
        code = ord(found.group()) if found else 0
        self._problem(
            where,
            codes.CONTROL_CHARACTER,
            f"an escape in this text makes the control character U+{code:04X}, which no card "
            "can show; remove it",
        )

    def _key(self, opened: _Open, node: Node) -> None:
        if not isinstance(node, Scalar):
            self._problem(
                node.location, codes.BAD_KEY, "a key must be a word, not a list or mapping"
            )
            opened.skip_value = True
            return
        first = opened.seen.get(node.text)
        if first is not None:
            self._problem(
                node.location,
                codes.DUPLICATE_KEY,
                f"key '{node.text}' appears twice in this mapping (first at line {first.line}); "
                "YAML would silently keep only the last one",
            )
            opened.skip_value = True
            return
        opened.seen[node.text] = node.location
        opened.key = node

    def _problem(self, where: Location, code: str, message: str) -> None:
        self.problems.append(Problem(location=where, code=code, message=message))


def _short_tag(tag: str | None) -> str:
    return (tag or "!").replace("tag:yaml.org,2002:", "!!")


def parse_text(path: str, text: str) -> tuple[SourceFile, list[Problem]]:
    """Parse YAML text into a SourceFile, collecting every problem rather than raising."""
    composer = _Composer(path)
    try:
        root = composer.compose(_Loader(text).get_event)
    except _RefusedError as refused:
        return SourceFile(path, None), [*composer.problems, refused.problem]
    except yaml.YAMLError as exc:
        return SourceFile(path, None), [syntax_problem(path, text, exc)]
    except UnicodeEncodeError as exc:  # a lone surrogate: only reachable from str input
        problem = Problem(
            location=position(path, text, exc.start),
            code=codes.NOT_UTF8,
            message="the text holds an unpaired surrogate, which is not valid Unicode",
        )
        return SourceFile(path, None), [problem]
    if root is None or (isinstance(root, Scalar) and root.is_null):
        problem = Problem(
            location=Location(path), code=codes.EMPTY_FILE, message="the file is empty"
        )
        return SourceFile(path, None), [problem]
    return SourceFile(path, root), composer.problems
