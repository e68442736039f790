"""Import stage: a re-imported page's facts merged with the concept file it replaces, so an
educator's corrections, additions and deletions survive `pathdeck import --force`."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from pathdeck.curriculum import Concept, Fact
from pathdeck.pages.facts import concept_sources, extract, extraction_of, listen_for_source


def document_sources(document: Mapping[str, object]) -> list[tuple[str, bool]]:
    """The same parts of a concept document (an existing concept file, read as YAML)."""

    def texts(key: str) -> list[str]:
        value = document.get(key)
        if isinstance(value, str):
            return [value]
        return [item for item in value if isinstance(item, str)] if isinstance(value, list) else []

    keys = ("tagline", "opening_move", "key_point", "body", "anchor")
    found = [(text, False) for key in keys for text in texts(key)]
    cues = listen_for_source(texts("listen_for"))
    return found + ([(cues, True)] if cues else [])


def _fact_item(raw: object) -> Fact | None:
    if isinstance(raw, str):
        return Fact(text=raw)
    if isinstance(raw, dict) and isinstance(raw.get("text"), str):
        source, item_id = raw.get("from"), raw.get("id")
        return Fact(
            text=raw["text"],
            id=item_id if isinstance(item_id, str) else None,
            source=source if isinstance(source, str) else None,
        )
    return None


@dataclass(frozen=True, slots=True, kw_only=True)
class MergedFacts:
    """The facts to write on re-import, and the sources whose fact an educator deleted."""

    facts: tuple[Fact, ...]
    dropped: tuple[str, ...]


def merge_facts(new: Concept, old: Mapping[str, object] | None) -> MergedFacts:
    """The facts of a re-imported page, the educator's work kept.

    A fact without `from:` is the educator's own and stays. An extracted fact whose text is
    no longer what extraction gives was corrected by hand and stays as it is. An unedited
    extracted fact is re-extracted: dropped when its sentence left the page, replaced by the
    new sentence's fact. An extracted fact the educator deleted (its sentence was on the old
    page, no fact remembers it) goes to `dropped_facts` and is never added again.
    """
    fresh = extract(concept_sources(new))
    if old is None:
        return MergedFacts(facts=tuple(fresh), dropped=new.dropped_facts)
    raw_items = old.get("facts")
    existing = [f for f in map(_fact_item, raw_items if isinstance(raw_items, list) else [])
                if f is not None]  # fmt: skip
    raw_dropped = old.get("dropped_facts")
    dropped = (
        [d for d in raw_dropped if isinstance(d, str)] if isinstance(raw_dropped, list) else []
    )
    kept_sources: set[str] = set()
    kept: list[Fact] = []
    fresh_sources = {fact.source for fact in fresh}
    for fact in existing:
        if fact.source is None:
            kept.append(fact)
            continue
        unedited = fact.text in (extraction_of(fact.source, cue) for cue in (False, True))
        if unedited and fact.source not in fresh_sources:
            continue  # its sentence changed: the new sentence's fact replaces it
        kept.append(fact)
        kept_sources.add(fact.source)
    remembered = {fact.source for fact in existing}
    # A file written before facts existed has neither list: nothing there was deleted.
    noticed = "facts" in old or "dropped_facts" in old
    for fact in extract(document_sources(old)) if noticed else ():
        if fact.source not in remembered and fact.source not in dropped:
            dropped.append(fact.source or "")
    added = [f for f in fresh if f.source not in kept_sources and f.source not in dropped]
    return MergedFacts(facts=(*kept, *added), dropped=tuple(dropped))
