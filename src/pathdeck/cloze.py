"""The fact syntax, read once: `[[answer]]` marks a blank; `\\[`, `\\]` and `\\\\` are literal.

    Bordin's three components: [[bond]], [[goals]], [[tasks]].

A fact is one sentence with at least one blank; each blank becomes one card that hides it
while the rest of the sentence (other blanks included) stays visible as context. A literal
bracket is written with a backslash before it (`\\[sic\\]`); a single `[` or `]` is literal too,
only a doubled one opens or closes a blank.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from pathdeck import problems as codes

OPEN = "[["
CLOSE = "]]"
ESCAPE = "\\"


@dataclass(frozen=True, slots=True, kw_only=True)
class Segment:
    """A run of fact text: shown as is, or (when `blank`) the answer one card hides."""

    text: str
    blank: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class ClozeError:
    """Why a fact's text cannot be read: a problem code and the 0-based offset it starts at."""

    code: str
    offset: int
    message: str


_TOKENS = re.compile(r"(\\[\[\]\\]|\[\[|\]\])")


@lru_cache(maxsize=1 << 12)
def parse(text: str) -> tuple[tuple[Segment, ...], ClozeError | None]:
    """The fact's segments in order, or the first reason it cannot be read (remembered: the
    validator, the case points and the fact's note each read a fact)."""
    segments: list[Segment] = []
    run: list[str] = []
    opened: int | None = None
    offset = 0
    for token in _TOKENS.split(text):
        at, offset = offset, offset + len(token)
        if token == OPEN:
            if opened is not None:
                return (), ClozeError(
                    code=codes.FACT_UNCLOSED_BLANK,
                    offset=opened,
                    message="a blank opened with [[ is not closed with ]] before the next [[",
                )
            segments.append(Segment(text="".join(run)))
            run, opened = [], at
        elif token == CLOSE and opened is not None:
            answer = "".join(run)
            if not answer.strip():
                return (), ClozeError(
                    code=codes.FACT_EMPTY_BLANK,
                    offset=opened,
                    message="a blank holds no answer: write the hidden words between [[ and ]]",
                )
            segments.append(Segment(text=answer, blank=True))
            run, opened = [], None
        elif len(token) == 2 and token[0] == ESCAPE:
            run.append(token[1])
        else:
            run.append(token)
    if opened is not None:
        return (), ClozeError(
            code=codes.FACT_UNCLOSED_BLANK,
            offset=opened,
            message="a blank opened with [[ is never closed with ]]",
        )
    segments.append(Segment(text="".join(run)))
    kept = tuple(s for s in segments if s.text)
    if not any(s.blank for s in kept):
        return kept, ClozeError(
            code=codes.FACT_NO_BLANK,
            offset=0,
            message="a fact needs at least one blank: mark the words a card hides as [[words]]",
        )
    return kept, None


def plain_text(segments: tuple[Segment, ...]) -> str:
    """The fact as a sentence, blank markers removed: what identifies it across re-renderings."""
    return "".join(s.text for s in segments)


def answers(segments: tuple[Segment, ...]) -> tuple[str, ...]:
    """The answer of each blank, in order of appearance."""
    return tuple(s.text for s in segments if s.blank)


def escape(text: str) -> str:
    """Source text as fact text that reads back unchanged (brackets and backslashes escaped)."""
    return text.replace(ESCAPE, ESCAPE * 2).replace("[", ESCAPE + "[").replace("]", ESCAPE + "]")


def write(segments: tuple[Segment, ...]) -> str:
    """Segments as fact text: `parse(write(s))` gives `s` back."""
    return "".join(
        f"{OPEN}{escape(s.text)}{CLOSE}" if s.blank else escape(s.text) for s in segments
    )
