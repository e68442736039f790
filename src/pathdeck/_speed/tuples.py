"""Building named tuples in C: tuple.__new__ without the class's Python-level __new__."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

# new_tuple(Cls, (field, ...)) is Cls(field, ...) without the Python-level __new__ a NamedTuple
# runs per object: half the cost of a YAML node, made once per node of every load (compose.py),
# and once per note written (package/rows.py). The fields must be given complete and in order.
new_tuple: Callable[..., Any] = tuple.__new__
