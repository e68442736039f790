"""Prove it: the case on the front (no concept name), two to four gradable points behind it."""

from __future__ import annotations

from pathdeck import cloze
from pathdeck.cards.placement import Placement
from pathdeck.cards.red_flag import meaning_and_action
from pathdeck.cards.spec import NoteSpec, note
from pathdeck.cards.words import sentences, stems
from pathdeck.curriculum import Concept
from pathdeck.markup import to_html
from pathdeck.roles import Role

MAX_POINTS = 4
MIN_POINTS = 2
_MAX_POINT_WORDS = 30


def _candidates(concept: Concept, fact_texts: list[str]) -> list[str]:
    """What a strong answer may draw on: the anchor, the red flags, the facts (`fact_texts`, as
    _fact_texts gives), the opening move."""
    found = list(sentences(concept.anchor or ""))
    for flag in concept.red_flags:
        meaning, action = meaning_and_action(flag)
        said = "; ".join(part for part in (meaning, action) if part)
        if said:
            found.append(f"{flag.sign.rstrip('.')}: {said}")
    found += fact_texts
    found += sentences(concept.opening_move or "")
    kept: list[str] = []
    for text in found:  # a clause fact and its whole sentence are one point
        if len(text.split()) <= _MAX_POINT_WORDS and not any(text in k or k in text for k in kept):
            kept.append(text)
    return kept


def _fact_texts(concept: Concept) -> list[str]:
    """Each fact as the sentence it is, blanks filled in."""
    texts = []
    for fact in concept.facts:
        segments, problem = cloze.parse(fact.text)
        if problem is None:
            texts.append(cloze.plain_text(segments))
    return texts


def case_points(concept: Concept, scenario: str) -> list[str]:
    """Two to four points that bear on this case: those sharing most words with it first,
    then the anchor's and the facts, in page order."""
    case = stems(scenario)
    fact_texts = _fact_texts(concept)  # parsed once: both the candidates and the fill need them
    candidates = _candidates(concept, fact_texts)
    shared = [len(case & stems(text)) for text in candidates]
    ranked = sorted(
        (index for index, count in enumerate(shared) if count >= 2),
        key=lambda index: (-shared[index], index),
    )
    chosen = ranked[:MAX_POINTS]
    # Too few share the case's words: the anchor bears on every case, then the facts.
    anchor = len(sentences(concept.anchor or ""))
    facts = set(fact_texts)
    fill = [*range(anchor), *(i for i, text in enumerate(candidates) if text in facts)]
    for index in fill:
        if len(chosen) >= MIN_POINTS:
            break
        if index not in chosen:
            chosen.append(index)
    return [candidates[index] for index in sorted(chosen)]


def model_answer(concept: Concept) -> str:
    """The authored model answer, or the case's points as a numbered list."""
    if concept.prove_it is None:
        return ""
    if concept.prove_it.model_answer:
        return to_html(concept.prove_it.model_answer)
    points = case_points(concept, concept.prove_it.scenario)
    rows = "".join(f"<li>{to_html(point)}</li>" for point in points)
    return f"<ol>{rows}</ol>" if rows else ""


def prove_it_notes(concept: Concept, where: Placement) -> list[NoteSpec]:
    """One note per concept whose case has an answer; the breadcrumb names only the stage, so
    the front does not say which concept to apply."""
    answer = model_answer(concept)
    if concept.prove_it is None or not answer:
        return []
    values = {
        "Scenario": to_html(concept.prove_it.scenario),
        "ModelAnswer": answer,
        "Breadcrumb": where.stage,
    }
    return [note(Role.PROVE_IT, where, 0, concept.prove_it.scenario, values)]
