"""YAML text for concept, stage and course documents: one line per value, at libyaml's speed."""

from __future__ import annotations

import json

import yaml

try:  # libyaml's emitter is ~15x faster, which keeps a 2,000-page import well under a second
    from yaml import CSafeDumper as _FastDumper
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    _FastDumper = None  # type: ignore[assignment,misc]

Document = dict[str, object]
"""A YAML document as plain data: keys in the order they are written."""

# With none of these in any value every scalar is one line, and reindenting by line is safe.
_LINE_BREAKS = ("\\n", "\\r", "\x85", "\u2028", "\u2029")


class _IndentedDumper(yaml.SafeDumper):
    """PyYAML's pure-Python dumper, indenting sequences under their key ("  - item")."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        super().increase_indent(flow, False)


def _indent_sequences(text: str) -> str:
    """Indent each top-level block sequence under its key, as libyaml cannot be told to."""
    out: list[str] = []
    in_sequence = False
    for line in text.split("\n"):
        if line and not line.startswith((" ", "-")):
            in_sequence = False
        elif line.startswith("- "):
            in_sequence = True
        out.append(f"  {line}" if in_sequence and line else line)
    return "\n".join(out)


_TAGS = {str: "tag:yaml.org,2002:str", int: "tag:yaml.org,2002:int"}
_SEQ_TAG, _MAP_TAG = "tag:yaml.org,2002:seq", "tag:yaml.org,2002:map"


def _node(value: object) -> yaml.Node:
    """The YAML node PyYAML's SafeRepresenter would make, built without its per-node overhead."""
    if isinstance(value, dict):
        pairs = [(yaml.ScalarNode(_TAGS[str], key), _node(item)) for key, item in value.items()]
        return yaml.MappingNode(_MAP_TAG, pairs, flow_style=False)
    if isinstance(value, list):
        return yaml.SequenceNode(_SEQ_TAG, [_node(item) for item in value], flow_style=False)
    if isinstance(value, bool) or not isinstance(value, (str, int)):  # pragma: no cover
        raise TypeError(f"a concept document holds text, numbers, lists and mappings: {value!r}")
    return yaml.ScalarNode(_TAGS[type(value)], str(value))


def _single_line(document: Document) -> bool:
    # JSON shows \n and \r escaped and U+0085/2028/2029 as they are, at C speed; a literal
    # backslash before n or r only costs the slower dumper.
    text = json.dumps(document, ensure_ascii=False)
    return not any(mark in text for mark in _LINE_BREAKS)


def dump_document(document: Document, header: str = "") -> str:
    """YAML text for a document: one line per value (no folding), Unicode kept, sequences
    indented, values YAML would read as non-text quoted, `header` (a comment line) first."""
    if _FastDumper is not None and _single_line(document):
        fast = yaml.serialize(_node(document), Dumper=_FastDumper, width=-1, allow_unicode=True)
        # libyaml escapes characters beyond U+FFFF (emoji) as \U........; PyYAML keeps them.
        if "\\U" not in fast:
            return header + _indent_sequences(fast)
    text = yaml.dump(
        document,
        Dumper=_IndentedDumper,
        width=float("inf"),
        allow_unicode=True,
        sort_keys=False,
    )
    return header + text
