"""Checking a results.json read back against the types of the output model.

A results file is input like any other: it may have been edited, merged by hand, truncated and
patched, or written by another tool. ``from_json`` builds the dataclasses without looking at the
values, so a ``"size": "big"`` would surface much later as an internal error deep in a chart. Here
each field of the built model is checked against its annotation, and the first mismatch is named by
its JSON path (``cells[3].concurrency``), which is where a user can look for it.
"""

from __future__ import annotations

import dataclasses
import math
import re
import sys
import types
import typing
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any

JSON_NAMES = {"latency": "latency_ms", "throughput": "throughput_rps", "wall_time": "wall_time_s",
              "samples": "samples_ms", "server_timing": "server_timing_ms", "t": "t_s",
              "duration": "duration_s", "max_start_lag": "max_start_lag_ms", "interval": "interval_s"}
"""In-memory field names whose JSON key carries the unit."""
_CLASS_JSON_NAMES = {
    "RoundStats": {"median": "median_ms", "p95": "p95_ms"},
    "Precision": {"floor": "floor_ms", "half_width": "half_width_ms", "low": "low_ms", "high": "high_ms"},
}
"""The same, for the fields of one class only (``median`` of a round, not of ``latency_ms``)."""

_DESCRIPTIONS = {int: "a whole number", float: "a number", str: "a string", bool: "true or false",
                 type(None): "null"}


class ResultsTypeError(ValueError):
    """A value of a results file that does not have the type the model needs."""


def check_model(instance: Any, where: str) -> None:
    """Raise ``ResultsTypeError`` naming the first field of ``instance`` (a dataclass) whose value
    does not fit its annotation, looking inside nested dataclasses, tuples and mappings."""
    names = {**JSON_NAMES, **_CLASS_JSON_NAMES.get(type(instance).__name__, {})}
    for name, hint in _hints(type(instance)).items():
        _check(getattr(instance, name), hint, f"{where}.{names.get(name, name)}" if where else name)


@cache
def _hints(cls: type) -> dict[str, Any]:
    names = {f.name for f in dataclasses.fields(cls)}
    return {k: v for k, v in typing.get_type_hints(cls).items() if k in names}


def _check(value: Any, hint: Any, where: str) -> None:
    if not _fits(value, hint, where):
        raise ResultsTypeError(f"{where}: expected {_describe(hint)}, found {_shown(value)}")


_SCALARS: dict[Any, typing.Callable[[Any], bool]] = {
    bool: lambda v: isinstance(v, bool),
    int: lambda v: isinstance(v, int) and not isinstance(v, bool),
    float: lambda v: isinstance(v, int | float) and not isinstance(v, bool),
    str: lambda v: isinstance(v, str),
    type(None): lambda v: v is None,
    Any: lambda v: True,
}


def _fits(value: Any, hint: Any, where: str) -> bool:
    if hint in _SCALARS:
        return _SCALARS[hint](value)
    if typing.get_origin(hint) in (typing.Union, types.UnionType):
        return any(_fits(value, arg, where) for arg in typing.get_args(hint))
    if dataclasses.is_dataclass(hint):
        if isinstance(value, hint):
            check_model(value, where)
            return True
        return False
    return _container_fits(value, hint, where)


def _container_fits(value: Any, hint: Any, where: str) -> bool:
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin is tuple:
        if not isinstance(value, tuple):
            return False
        item = args[0] if args else Any
        if item is float and {type(v) for v in value} <= {float, int}:
            return True
        for index, element in enumerate(value):
            _check(element, item, f"{where}[{index}]")
        return True
    if origin in (Mapping, dict):
        if not isinstance(value, Mapping):
            return False
        for key, element in value.items():
            _check(key, args[0], f"{where} key")
            _check(element, args[1], f"{where}.{key}")
        return True
    raise TypeError(f"no check for the annotation {hint!r} of {where}")


def _describe(hint: Any) -> str:
    if typing.get_origin(hint) in (typing.Union, types.UnionType):
        return " or ".join(_describe(arg) for arg in typing.get_args(hint))
    if hint in _DESCRIPTIONS:
        return _DESCRIPTIONS[hint]
    if typing.get_origin(hint) is tuple:
        return "a list"
    return "an object"


def _shown(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, list | tuple):
        return "a list"
    if isinstance(value, Mapping):
        return "an object"
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def unreadable_json(path: Path, text: str, exc: ValueError | RecursionError) -> str:
    """Where and why valid-looking JSON could not be read, in the user's terms: Python's own words
    ("use sys.set_int_max_str_digits()", "maximum recursion depth") describe its limits, not the file.
    No results file yamlperf writes has a number that long or nesting that deep."""
    if isinstance(exc, RecursionError):
        return f"{path}: the JSON is nested deeper than any results file is"
    limit = sys.get_int_max_str_digits()
    found = re.search(rf"-?[0-9]{{{limit + 1},}}", text) if limit else None
    if found is None:
        return f"{path}: the JSON holds a value Python cannot read ({str(exc)[:80]})"
    start = found.start()
    line = text.count("\n", 0, start) + 1
    column = start - (text.rfind("\n", 0, start) + 1) + 1
    digits = len(found.group().lstrip("-"))
    return f"{path}:{line}:{column}: a number {digits:,} digits long, longer than any value in a results file"
