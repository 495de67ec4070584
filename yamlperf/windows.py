"""Window thresholds judged on a cell's time series (pure): ``p99 < 200ms over 10s`` must hold in
every window of 10 s, as k6 judges its thresholds while a test runs.

Windows slide by the series' interval from the start of the measurement (the warm-up is not judged):
with 1 s intervals, 0-10 s, 1-11 s, 2-12 s, ..., so a stall that straddles a multiple of 10 s is
seen whole in one window instead of diluted in two. A cell shorter than the window is judged once,
over what it measured. A window merges its intervals' histograms, so its percentiles are those of
all the requests answered in it, not an average of per-second percentiles.

A window is kept running (``SlidingWindow``): each step adds one interval and takes the oldest away,
so a step costs one interval's buckets, whatever the window's length; the live watch
(``engine/watch.py``) and the judgement after the run use the same one.
"""

from __future__ import annotations

import math
from bisect import bisect_left, insort
from collections import deque
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from .results_load import IntervalStats
from .thresholds import MetricKind, Rule

ANSWERED_FAILURES = frozenset({"http_4xx", "http_5xx", "bad_body", "expectation_failed"})
_QUANTILES = {"median": 0.5, "p95": 0.95, "p99": 0.99}


def _rank(q: float, total: int) -> int:
    """The 1-based rank of quantile ``q`` among ``total`` answers (the nearest rank above)."""
    return max(1, math.ceil(q * total - 1e-9))


def _seconds(micros: int, highest: float) -> float:
    """A bucket's microseconds in seconds, capped at the exact ``highest`` when it is known."""
    return min(micros / 1e6, highest) if highest else micros / 1e6


def percentile_of(histogram: Mapping[int, int], q: float, highest: float) -> float | None:
    """Seconds at quantile ``q`` of (microseconds -> count) buckets, capped at the exact ``highest``."""
    total = sum(histogram.values())
    if not total:
        return None
    rank = _rank(q, total)
    seen = 0
    for micros, count in sorted(histogram.items()):
        seen += count
        if seen >= rank:
            return _seconds(micros, highest)
    return highest


class RunningHistogram:
    """(microseconds -> count) buckets that intervals are added to and taken from; the keys are kept
    sorted, so a percentile walks from the nearer end (a p99 reads a few buckets from the top)."""

    __slots__ = ("_counts", "_keys", "total")

    def __init__(self) -> None:
        self._counts: dict[int, int] = {}
        self._keys: list[int] = []
        self.total = 0

    def add(self, buckets: Iterable[tuple[int, int]], sign: int = 1) -> None:
        counts, keys = self._counts, self._keys
        for micros, count in buckets:
            if not count:
                continue
            now = counts.get(micros, 0) + sign * count
            if now:
                if micros not in counts:
                    insort(keys, micros)
                counts[micros] = now
            else:
                del counts[micros]
                del keys[bisect_left(keys, micros)]
            self.total += sign * count

    def quantile(self, q: float, highest: float) -> float | None:
        """As ``percentile_of`` on the same buckets."""
        total, counts = self.total, self._counts
        if not total:
            return None
        rank = _rank(q, total)
        found = self._keys[-1]
        if rank * 2 <= total:
            seen = 0
            for micros in self._keys:
                seen += counts[micros]
                if seen >= rank:
                    found = micros
                    break
        else:
            below = total
            for micros in reversed(self._keys):
                below -= counts[micros]
                if below < rank:
                    found = micros
                    break
        return _seconds(found, highest)


@dataclass(frozen=True, slots=True)
class WindowSpan:
    """Where a window lies: its start (seconds from the cell's) and the seconds it measured."""

    start: float
    seconds: float

    def text(self) -> str:
        return f"{self.start:g}-{self.start + self.seconds:g} s"


@dataclass(frozen=True, slots=True)
class _Part:
    t: float
    started: int
    ended: int
    ok: int
    buckets: tuple[tuple[int, int], ...]


class SlidingWindow:
    """The last ``per`` intervals pushed, summed as one window; without ``latencies`` (a rule on
    counts: error and success rates, rps) the buckets are not kept."""

    def __init__(self, per: int, interval: float, *, latencies: bool = True) -> None:
        self.per = per
        self.interval = interval
        self.latencies = latencies
        self.histogram = RunningHistogram()
        self.started = self.ended = self.ok = 0
        self._parts: deque[_Part] = deque()
        self._maxes: deque[tuple[int, float]] = deque()
        """(push number, max latency), decreasing: the window's max is the first."""
        self._pushed = 0

    def push(self, t: float, *, started: int, ended: int, ok: int, top: float,
             buckets: Iterable[tuple[int, int]]) -> None:
        """Add the interval starting at ``t`` (its requests, answers, successes, slowest answer and
        latency buckets); the oldest one leaves when the window is longer than ``per``."""
        part = _Part(t, started, ended, ok, tuple(buckets) if self.latencies else ())
        self._parts.append(part)
        self.started += started
        self.ended += ended
        self.ok += ok
        self.histogram.add(part.buckets)
        maxes = self._maxes
        while maxes and maxes[-1][1] <= top:
            maxes.pop()
        maxes.append((self._pushed, top))
        self._pushed += 1
        if len(self._parts) > self.per:
            old = self._parts.popleft()
            self.started -= old.started
            self.ended -= old.ended
            self.ok -= old.ok
            self.histogram.add(old.buckets, -1)
        while maxes[0][0] < self._pushed - len(self._parts):
            maxes.popleft()

    @property
    def full(self) -> bool:
        return len(self._parts) == self.per

    @property
    def max(self) -> float:
        return self._maxes[0][1] if self._maxes else 0.0

    def span(self, end: float | None = None) -> WindowSpan:
        """The window's place; ``end`` is when the cell stopped measuring (seconds from its start),
        which cuts a window short: a 2.5 s cell's last second is half a second, and its requests per
        second are counted over that half."""
        start = self._parts[0].t
        seconds = len(self._parts) * self.interval
        if end is not None and start < end < start + seconds:
            seconds = end - start
        return WindowSpan(start, seconds)

    def value(self, rule: Rule, seconds: float) -> float | None:
        """The rule's metric over the window; None when it has nothing to judge (no answer in it)."""
        if rule.kind is MetricKind.TIME:
            if rule.metric == "max":
                return self.max if self.histogram.total else None
            return self.histogram.quantile(_QUANTILES[rule.metric], self.max)
        if rule.kind is MetricKind.RATE:
            if not self.ended:
                return None
            success = self.ok / self.ended
            return success if rule.metric == "success_rate" else 1.0 - success
        return self.ended / seconds if seconds else None


def window_for(rule: Rule, interval: float) -> SlidingWindow:
    """An empty window of the rule's length, keeping latencies only for a rule on them."""
    return SlidingWindow(max(1, round((rule.window or interval) / interval)), interval,
                         latencies=rule.kind is MetricKind.TIME)


@dataclass(frozen=True, slots=True)
class WindowVerdict:
    """A window rule over one cell: the windows judged, how many broke it, and the worst one."""

    judged: int
    broken: int
    worst: WindowSpan | None
    worst_value: float | None


def judge_windows(rule: Rule, series: Sequence[IntervalStats], interval: float,
                  end: float | None = None) -> WindowVerdict:
    """Every window of the rule's length, stepping one interval at a time; a cell shorter than a
    window is judged once, over all it measured. ``end`` cuts only the last window short: only it
    holds the interval the measurement stopped in."""
    assert rule.window is not None
    measured = [item for item in series if not item.warmup]
    window = window_for(rule, interval)
    judged = broken = 0
    worst: tuple[WindowSpan, float] | None = None
    for number, item in enumerate(measured):
        window.push(item.t, started=item.started, ended=item.ok + item.failed, ok=item.ok,
                    top=item.latency.max if item.latency is not None else 0.0, buckets=item.histogram)
        if not window.full and number < len(measured) - 1:
            continue
        span = window.span(end if number == len(measured) - 1 else None)
        value = window.value(rule, span.seconds)
        if value is None:
            continue
        judged += 1
        passed = rule.passes(value)
        broken += not passed
        if worst is None or (not passed and rule.passes(worst[1])) or (
                passed == rule.passes(worst[1]) and _further(rule, value, worst[1])):
            worst = (span, value)
    return WindowVerdict(judged, broken, worst[0] if worst else None, worst[1] if worst else None)


def _further(rule: Rule, value: float, other: float) -> bool:
    """Whether ``value`` is further on the failing side of the limit than ``other``."""
    return value > other if rule.op in ("<", "<=") else value < other
