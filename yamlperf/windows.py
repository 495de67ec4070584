"""Window thresholds judged on a cell's time series (pure): ``p99 < 200ms over 10s`` must hold in
every window of 10 s, as k6 judges its thresholds while a test runs.

Windows tumble from the start of the measurement (the warm-up is not judged): 0-10 s, 10-20 s, ...;
the last one may be shorter. A window merges its intervals' histograms, so its percentiles are
those of all the requests answered in it, not an average of per-second percentiles.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from .results_load import IntervalStats
from .thresholds import MetricKind, Rule

ANSWERED_FAILURES = frozenset({"http_4xx", "http_5xx", "bad_body", "expectation_failed"})


@dataclass(frozen=True, slots=True)
class WindowCounts:
    """What a window of intervals adds up to."""

    start: float
    seconds: float
    started: int = 0
    ended: int = 0
    ok: int = 0
    max: float = 0.0
    histogram: Mapping[int, int] = field(default_factory=dict)


def percentile_of(histogram: Mapping[int, int], q: float, highest: float) -> float | None:
    """Seconds at quantile ``q`` of (microseconds -> count) buckets, capped at the exact ``highest``."""
    total = sum(histogram.values())
    if not total:
        return None
    rank = max(1, math.ceil(q * total - 1e-9))
    seen = 0
    for micros, count in sorted(histogram.items()):
        seen += count
        if seen >= rank:
            return min(micros / 1e6, highest) if highest else micros / 1e6
    return highest


def windows(series: Sequence[IntervalStats], length: float, interval: float,
            end: float | None = None) -> list[WindowCounts]:
    """The measured intervals grouped into windows of ``length`` seconds; ``end`` is when the cell
    stopped measuring (seconds from its start), which cuts the last window short: a 2.5 s cell's
    last second is half a second, and its requests per second are counted over that half."""
    per = max(1, round(length / interval))
    measured = [item for item in series if not item.warmup]
    found = []
    for first in range(0, len(measured), per):
        group = measured[first:first + per]
        histogram: dict[int, int] = {}
        for item in group:
            for micros, count in item.histogram:
                histogram[micros] = histogram.get(micros, 0) + count
        seconds = len(group) * interval
        if end is not None and group[0].t < end < group[0].t + seconds:
            seconds = end - group[0].t
        found.append(WindowCounts(
            start=group[0].t, seconds=seconds, started=sum(i.started for i in group),
            ended=sum(i.ok + i.failed for i in group), ok=sum(i.ok for i in group),
            max=max((i.latency.max for i in group if i.latency is not None), default=0.0),
            histogram=histogram))
    return found


def window_value(rule: Rule, window: WindowCounts) -> float | None:
    """The rule's metric over one window; None when it has nothing to judge (no answer in it)."""
    if rule.kind is MetricKind.TIME:
        if rule.metric == "max":
            return window.max if window.histogram else None
        quantile = {"median": 0.5, "p95": 0.95, "p99": 0.99}[rule.metric]
        return percentile_of(window.histogram, quantile, window.max)
    if rule.kind is MetricKind.RATE:
        if not window.ended:
            return None
        success = window.ok / window.ended
        return success if rule.metric == "success_rate" else 1.0 - success
    return window.ended / window.seconds if window.seconds else None


@dataclass(frozen=True, slots=True)
class WindowVerdict:
    """A window rule over one cell: the windows judged, those that broke it, and the worst one."""

    judged: int
    broken: tuple[WindowCounts, ...]
    worst: WindowCounts | None
    worst_value: float | None


def judge_windows(rule: Rule, series: Sequence[IntervalStats], interval: float,
                  end: float | None = None) -> WindowVerdict:
    assert rule.window is not None
    judged, broken = 0, []
    worst: tuple[WindowCounts, float] | None = None
    for window in windows(series, rule.window, interval, end):
        value = window_value(rule, window)
        if value is None:
            continue
        judged += 1
        passed = rule.passes(value)
        if not passed:
            broken.append(window)
        if worst is None or (not passed and rule.passes(worst[1])) or (
                passed == rule.passes(worst[1]) and _further(rule, value, worst[1])):
            worst = (window, value)
    return WindowVerdict(judged, tuple(broken), worst[0] if worst else None, worst[1] if worst else None)


def _further(rule: Rule, value: float, other: float) -> bool:
    """Whether ``value`` is further on the failing side of the limit than ``other``."""
    return value > other if rule.op in ("<", "<=") else value < other
