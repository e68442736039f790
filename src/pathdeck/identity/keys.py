"""Identity keys: GUIDs, an item's key from its text at birth, content hashes and the clock."""

from __future__ import annotations

import base64
import hashlib
import os
import re
import time
import unicodedata
from collections.abc import Collection, Iterable

from pathdeck import problems as codes
from pathdeck.ids import canonical_concept_id as canonical_id
from pathdeck.problems import NO_FILE, ContentError
from pathdeck.roles import Role

GUID_SEPARATOR = ":"
"""Course ids, concept ids, role names and item keys never hold a colon, so a GUID splits back."""

TEXT_KEY_LENGTH = 10
"""Base32 characters of an item key made from text: 50 bits, unique within any concept's list."""

_ROLES = {role.value: role for role in Role}
_WORD = re.compile(r"\w+")


def guid_for(course_id: str, concept_key: str, role: Role, item_key: str) -> str:
    """A note's GUID, readable and reversible: `course:concept key:role:item key`.

    Anki matches notes by GUID alone and treats it as an opaque string. Spelling out the parts
    (instead of hashing them) lets `pathdeck ledger recover` rebuild a lost ledger from any
    published package, and makes a release's notes traceable to their curriculum items.
    """
    return GUID_SEPARATOR.join((course_id, concept_key, role.value, item_key))


def parse_guid(guid: str) -> tuple[str, str, Role, str] | None:
    """(course id, concept key, role, item key) of a pathdeck GUID; None for any other GUID."""
    parts = guid.split(GUID_SEPARATOR)
    if len(parts) != 4 or not all(parts):
        return None
    role = _ROLES.get(parts[2])
    return None if role is None else (parts[0], parts[1], role, parts[3])


def normalised(text: str) -> str:
    """The words of a text, case and punctuation aside: what a key made from text depends on."""
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text)
    return " ".join(_WORD.findall(text.casefold()))


def _digest_key(text: str) -> str:
    digest = hashlib.sha256(text.encode()).digest()
    return base64.b32encode(digest[:7]).decode("ascii").lower()[:TEXT_KEY_LENGTH]


def text_key(text: str, taken: Collection[str]) -> str:
    """A new item's key, from its text at birth, exactly as written.

    The same text always gives the same key, so two branches that add different items never
    hand out one key, and a build without its ledger can at worst make an edited item new.
    Exact text, not its words: two items alike but for punctuation or case keep keys of their
    own whatever their order. A key that is taken (identical text within the list, or an
    edited item born with this text) is followed deterministically by `text\\x1f2`, ...
    """
    base = text.strip()
    key = _digest_key(base)
    suffix = 1
    while key in taken:
        suffix += 1
        key = _digest_key(f"{base}\x1f{suffix}")
    return key


def item_key(text: str, item_id: str | None, taken: Collection[str]) -> str:
    """A new item's key: its explicit id when it has one that is free, else from its text."""
    if item_id and item_id not in taken:
        return item_id
    return text_key(text, taken)


def concept_key(concept_id: str, taken: Collection[str]) -> str:
    """A new concept's key: its id at birth; a reused id gets `~2`, `~3`, ... so that notes of
    an unrelated concept published under the same id never share a GUID with the old ones."""
    base = canonical_id(concept_id)
    key, suffix = base, 1
    while key in taken:
        suffix += 1
        key = f"{base}~{suffix}"
    return key


def content_hash(fields: Iterable[str], tags: Iterable[str]) -> str:
    """What a learner's copy is compared on: the fields and tags Anki replaces on update.

    Tags are hashed as a set (sorted), since Anki stores them re-sorted.
    """
    digest = hashlib.sha256("\x1f".join(fields).encode())
    digest.update(("\x1e" + " ".join(sorted(tags))).encode())
    return digest.hexdigest()[:16]


def build_time() -> int:
    """Now, or SOURCE_DATE_EPOCH when set, for reproducible builds."""
    pinned = os.environ.get("SOURCE_DATE_EPOCH")
    if not pinned:
        return int(time.time())
    try:
        return int(pinned)
    except ValueError:
        raise ContentError.at(
            NO_FILE,
            codes.BAD_SOURCE_DATE_EPOCH,
            f"the environment variable SOURCE_DATE_EPOCH must be whole seconds, not {pinned!r}",
        ) from None
