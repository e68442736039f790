"""Sample language: what the phrase is for on the front, the phrase itself on the back."""

from __future__ import annotations

import re

from pathdeck.cards.placement import Placement
from pathdeck.cards.spec import NoteSpec, note
from pathdeck.cards.words import sentences
from pathdeck.curriculum import Concept, Phrase
from pathdeck.markup import to_html
from pathdeck.roles import Role
from pathdeck.stopwords import FUNCTION_WORDS

BLANK = '<span class="pd-blank">[…]</span>'
_MAX_HIDDEN = 2  # words: the blank asks for a phrase's key words, not for a speech
_MIN_SHOWN = 3
_QUOTE = re.compile(r"[\"“”‘’]")
_EDGE = "?.!,;:…—–-\"“”‘’'()"


def _first_sentence_end(text: str) -> int:
    """How many words the phrase's first sentence (or question) has ("Dr." ends none)."""
    said = sentences(text)
    return len(said[0].split(" ")) if said else 0


def key_words(text: str) -> tuple[str, str, str] | None:
    """(before, hidden, after): the phrase with its key words hidden, or None when too short.

    The key words are the run of up to three consecutive content words of the first sentence
    with the most letters ("What are you hoping we can [accomplish together]?"); at least three
    words stay visible, so the front still tells this phrase from the others.
    """
    tokens = text.split(" ")
    end = _first_sentence_end(text)
    runs: list[tuple[int, int]] = []
    for index in range(end):
        word = tokens[index].lower().strip(_EDGE)
        if word in FUNCTION_WORDS or not word or "'" in word or "’" in word:
            continue  # small words and contractions ("we've") are not what a phrase is about
        joins = index > 0 and tokens[index - 1][-1:] not in _EDGE  # no comma or dash between
        if runs and runs[-1][1] == index and joins and index - runs[-1][0] < _MAX_HIDDEN:
            runs[-1] = (runs[-1][0], index + 1)
        else:
            runs.append((index, index + 1))
    runs = [r for r in runs if len(tokens) - (r[1] - r[0]) >= _MIN_SHOWN]
    if not runs:
        return None
    start, stop = max(runs, key=lambda r: (len("".join(tokens[r[0] : r[1]])), -r[0]))
    hidden = " ".join(tokens[start:stop])
    core = hidden.rstrip(_EDGE)
    if not core.strip(_EDGE):
        return None
    before = " ".join(tokens[:start]) + (" " if start else "")
    after = hidden[len(core) :] + (" " + " ".join(tokens[stop:]) if tokens[stop:] else "")
    return before, core, after


def _values(phrase: Phrase, purpose: str, situation: str) -> dict[str, str]:
    if phrase.intent:
        return {"Purpose": to_html(phrase.intent), "Prompt": "", "Phrase": to_html(phrase.text)}
    split = key_words(phrase.text)
    if split is None:  # too short to frame: the situation is the whole cue
        cue = purpose or situation
        return {"Purpose": to_html(cue), "Prompt": "", "Phrase": to_html(phrase.text)}
    before, hidden, after = (to_html(part) for part in split)
    return {
        "Purpose": to_html(purpose),
        "Prompt": f"“{before}{BLANK}{after}”",
        "Phrase": f'{before}<span class="pd-hidden">{hidden}</span>{after}',
    }


def _lead(sentence: str) -> str:
    """A sentence's words before its first quotation mark."""
    quote = _QUOTE.search(sentence)
    return (sentence[: quote.start()] if quote else sentence).rstrip(" :—–-")


def quoted_purpose(concept: Concept, phrase: str) -> str:
    """What the page says the phrase is for: the words that introduce it where a page sentence
    quotes it ("It's checked at every encounter through brief inquiry: “Are we working on
    ...”"), or nothing. The concept's setting would be the same on every phrase's card."""
    first = sentences(phrase)[0] if phrase else ""
    for text in (concept.opening_move, *concept.body, concept.key_point):
        if not text or not first or first not in text:
            continue  # most texts quote no phrase: no need to split them
        said = sentences(text)
        for index, sentence in enumerate(said):
            if not first or first not in sentence:
                continue
            # A run of quoted questions is split into sentences: the lead is before the first.
            back = index
            while back > 0 and not _lead(said[back]) and _QUOTE.match(said[back]):
                back -= 1
            lead = _lead(said[back])
            if len(lead.split()) >= _MIN_SHOWN and first not in lead:
                return lead
    return ""


def sample_language_notes(concept: Concept, where: Placement) -> list[NoteSpec]:
    """One note per phrase: the authored intent, or the phrase's frame and its page purpose."""
    situation = concept.setting or concept.opening_move or concept.title
    setting = {"Setting": to_html(concept.setting)} if concept.setting else {}
    return [
        note(
            Role.SAMPLE_LANGUAGE,
            where,
            index,
            phrase.text,
            {**_values(phrase, quoted_purpose(concept, phrase.text), situation), **setting},
            item_id=phrase.id,
        )
        for index, phrase in enumerate(concept.sample_language)
    ]
