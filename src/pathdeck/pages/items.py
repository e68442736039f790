"""The text of list items: surrounding quotes, and a red flag's sign and meaning."""

from __future__ import annotations

import re

_FLAG_DASH = re.compile(r"\s+[—–](?:\s+|$)")
# Typewriter stand-ins for the dash: ' - ', ' -- ' or an unspaced '--'; taken only when the line
# has exactly one, since a second one could as well sit inside the sign.
_FLAG_HYPHENS = re.compile(r"\s+--?(?:\s+|$)|(?<=\S)--(?=\S)")
_UNSPACED_DASH = re.compile(r"\S[—–]\S")
_SIGN_TRAILING = " \t.,;:"
_QUOTE_PAIRS = {'"': '"', "“": "”", "‘": "’", "„": "“", "«": "»"}


def unquote(text: str) -> str:
    """`text` without one pair of surrounding quotes (straight or curly), if it has them."""
    if len(text) >= 2 and _QUOTE_PAIRS.get(text[0]) == text[-1]:
        return text[1:-1].strip()
    return text


def split_red_flag(text: str) -> tuple[str, str | None]:
    """A red flag line as (sign, meaning): split at the first spaced dash (or the one ' - ' or
    '--'), the sign's trailing punctuation dropped; `sign —`, or no dash, has no meaning.

    Raises ValueError saying why when a dash is there but the split is not certain: guessing
    would put the meaning on the card's front, where it gives the answer away.
    """
    dash = _FLAG_DASH.search(text)
    if dash is None:
        hyphens = list(_FLAG_HYPHENS.finditer(text))
        if len(hyphens) > 1:
            raise ValueError(
                "it has several ' - ' or '--', so where the sign ends is unclear; separate "
                "the sign from its meaning with one spaced dash: 'sign — meaning'"
            )
        dash = hyphens[0] if hyphens else None
    if dash is None:
        if _UNSPACED_DASH.search(text):
            raise ValueError(
                "its dash has no spaces around it, so it may as well sit inside the sign; "
                "put spaces around the dash that ends the sign: 'sign — meaning'"
            )
        return text.rstrip(_SIGN_TRAILING), None
    meaning = text[dash.end() :].strip()
    return text[: dash.start()].rstrip(_SIGN_TRAILING), meaning or None


def has_flag_dash(text: str) -> bool:
    """True when the line has a dash that could end a sign (spaced, or typewriter hyphens)."""
    return bool(_FLAG_DASH.search(text) or _FLAG_HYPHENS.search(text))
