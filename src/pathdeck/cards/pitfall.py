"""Pitfalls: the front keeps at least three words of cue and hides the lesson; the back says
what to do instead, from the page, when the page says it."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from pathdeck.cards.placement import Placement
from pathdeck.cards.spec import NoteSpec, note
from pathdeck.cards.words import sentences, specific_words, stems
from pathdeck.curriculum import Concept, Pitfall
from pathdeck.markup import to_html
from pathdeck.roles import Role
from pathdeck.stopwords import FUNCTION_WORDS

MIN_CUE_WORDS = 3
_MAX_INSTEAD_WORDS = 40
# After these the rest is the excuse ("because the patient is compliant"): the lesson is the
# mistake before them, so that is what the card hides.
_EXCUSE = re.compile(
    r"\s(because|when|while|since|although|though|despite|even though|just because|as if|if)\s",
    re.IGNORECASE,
)
# After these the rest is the lesson itself ("rather than a set of behaviors").
_LESSON = re.compile(
    r"\s(rather than|instead of|without|before|until|unless|so that|over)\s", re.IGNORECASE
)


@dataclass(frozen=True, slots=True, kw_only=True)
class Blanked:
    """A pitfall cut in three: shown text, the hidden lesson, shown text (one may be empty)."""

    before: str
    hidden: str
    after: str

    @property
    def cue_words(self) -> int:
        """How many specific words the front shows."""
        return len(specific_words(self.before + " " + self.after))


def _split_end(text: str) -> tuple[str, str]:
    body = text.rstrip()
    tail = ""
    while body and body[-1] in ".!?;:":
        tail = body[-1] + tail
        body = body[:-1]
    return body, tail


def _tail_blank(body: str, tail: str) -> Blanked | None:
    """No pivot: keep the first half, and at least three specific words, and hide the rest
    from its first content word, so "Ignoring early signals of [misalignment]"."""
    tokens = body.split(" ")
    start = (len(tokens) + 1) // 2
    while start < len(tokens) and (
        tokens[start].lower() in FUNCTION_WORDS
        or len(specific_words(" ".join(tokens[:start]))) < MIN_CUE_WORDS
    ):
        start += 1
    if start >= len(tokens):
        return None
    return Blanked(
        before=" ".join(tokens[:start]) + " ", hidden=" ".join(tokens[start:]), after=tail
    )


@lru_cache(maxsize=1 << 10)
def blank_pitfall(text: str) -> Blanked | None:
    """The pitfall with its lesson hidden and at least three words of cue, or None
    (remembered: the card builder and then the card linter ask for each pitfall)."""
    body, tail = _split_end(text)
    excuse = _EXCUSE.search(body)
    if excuse and len(specific_words(body[excuse.start() :])) >= MIN_CUE_WORDS:
        head = body[: excuse.start()]
        if head.split():
            return Blanked(before="", hidden=head, after=body[excuse.start() :] + tail)
    lesson = _LESSON.search(body)
    if (
        lesson
        and len(specific_words(body[: lesson.end()])) >= MIN_CUE_WORDS
        and body[lesson.end() :]
    ):
        return Blanked(before=body[: lesson.end()], hidden=body[lesson.end() :], after=tail)
    return _tail_blank(body, tail)


def candidate_sentences(concept: Concept) -> list[str]:
    """Sentences of the page that tell what to do: opening move, anchor, key point, body."""
    texts = [concept.opening_move, concept.anchor, concept.key_point, *concept.body]
    found = dict.fromkeys(  # in page order, each once
        sentence
        for text in texts
        for sentence in sentences(text or "")
        if len(sentence.split()) <= _MAX_INSTEAD_WORDS
    )
    return list(found)


def instead_sentences(concept: Concept) -> list[str | None]:
    """Per pitfall, the page sentence that best answers it (sharing at least two content
    words), each sentence used for one pitfall at most; None when nothing fits."""
    sentences = [(sentence, stems(sentence)) for sentence in candidate_sentences(concept)]
    pairs = [  # most words shared first, then the tighter sentence
        (-shared, len(found), order, index, sentence)
        for index, own in enumerate([stems(pitfall.text) for pitfall in concept.pitfalls])
        for order, (sentence, found) in enumerate(sentences)
        if (shared := len(own & found)) >= 2
    ]
    chosen: list[str | None] = [None] * len(concept.pitfalls)
    used: set[str] = set()
    for *_, index, sentence in sorted(pairs):
        if chosen[index] is None and sentence not in used:
            chosen[index] = sentence
            used.add(sentence)
    return chosen


def _values(pitfall: Pitfall, blanked: Blanked | None, instead: str | None) -> dict[str, str]:
    if blanked is None:  # only with an authored prompt: the prompt asks for the whole pitfall
        shown, hidden = "", to_html(pitfall.text)
    else:
        before, secret, after = (
            to_html(p) for p in (blanked.before, blanked.hidden, blanked.after)
        )
        shown = f'{before}<span class="pd-blank">[…]</span>{after}'
        hidden = f'{before}<span class="pd-hidden">{secret}</span>{after}'
    return {
        "Prompt": to_html(pitfall.prompt) if pitfall.prompt else shown,
        "Pitfall": hidden,
        "Instead": to_html(pitfall.instead or instead or ""),
    }


def pitfall_notes(concept: Concept, where: Placement) -> list[NoteSpec]:
    """One note per pitfall: recall its lesson from the rest of it, or from an authored prompt.
    A pitfall too short to blank, without a prompt, gets no card (the linter says so): its
    front would show the whole answer."""
    found = instead_sentences(concept)
    notes = []
    for index, pitfall in enumerate(concept.pitfalls):
        blanked = blank_pitfall(pitfall.text)
        if blanked is None and not pitfall.prompt:
            continue
        values = _values(pitfall, blanked, found[index])
        notes.append(note(Role.PITFALL, where, index, pitfall.text, values, item_id=pitfall.id))
    return notes
