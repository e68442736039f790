"""Card quality, measured on cards as the official anki library renders them.

For every concept of the pages given: (a) pairs of cards from different notes whose fronts
read >= 0.85 alike (difflib ratio), (b) fronts with fewer than three words no other note's front
lacks (for some front of another note of the concept: the two are told apart by too little),
(c) answer size (back words not on the front, less words every back shares), and (d) which
enumerated items are the answer of some card whose front does not show them.

    python -m bench.card_quality tests/fixtures/pages/*.txt
"""

from __future__ import annotations

import argparse
import difflib
import re
import statistics
import tempfile
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from anki.collection import Collection, ImportAnkiPackageOptions, ImportAnkiPackageRequest

from pathdeck.pages.importer import import_pages
from pathdeck.pipeline import build

ALIKE = 0.85
MIN_OWN_WORDS = 3
_WORD = re.compile(r"[\w'’/-]+")


@dataclass(frozen=True, slots=True, kw_only=True)
class Card:
    """One rendered card: which concept and note it belongs to, and what a learner reads."""

    concept: str
    note: int
    front: str
    back: str


@dataclass(slots=True, kw_only=True)
class Figures:
    """The measured figures over every card."""

    alike: list[tuple[str, str, str]] = field(default_factory=list)
    thin: list[tuple[str, str]] = field(default_factory=list)
    answer_sizes: list[int] = field(default_factory=list)
    missed: list[str] = field(default_factory=list)
    cards: int = 0

    @property
    def median_answer(self) -> float:
        """Median answer size in words."""
        return statistics.median(self.answer_sizes) if self.answer_sizes else 0.0

    @property
    def largest_answer(self) -> int:
        """The largest answer size in words."""
        return max(self.answer_sizes, default=0)

    def summary(self) -> str:
        """The figures in four lines."""
        return "\n".join(
            [
                f"cards measured: {self.cards}",
                f"(a) pairs of alike fronts (>= {ALIKE}): {len(self.alike)}",
                f"(b) fronts with < {MIN_OWN_WORDS} words of their own: {len(self.thin)}",
                f"(c) answer size: median {self.median_answer:g} words, largest "
                f"{self.largest_answer}",
                f"(d) enumerated items no card asks for: {len(self.missed)} {self.missed}",
            ]
        )


def visible_text(html: str) -> str:
    """What a learner reads: markup, styles and entities reduced to plain words."""
    html = re.sub(r"<style>.*?</style>", " ", html, flags=re.DOTALL)
    html = re.sub(r"</?(?:span|b|i|mark)\b[^>]*>", "", html)  # inline: no word break
    html = re.sub(r"<[^>]+>", " ", html)
    for entity, char in (("&nbsp;", " "), ("&lt;", "<"), ("&gt;", ">"), ("&#123;", "{")):
        html = html.replace(entity, char)
    for entity, char in (("&#125;", "}"), ("&#91;", "["), ("&#93;", "]"), ("&#58;", ":")):
        html = html.replace(entity, char)
    return re.sub(r"\s+", " ", html.replace("&amp;", "&")).strip()


def words(text: str) -> list[str]:
    """Lowercase words of a text."""
    return [w.lower() for w in _WORD.findall(text)]


def rendered_cards(pages: Sequence[Path], work: Path) -> list[Card]:
    """Import the pages, build them, and render every card in a fresh Anki collection."""
    result = import_pages(list(pages), work / "decks", force=False, course_title=None)
    if not result.ok:
        raise SystemExit("\n".join(str(p) for p in result.problems))
    apkg = build(work / "decks", work / "deck.apkg").output
    col: Any = Collection(str(work / "learner.anki2"))
    try:
        request = ImportAnkiPackageRequest(
            package_path=str(apkg), options=ImportAnkiPackageOptions()
        )
        col.import_anki_package(request)
        cards = []
        for card_id in col.find_cards(""):
            card = col.get_card(card_id)
            tags = card.note().tags
            concept = next(t for t in tags if t.count("::") == 1 and "." in t)
            answer = visible_text(card.answer())
            front = visible_text(card.question())
            cards.append(Card(concept=concept, note=card.nid, front=front, back=answer))
        return cards
    finally:
        col.close()


def _answer_size(card: Card, shared: set[str]) -> int:
    front = set(words(card.front))
    return sum(1 for w in words(card.back) if w not in front and w not in shared)


def measure(cards: Sequence[Card], enumerations: Iterable[str] = ()) -> Figures:
    """The figures of one rendered deck; `enumerations` are the items some card must ask for."""
    figures = Figures(cards=len(cards))
    by_concept: dict[str, list[Card]] = defaultdict(list)
    for card in cards:
        by_concept[card.concept].append(card)
    shared = set.intersection(*(set(words(c.back)) for c in cards)) if cards else set()
    for concept, group in by_concept.items():
        for index, card in enumerate(group):
            others = [c for c in group if c.note != card.note]
            for other in group[index + 1 :]:
                if other.note != card.note:
                    ratio = difflib.SequenceMatcher(None, card.front, other.front).ratio()
                    if ratio >= ALIKE:
                        figures.alike.append((concept, card.front, other.front))
            own = set(words(card.front))
            # Told apart from every other note's front by at least three words of its own.
            if any(len(own - set(words(other.front))) < MIN_OWN_WORDS for other in others):
                figures.thin.append((concept, card.front))
            figures.answer_sizes.append(_answer_size(card, shared))
    for item in enumerations:
        pattern = re.compile(rf"(?<![\w]){re.escape(item.lower())}(?![\w])")
        if not any(
            pattern.search(c.back.lower()) and not pattern.search(c.front.lower()) for c in cards
        ):
            figures.missed.append(item)
    return figures


def measure_pages(pages: Sequence[Path], enumerations: Iterable[str] = ()) -> Figures:
    """Render the pages' cards in a scratch folder and measure them."""
    with tempfile.TemporaryDirectory(prefix="pathdeck-quality-") as scratch:
        return measure(rendered_cards(pages, Path(scratch)), enumerations)


def main(argv: list[str] | None = None) -> None:
    """Command line: print the figures for the pages given."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("pages", nargs="+", type=Path)
    args = parser.parse_args(argv)
    print(measure_pages(args.pages).summary())


if __name__ == "__main__":
    main()
