"""The positioned YAML nodes a source file becomes: scalars, mappings, sequences."""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

from yaml.resolver import Resolver

from pathdeck.problems import Location

STR_TAG = "tag:yaml.org,2002:str"
NULL_TAG = "tag:yaml.org,2002:null"
INT_TAG = "tag:yaml.org,2002:int"
_TAG_NAMES = {
    "tag:yaml.org,2002:bool": "a true/false value",
    INT_TAG: "a number",
    "tag:yaml.org,2002:float": "a number",
    NULL_TAG: "an empty value",
    "tag:yaml.org,2002:timestamp": "a date",
}
# What a plain (unquoted) scalar means to YAML, decided by PyYAML's own YAML 1.1 resolver rules;
# tags outside _TAG_NAMES (`<<` merge, `=` value) are plain text to us.
_IMPLICIT = Resolver.yaml_implicit_resolvers
LONGEST_MEANINGFUL_WORD = 5
"""YAML 1.1 gives meaning to few scalars that start with a letter (`false`, `null`, `Off` ...),
none longer than this; numbers, dates, `.inf` and `<<` start otherwise (a test checks it)."""


def plain_tag(text: str) -> str:
    """The tag YAML gives an unquoted scalar: `no` is a bool, `1.10` a float, `2024-01-02` a date."""
    if len(text) > LONGEST_MEANINGFUL_WORD and text[0].isalpha():
        return STR_TAG  # most plain scalars are sentences: skip the resolvers' regexes
    for tag, pattern in _IMPLICIT.get(text[:1], ()):
        if pattern.match(text):
            return tag if tag in _TAG_NAMES else STR_TAG
    return STR_TAG


class Scalar(NamedTuple):
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
        return self.tag == NULL_TAG

    @property
    def yaml_type(self) -> str:
        """A human name for what YAML would turn this scalar into."""
        return _TAG_NAMES.get(self.tag, "text")


# Nodes are named tuples because a large course has over 100,000 of them and a tuple is made
# several times faster than a dataclass; code tells them apart with isinstance, never with ==.
class Mapping(NamedTuple):
    """A YAML mapping; keys keep their own locations for "unknown key" diagnostics."""

    entries: tuple[tuple[Scalar, Node], ...]
    location: Location

    def get(self, key: str) -> Node | None:
        """The value under `key`, if present."""
        for k, value in self.entries:
            if k.text == key:
                return value
        return None


class Sequence(NamedTuple):
    """A YAML sequence."""

    items: tuple[Node, ...]
    location: Location


Node = Scalar | Mapping | Sequence


@dataclass(frozen=True, slots=True)
class SourceFile:
    """One parsed file: its display path and its tree (None when it could not be parsed)."""

    path: str
    root: Node | None
