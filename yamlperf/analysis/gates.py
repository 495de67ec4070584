"""Threshold rules across dataset sizes, judged on the analysis: ``growth <= linear``,
``complexity <= "O(n)"`` and ``p95_at(10000) < 500ms``.

A gate in CI must not pass an N^2 endpoint because the data was thin, so doubt fails. A growth or
complexity rule passes when (1) at least half of the bootstrap replicates (``MAJORITY``) choose a
class at or below the limit and (2) fewer than ``FAR_SHARE`` (30%) choose a class two or more
places above it in the order ``O(1) < O(log n) < n^k<1 < O(n) < O(n log n) < n^k (1..2) < O(n^2)
< n^k>2``. The neighbour just above the limit is tolerated up to a minority because neighbours
(O(n) and O(n log n) over two decades of sizes) are often not separable, and a gate that failed
every linear endpoint would be switched off. It fails when the class named is steeper, and "in
doubt" when the data cannot rule out a steeper class, with what to measure to settle it. Measured
on synthetic endpoints (tests/analysis/shapes.py): no N^2 endpoint passes ``complexity <= "O(n)"``
or ``growth <= linear``; constant ones pass ``complexity <= "O(1)"``; a linear one passes
``"O(n)"`` about three times in four and ``growth <= linear`` nine in ten. A forecast rule passes
when the upper end of the forecast's 90% interval is under the limit.
``growth <= linear`` means ``complexity <= "O(n log n)"``: N log N always read as linear; a power
law between it and N^2 is super-linear.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ..results import CellStats
from ..thresholds import GROWTH_CLASSES, MIN_GROWTH_POINTS, MetricKind, Rule, format_metric
from . import classes
from .endpoint import QUIET, RunNoise, endpoint_growth, latency_series
from .forecast import at_size, fit_like
from .growth import Growth
from .words import growth_evidence, ms_text, shares_text, span_text

MAJORITY = 0.5
FAR_SHARE = 0.3


@dataclass(frozen=True, slots=True)
class Judgement:
    """A rule's verdict on one endpoint: passed, the value to record (a rank or seconds), why."""

    passed: bool
    value: float | None
    text: str


def judge(rule: Rule, cells: Sequence[CellStats], noise: RunNoise = QUIET) -> Judgement:
    """``rule`` (growth, complexity or forecast) on one endpoint's cells at one concurrency."""
    growth = endpoint_growth(cells, noise)
    points = len(growth.data)
    if points < MIN_GROWTH_POINTS:
        return Judgement(False, None, f"needs median times at {MIN_GROWTH_POINTS} or more dataset sizes, "
                                      f"measured at {points}")
    if rule.kind is MetricKind.FORECAST:
        return _forecast(rule, cells, growth, noise)
    limit = _highest_allowed(rule)
    limit_text = _limit_text(rule)
    high = growth.rank if growth.rank is not None else growth.high
    value = float(GROWTH_CLASSES.index(classes.LEGACY_OF_RANK[high])) if rule.kind is MetricKind.GROWTH \
        else float(high)
    evidence = growth_evidence(growth)
    if rule.op == "==":
        passed = growth.rank is not None and growth.rank == limit
        return Judgement(passed, value, evidence)
    within = sum(share for rank, share in growth.shares.items() if rank <= limit)
    far = sum(share for rank, share in growth.shares.items() if rank > limit + 1)
    if within >= MAJORITY and far < FAR_SHARE:
        return Judgement(True, value, evidence)
    if (growth.rank is not None and growth.rank > limit) or growth.low > limit:
        return Judgement(False, value, evidence)
    steeper = max(rank for rank in growth.shares if rank > limit) if any(r > limit for r in growth.shares) \
        else growth.high
    return Judgement(False, value, f"{evidence}; in doubt: {1 - within:.0%} of the resamples chose a class "
                                   f"steeper than {limit_text}, up to {growth.label(steeper)}; measure more "
                                   "requests per size or more sizes to settle it")


def _highest_allowed(rule: Rule) -> int:
    """The steepest rank the rule allows (-1: none); ``<`` on a legacy class is the class below."""
    below = 1 if rule.op == "<" else 0
    if rule.kind is MetricKind.GROWTH:
        index = int(rule.limit) - below
        return classes.LEGACY[GROWTH_CLASSES[index]] if index >= 0 else -1
    return int(rule.limit) - below


def _limit_text(rule: Rule) -> str:
    if rule.kind is MetricKind.GROWTH:
        top = classes.LEGACY[GROWTH_CLASSES[int(rule.limit)]]
        return f"{GROWTH_CLASSES[int(rule.limit)]} (up to {classes.NAMES[top]})"
    return format_metric(rule.kind, rule.limit)


def _forecast(rule: Rule, cells: Sequence[CellStats], growth: Growth, noise: RunNoise) -> Judgement:
    percentile = {"median": 50.0, "p90": 90.0, "p95": 95.0, "p99": 99.0}[rule.metric]
    data = latency_series(cells, percentile, noise)
    fitted = fit_like(growth, data, key=f"{cells[0].endpoint}/{rule.metric}")
    if fitted is None or rule.at_size is None:
        return Judgement(False, None, "no fit of the figures to forecast from")
    estimate = at_size(fitted, rule.at_size)
    passed = estimate.high < rule.limit if rule.op == "<" else estimate.high <= rule.limit
    low, high = min(growth.sizes), max(growth.sizes)
    where = ("within the measured range" if low <= rule.at_size <= high
             else f"extrapolated beyond the measured {low:,}-{high:,} records")
    text = (f"forecast {ms_text(estimate.value)} at {rule.at_size:,} records (90% interval "
            f"{ms_text(estimate.low)}-{ms_text(estimate.high)}; {where}; growth {growth.verdict}; "
            f"{span_text(data)})")
    if not passed and estimate.value < rule.limit:
        text += "; in doubt: the upper end of the interval is over the limit"
    return Judgement(passed, estimate.value, text)


__all__ = ["Judgement", "judge", "shares_text"]
