"""Source text becomes safe card HTML: everything escaped, then `**bold**` and `*italic*` only."""

from __future__ import annotations

import re

# Quotes stay as they are (text never lands in an attribute, and Anki's search sees them as typed).
# Escaped beyond < > &: braces would reach Anki's template engine ({{c1::...}}), square
# brackets its media and LaTeX tags ([sound:...], [latex]); all of them render as the same glyphs.
_ESCAPES = str.maketrans(
    {
        "&": "&amp;",
        "<": "&lt;",
        ">": "&gt;",
        "{": "&#123;",
        "}": "&#125;",
        "[": "&#91;",
        "]": "&#93;",
        "\n": "<br>",
    }
)
_BOLD = re.compile(r"\*\*(?=\S)(.+?)(?<=\S)\*\*")
_ITALIC = re.compile(r"(?<![\w*])\*(?=\S)([^*]+?)(?<=\S)\*(?![\w*])")


def escape(text: str) -> str:
    """Plain text as HTML that shows exactly these characters and can trigger nothing."""
    return text.translate(_ESCAPES)


def to_html(text: str) -> str:
    """Plain text with the documented inline markup (`**bold**`, `*italic*`) as safe HTML."""
    html = escape(text)
    if "*" not in html:
        return html
    html = _BOLD.sub(r"<b>\1</b>", html)
    return _ITALIC.sub(r"<i>\1</i>", html)


def plain(text: str) -> str:
    """The text a learner reads, with the inline markup characters removed."""
    return _ITALIC.sub(r"\1", _BOLD.sub(r"\1", text))
