"""Red flags: the sign on the front; on the back what it signals and what to do, each under
its own label, and the front asks only for what the back has."""

from __future__ import annotations

import re

from pathdeck.cards.placement import Placement
from pathdeck.cards.spec import NoteSpec, note
from pathdeck.cards.words import sentence_case
from pathdeck.curriculum import Concept, RedFlag
from pathdeck.markup import to_html
from pathdeck.roles import Role

# A clause that starts with one of these verbs in its bare form is an instruction: it belongs
# under "Do", not under "What it means" ("treat delirium first; reassess when it clears").
IMPERATIVES = frozenset(
    [
        "act",
        "address",
        "admit",
        "arrange",
        "ask",
        "assess",
        "avoid",
        "call",
        "check",
        "consider",
        "consult",
        "contact",
        "continue",
        "debrief",
        "discuss",
        "document",
        "do",
        "don't",
        "ensure",
        "escalate",
        "examine",
        "explore",
        "get",
        "give",
        "hold",
        "involve",
        "keep",
        "measure",
        "monitor",
        "never",
        "name",
        "notify",
        "obtain",
        "offer",
        "order",
        "page",
        "raise",
        "reassess",
        "recheck",
        "refer",
        "remove",
        "repeat",
        "reschedule",
        "review",
        "revisit",
        "screen",
        "seek",
        "send",
        "start",
        "stop",
        "tell",
        "test",
        "transfer",
        "treat",
        "use",
        "withhold",
    ]
)
_CLAUSE = re.compile(r"\s*;\s*")


def is_action(clause: str) -> bool:
    """True when the clause is an instruction: it opens with a verb in the imperative."""
    first = clause.strip().split(" ", 1)[0].lower().strip(",.:")
    return first in IMPERATIVES


def meaning_and_action(flag: RedFlag) -> tuple[str, str]:
    """(what it signals, what to do) as the page says them: imperative clauses of the meaning
    join the action."""
    meaning: list[str] = []
    action: list[str] = []
    for clause in _CLAUSE.split(flag.meaning or ""):
        if clause:
            (action if is_action(clause) else meaning).append(clause)
    if flag.action:
        action.append(flag.action)
    return "; ".join(meaning), "; ".join(action)


def red_flag_notes(concept: Concept, where: Placement) -> list[NoteSpec]:
    """One note per red flag that says something about its sign; a bare sign has no card (the
    card linter says so) rather than an invented answer."""
    notes = []
    for index, flag in enumerate(concept.red_flags):
        meaning, action = meaning_and_action(flag)
        if not meaning and not action:
            continue
        values = {
            "Sign": to_html(flag.sign),
            "Meaning": to_html(sentence_case(meaning)) if meaning else "",
            "Action": to_html(sentence_case(action)) if action else "",
        }
        notes.append(note(Role.RED_FLAG, where, index, flag.sign, values, item_id=flag.id))
    return notes
