"""Sample language: what the phrase is for on the front, the phrase itself on the back."""

from __future__ import annotations

from pathdeck.cards.placement import Placement
from pathdeck.cards.spec import NoteSpec, note
from pathdeck.cards.words import FUNCTION_WORDS
from pathdeck.curriculum import Concept, Phrase
from pathdeck.markup import to_html
from pathdeck.roles import Role

BLANK = '<span class="pd-blank">[…]</span>'
_MAX_HIDDEN = 5  # words: the blank asks for a phrase's key words, not for a speech


def _first_sentence_end(tokens: list[str]) -> int:
    """How many tokens the phrase's first sentence (or question) has."""
    for index, token in enumerate(tokens):
        if token.endswith(("?", ".", "!")):
            return index + 1
    return len(tokens)


def key_words(text: str) -> tuple[str, str, str] | None:
    """(before, hidden, after): the phrase with its key words hidden, or None when too short.

    The first words stay (they set up the phrase), then up to five words of the first sentence
    are hidden, starting at a content word; what follows stays as context.
    """
    tokens = text.split(" ")
    end = _first_sentence_end(tokens)
    if end < 4:
        return None
    start = max(2, (end * 2) // 5)
    while start < end - 1 and tokens[start].lower().strip(",;:—–-") in FUNCTION_WORDS | {""}:
        start += 1
    stop = min(end, start + _MAX_HIDDEN)
    hidden = " ".join(tokens[start:stop])
    core = hidden.rstrip("?.!,;:…")
    if not core:
        return None
    before = " ".join(tokens[:start]) + " "
    after = hidden[len(core) :] + (" " + " ".join(tokens[stop:]) if tokens[stop:] else "")
    return before, core, after


def _values(phrase: Phrase, purpose: str) -> dict[str, str]:
    if phrase.intent:
        return {"Purpose": to_html(phrase.intent), "Prompt": "", "Phrase": to_html(phrase.text)}
    split = key_words(phrase.text)
    if split is None:
        return {"Purpose": to_html(purpose), "Prompt": "", "Phrase": to_html(phrase.text)}
    before, hidden, after = (to_html(part) for part in split)
    return {
        "Purpose": to_html(purpose),
        "Prompt": f"“{before}{BLANK}{after}”",
        "Phrase": f'{before}<span class="pd-hidden">{hidden}</span>{after}',
    }


def sample_language_notes(concept: Concept, where: Placement) -> list[NoteSpec]:
    """One note per phrase: the authored intent, or the situation and the phrase's frame."""
    purpose = concept.setting or concept.opening_move or concept.title
    return [
        note(
            Role.SAMPLE_LANGUAGE,
            where,
            index,
            phrase.text,
            _values(phrase, purpose),
            item_id=phrase.id,
        )
        for index, phrase in enumerate(concept.sample_language)
    ]
