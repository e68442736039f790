"""Value types of the curriculum: Course, Stage, Concept and their items; no I/O."""

from __future__ import annotations

from dataclasses import dataclass, field

from pathdeck._speed.pickling import compact_pickle
from pathdeck.problems import Location

NOWHERE = Location("<memory>")


@compact_pickle
@dataclass(frozen=True, slots=True, kw_only=True)
class Phrase:
    """A piece of sample language; `intent` says what the phrase is for (the card's cue)."""

    text: str
    id: str | None = None
    intent: str | None = None
    location: Location = field(default=NOWHERE, compare=False)


@compact_pickle
@dataclass(frozen=True, slots=True, kw_only=True)
class Pitfall:
    """A common mistake; `prompt` is an authored recall cue, `instead` what to do instead."""

    text: str
    id: str | None = None
    prompt: str | None = None
    instead: str | None = None
    location: Location = field(default=NOWHERE, compare=False)


@compact_pickle
@dataclass(frozen=True, slots=True, kw_only=True)
class RedFlag:
    """A sign to escalate on, what it signals, and optionally the action to take."""

    sign: str
    meaning: str | None = None
    action: str | None = None
    id: str | None = None
    location: Location = field(default=NOWHERE, compare=False)


@compact_pickle
@dataclass(frozen=True, slots=True, kw_only=True)
class Fact:
    """A key fact in the cloze syntax of pathdeck.cloze; `source` is the sentence it was
    extracted from (None when an educator wrote it), so a re-import can tell edits apart."""

    text: str
    id: str | None = None
    source: str | None = None
    location: Location = field(default=NOWHERE, compare=False)


@compact_pickle
@dataclass(frozen=True, slots=True, kw_only=True)
class ProveIt:
    """The concept's case: a scenario and, when authored, a model answer."""

    scenario: str
    model_answer: str | None = None


@compact_pickle
@dataclass(frozen=True, slots=True, kw_only=True)
class Concept:
    """One concept page: its encounter card, anchor and case."""

    id: str
    title: str
    position: int
    stage_number: int
    tagline: str | None = None
    setting: str | None = None
    opening_move: str | None = None
    sample_language: tuple[Phrase, ...] = ()
    listen_for: tuple[str, ...] = ()
    pitfalls: tuple[Pitfall, ...] = ()
    red_flags: tuple[RedFlag, ...] = ()
    documentation: str | None = None
    real_world: str | None = None
    key_point: str | None = None
    body: tuple[str, ...] = ()
    anchor: str | None = None
    prove_it: ProveIt | None = None
    facts: tuple[Fact, ...] = ()
    dropped_facts: tuple[str, ...] = ()
    connects_to: tuple[str, ...] = ()
    formerly: tuple[str, ...] = ()
    """Ids the concept was published under before (a move or rename), newest first."""
    illustrations: tuple[str, ...] = ()
    source: str = ""
    location: Location = field(default=NOWHERE, compare=False)

    @property
    def label(self) -> str:
        """How cards name the concept, e.g. `E6.1 Alliance Foundations`."""
        return f"{self.id} {self.title}"


@compact_pickle
@dataclass(frozen=True, slots=True, kw_only=True)
class Stage:
    """A stage of the path: its number, title, planned size and concepts in order."""

    number: int
    title: str
    concept_count: int
    folder: str
    concepts: tuple[Concept, ...] = ()
    location: Location = field(default=NOWHERE, compare=False)

    @property
    def label(self) -> str:
        """How cards name the stage, e.g. `Stage 6 · The Therapeutic Alliance`."""
        return f"Stage {self.number} · {self.title}"


@dataclass(frozen=True, slots=True, kw_only=True)
class Course:
    """A whole curriculum: the namespace of every identifier it publishes, and its stages."""

    id: str
    title: str
    stages: tuple[Stage, ...] = ()
    description: str | None = None

    def concepts(self) -> tuple[tuple[Stage, Concept], ...]:
        """Every concept with its stage, in curriculum order."""
        return tuple((stage, concept) for stage in self.stages for concept in stage.concepts)
