"""Cards stage: a concept becomes note specs, one pure function per card role."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, NamedTuple

from pathdeck.cards.notetypes import FIELDS
from pathdeck.curriculum import Concept, Course, Stage
from pathdeck.markup import plain, to_html
from pathdeck.pickling import named_tuple_reduce
from pathdeck.roles import Role

RETIRED_TAG = "pathdeck::retired"
RETIRED_NOTICE = (
    "Retired from the curriculum: this item is no longer taught. "
    "You can suspend this card (search tag:pathdeck::retired)."
)
DECK_SEPARATOR = "::"

# Words after which the rest of a pitfall is what the learner must recall.
_PIVOTS = re.compile(
    r"\s(rather than|instead of|because|without|despite|although|so that|unless|until|"
    r"before|after|when|while|by)\s",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True, kw_only=True)
class Placement:
    """Where a concept's notes go: deck, tags and the labels cards show."""

    deck: str
    tags: tuple[str, ...]
    breadcrumb: str
    concept: str
    stage: str
    order: tuple[int, int]
    concept_id: str


class NoteSpec(NamedTuple):
    """One note to publish, before identity: what it says and what identifies the item.

    A named tuple: a build makes one per note, and workers send them back pickled.
    `position` is the item's place among its concept's items of this role.
    """

    role: Role
    concept_id: str
    item_id: str | None
    position: int
    match_text: str
    fields: tuple[str, ...]
    tags: tuple[str, ...]
    deck: str
    order: tuple[int, int, int, int]
    retired: bool = False

    def __reduce__(self) -> tuple[Any, ...]:
        return named_tuple_reduce(self)


def deck_part(name: str) -> str:
    """A deck name component: '::' would open a subdeck, so it is written ':'."""
    return name.replace(DECK_SEPARATOR, ":").strip()


def stage_deck(course: Course, stage: Stage) -> str:
    """`Course::Stage 06 · Title`: zero-padded so stages sort in curriculum order."""
    return f"{deck_part(course.title)}::Stage {stage.number:02d} · {deck_part(stage.title)}"


def retired_deck(course: Course) -> str:
    """A top-level deck beside the course: new learners get retired cards there, out of the way."""
    return f"{deck_part(course.title)} (retired items)"


def concept_deck(course: Course, stage: Stage, concept: Concept) -> str:
    """`Course::Stage 06 · Title::01 · E6.1 Title` for `--concept-decks`."""
    return f"{stage_deck(course, stage)}::{concept.position:02d} · {deck_part(concept.label)}"


def placement(course: Course, stage: Stage, concept: Concept, *, concept_decks: bool) -> Placement:
    """Deck, tags and labels for every note of a concept."""
    deck = concept_deck(course, stage, concept) if concept_decks else stage_deck(course, stage)
    return Placement(
        deck=deck,
        tags=(
            f"pathdeck::course::{course.id}",
            f"pathdeck::stage::{stage.number:02d}",
            f"pathdeck::{concept.id}",
        ),
        breadcrumb=to_html(f"Stage {stage.number} · {concept.label}"),
        concept=to_html(concept.label),
        stage=to_html(stage.label),
        order=(stage.number, concept.position),
        concept_id=concept.id,
    )


def _fields(role: Role, values: dict[str, str], where: Placement, retired: bool) -> tuple[str, ...]:
    common = {
        "Breadcrumb": where.breadcrumb,
        "Concept": where.concept,
        "Stage": where.stage,
        "Retired": RETIRED_NOTICE if retired else "",
    }
    merged = {**common, **values}
    return tuple(merged.get(name, "") for name in FIELDS[role])


def _note(
    role: Role,
    where: Placement,
    index: int,
    match_text: str,
    values: dict[str, str],
    item_id: str | None = None,
) -> NoteSpec:
    return NoteSpec(
        role=role,
        concept_id=where.concept_id,
        item_id=item_id,
        position=index,
        match_text=match_text,
        fields=_fields(role, values, where, retired=False),
        tags=(*where.tags, f"pathdeck::role::{role.value}"),
        deck=where.deck,
        order=(*where.order, role.rank, index),
    )


def _bullets(items: Iterable[str]) -> str:
    rows = "".join(f"<li>{to_html(item)}</li>" for item in items)
    return f"<ul>{rows}</ul>" if rows else ""


def sentence_case(text: str) -> str:
    """The text with its first letter capitalised: a red flag's meaning often continues the
    sign's sentence ("often signals ..."), but on the card's back it starts a line of its own."""
    return text[:1].upper() + text[1:] if text[:1].islower() else text


def phrase_hint(text: str) -> str:
    """The phrase's opening words and an ellipsis: enough to tell phrases apart, never all."""
    words = plain(text).split()
    if len(words) < 3:
        return ""
    shown = min(5, max(2, len(words) // 3))
    return "“" + " ".join(words[:shown]) + " …”"


def sample_language_notes(concept: Concept, where: Placement) -> list[NoteSpec]:
    """One note per phrase: the situation (or authored intent) cues the phrase."""
    situation = concept.setting or concept.opening_move or f"An encounter: {concept.title}."
    listen = _bullets(concept.listen_for)
    notes = []
    for index, phrase in enumerate(concept.sample_language):
        values = {
            "Cue": to_html(phrase.intent or situation),
            "Hint": "" if phrase.intent else to_html(phrase_hint(phrase.text)),
            "Phrase": to_html(phrase.text),
            "ListenFor": listen,
        }
        notes.append(
            _note(Role.SAMPLE_LANGUAGE, where, index, phrase.text, values, item_id=phrase.id)
        )
    return notes


def pitfall_split(text: str) -> tuple[str, str, str]:
    """(shown, hidden, tail): the part after the pivot word is what the learner recalls."""
    body = text.rstrip()
    tail = ""
    while body and body[-1] in ".!?;:":
        tail = body[-1] + tail
        body = body[:-1]
    match = _PIVOTS.search(body)
    if match and len(body[match.end() :].split()) >= 1 and len(body[: match.start()].split()) >= 1:
        return body[: match.end()], body[match.end() :], tail
    words = body.split(" ")
    if len(words) >= 3:
        return words[0] + " ", " ".join(words[1:]), tail
    return "", body, tail


def pitfall_notes(concept: Concept, where: Placement) -> list[NoteSpec]:
    """One note per pitfall: recall its second half from its first, or from an authored prompt."""
    fallback_instead = "".join(
        f"<p>{to_html(text)}</p>" for text in (concept.opening_move, concept.anchor) if text
    )
    notes = []
    for index, pitfall in enumerate(concept.pitfalls):
        shown, hidden, tail = pitfall_split(pitfall.text)
        if pitfall.prompt:
            prompt = to_html(pitfall.prompt)
        else:
            prompt = f'{to_html(shown)}<span class="pd-blank">[…]</span>{to_html(tail)}'
        answer = f'{to_html(shown)}<span class="pd-hidden">{to_html(hidden)}</span>{to_html(tail)}'
        values = {
            "Prompt": prompt,
            "Pitfall": answer,
            "Instead": to_html(pitfall.instead) if pitfall.instead else fallback_instead,
        }
        notes.append(_note(Role.PITFALL, where, index, pitfall.text, values, item_id=pitfall.id))
    return notes


def red_flag_notes(concept: Concept, where: Placement) -> list[NoteSpec]:
    """One note per red flag: the sign on the front; what it signals and the action on the back."""
    notes = []
    for index, flag in enumerate(concept.red_flags):
        values = {
            "Sign": to_html(flag.sign),
            "Meaning": to_html(sentence_case(flag.meaning)) if flag.meaning else "",
            "Action": to_html(flag.action) if flag.action else "",
        }
        if not flag.meaning and not flag.action:
            values["Meaning"] = to_html("Escalate: this sign needs senior review.")
        notes.append(_note(Role.RED_FLAG, where, index, flag.sign, values, item_id=flag.id))
    return notes


def model_answer(concept: Concept) -> str:
    """The authored model answer, or one built from the anchor, opening move and phrases."""
    if concept.prove_it and concept.prove_it.model_answer:
        return to_html(concept.prove_it.model_answer)
    parts = []
    if concept.anchor:
        parts.append(f"<p><b>Anchor:</b> {to_html(concept.anchor)}</p>")
    if concept.opening_move:
        parts.append(f"<p><b>Opening move:</b> {to_html(concept.opening_move)}</p>")
    if concept.sample_language:
        phrases = _bullets(f"“{p.text}”" for p in concept.sample_language)
        parts.append(f"<p><b>Try saying:</b></p>{phrases}")
    return "".join(parts) or to_html(f"Work it through with {concept.label}.")


def prove_it_notes(concept: Concept, where: Placement) -> list[NoteSpec]:
    """One note per concept with a case: the scenario on the front, the model answer behind it."""
    if concept.prove_it is None:
        return []
    values = {"Scenario": to_html(concept.prove_it.scenario), "ModelAnswer": model_answer(concept)}
    return [_note(Role.PROVE_IT, where, 0, concept.prove_it.scenario, values)]


def anchor_notes(concept: Concept, where: Placement) -> list[NoteSpec]:
    """One note per concept: the anchor card, plus a documentation card when there is an example."""
    if not concept.anchor and not concept.documentation:
        return []
    values = {
        "Anchor": to_html(concept.anchor) if concept.anchor else "",
        "KeyPoint": to_html(concept.key_point) if concept.key_point else "",
        "RealWorld": to_html(concept.real_world) if concept.real_world else "",
        "Documentation": to_html(concept.documentation) if concept.documentation else "",
        "Setting": to_html(concept.setting) if concept.setting else "",
    }
    match_text = concept.anchor or concept.documentation or ""
    return [_note(Role.ANCHOR, where, 0, match_text, values)]


ROLE_BUILDERS: tuple[tuple[Role, Callable[[Concept, Placement], list[NoteSpec]]], ...] = (
    (Role.SAMPLE_LANGUAGE, sample_language_notes),
    (Role.PITFALL, pitfall_notes),
    (Role.RED_FLAG, red_flag_notes),
    (Role.PROVE_IT, prove_it_notes),
    (Role.ANCHOR, anchor_notes),
)


def concept_notes(concept: Concept, where: Placement) -> list[NoteSpec]:
    """Every note of a concept, in role order."""
    return [note for _, build in ROLE_BUILDERS for note in build(concept, where)]


def stage_placements(
    course: Course, stage: Stage, *, concept_decks: bool = False
) -> dict[str, Placement]:
    """Each concept of a stage by id, with where its notes go (only the course's id and title
    are used, so this works before the course's other stages are known)."""
    return {
        concept.id: placement(course, stage, concept, concept_decks=concept_decks)
        for concept in stage.concepts
    }


def stage_notes(
    course: Course,
    stage: Stage,
    *,
    concept_decks: bool = False,
    placements: dict[str, Placement] | None = None,
) -> list[NoteSpec]:
    """Every note of one stage, in curriculum order; `placements` as stage_placements gives."""
    where = placements or stage_placements(course, stage, concept_decks=concept_decks)
    return [
        note for concept in stage.concepts for note in concept_notes(concept, where[concept.id])
    ]


def course_notes(course: Course, *, concept_decks: bool = False) -> list[NoteSpec]:
    """Every note of a course, in curriculum order."""
    return [
        note
        for stage in course.stages
        for note in stage_notes(course, stage, concept_decks=concept_decks)
    ]


# Per role: the front field and the field that keeps the retired item's last text.
_RETIRED_LAYOUT: dict[Role, tuple[str, str]] = {
    Role.SAMPLE_LANGUAGE: ("Cue", "Phrase"),
    Role.PITFALL: ("Prompt", "Pitfall"),
    Role.RED_FLAG: ("Sign", "Meaning"),
    Role.PROVE_IT: ("Scenario", "ModelAnswer"),
    Role.ANCHOR: ("Anchor", "KeyPoint"),
}


def retired_note(
    role: Role, concept_id: str, text: str, where: Placement | None, deck: str
) -> NoteSpec:
    """A note that left the curriculum: its last text, a visible notice, the retired tag."""
    front, back = _RETIRED_LAYOUT[role]
    label = to_html(f"No longer taught in {concept_id}.")
    if role in (Role.RED_FLAG, Role.PROVE_IT, Role.ANCHOR):
        values = {front: to_html(text), back: label}  # the text is the prompt, not the answer
    else:
        values = {front: label, back: to_html(text)}
    if where is None:  # the whole concept is gone
        where = Placement(
            deck=deck,
            tags=(f"pathdeck::{concept_id}",),
            breadcrumb=to_html(concept_id),
            concept=to_html(concept_id),
            stage="",
            order=(1 << 30, 0),
            concept_id=concept_id,
        )
    return NoteSpec(
        role=role,
        concept_id=concept_id,
        item_id=None,
        position=0,
        match_text=text,
        fields=_fields(role, values, where, retired=True),
        tags=(*where.tags, f"pathdeck::role::{role.value}", RETIRED_TAG),
        # Anki never moves existing cards, so this deck only receives the cards of learners who
        # never had the note: outside the course deck, they are not studied by accident.
        deck=deck,
        order=(*where.order, role.rank, 1 << 20),
        retired=True,
    )
