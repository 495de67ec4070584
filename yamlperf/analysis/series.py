"""Trends across sizes and endpoints besides growth: declining success rates and outlier endpoints."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

DECLINE_MIN_DROP = 0.02
"""Success rate must fall at least two percentage points to count as declining."""
DECLINE_MAX_TAU = -0.3
"""...and mostly fall as the size grows (Kendall's tau), so one bad cell is not called a trend."""
OUTLIER_MIN_RATIO = 3.0
"""An outlier is at least three times the typical value of the others..."""
OUTLIER_MIN_Z = 3.0
"""...and three robust standard deviations above them in log space..."""
OUTLIER_CLEAR_RATIO = 10.0
"""...unless it is ten times the typical value: then it stands out however spread the others are."""
OUTLIER_MIN_SPREAD = math.log(1.25)
"""Floor of that spread: endpoints that are all alike must not make a 3x one look infinitely odd."""


@dataclass(frozen=True, slots=True)
class SuccessDecline:
    """Success rate falling with size: from ``first_rate`` at ``first_size`` to ``last_rate``."""

    first_size: int
    first_rate: float
    last_size: int
    last_rate: float

    @property
    def drop(self) -> float:
        return self.first_rate - self.last_rate


@dataclass(frozen=True, slots=True)
class Outlier:
    """A name whose value is ``ratio`` times the typical value of the others."""

    name: str
    value: float
    typical: float
    ratio: float


def success_decline(points: Sequence[tuple[int, float]],
                    min_drop: float = DECLINE_MIN_DROP) -> SuccessDecline | None:
    """Success rates (size, 0..1) that fall with size, or None.

    Declining when the rate at the largest size is ``min_drop`` below the best rate before it and
    the rates mostly fall as the size grows.
    """
    good = sorted((int(n), float(r)) for n, r in points if n is not None and r is not None)
    if len(good) < 2:
        return None
    best_size, best_rate = max(good[:-1], key=lambda p: (p[1], -p[0]))
    last_size, last_rate = good[-1]
    if best_rate - last_rate < min_drop or kendall_tau([r for _, r in good]) > DECLINE_MAX_TAU:
        return None
    return SuccessDecline(best_size, best_rate, last_size, last_rate)


def kendall_tau(values: Sequence[float]) -> float:
    """Kendall's tau of the values against their order (ties count as neither)."""
    pairs = [(i, j) for i in range(len(values)) for j in range(i + 1, len(values))]
    score = sum((values[j] > values[i]) - (values[j] < values[i]) for i, j in pairs)
    return score / len(pairs) if pairs else 0.0


def find_outliers(values: Mapping[str, float], min_ratio: float = OUTLIER_MIN_RATIO) -> list[Outlier]:
    """Names whose value is far above the others', slowest first.

    Each name is compared with the others only (leave-one-out), so one slow endpoint among three
    does not drag the reference up. Needs three names with a value.
    """
    clean = {name: v for name, v in values.items() if v is not None and v > 0}
    if len(clean) < 3:
        return []
    found = []
    for name, value in clean.items():
        others = [math.log(v) for other, v in clean.items() if other != name]
        centre = median(others)
        spread = max(1.4826 * median([abs(v - centre) for v in others]), OUTLIER_MIN_SPREAD)
        typical = math.exp(centre)
        ratio = value / typical
        far = (math.log(value) - centre) / spread >= OUTLIER_MIN_Z or ratio >= OUTLIER_CLEAR_RATIO
        if ratio >= min_ratio and far:
            found.append(Outlier(name, value, typical, ratio))
    return sorted(found, key=lambda o: -o.ratio)


def median(values: Sequence[float]) -> float:
    ordered = sorted(values)
    mid = len(ordered) // 2
    return ordered[mid] if len(ordered) % 2 else (ordered[mid - 1] + ordered[mid]) / 2
