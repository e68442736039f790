"""The source format, declared once: the validator checks against it and `pathdeck schema` prints it."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True, kw_only=True)
class Text:
    """A text field: plain text with the small inline markup (`**bold**`, `*italic*`)."""

    description: str
    required: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class Integer:
    """A whole number field, between `minimum` and `maximum`."""

    description: str
    required: bool = False
    minimum: int = 1
    maximum: int = 9999


@dataclass(frozen=True, slots=True, kw_only=True)
class Record:
    """A mapping with known keys; `shorthand` names the key a bare string stands for."""

    description: str
    fields: dict[str, Field]
    required: bool = False
    shorthand: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class ListOf:
    """A list of items of one kind; when present it must hold at least `min_items` items."""

    description: str
    item: Field
    required: bool = False
    # No list is required, but a list that is written down needs items: `pitfalls:` with nothing
    # under it is a half-finished edit that would quietly publish no cards.
    min_items: int = 1
    accepts_one: bool = False
    """A single item may be written without the list (`formerly: E6.2`)."""


Field = Text | Integer | Record | ListOf

ITEM_ID = Text(
    description=(
        "Optional stable id of this item (letters, digits, '-', '_', '.'). Give one to keep a "
        "card's identity through rewrites too large to be recognised automatically."
    )
)

FORMER_ID = Text(description="A concept id this concept had before, e.g. E6.2.")

PHRASE = Record(
    description="A phrase to say; a bare string is the phrase itself.",
    shorthand="text",
    fields={
        "text": Text(description="The phrase, without surrounding quotes.", required=True),
        "id": ITEM_ID,
        "intent": Text(description="What the phrase is for; shown on the card's front as its cue."),
    },
)

PITFALL = Record(
    description="A common pitfall; a bare string is the pitfall itself.",
    shorthand="text",
    fields={
        "text": Text(description="The pitfall, as one sentence.", required=True),
        "id": ITEM_ID,
        "prompt": Text(description="An authored recall cue for the card's front."),
        "instead": Text(description="What to do instead; shown on the card's back."),
    },
)

RED_FLAG = Record(
    description="A sign to escalate on.",
    fields={
        "sign": Text(description="What the clinician sees (the card's front).", required=True),
        "meaning": Text(description="What the sign often signals."),
        "action": Text(description="What to do about it."),
        "id": ITEM_ID,
    },
)

PROVE_IT = Record(
    description="The concept's case.",
    fields={
        "scenario": Text(description="The case vignette (the card's front).", required=True),
        "model_answer": Text(
            description="An authored model answer; without it the card's back is built from "
            "the anchor, the opening move and the sample language."
        ),
    },
)

FACT = Record(
    description=(
        "A key fact: one sentence with each hidden part in double brackets, e.g. "
        "'Bordin's three components: [[bond]], [[goals]], [[tasks]].' (one card per blank; "
        "write a literal bracket as \\[ or \\]); a bare string is the fact itself."
    ),
    shorthand="text",
    fields={
        "text": Text(description="The fact, its blanks in [[double brackets]].", required=True),
        "id": ITEM_ID,
        "from": Text(
            description="The page sentence `pathdeck import` extracted it from; a re-import "
            "re-extracts the fact only while its text is unedited. Delete it to own the fact."
        ),
    },
)

COURSE = Record(
    description="decks/course.yaml: the course, the namespace of every identifier it publishes.",
    fields={
        "id": Text(
            description="A slug (lowercase letters, digits, '-'); never change it after publishing.",
            required=True,
        ),
        "title": Text(description="The name of the top deck.", required=True),
        "description": Text(description="Shown on the top deck's overview screen."),
    },
)

STAGE = Record(
    description="<stage folder>/stage.yaml: one stage of the path.",
    fields={
        "number": Integer(description="The stage number (1, 2, ...).", required=True),
        "title": Text(description="The stage title, e.g. The Therapeutic Alliance.", required=True),
        "concepts": Integer(
            description="How many concepts the stage is meant to have.", required=True
        ),
    },
)

CONCEPT = Record(
    description="<stage folder>/<concept>.yaml: one concept page.",
    fields={
        "id": Text(description="The concept id, e.g. E6.1 (stage 6, concept 1).", required=True),
        "title": Text(description="The concept title.", required=True),
        "position": Integer(description="Its place in the stage (1-based).", required=True),
        "tagline": Text(description="The one-line summary under the title."),
        "setting": Text(description="Encounter card: when this applies."),
        "opening_move": Text(description="Encounter card: the opening move."),
        "sample_language": ListOf(description="Encounter card: phrases to say.", item=PHRASE),
        "listen_for": ListOf(
            description="Encounter card: cues to listen for.",
            item=Text(description="One cue."),
        ),
        "pitfalls": ListOf(description="Encounter card: common pitfalls.", item=PITFALL),
        "red_flags": ListOf(description="Encounter card: red flags to escalate.", item=RED_FLAG),
        "documentation": Text(description="Encounter card: a documentation example."),
        "real_world": Text(description="The 'Real-world reality' note."),
        "key_point": Text(description="The key point, one or two sentences."),
        "body": ListOf(description="Body paragraphs.", item=Text(description="One paragraph.")),
        "anchor": Text(description="The anchor statement."),
        "prove_it": PROVE_IT,
        "facts": ListOf(description="Key facts: one cloze card per blank.", item=FACT),
        "dropped_facts": ListOf(
            description="Page sentences whose extracted fact an educator deleted: a re-import "
            "does not add it again.",
            item=Text(description="The sentence, as the page writes it."),
        ),
        "connects_to": ListOf(
            description="Ids of related concepts.", item=Text(description="A concept id.")
        ),
        "formerly": ListOf(
            description=(
                "The id (or ids, newest first) this concept was published under before a move "
                "or rename: its notes keep their identity and learners their history."
            ),
            item=FORMER_ID,
            accepts_one=True,
        ),
        "illustrations": ListOf(
            description="Illustration descriptions and margin captions (never on cards).",
            item=Text(description="One description."),
        ),
    },
)
