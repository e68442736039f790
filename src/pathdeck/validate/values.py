"""Checked raw records -> curriculum values (Concept, Phrase, Pitfall, ...)."""

from __future__ import annotations

from pathdeck.curriculum import Concept, Fact, Phrase, Pitfall, ProveIt, RedFlag
from pathdeck.validate.checker import (
    LOCATION_KEY,
    Value,
)


def _phrase(raw: dict[str, Value]) -> Phrase:
    return Phrase(
        text=raw["text"], id=raw.get("id"), intent=raw.get("intent"), location=raw[LOCATION_KEY]
    )


def _pitfall(raw: dict[str, Value]) -> Pitfall:
    return Pitfall(
        text=raw["text"],
        id=raw.get("id"),
        prompt=raw.get("prompt"),
        instead=raw.get("instead"),
        location=raw[LOCATION_KEY],
    )


def _red_flag(raw: dict[str, Value]) -> RedFlag:
    return RedFlag(
        sign=raw["sign"],
        meaning=raw.get("meaning"),
        action=raw.get("action"),
        id=raw.get("id"),
        location=raw[LOCATION_KEY],
    )


def _fact(raw: dict[str, Value]) -> Fact:
    return Fact(
        text=raw["text"], id=raw.get("id"), source=raw.get("from"), location=raw[LOCATION_KEY]
    )


def _complete(items: list[dict[str, Value]], required: str) -> list[dict[str, Value]]:
    return [item for item in items if required in item]


def concept_value(raw: dict[str, Value], stage_number: int, source: str) -> Concept:
    prove = raw.get("prove_it")
    return Concept(
        id=raw["id"],
        title=raw["title"],
        position=raw["position"],
        stage_number=stage_number,
        tagline=raw.get("tagline"),
        setting=raw.get("setting"),
        opening_move=raw.get("opening_move"),
        sample_language=tuple(
            _phrase(p) for p in _complete(raw.get("sample_language", []), "text")
        ),
        listen_for=tuple(raw.get("listen_for", [])),
        pitfalls=tuple(_pitfall(p) for p in _complete(raw.get("pitfalls", []), "text")),
        red_flags=tuple(_red_flag(r) for r in _complete(raw.get("red_flags", []), "sign")),
        documentation=raw.get("documentation"),
        real_world=raw.get("real_world"),
        key_point=raw.get("key_point"),
        body=tuple(raw.get("body", [])),
        anchor=raw.get("anchor"),
        prove_it=(
            ProveIt(scenario=prove["scenario"], model_answer=prove.get("model_answer"))
            if prove and "scenario" in prove
            else None
        ),
        facts=tuple(_fact(f) for f in _complete(raw.get("facts", []), "text")),
        dropped_facts=tuple(raw.get("dropped_facts", [])),
        connects_to=tuple(raw.get("connects_to", [])),
        formerly=tuple(raw.get("formerly", [])),
        illustrations=tuple(raw.get("illustrations", [])),
        source=source,
        location=raw[LOCATION_KEY],
    )
