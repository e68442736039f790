"""The node checker: nodes against the declared schema, every problem collected."""

from __future__ import annotations

import difflib
import re
from typing import Any

from pathdeck import problems as codes
from pathdeck.problems import Location, Problem, Severity
from pathdeck.source import (
    INT_TAG,
    Mapping,
    Node,
    Scalar,
    Sequence,
)
from pathdeck.validate import schema

# Markup an author may expect to work: it is shown as typed, so say so before learners see it.
LOOKS_LIKE_MARKUP = re.compile(
    r"</?[A-Za-z][A-Za-z0-9-]*(?:\s[^<>]*)?/?>|\{\{|\[(?:sound|latex|\$\$?)[:\]]", re.IGNORECASE
)
PLACEHOLDER = "TODO"
"""What `pathdeck new` writes into fields the educator has yet to fill."""
LOCATION_KEY = "@location"
"""Every record's dict carries where its mapping starts under this key."""
KEYS_KEY = "@keys"
"""...and where each of its values is, by key, so cross-file rules point at the exact value."""

Value = Any  # str | int | list[Value] | dict[str, Value]: what a schema field yields


def value_location(raw: dict[str, Value], key: str) -> Location:
    """Where `key`'s value is written, or the record's start when it is absent."""
    found: Location | None = raw[KEYS_KEY].get(key)
    return found if found is not None else raw[LOCATION_KEY]


class Checker:
    """Checks nodes against the declared schema and collects problems."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []
        self.placeholders: list[Location] = []  # reported once per file, see placeholder_warnings

    def error(self, where: Location, code: str, message: str) -> None:
        self.problems.append(Problem(location=where, code=code, message=message))

    def placeholder_warnings(self) -> None:
        """One warning per file for its TODOs: a new scaffold has dozens, one line says enough."""
        by_file: dict[str, list[Location]] = {}
        for where in self.placeholders:
            by_file.setdefault(where.path, []).append(where)
        for found in by_file.values():
            lines = ", ".join(str(where.line) for where in found)
            self.warn(
                found[0],
                codes.PLACEHOLDER_TEXT,
                f"{len(found)} value(s) still hold the '{PLACEHOLDER}' placeholder that "
                f"`pathdeck new` wrote (line {lines}); fill them in or delete those lines",
            )

    def warn(self, where: Location, code: str, message: str) -> None:
        self.problems.append(
            Problem(location=where, code=code, message=message, severity=Severity.WARNING)
        )

    def value(self, node: Node, field: schema.Field, name: str) -> Value:
        """The Python value of `node` per `field`, or None after recording why not."""
        if isinstance(field, schema.Text):
            return self._text(node, name)
        if isinstance(field, schema.Integer):
            return self._integer(node, field, name)
        if isinstance(field, schema.ListOf):
            return self._list(node, field, name)
        return self.record(node, field, name)

    def _empty(self, node: Node, name: str) -> None:
        self.error(node.location, codes.EMPTY_VALUE, f"{name} is empty")

    def _text(self, node: Node, name: str) -> str | None:
        if isinstance(node, Scalar):
            if node.is_text:
                text = node.text.strip()
                if not text:
                    self._empty(node, name)
                    return None
                if text.startswith(PLACEHOLDER):
                    self.placeholders.append(node.location)
                if ("<" in text or "{" in text or "[" in text) and LOOKS_LIKE_MARKUP.search(text):
                    self.warn(
                        node.location,
                        codes.MARKUP_SHOWN_AS_TEXT,
                        f"{name} holds HTML or Anki template syntax; cards show it exactly as "
                        "typed (only **bold** and *italic* are rendered)",
                    )
                return text
            if node.is_null:
                self._empty(node, name)
                return None
            self.error(
                node.location,
                codes.NOT_TEXT,
                f"{name} must be text, but YAML reads {node.text} as {node.yaml_type}; "
                f'quote this: "{node.text}"',
            )
            return None
        kind = "a list" if isinstance(node, Sequence) else "a mapping of keys"
        self.error(node.location, codes.WRONG_TYPE, f"{name} must be text, not {kind}")
        return None

    def _integer(self, node: Node, field: schema.Integer, name: str) -> int | None:
        if not isinstance(node, Scalar):
            self.error(
                node.location, codes.WRONG_TYPE, f"{name} must be a whole number, not a list"
            )
            return None
        if node.is_null:
            self._empty(node, name)
            return None
        number = whole_number(node.text) if node.tag == INT_TAG else None
        if number is None:
            quoted = node.is_text and whole_number(node.text) is not None
            hint = "; remove the quotes" if quoted else ""
            self.error(
                node.location,
                codes.WRONG_TYPE,
                f"{name} must be a whole number, not {node.text!r}{hint}",
            )
            return None
        if not field.minimum <= number <= field.maximum:
            self.error(
                node.location,
                codes.OUT_OF_RANGE,
                f"{name} must be between {field.minimum} and {field.maximum}, not {number}",
            )
            return None
        return number

    def _list(self, node: Node, field: schema.ListOf, name: str) -> list[Value] | None:
        if isinstance(node, Scalar) and node.is_null:
            items: tuple[Node, ...] = ()
        elif isinstance(node, Scalar) and field.accepts_one:
            items = (node,)
        elif isinstance(node, Sequence):
            items = node.items
        else:
            self.error(
                node.location,
                codes.WRONG_TYPE,
                f"{name} must be a list: put each item on its own line, starting with '- '",
            )
            return None
        if len(items) < field.min_items:
            self.error(
                node.location,
                codes.EMPTY_LIST,
                f"{name} is empty: give it at least {count_of(field.min_items, 'item')} or remove it",
            )
        values = []
        for number, item in enumerate(items, start=1):
            value = self.value(item, field.item, f"{name} item {number}")
            if value is not None:
                values.append(value)
        return values

    def record(self, node: Node, field: schema.Record, name: str) -> dict[str, Value] | None:
        """A mapping checked key by key: unknown keys, missing keys, each value."""
        if isinstance(node, Scalar) and field.shorthand and not node.is_null:
            # A bare value stands for the shorthand key, and is named as the item it is.
            value = self.value(node, field.fields[field.shorthand], name)
            if value is None:
                return None
            where = {field.shorthand: node.location}
            return {LOCATION_KEY: node.location, KEYS_KEY: where, field.shorthand: value}
        if not isinstance(node, Mapping):
            if isinstance(node, Scalar) and node.is_null:
                self._empty(node, name)
            else:
                known = ", ".join(f"{k}:" for k in field.fields)
                self.error(
                    node.location, codes.WRONG_TYPE, f"{name} must be a mapping ({known} ...)"
                )
            return None
        keys: dict[str, Location] = {}
        result: dict[str, Value] = {LOCATION_KEY: node.location, KEYS_KEY: keys}
        for key, value_node in node.entries:
            sub = field.fields.get(key.text)
            if sub is None:
                self._unknown_key(key, field, name)
                continue
            keys[key.text] = value_node.location
            value = self.value(value_node, sub, f"'{key.text}'")
            if value is not None:
                result[key.text] = value
        for required, sub in field.fields.items():
            if sub.required and required not in keys:
                self.error(node.location, codes.MISSING_KEY, f"{name} is missing '{required}'")
        return result

    def _unknown_key(self, key: Scalar, field: schema.Record, name: str) -> None:
        known = list(field.fields)
        normal = key.text.strip().lower().replace("-", "_").replace(" ", "_")
        close = [normal] if normal in field.fields else []
        close = close or difflib.get_close_matches(normal, known, n=1, cutoff=0.6)
        hint = f"; did you mean '{close[0]}'?" if close else f"; known keys: {', '.join(known)}"
        self.error(key.location, codes.UNKNOWN_KEY, f"unknown key '{key.text}' in {name}{hint}")


def count_of(number: int, noun: str) -> str:
    return f"one {noun}" if number == 1 else f"{number} {noun}s"


def whole_number(text: str) -> int | None:
    """A YAML int's value (`1_000`, `0x1f` too), or None when it is no whole number."""
    try:
        return int(text.replace("_", ""), 0)
    except ValueError:
        return None
