"""The card linter: the cards a concept would get, read for the weaknesses a learner would meet.

Each finding is a warning with a stable code at the source item it comes from; `check --strict`
fails on them. Fronts and backs are read as text from the note's fields, with the role's label the card
shows (the template's other words are the same on every card).
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterator
from dataclasses import dataclass

from pathdeck import cloze
from pathdeck import problems as codes
from pathdeck.cards.course import concept_notes
from pathdeck.cards.notetypes import FIELDS
from pathdeck.cards.pitfall import blank_pitfall
from pathdeck.cards.placement import placement
from pathdeck.cards.red_flag import meaning_and_action
from pathdeck.cards.spec import NoteSpec
from pathdeck.cards.words import stems
from pathdeck.curriculum import Concept, Course, Stage
from pathdeck.markup import plain
from pathdeck.problems import Location, Problem, Severity
from pathdeck.roles import Role

ALIKE = 0.85
MIN_OWN_WORDS = 3
MAX_ANSWER_WORDS = 80
_SHARED_WORDS = 0.6
"""Of all the words of two fronts, the share both have: below it they hardly read 85% alike,
and difflib is not asked (it decides the rest). It also means the fewer words of the two are
at least this share of the more."""
BLANK = "[…]"
_TAG = re.compile(r"<[^>]+>")
_WORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9'’/-]*")  # words.words(), on text already plain
_CLOZE = re.compile(r"\{\{c([0-9]+)::(.*?)\}\}")
# The fields a card's front shows, per role (the cloze front is made per card below).
_FRONT = {
    Role.SAMPLE_LANGUAGE: ("Purpose", "Prompt"),
    Role.PITFALL: ("Prompt",),
    Role.RED_FLAG: ("Sign",),
    Role.PROVE_IT: ("Scenario",),
    Role.ANCHOR: ("Concept",),
}
_BACK = {
    Role.SAMPLE_LANGUAGE: ("Phrase",),
    Role.PITFALL: ("Pitfall", "Instead"),
    Role.RED_FLAG: ("Meaning", "Action"),
    Role.PROVE_IT: ("ModelAnswer",),
    Role.ANCHOR: ("Anchor",),
}


@dataclass(frozen=True, slots=True, kw_only=True)
class Face:
    """One card as text: which note it belongs to, its front (and the front's lowercase words)
    and the answer its back adds."""

    note: int
    where: Location
    front: str
    words: frozenset[str]
    answer: str


def _lower_words(text: str) -> frozenset[str]:
    return frozenset(w.lower() for w in _WORD.findall(text))


def _text(html: str) -> str:
    return plain(_TAG.sub("", html.replace('<span class="pd-blank">[…]</span>', BLANK)))


def _cloze_faces(text: str) -> Iterator[tuple[str, str]]:
    """(front, answer) of each card of a cloze field: its blank hidden, the others shown."""
    parts = _CLOZE.split(text)  # text, number, answer, text, number, answer, ..., text
    clozes = [(int(parts[i]), parts[i + 1]) for i in range(1, len(parts), 3)]
    for number in sorted({n for n, _ in clozes}):
        front = [parts[0]]
        for index, (n, answer) in enumerate(clozes):
            front += [BLANK if n == number else answer, parts[3 * index + 3]]
        asked = " ".join(answer for n, answer in clozes if n == number)
        yield _text("".join(front)), _text(asked)


def _item_location(concept: Concept, note: NoteSpec) -> Location:
    items: dict[Role, tuple[object, ...]] = {
        Role.SAMPLE_LANGUAGE: concept.sample_language,
        Role.PITFALL: concept.pitfalls,
        Role.RED_FLAG: concept.red_flags,
        Role.KEY_FACT: concept.facts,
    }
    found = items.get(note.role, ())
    item = found[note.position] if note.position < len(found) else None
    where = getattr(item, "location", None) if item is not None else None
    return where if isinstance(where, Location) else concept.location


def faces(concept: Concept, notes: list[NoteSpec]) -> list[Face]:
    """Every card of the concept's notes as text."""
    found = []
    for number, note in enumerate(notes):
        fields = dict(zip(FIELDS[note.role], note.fields, strict=True))
        where = _item_location(concept, note)
        if note.role.cloze:
            for shown, answer in _cloze_faces(fields["Text"]):
                front = f"{note.role.words}: {shown}"
                words = _lower_words(front)
                found.append(
                    Face(note=number, where=where, front=front, words=words, answer=answer)
                )
            continue
        shows = [_text(fields[name]) for name in _FRONT[note.role] if fields[name]]
        front = " ".join([f"{note.role.words}:", *shows])  # the role label is on the card too
        back = " ".join(_text(fields[name]) for name in _BACK[note.role] if fields[name])
        words = _lower_words(front)
        answer = " ".join(w for w in _WORD.findall(back) if w.lower() not in words)
        found.append(Face(note=number, where=where, front=front, words=words, answer=answer))
    return found


def _warning(where: Location, code: str, message: str) -> Problem:
    return Problem(location=where, code=code, message=message, severity=Severity.WARNING)


def _shorten(text: str) -> str:
    return text if len(text) <= 50 else text[:47] + "..."


def _alike(a: str, b: str) -> bool:
    """difflib's ratio >= ALIKE, after its cheap upper bounds: lengths that cannot reach it,
    then the characters the two have in common."""
    total = len(a) + len(b)
    if not total or 2 * min(len(a), len(b)) < ALIKE * total:
        return False
    matcher = difflib.SequenceMatcher(None, a, b)
    return matcher.quick_ratio() >= ALIKE and matcher.ratio() >= ALIKE


def _front_pairs(cards: list[Face]) -> tuple[list[list[int]], list[int | None]]:
    """Per card, the later cards of other notes whose fronts read alike; and the first card of
    another note whose front has all but fewer than MIN_OWN_WORDS of this front's words.

    One pass over the pairs serves both. A front's words are bits of one int, so the words two
    fronts share are an `&` and a bit count: as sets, in two passes, the pairs took 0.4 s of
    `check`'s 2.2 s CPU at 2,000 concepts (bench.generate's course).
    """
    bits: dict[str, int] = {}
    masks = [sum(1 << bits.setdefault(w, len(bits)) for w in card.words) for card in cards]
    sizes = [len(card.words) for card in cards]
    alike: list[list[int]] = [[] for _ in cards]
    close: list[int | None] = [None] * len(cards)
    for index, card in enumerate(cards):
        for later in range(index + 1, len(cards)):
            other = cards[later]
            if other.note == card.note:
                continue
            shared = (masks[index] & masks[later]).bit_count()
            # Found in this order, the first index kept is the first in card order.
            if close[index] is None and sizes[index] - shared < MIN_OWN_WORDS:
                close[index] = later
            if close[later] is None and sizes[later] - shared < MIN_OWN_WORDS:
                close[later] = index
            union = sizes[index] + sizes[later] - shared
            if shared >= _SHARED_WORDS * union and _alike(card.front, other.front):
                alike[index].append(later)
    return alike, close


def _front_problems(cards: list[Face]) -> Iterator[Problem]:
    """Fronts of different notes a learner cannot tell apart: alike, or too few own words."""
    alike, close = _front_pairs(cards)
    for index, card in enumerate(cards):
        for later in alike[index]:
            yield _warning(
                cards[later].where,
                codes.CARDS_ALIKE,
                f"this card's front reads like the one at line {card.where.line} "
                f"('{_shorten(card.front)}'): a learner cannot tell which is asked",
            )
        cue = _WORD.findall(card.front.split(": ", 1)[-1].replace(BLANK, " "))
        if len(cue) < MIN_OWN_WORDS:
            yield _warning(
                card.where,
                codes.FRONT_TOO_THIN,
                f"the front '{_shorten(card.front)}' shows fewer than {MIN_OWN_WORDS} words: "
                "give it a more specific cue",
            )
        elif (found := close[index]) is not None:
            yield _warning(
                card.where,
                codes.FRONT_TOO_THIN,
                f"the front '{_shorten(card.front)}' has fewer than {MIN_OWN_WORDS} words "
                f"that the front at line {cards[found].where.line} lacks: give it a more "
                "specific cue",
            )


def _answer_problems(cards: list[Face]) -> Iterator[Problem]:
    for card in cards:
        size = len(_WORD.findall(card.answer))
        if size > MAX_ANSWER_WORDS:
            yield _warning(
                card.where,
                codes.ANSWER_TOO_LONG,
                f"the answer is {size} words (at most {MAX_ANSWER_WORDS} read well on a phone): "
                "split the item or write a shorter model answer",
            )


def _item_problems(concept: Concept) -> Iterator[Problem]:
    """Items the builders could not make a good card of."""
    for pitfall in concept.pitfalls:
        if pitfall.prompt is None and blank_pitfall(pitfall.text) is None:
            yield _warning(
                pitfall.location,
                codes.PITFALL_NOTHING_TO_BLANK,
                "the pitfall is too short to hide a part and keep three words of cue, so it "
                "gets no card: write it out, or give it a prompt",
            )
    for flag in concept.red_flags:
        if meaning_and_action(flag) == ("", ""):
            yield _warning(
                flag.location,
                codes.RED_FLAG_WITHOUT_ANSWER,
                "the red flag says neither what it means nor what to do: it gets no card "
                "(add 'meaning' or 'action')",
            )
    for fact in concept.facts:
        segments, problem = cloze.parse(fact.text)
        if problem is not None:
            continue
        for blank in (s for s in segments if s.blank):
            rest = cloze.plain_text(tuple(s for s in segments if s is not blank))
            if stems(blank.text) and stems(blank.text) <= stems(rest):
                yield _warning(
                    fact.location,
                    codes.FACT_BLANK_GUESSABLE,
                    f"the blank '{_shorten(blank.text)}' is spelled out elsewhere in the fact: "
                    "its card gives the answer away",
                )


def lint_concept(concept: Concept, notes: list[NoteSpec]) -> list[Problem]:
    """Every card warning for one concept and the notes it builds."""
    cards = faces(concept, notes)
    return [*_front_problems(cards), *_answer_problems(cards), *_item_problems(concept)]


def lint_stage(course: Course, stage: Stage) -> list[Problem]:
    """Every card warning of one stage, concept by concept."""
    problems = []
    for concept in stage.concepts:
        notes = concept_notes(concept, placement(course, stage, concept, concept_decks=False))
        problems += lint_concept(concept, notes)
    return problems


def lint_course(course: Course) -> list[Problem]:
    """Every card warning of a course."""
    return [problem for stage in course.stages for problem in lint_stage(course, stage)]
