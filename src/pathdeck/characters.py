"""The characters curriculum text may not hold: one list for the YAML reader and the page reader."""

from __future__ import annotations

import re

# What YAML's own reader refuses in a file (C0 and C1 controls but tab, line feed, carriage
# return and NEL; DEL; the noncharacters U+FFFE and U+FFFF): a double-quoted escape ("\a",
# "\0") can still make one, so the composer checks escaped text against the same list.
_UNPRINTABLE = "\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x84\x86-\x9f\ufffe\uffff"

UNPRINTABLE = re.compile(f"[{_UNPRINTABLE}]")
"""A character no card may show, as YAML defines them."""

NOT_ON_A_PAGE = re.compile(f"[{_UNPRINTABLE}\r\x85\u2028\u2029\ufeff\ud800-\udfff]")
"""What a plain-text page may not hold either: besides the unprintable, the line breaks a
page does not use (carriage return, NEL, U+2028, U+2029), byte-order marks and lone
surrogates; most would not survive the YAML round trip unchanged."""
