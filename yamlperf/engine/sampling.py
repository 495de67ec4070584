"""How well a cell's latencies pin down its median, and which of them are outliers (pure).

The confidence interval of the median is distribution-free: two order statistics of the sorted
sample whose ranks come from the binomial distribution of how many samples fall below the true
median (exact up to ``EXACT_UP_TO`` samples, its normal approximation beyond). It assumes nothing
about the shape of the latencies (they are skewed, often bimodal) and costs a sort, which the
percentiles need anyway. Outliers are classified with Tukey's fences, as criterion.rs does: beyond
1.5 interquartile ranges from the quartiles mild, beyond 3 severe; they are counted, never dropped.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache

from .stats import percentile

CONFIDENCE = 0.95
EXACT_UP_TO = 1000
MILD_FENCE = 1.5
SEVERE_FENCE = 3.0
OUTLIER_CLASSES = ("low_severe", "low_mild", "high_mild", "high_severe")
MIN_ROUNDS = 3
Z_95 = 1.959964


@dataclass(frozen=True, slots=True)
class MedianInterval:
    """The median of a sample and the 95% confidence interval around it (seconds)."""

    median: float
    low: float
    high: float

    @property
    def half_width(self) -> float:
        return (self.high - self.low) / 2

    @property
    def relative(self) -> float:
        """The half-width as a share of the median (``inf`` for a zero median)."""
        return self.half_width / self.median if self.median > 0 else math.inf


@lru_cache(maxsize=4096)
def median_ranks(n: int, confidence: float = CONFIDENCE) -> tuple[int, int] | None:
    """0-based ranks ``(l, u)`` of the sorted sample bounding its median with at least
    ``confidence``; ``None`` when ``n`` is too small for any interval to reach it (below 6 for 95%)."""
    tail = (1 - confidence) / 2
    if n <= EXACT_UP_TO:
        below = 0
        cumulative = 0.0
        for k in range(n + 1):
            probability = math.comb(n, k) / 2 ** n
            if cumulative + probability > tail:
                break
            cumulative += probability
            below = k + 1
        if below == 0:
            return None
        return below - 1, n - below
    z = _normal_quantile(1 - tail)
    below = math.floor(n / 2 - z * math.sqrt(n) / 2)
    return below - 1, n - below


def _normal_quantile(p: float) -> float:
    """The standard normal quantile by bisection on ``erf`` (called once per confidence level)."""
    low, high = 0.0, 10.0
    for _ in range(100):
        middle = (low + high) / 2
        if 0.5 * (1 + math.erf(middle / math.sqrt(2))) < p:
            low = middle
        else:
            high = middle
    return (low + high) / 2


def median_interval(ordered: Sequence[float], confidence: float = CONFIDENCE) -> MedianInterval | None:
    """The median of a sorted sample with its confidence interval; ``None`` when too few samples."""
    ranks = median_ranks(len(ordered), confidence)
    if ranks is None:
        return None
    return MedianInterval(percentile(ordered, 0.5), ordered[ranks[0]], ordered[ranks[1]])


def classify_outliers(ordered: Sequence[float]) -> Mapping[str, int]:
    """Counts of Tukey's low/high mild/severe outliers of a sorted sample; empty when it is empty."""
    if not ordered:
        return {}
    q1, q3 = percentile(ordered, 0.25), percentile(ordered, 0.75)
    spread = q3 - q1
    low_severe, low_mild = q1 - SEVERE_FENCE * spread, q1 - MILD_FENCE * spread
    high_mild, high_severe = q3 + MILD_FENCE * spread, q3 + SEVERE_FENCE * spread
    counts = dict.fromkeys(OUTLIER_CLASSES, 0)
    for value in ordered:
        if value < low_mild:
            counts["low_severe" if value < low_severe else "low_mild"] += 1
        elif value > high_mild:
            counts["high_severe" if value > high_severe else "high_mild"] += 1
    return counts


def precise_enough(interval: MedianInterval | None, target: float | None, floor: float | None) -> bool:
    """Whether the interval is within ``target`` (relative) or ``floor`` (seconds), whichever is larger."""
    if interval is None:
        return False
    allowed = max(target * interval.median if target is not None else 0.0, floor or 0.0)
    return interval.half_width <= allowed


def rounds_spread(medians: Sequence[float]) -> float | None:
    """The relative 95% half-width of a cell's level from its rounds' medians (batch means): the
    standard error of their mean log, times 1.96; ``None`` with fewer than ``MIN_ROUNDS`` rounds.

    The order-statistic interval assumes the samples are independent draws from one distribution;
    on a shared machine they are not (a busy spell slows a whole round), and the rounds' own
    scatter says how much that moves the cell's figure, as batch means do for simulation output."""
    logs = [math.log(m) for m in medians if m > 0]
    if len(logs) < MIN_ROUNDS:
        return None
    mean = sum(logs) / len(logs)
    variance = sum((x - mean) ** 2 for x in logs) / (len(logs) - 1)
    return math.expm1(Z_95 * math.sqrt(variance / len(logs)))
