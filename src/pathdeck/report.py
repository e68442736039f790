"""The one JSON contract of every `--json` output: the envelope, its problems, its schema."""

from __future__ import annotations

import json
from collections.abc import Iterable
from importlib import resources

from pathdeck import problems as codes
from pathdeck.problems import NO_FILE, Problem, Severity

SCHEMA_VERSION = 1
"""Bumped only when a key changes meaning or disappears; new keys may appear at any time."""

OUTPUT_SCHEMA_FILE = "pathdeck.outputs.schema.json"
"""The JSON Schema of every command's `--json` output, shipped beside the source schema."""


def envelope(
    command: str | None, problems: Iterable[Problem] = (), *, ok: bool, **fields: object
) -> dict[str, object]:
    """A command's report: schema_version, command, ok, its own fields, warnings and errors."""
    listed = tuple(problems)
    return {
        "schema_version": SCHEMA_VERSION,
        "command": command,
        "ok": ok,
        **fields,
        "warnings": [p.to_json() for p in listed if p.severity is Severity.WARNING],
        "errors": [p.to_json() for p in listed if p.severity is Severity.ERROR],
    }


def usage_error(
    command: str | None, message: str, *, code: str = codes.USAGE_ERROR
) -> dict[str, object]:
    """The report of a command that cannot run as asked (exit 2): bad usage, a missing extra."""
    problem = Problem(location=NO_FILE, code=code, message=message)
    return envelope(command, (problem,), ok=False)


def render(payload: dict[str, object]) -> str:
    """A report as printed: indented, non-ASCII text kept as written."""
    return json.dumps(payload, indent=2, ensure_ascii=False)


def output_schema() -> str:
    """The text of the published output schema."""
    return resources.files("pathdeck").joinpath(OUTPUT_SCHEMA_FILE).read_text(encoding="utf-8")
