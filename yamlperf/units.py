"""Durations (`250ms`, `2s`, `1m`, plain seconds) and percentages, parsed and formatted."""

from __future__ import annotations

import re

_DURATION = re.compile(r"^\s*([0-9]+(?:\.[0-9]+)?)\s*(us|ms|s|m|h)?\s*$")
_SECONDS_PER_UNIT = {"us": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0, None: 1.0}
_PERCENT = re.compile(r"^\s*([0-9]+(?:\.[0-9]+)?)\s*%\s*$")


def parse_percent(value: str) -> float:
    """A fraction from ``5%`` or ``0.5 %`` (the schema has checked the form)."""
    match = _PERCENT.match(value)
    if not match:
        raise ValueError(f"not a percentage: {value!r}; write e.g. 5%")
    return float(match.group(1)) / 100


def parse_duration(value: str | float) -> float:
    """Seconds from ``250ms``, ``2s``, ``1.5m``, ``1h``, ``500us`` or a plain number of seconds."""
    if isinstance(value, bool):
        raise ValueError(f"not a duration: {value!r}")
    if isinstance(value, int | float):
        if value < 0:
            raise ValueError(f"a duration cannot be negative: {value!r}")
        return float(value)
    match = _DURATION.match(value)
    if not match:
        raise ValueError(f"not a duration: {value!r}; write e.g. 250ms, 2s, 1m or a number of seconds")
    return float(match.group(1)) * _SECONDS_PER_UNIT[match.group(2)]


def format_duration(seconds: float) -> str:
    """The shortest exact-enough spelling: ``0.25`` -> ``250ms``, ``90`` -> ``90s``."""
    if seconds == 0:
        return "0s"
    if seconds < 1e-3:
        return f"{seconds * 1e6:g}us"
    if seconds < 1:
        return f"{seconds * 1e3:g}ms"
    return f"{seconds:g}s"


def format_ms(seconds: float | None, digits: int = 2) -> str:
    """A latency in milliseconds for tables: ``0.01234`` -> ``12.34``; ``None`` -> ``-``."""
    if seconds is None:
        return "-"
    return f"{seconds * 1e3:.{digits}f}"
