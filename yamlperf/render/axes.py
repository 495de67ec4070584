"""Logarithmic axes drawn on pygal's linear ones (pure).

pygal's own log scale applies to both axes of an XY chart at once, crowds its labels near the top
and draws the value 1 as a second zero line. Plotting log10 values on linear axes, with ticks at
round values (1, 2, 5, 10, 20...) labelled in the original unit, reads like a log-log paper.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from .style import number

SHIFT = 10.0
"""Added to every log10 so that the value 1 does not sit at zero, where pygal draws an axis line."""


def to_log(value: float) -> float:
    return math.log10(value) + SHIFT


def from_log(position: float) -> float:
    return 10 ** (position - SHIFT)


def round_ticks(low: float, high: float) -> list[float]:
    """1-2-5 values covering ``low``..``high`` (one step beyond at most on either side)."""
    ticks = [m * 10**e for e in range(math.floor(math.log10(low)) - 1, math.ceil(math.log10(high)) + 1)
             for m in (1, 2, 5)]
    inside = [t for t in ticks if low <= t <= high]
    below = [t for t in ticks if t < low][-1:]
    above = [t for t in ticks if t > high][:1]
    return below + inside + above if len(inside) < 2 else inside


def log_y(low: float, high: float) -> dict[str, Any]:
    """pygal settings for a log10 value axis between ``low`` and ``high`` (both > 0)."""
    ticks = round_ticks(low, high)
    return {"y_labels": [to_log(t) for t in ticks], "value_formatter": lambda y: number(from_log(y)),
            "range": (to_log(min(low, ticks[0])) - 0.03, to_log(max(high, ticks[-1])) + 0.03),
            "include_x_axis": False}


def log_x(values: Sequence[float]) -> dict[str, Any]:
    """pygal settings for a log10 x axis with ticks at the given values."""
    return {"x_labels": [to_log(v) for v in values], "x_value_formatter": lambda x: number(from_log(x)),
            "xrange": (to_log(min(values)) - 0.04, to_log(max(values)) + 0.04)}
