"""Source text becomes safe card HTML: everything escaped, then `**bold**` and `*italic*` only."""

from __future__ import annotations

import html
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
# Italic never spans a '<': after escaping, the only '<' are our own tags, so the marks
# always nest properly (`**a *b** c*` keeps its second pair of stars as typed).
_ITALIC = re.compile(r"(?<![\w*])\*(?=\S)([^*<]+?)(?<=\S)\*(?![\w*])")
_OWN_TAGS = re.compile(r"</?[bi]>")


_SPECIAL = re.compile(r"[&<>{}\[\]\n]")


def escape(text: str) -> str:
    """Plain text as HTML that shows exactly these characters and can trigger nothing."""
    # Most curriculum text has none of these characters; a C-speed search skips the rewrite.
    return text.translate(_ESCAPES) if _SPECIAL.search(text) else text


def to_html(text: str) -> str:
    """Plain text with the documented inline markup (`**bold**`, `*italic*`) as safe HTML."""
    escaped = escape(text)
    if "*" not in escaped:
        return escaped
    return _ITALIC.sub(r"<i>\1</i>", _BOLD.sub(r"<b>\1</b>", escaped))


def plain(text: str) -> str:
    """The text a learner reads, with the inline markup characters removed."""
    if "*" not in text:  # escaping and unescaping give the text back: only marks are removed
        return text
    return html.unescape(_OWN_TAGS.sub("", to_html(text).replace("<br>", "\n")))
