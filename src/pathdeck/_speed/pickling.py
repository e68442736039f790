"""Pickling that costs less for what worker processes send back (see parallel.py).

Each worker pickles every note and concept of its stages, and the main process unpickles them;
the defaults for named tuples and slotted dataclasses call Python code once per object.
"""

from __future__ import annotations

import dataclasses
import operator
from typing import Any, TypeVar

Cls = TypeVar("Cls", bound=type)


def named_tuple_reduce(self: tuple[Any, ...]) -> tuple[Any, ...]:
    """A named tuple's __reduce__ that unpickles in C, through tuple.__new__: the default calls
    the named tuple's Python-level __new__ once per object (half the cost of loading notes)."""
    return (tuple.__new__, (type(self), tuple(self)))


def compact_pickle(cls: Cls) -> Cls:
    """Pickle a slotted dataclass as its class and one tuple of its field values.

    dataclasses pickle slotted instances through a Python-level __getstate__/__setstate__ pair
    that looks up the fields of every object; for the notes and concepts a worker sends back,
    that was a third of the time the worker saved.
    """
    names = tuple(field.name for field in dataclasses.fields(cls))
    if len(names) < 2:  # attrgetter returns a bare value for one name
        raise TypeError(f"{cls.__name__}: compact_pickle is for classes of several fields")
    values = operator.attrgetter(*names)

    def reduce(self: object) -> tuple[object, ...]:
        return (_restore, (cls, names, values(self)))

    cls.__reduce__ = reduce  # type: ignore[assignment]
    return cls


def _restore(cls: type, names: tuple[str, ...], values: tuple[object, ...]) -> object:
    obj: object = object.__new__(cls)
    for name, value in zip(names, values, strict=True):
        object.__setattr__(obj, name, value)  # frozen dataclasses refuse plain assignment
    return obj
