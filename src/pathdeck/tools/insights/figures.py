"""Figures of a group of cards (an item, a concept, a role, a stage) and the hardness score."""

from __future__ import annotations

from dataclasses import dataclass, fields

SHRINK_LEARNERS = 2
"""The score's confidence weight is learners / (learners + 2): one learner's struggle counts a
third, three learners' three fifths, fifty learners' almost fully."""


@dataclass(slots=True, kw_only=True)
class Tally:
    """Counts summed over learners' cards; the mutable accumulator behind Figures."""

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

    def merge(self, other: Tally) -> None:
        """Add another tally's counts to this one's."""
        for name in TALLY_FIELDS:
            setattr(self, name, getattr(self, name) + getattr(other, name))

    def freeze(self) -> Figures:
        """The counts as an immutable value."""
        return Figures(**{name: getattr(self, name) for name in TALLY_FIELDS})


TALLY_FIELDS = tuple(f.name for f in fields(Tally))


@dataclass(frozen=True, slots=True, kw_only=True)
class Figures:
    """What learners did with some cards, and the rates an educator reads from it.

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
        rate = self.lapse_rate
        return None if rate is None else 1 - rate

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
        rates = (self.again_rate or 0.0) + (self.lapse_rate or 0.0)
        return 100 * rates * self.learners / (self.learners + SHRINK_LEARNERS)

    def to_json(self) -> dict[str, float | int | None]:
        """Counts and rates, rates rounded to four places."""
        counts: dict[str, float | int | None] = {
            name: getattr(self, name) for name in TALLY_FIELDS if name != "ms"
        }
        rates = {
            "again_rate": self.again_rate,
            "lapse_rate": self.lapse_rate,
            "retention": self.retention,
            "mean_seconds": self.mean_seconds,
            "score": self.score,
        }
        counts.update({k: None if v is None else round(v, 4) for k, v in rates.items()})
        return counts
