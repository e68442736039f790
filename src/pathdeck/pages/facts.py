"""Import stage: a page's key facts, found by the shapes of shapes.py, in the syntax of cloze.py.

Precision over recall: a wrong blank teaches the wrong thing, so only shapes that say plainly
what the fact is become facts, each sentence at most one:

- a list of three or more short items after a colon or a dash, in parentheses, or all quoted
  ("four abilities: understand, retain, weigh, communicate"); a count word before it must
  match the number of items; each item's key words are blanked;
- an acronym followed by words whose initials spell it ("SBAR (Situation, Background, ...)");
- "X, not Y": the words before ", not" are blanked, the rest stays as the cue;
- a listen-for cue that contrasts two things ("collaborator or recipient"): both are blanked;
- "Term: definition" (a capitalised term of one to three words): the term is blanked.

The extracted fact keeps the sentence it came from (`from:`), so a re-import can tell an
educator's edit from a stale extraction (see facts_merge.py).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from pathdeck import cloze
from pathdeck.curriculum import Concept, Fact
from pathdeck.pages.shapes import (
    MIN_ITEMS,
    contrast_fact,
    depth_zero,
    either_or_fact,
    fact_text,
    sentence_fact,
)
from pathdeck.sentences import split_sentences
from pathdeck.stopwords import LINKING_WORDS


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:] if text[1:2].islower() else text


def listen_for_source(cues: Sequence[str]) -> str | None:
    """A concept's listen-for cues as one source text, each ending as a sentence."""
    ended = [cue if cue.rstrip()[-1:] in ".!?" else f"{cue.rstrip()}." for cue in cues if cue]
    return " ".join(ended) or None


def listen_for_fact(source: str) -> str | None:
    """One fact of every cue that contrasts two things ("Listen for: whether the patient feels
    [[heard]] versus [[managed]]; whether ..."): one note whose cards tell them apart, not a
    note per cue whose fronts would read alike."""
    parts = []
    for sentence in split_sentences(source):
        cue = _lower_first(sentence).rstrip(".!? ")
        spans = either_or_fact(cue) or contrast_fact(cue)
        if spans:
            parts.append(fact_text(cue, spans))
    return f"Listen for: {'; '.join(parts)}." if parts else None


FactSources = Iterable[tuple[str, bool]]
"""(text, is a listen-for cue) for each part of a page that may state facts."""


def concept_sources(concept: Concept) -> list[tuple[str, bool]]:
    """The parts of a concept that may state facts, in page order."""
    # Not the setting: it is the sample-language cards' context, and rarely a fact.
    texts = [concept.tagline, concept.opening_move, concept.key_point, *concept.body]
    found = [(text, False) for text in (*texts, concept.anchor) if text]
    cues = listen_for_source(concept.listen_for)
    return found + ([(cues, True)] if cues else [])


def _units(sentence: str) -> list[str]:
    """The sentence, or its ';' clauses when two or more of them state a fact of their own."""
    cuts = [i for i in depth_zero(sentence, 0, len(sentence)) if sentence.startswith("; ", i)]
    if not cuts:
        return [sentence]
    bounds = [0, *(i + 2 for i in cuts)]
    ends = [*cuts, len(sentence)]
    clauses = [sentence[a:b] for a, b in zip(bounds, ends, strict=True)]
    stating = [clause for clause in clauses if sentence_fact(clause) is not None]
    return stating if len(stating) >= 2 else [sentence]


def _answer_stems(fact: str) -> frozenset[str]:
    segments, _ = cloze.parse(fact)
    return frozenset(w.lower()[:6] for a in cloze.answers(segments) for w in a.split())


def _repeats(fact: str, lists: list[frozenset[str]]) -> bool:
    """True for a list the page already gave (the anchor restating the opening move's parts):
    a second note asking the same items only interferes with the first."""
    stems = _answer_stems(fact)
    return len(stems) >= MIN_ITEMS and any(stems <= other or other <= stems for other in lists)


def extraction_of(source: str, is_cue: bool) -> str | None:
    """The fact extraction gives for one source sentence (or the listen-for cues), or None."""
    return listen_for_fact(source) if is_cue else sentence_fact(source)


def _stems(text: str) -> frozenset[str]:
    return frozenset(
        w.lower()[:6] for w in re.findall(r"[\w'’]+", text) if w.lower() not in LINKING_WORDS
    )


def _restates(unit: str, earlier: list[frozenset[str]]) -> bool:
    """True when most of the unit's words are one earlier fact's ("Tasks: shared agreement on
    how to get there" after "tasks (shared agreement on how to get there)"): two notes of one
    content interfere."""
    own = _stems(unit)
    return any(len(own & other) >= 0.75 * len(own) for other in earlier)


def extract(sources: FactSources) -> list[Fact]:
    """Every fact the sources state plainly, each with its source sentence, repeats once."""
    facts: list[Fact] = []
    lists: list[frozenset[str]] = []
    said: list[frozenset[str]] = []
    for text, is_cue in sources:
        units = [text] if is_cue else [u for s in split_sentences(text) for u in _units(s)]
        for unit in units:
            fact = extraction_of(unit, is_cue)
            if fact is None or _repeats(fact, lists) or _restates(unit, said):
                continue
            said.append(_stems(unit))
            if len(_answer_stems(fact)) >= MIN_ITEMS:
                lists.append(_answer_stems(fact))
            facts.append(Fact(text=fact, source=unit))
    return facts
