"""Per-interval recording of one cell (its time series): mergeable, cheap on the hot path.

Each worker owns a ``Series`` (no lock). An interval keeps counters and a sparse HDR-style
histogram of its latencies: whole microseconds bucketed to their 7 most significant bits (under
0.8% error, as an HdrHistogram of 2 significant digits), so memory stays small at any rate and
two series merge by adding counts. ``Series.merge`` aligns two series by their wall-clock origin,
so shares of a cell recorded in other processes or on other machines merge as well.
"""

from __future__ import annotations

from collections.abc import Iterator

from ..results_load import IntervalLatency, IntervalStats
from ..windows import percentile_of
from .stats import ANSWERED
from .workload import CellWork

LATE_AFTER_S = 0.025
"""An open-model request that starts later than this after it was due is counted as late."""
_BITS = 7


def bucket(micros: int) -> int:
    """The middle of the HDR-style bucket holding ``micros``."""
    shift = micros.bit_length() - _BITS
    if shift <= 0:
        return micros
    return ((micros >> shift) << shift) | (1 << (shift - 1))


class Interval:
    __slots__ = ("categories", "dropped", "late", "latencies", "max", "started")

    def __init__(self) -> None:
        self.started = 0
        self.dropped = 0
        self.late = 0
        self.max = 0.0
        self.categories: dict[str, int] = {}
        self.latencies: dict[int, int] = {}

    def merge(self, other: Interval) -> None:
        self.started += other.started
        self.dropped += other.dropped
        self.late += other.late
        self.max = max(self.max, other.max)
        for name, count in other.categories.items():
            self.categories[name] = self.categories.get(name, 0) + count
        for key, count in other.latencies.items():
            self.latencies[key] = self.latencies.get(key, 0) + count

    @property
    def ended(self) -> int:
        return sum(self.categories.values())

    def percentiles(self, quantiles: tuple[float, ...]) -> list[float]:
        """Seconds at each quantile, from the histogram (as window thresholds read it)."""
        return [percentile_of(self.latencies, q, self.max) or 0.0 for q in quantiles]


class Series:
    """One worker's (or a merged cell's) intervals, indexed from ``origin`` (``perf_counter``
    seconds); ``wall`` is the same instant as ``time.time()``, for aligning series on merge."""

    __slots__ = ("_current", "_high", "_low", "cpu", "intervals", "origin", "wall", "width")

    def __init__(self, origin: float = 0.0, wall: float = 0.0, width: float = 1.0) -> None:
        self.origin = origin
        self.wall = wall
        self.width = width
        self.intervals: dict[int, Interval] = {}
        self.cpu: dict[int, float] = {}
        self._low = self._high = 0.0
        self._current = Interval()

    def rebase(self, origin: float, wall: float) -> None:
        """Count intervals from ``origin`` (set before anything is recorded)."""
        self.origin, self.wall = origin, wall
        self._low = self._high = 0.0

    def at(self, t: float) -> Interval:
        """The interval holding ``t``; the last one found is kept, as most requests fall in it."""
        if self._low <= t < self._high:
            return self._current
        index = int((t - self.origin) // self.width)
        interval = self.intervals.get(index)
        if interval is None:
            interval = self.intervals[index] = Interval()
        self._low = self.origin + index * self.width
        self._high = self._low + self.width
        self._current = interval
        return interval

    def start(self, due: float, lag: float = 0.0) -> None:
        interval = self.at(due) if not self._low <= due < self._high else self._current
        interval.started += 1
        if lag > LATE_AFTER_S:
            interval.late += 1

    def record(self, due: float, lag: float, ended: float, category: str, latency: float) -> None:
        """``start`` and ``end`` of one request in one call: the hot path's form (once per request)."""
        interval = self._current if self._low <= due < self._high else self.at(due)
        interval.started += 1
        if lag > LATE_AFTER_S:
            interval.late += 1
        if not self._low <= ended < self._high:
            interval = self.at(ended)
        categories = interval.categories
        categories[category] = categories.get(category, 0) + 1
        if category in ANSWERED:
            micros = int(latency * 1e6) or 1
            shift = micros.bit_length() - _BITS
            key = micros if shift <= 0 else ((micros >> shift) << shift) | (1 << (shift - 1))
            latencies = interval.latencies
            latencies[key] = latencies.get(key, 0) + 1
            if latency > interval.max:  # noqa: PLR1730  (a comparison is cheaper than max(), per request)
                interval.max = latency

    def drop(self, due: float) -> None:
        self.at(due).dropped += 1

    def end(self, t: float, category: str, latency: float) -> None:
        interval = self.at(t) if not self._low <= t < self._high else self._current
        categories = interval.categories
        categories[category] = categories.get(category, 0) + 1
        if category in ANSWERED:
            key = bucket(int(latency * 1e6) or 1)
            interval.latencies[key] = interval.latencies.get(key, 0) + 1
            interval.max = max(interval.max, latency)

    def add_cpu(self, t: float, seconds: float) -> None:
        index = int((t - self.origin) // self.width)
        self.cpu[index] = self.cpu.get(index, 0.0) + seconds

    def merge(self, other: Series) -> Series:
        """Add ``other`` into this series (aligned by wall clock when both know it) and return it."""
        shift = round((other.wall - self.wall) / self.width) if self.wall and other.wall else 0
        for index, interval in other.intervals.items():
            mine = self.intervals.get(index + shift)
            if mine is None:
                mine = self.intervals[index + shift] = Interval()
            mine.merge(interval)
        for index, seconds in other.cpu.items():
            self.cpu[index + shift] = self.cpu.get(index + shift, 0.0) + seconds
        return self

    def empty_like(self) -> Series:
        return Series(self.origin, self.wall, self.width)

    def ordered(self) -> Iterator[tuple[int, Interval]]:
        """Every interval from the first to the last, empty ones included."""
        if not self.intervals:
            return
        for index in range(min(self.intervals), max(self.intervals) + 1):
            yield index, self.intervals.get(index) or Interval()


def merge_series(series: list[Series]) -> Series:
    merged = Series(series[0].origin, series[0].wall, series[0].width) if series else Series()
    for item in series:
        merged.merge(item)
    return merged


def summarize_series(series: Series, work: CellWork, *, warmup: bool = False,
                     offset: float = 0.0) -> tuple[IntervalStats, ...]:
    """The intervals as results: counts, in flight at each interval's end, latency percentiles,
    the target asked for, the client's CPU. ``offset`` shifts the times (a warm-up before 0)."""
    rows: list[IntervalStats] = []
    in_flight = 0
    for index, interval in series.ordered():
        in_flight += interval.started - interval.ended
        categories = interval.categories
        answered = sum(n for k, n in categories.items() if k in ANSWERED)
        latency = None
        if interval.latencies:
            p50, p95, p99 = interval.percentiles((0.5, 0.95, 0.99))
            latency = IntervalLatency(p50, p95, p99, interval.max)
        start = index * series.width
        cpu = series.cpu.get(index)
        rows.append(IntervalStats(
            t=start + offset, started=interval.started, answered=answered, ok=categories.get("ok", 0),
            in_flight=max(0, in_flight), failures={k: n for k, n in sorted(categories.items()) if k != "ok"},
            dropped=interval.dropped, late=interval.late, latency=latency,
            target=round(work.target_at(start + series.width / 2), 3) if work.timed else None,
            client_cpu=None if cpu is None else round(cpu / series.width, 4), warmup=warmup,
            histogram=tuple(sorted(interval.latencies.items())),
        ))
    return tuple(rows)


def fold_overflow(series: Series, last: int) -> None:
    """Move intervals past ``last`` (answers that arrived after the cell's planned end) into
    ``last``, so the series ends where the cell does and no request is lost from it."""
    for index in [i for i in series.intervals if i > last]:
        late = series.intervals.pop(index)
        target = series.intervals.get(last)
        if target is None:
            series.intervals[last] = late
        else:
            target.merge(late)
