"""Durations (`250ms`, `2s`, `1m`, plain seconds), arrival rates (`300/s`) and percentages, parsed
and formatted."""

from __future__ import annotations

import re

_DURATION = re.compile(r"^\s*([0-9]+(?:\.[0-9]+)?)\s*(us|ms|s|m|h)?\s*$")
_SECONDS_PER_UNIT = {"us": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0, None: 1.0}
_RATE = re.compile(r"^\s*([0-9]+(?:\.[0-9]+)?)\s*(?:/\s*(s|m|h|min|sec))?\s*$")
_RATE_PER = {"s": 1.0, "sec": 1.0, "m": 60.0, "min": 60.0, "h": 3600.0, None: 1.0}
_PERCENT = re.compile(r"^\s*([0-9]+(?:\.[0-9]+)?)\s*%\s*$")


def parse_percent(value: str) -> float:
    """A fraction from ``5%`` or ``0.5 %`` (the schema has checked the form)."""
    match = _PERCENT.match(value)
    if not match:
        raise ValueError(f"not a percentage: {value!r}; write e.g. 5%")
    return float(match.group(1)) / 100


_SIZE = re.compile(r"^\s*([0-9]+(?:\.[0-9]+)?)\s*(B|KB|MB|GB|KiB|MiB|GiB)?\s*$", re.IGNORECASE)
_BYTES_PER_UNIT = {"b": 1, "kb": 10**3, "mb": 10**6, "gb": 10**9, "kib": 2**10, "mib": 2**20, "gib": 2**30}


def parse_size(value: str | int) -> int:
    """Bytes from ``10MB``, ``512KiB``, ``2GB`` (KB/MB/GB are powers of 1000, KiB/MiB/GiB of 1024) or a
    plain number of bytes."""
    if isinstance(value, bool):
        raise ValueError(f"not a size: {value!r}")
    if isinstance(value, int | float):
        if value < 0:
            raise ValueError(f"a size cannot be negative: {value!r}")
        return int(value)
    match = _SIZE.match(value)
    if not match:
        raise ValueError(f"not a size: {value!r}; write e.g. 10MB, 512KiB or a number of bytes")
    return int(float(match.group(1)) * _BYTES_PER_UNIT[(match.group(2) or "b").lower()])


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


def ms_figure(seconds: float | None) -> str:
    """Milliseconds with three significant figures, as the report's tables show them: 0.412, 4.12,
    41.2, 412, 4,120; ``None`` -> ``-``."""
    if seconds is None:
        return "-"
    value = seconds * 1e3
    if value >= 1000:
        return f"{value:,.0f}"
    if value >= 100:
        return f"{value:.0f}"
    if value >= 10:
        return f"{value:.1f}"
    if value >= 1:
        return f"{value:.2f}"
    return f"{value:.3f}"


def parse_rate(value: str | float) -> float:
    """Requests per second from ``300/s``, ``600/m``, ``10/h`` or a plain number per second."""
    if isinstance(value, bool):
        raise ValueError(f"not a rate: {value!r}")
    if isinstance(value, int | float):
        if value < 0:
            raise ValueError(f"a rate cannot be negative: {value!r}")
        return float(value)
    match = _RATE.match(value)
    if not match:
        raise ValueError(f"not a rate: {value!r}; write e.g. 300/s, 600/m or a number per second")
    return float(match.group(1)) / _RATE_PER[match.group(2)]


def format_rate(per_second: float) -> str:
    """``300.0`` -> ``300/s``; slow rates per minute: ``0.5`` -> ``30/m``."""
    if 0 < per_second < 1:
        return f"{per_second * 60:g}/m"
    return f"{per_second:g}/s"


def format_span(seconds: float) -> str:
    """A length of time people read at a glance: ``45s``, ``2m``, ``2m 30s``, ``1h 5m``, ``250ms``."""
    if seconds < 60:
        return format_duration(seconds)
    minutes, rest = divmod(round(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    if hours:
        return f"{hours}h" + (f" {minutes}m" if minutes else "")
    return f"{minutes}m" + (f" {rest}s" if rest else "")
