"""Figures of a group of cards (an item, a concept, a role, a stage) and the hardness score."""

from __future__ import annotations

from collections.abc import Sequence
from operator import add
from typing import NamedTuple

from pathdeck._speed.json_text import numbers_object

SHRINK_LEARNERS = 2
"""The score's confidence weight is learners / (learners + 2): one learner's struggle counts a
third, three learners' three fifths, fifty learners' almost fully."""


class Figures(NamedTuple):
    """What learners did with some cards, and the rates an educator reads from it.

    A named tuple, as the cohort's counts are lists in this order: a report makes one for
    every item (28,000 for a 2,000-concept course), and `_make` takes a tenth of the time a
    keyword-only dataclass took (0.18 against 1.8 µs).

    `learners` studied at least one of the cards; `reviews` counts every answer; `learning` /
    `learning_again` the answers (and "again" answers) while a card was new or in learning;
    `review` / `lapses` the answers (and "again" answers) on cards in review; `ms` answer time;
    `leeches` and `marked` learners whose note has Anki's tag; `suspended`, `flagged` cards.
    """

    learners: int = 0
    reviews: int = 0
    learning: int = 0
    learning_again: int = 0
    review: int = 0
    lapses: int = 0
    ms: int = 0
    leeches: int = 0
    suspended: int = 0
    flagged: int = 0
    marked: int = 0

    @property
    def again_rate(self) -> float | None:
        """Share of answers while learning that were "again"; None before any."""
        return self.learning_again / self.learning if self.learning else None

    @property
    def lapse_rate(self) -> float | None:
        """Share of answers on review cards that were "again" (forgotten); None before any."""
        return self.lapses / self.review if self.review else None

    @property
    def retention(self) -> float | None:
        """True retention: share of answers on review cards that were not "again"."""
        return _retention(self.lapse_rate)

    @property
    def mean_seconds(self) -> float | None:
        """Mean time an answer took, in seconds (Anki caps each at its own limit, 60 s by default)."""
        return self.ms / self.reviews / 1000 if self.reviews else None

    @property
    def score(self) -> float:
        """Hardness: (again rate while learning + lapse rate) x learners / (learners + 2), x 100.

        Both rates run 0-1, so the score runs 0-200; the weight trusts an item more as more
        learners saw it, so one learner's bad day does not top the list.
        """
        return _score(self.again_rate, self.lapse_rate, self.learners)

    @classmethod
    def of(cls, counts: Sequence[int]) -> Figures:
        """The figures of counts summed in COUNTS order."""
        return cls._make(counts)

    def json_values(self) -> tuple[float | int | None, ...]:
        """The counts and rates, in JSON_KEYS order, rates rounded to four places."""
        learners, reviews, learning, learning_again, review, lapses, ms, *states = self
        again = learning_again / learning if learning else None  # each worked out once
        lapse = lapses / review if review else None
        return (
            learners,
            reviews,
            learning,
            learning_again,
            review,
            lapses,
            *states,
            _rounded(again),
            _rounded(lapse),
            _rounded(_retention(lapse)),
            _rounded(ms / reviews / 1000 if reviews else None),
            _rounded(_score(again, lapse, learners)),
        )

    def to_json(self) -> dict[str, float | int | None]:
        """Counts and rates, rates rounded to four places."""
        return dict(zip(JSON_KEYS, self.json_values(), strict=True))

    def json_text(self) -> str:
        """to_json as compact JSON text."""
        return _JSON_TEXT(self.json_values())


JSON_KEYS = (
    "learners",
    "reviews",
    "learning",
    "learning_again",
    "review",
    "lapses",
    "leeches",
    "suspended",
    "flagged",
    "marked",
    "again_rate",
    "lapse_rate",
    "retention",
    "mean_seconds",
    "score",
)
"""What Figures.to_json holds: the counts but `ms`, then the rates."""
_JSON_TEXT = numbers_object(JSON_KEYS)
COUNTS = Figures._fields
"""The order in which counts are summed: learners, reviews, learning, learning_again, review,
lapses, ms, leeches, suspended, flagged, marked. A cohort sums them in plain lists of ints,
once per note and learner (over a million times for 50 learners of a large course)."""


def add_counts(total: list[int], more: Sequence[int]) -> None:
    """Add `more` to `total`, count by count, in place."""
    total[:] = map(add, total, more)


def _retention(lapse_rate: float | None) -> float | None:
    return None if lapse_rate is None else 1 - lapse_rate


def _score(again_rate: float | None, lapse_rate: float | None, learners: int) -> float:
    rates = (again_rate or 0.0) + (lapse_rate or 0.0)
    return 100 * rates * learners / (learners + SHRINK_LEARNERS)


def _rounded(rate: float | None) -> float | None:
    return None if rate is None else round(rate, 4)
