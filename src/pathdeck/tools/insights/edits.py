"""Learners' edits of published notes: typo reports and corrections, as word-level diffs."""

from __future__ import annotations

import difflib
import html
import re
import unicodedata
from dataclasses import dataclass

from pathdeck.tools.insights.published import HIDDEN_FIELDS, PublishedItem

_MARKUP = re.compile(r"<[^>]*>")
_BREAK = re.compile(
    r"<(?:br|hr|/?(?:div|p|li|ul|ol|table|tr|td|th|h[1-6]|blockquote|pre))\b[^>]*>", re.I
)
"""Tags that end a line or a block: a space between words. Inline ones (bold, a span) are
inside a word as often as around one, so they part nothing."""
_SPACE = re.compile(r"\s+")
_WORDS = re.compile(r"\S+")


@dataclass(frozen=True, slots=True, kw_only=True)
class Change:
    """One run of words a learner replaced: `removed` published words, `added` theirs."""

    removed: str
    added: str
    before: str
    """A few published words before the change, to find it in the text."""


@dataclass(frozen=True, slots=True, kw_only=True)
class FieldEdit:
    """A field as one or more learners rewrote it, against the published text."""

    field: str
    published: str
    edited: str
    changes: tuple[Change, ...]
    learners: int = 1

    def to_json(self) -> dict[str, object]:
        """The edit as `--json` reports it."""
        return {
            "field": self.field,
            "published": self.published,
            "edited": self.edited,
            "learners": self.learners,
            "changes": [
                {"before": c.before, "removed": c.removed, "added": c.added} for c in self.changes
            ],
        }


def visible_text(field_html: str) -> str:
    """What a learner reads in a field: markup dropped, entities decoded, spaces collapsed,
    accents composed."""
    text = html.unescape(_MARKUP.sub("", _BREAK.sub(" ", field_html)))
    # Anki composes every field it imports (NFC): a decomposed accent in the source is no edit.
    return unicodedata.normalize("NFC", _SPACE.sub(" ", text).strip())


def field_edits(item: PublishedItem, learner_fields: str) -> tuple[FieldEdit, ...]:
    """The fields of a learner's copy (`\\x1f`-separated) whose words differ from the item's."""
    if learner_fields == "\x1f".join(item.fields):
        return ()  # touched only by a tag (Anki's leech tag, say): most copies modified later
    theirs = learner_fields.split("\x1f")
    edits: list[FieldEdit] = []
    for index, (name, published_html) in enumerate(
        zip(item.field_names, item.fields, strict=False)
    ):
        if name in HIDDEN_FIELDS or index >= len(theirs):
            continue
        published, edited = visible_text(published_html), visible_text(theirs[index])
        if published != edited:
            changes = word_changes(published, edited)
            edits.append(FieldEdit(field=name, published=published, edited=edited, changes=changes))
    return tuple(edits)


def word_changes(published: str, edited: str, context: int = 4) -> tuple[Change, ...]:
    """The replaced, removed and added runs of words, each with the words just before it."""
    old, new = _WORDS.findall(published), _WORDS.findall(edited)
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    return tuple(
        Change(
            removed=" ".join(old[i1:i2]),
            added=" ".join(new[j1:j2]),
            before=" ".join(old[max(0, i1 - context) : i1]),
        )
        for tag, i1, i2, j1, j2 in matcher.get_opcodes()
        if tag != "equal"
    )


def merge_identical(edits: list[FieldEdit]) -> tuple[FieldEdit, ...]:
    """One entry per distinct rewrite of a field, counting the learners who made it."""
    counted: dict[tuple[str, str], FieldEdit] = {}
    for edit in edits:
        key = (edit.field, edit.edited)
        seen = counted.get(key)
        learners = edit.learners + (seen.learners if seen else 0)
        counted[key] = FieldEdit(
            field=edit.field,
            published=edit.published,
            edited=edit.edited,
            changes=edit.changes,
            learners=learners,
        )
    return tuple(sorted(counted.values(), key=lambda e: (-e.learners, e.field, e.edited)))
