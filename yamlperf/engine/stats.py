"""Pure, mergeable recording of one cell's requests, and its summary as ``CellStats``.

Each worker thread owns a ``Recorder`` (no lock on the hot path); the cell merges them at its
end. A recorder keeps exact counters, an exact sum and sum of squares, an HDR histogram of every
latency (flat memory, mergeable across threads, processes and machines) and the latencies
themselves up to a cap, then a uniform reservoir. Percentiles are exact while every latency is
kept, and read from the histogram beyond that.
"""

from __future__ import annotations

import math
import random
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from hdrh.histogram import HdrHistogram

from ..results import ANSWERED, CellStats, Latency
from .server_timing import TimingTotals

HDR_LOWEST_US = 1
HDR_HIGHEST_US = 3_600_000_000
HDR_DIGITS = 3
SAMPLE_CAP = 100_000
SAMPLES_IN_RESULTS = 1_000
MAX_ERRORS = 10
_PENDING_FLUSH = 1_024
_NEVER = 2**62
EXACT_METHOD = "exact: linear interpolation between closest ranks"
HDR_METHOD = "hdr"


_STATE = ("bytes", "categories", "count", "errors", "max", "min", "queries", "queries_counted", "requests",
          "sample_cap", "samples", "series", "server_timing", "statuses", "sum", "sum_sq")
"""A recorder's fields that travel as they are (see ``Recorder.__getstate__``)."""


def new_histogram() -> HdrHistogram:
    return HdrHistogram(HDR_LOWEST_US, HDR_HIGHEST_US, HDR_DIGITS)


class Recorder:
    """Everything one worker measured in one cell; ``merge`` of two equals recording both in one.

    Latencies are counted per whole microsecond in a dict and moved into the HDR histogram in
    batches, because a dict increment costs a tenth of ``HdrHistogram.record_value``.
    """

    __slots__ = ("_histogram", "_next_kept", "_pending", "_rng", "_skip", "bytes", "categories", "count",
                 "errors", "max", "min", "queries", "queries_counted", "requests", "sample_cap", "samples",
                 "series", "server_timing", "statuses", "sum", "sum_sq")

    def __init__(self, sample_cap: int = SAMPLE_CAP, seed: int = 0) -> None:
        self.sample_cap = sample_cap
        self.requests = 0
        self.count = 0
        self.sum = 0.0
        self.sum_sq = 0.0
        self.min = math.inf
        self.max = 0.0
        self.bytes = 0
        self.categories: Counter[str] = Counter()
        self.statuses: Counter[int] = Counter()
        self.errors: dict[str, None] = {}
        self.samples: list[float] = []
        self._pending: dict[int, int] = {}
        self._histogram = new_histogram()
        self._rng = random.Random(seed)
        self._skip = _Skips(self._rng, sample_cap)
        self._next_kept = 1 if sample_cap > 0 else _NEVER
        """The count of the next latency to keep: every one up to the cap, then reservoir sampling
        (Li's algorithm L), which draws how many to pass over, not a number for each latency."""
        self.server_timing = TimingTotals()
        self.queries = 0.0
        self.queries_counted = 0
        self.series: Any = None
        """The cell's time series (``series.Series``) when the cell keeps one; merged with the rest."""

    def record(self, duration: float, category: str, status: int = 0, nbytes: int = 0,
               error: str = "") -> None:
        """One measured request; the latency counts only when the target answered.

        On the hot path (once per request): written out inline, a call or a ``min()`` less each."""
        self.requests += 1
        categories = self.categories
        categories[category] = categories.get(category, 0) + 1
        if status:
            statuses = self.statuses
            statuses[status] = statuses.get(status, 0) + 1
        self.bytes += nbytes
        if error and len(self.errors) < MAX_ERRORS:
            self.errors[error] = None
        if category not in ANSWERED:
            return
        count = self.count = self.count + 1
        self.sum += duration
        self.sum_sq += duration * duration
        if duration < self.min:  # noqa: PLR1730  (a comparison is cheaper than a min() call, once per request)
            self.min = duration
        if duration > self.max:  # noqa: PLR1730
            self.max = duration
        micros = int(duration * 1e6) or 1
        pending = self._pending
        pending[micros] = pending.get(micros, 0) + 1
        if len(pending) >= _PENDING_FLUSH:
            self._flush()
        if count < self._next_kept:
            return
        samples = self.samples
        if len(samples) < self.sample_cap:
            samples.append(duration)
            self._next_kept = count + 1 if len(samples) < self.sample_cap else self._skip.first(count)
        else:
            samples[int(self._rng.random() * self.sample_cap)] = duration
            self._next_kept = self._skip.next(count)

    def record_queries(self, header: str) -> None:
        """The target's count of database queries for one answer; a value that is not a number is
        the server's mistake, never a reason to fail the request, and is skipped."""
        try:
            value = float(header)
        except ValueError:
            return
        if math.isfinite(value):
            self.queries += value
            self.queries_counted += 1

    @property
    def mean_queries(self) -> float | None:
        return self.queries / self.queries_counted if self.queries_counted else None

    def _flush(self) -> None:
        histogram = self._histogram
        for micros, times in self._pending.items():
            histogram.record_value(min(micros, HDR_HIGHEST_US), times)
        self._pending.clear()

    @property
    def histogram(self) -> HdrHistogram:
        self._flush()
        return self._histogram

    def __getstate__(self) -> dict[str, object]:
        """What a worker process or a Dask worker sends back: everything, the histogram in its
        standard compressed form (an HdrHistogram holds ctypes arrays, which do not pickle)."""
        state = {name: getattr(self, name) for name in _STATE}
        state["histogram"] = self.histogram.encode()
        state["rng"] = self._rng.getstate()
        return state

    def __setstate__(self, state: dict[str, object]) -> None:
        for name in _STATE:
            setattr(self, name, state[name])
        self._histogram = HdrHistogram.decode(state["histogram"]) if self.count else new_histogram()
        self._pending = {}
        self._rng = random.Random()
        self._rng.setstate(state["rng"])  # type: ignore[arg-type]
        self._skip = _Skips(self._rng, self.sample_cap)
        full = len(self.samples) >= self.sample_cap or not self.exact
        self._next_kept = (_NEVER if self.sample_cap <= 0 else self._skip.first(self.count) if full
                           else self.count + 1)

    @property
    def exact(self) -> bool:
        """Whether every latency is still kept (so percentiles can be exact)."""
        return len(self.samples) == self.count

    def merge(self, other: Recorder) -> Recorder:
        """Add ``other`` into this recorder and return it (``other`` is left unchanged)."""
        return self.merge_many([other])

    def merge_many(self, others: Sequence[Recorder]) -> Recorder:
        """Add every recorder of ``others`` into this one, drawing the kept samples once."""
        parts = [self, *others]
        self.samples = _merge_samples(parts, self.sample_cap, self._rng)
        histogram = self.histogram
        for other in others:
            self.requests += other.requests
            self.categories.update(other.categories)
            self.statuses.update(other.statuses)
            self.bytes += other.bytes
            for error in other.errors:
                if len(self.errors) < MAX_ERRORS:
                    self.errors[error] = None
            histogram.add(other.histogram)
            self.count += other.count
            self.sum += other.sum
            self.sum_sq += other.sum_sq
            self.min = min(self.min, other.min)
            self.max = max(self.max, other.max)
            self.server_timing.merge(other.server_timing)
            self.queries += other.queries
            self.queries_counted += other.queries_counted
            if other.series is not None:
                if self.series is None:
                    self.series = other.series.empty_like()
                self.series.merge(other.series)
        full = len(self.samples) >= self.sample_cap or not self.exact
        self._next_kept = (_NEVER if self.sample_cap <= 0 else self._skip.first(self.count) if full
                           else self.count + 1)
        return self


class _Skips:
    """Li's algorithm L (1994): a uniform reservoir of ``cap`` items that draws random numbers only
    for the items it keeps, ~cap * ln(n / cap) of them, instead of one per item."""

    __slots__ = ("_inverse", "_random", "_w")

    def __init__(self, rng: random.Random, cap: int) -> None:
        self._random = rng.random
        self._inverse = 1.0 / max(1, cap)
        self._w = 1.0

    def first(self, count: int) -> int:
        """The next item to keep once the reservoir is full at item ``count``."""
        self._w = 1.0
        return self.next(count)

    def next(self, count: int) -> int:
        """The next item to keep after item ``count`` was kept."""
        rand = self._random
        self._w *= (1.0 - rand()) ** self._inverse
        if self._w >= 1.0:
            return count + 1
        return count + int(math.log(1.0 - rand()) / math.log1p(-self._w)) + 1


def _merge_samples(parts: Sequence[Recorder], cap: int, rng: random.Random) -> list[float]:
    """All samples while every part kept all of its own and they fit in ``cap``; otherwise the same
    fraction of each part's requests from each (so no part weighs more than the requests it
    stands for), at most ``cap`` in all, each part's kept samples subsampled at most once."""
    kept = sum(len(p.samples) for p in parts)
    if kept <= cap and all(p.exact for p in parts):
        return [sample for p in parts for sample in p.samples]
    counted = [p for p in parts if p.count]
    total = sum(p.count for p in counted)
    if not total:
        return []
    fraction = min(cap / total, *(len(p.samples) / p.count for p in counted))
    merged: list[float] = []
    for part in counted:
        take = min(len(part.samples), int(part.count * fraction + 1e-9))
        merged.extend(part.samples if take == len(part.samples) else rng.sample(part.samples, take))
    return merged


def worker_sample_cap(total: int | None, workers: int, cap: int = SAMPLE_CAP) -> int:
    """Each worker's share of a cell's ``cap`` kept samples: all of them when the cell's requests
    fit (so its percentiles stay exact), else an equal part, so a cell with 100 workers keeps
    ``cap`` samples and not 100 times as many."""
    if total is not None and total <= cap:
        return cap
    return max(1, -(-cap // max(1, workers)))


def merge_all(recorders: Sequence[Recorder], sample_cap: int = SAMPLE_CAP) -> Recorder:
    """One recorder of a cell from its workers' (``sample_cap`` is the cell's, not a worker's)."""
    return Recorder(sample_cap).merge_many(recorders)


def percentile(ordered: Sequence[float], q: float) -> float:
    """Linear interpolation between closest ranks (numpy's default): position ``(n - 1) * q``."""
    position = (len(ordered) - 1) * q
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def latency_of(recorder: Recorder) -> tuple[Latency | None, str]:
    """min, mean, median, p90, p95, p99, max and (population) stdev, and how percentiles were found."""
    if recorder.count == 0:
        return None, EXACT_METHOD
    mean = recorder.sum / recorder.count
    variance = max(0.0, recorder.sum_sq / recorder.count - mean * mean)
    if recorder.exact:
        ordered = sorted(recorder.samples)
        points = [percentile(ordered, q) for q in (0.5, 0.9, 0.95, 0.99)]
        method = EXACT_METHOD
    else:
        histogram = recorder.histogram
        points = [histogram.get_value_at_percentile(q) / 1e6 for q in (50, 90, 95, 99)]
        points = [min(max(p, recorder.min), recorder.max) for p in points]
        method = HDR_METHOD
    latency = Latency(min=recorder.min, mean=mean, median=points[0], p90=points[1], p95=points[2],
                      p99=points[3], max=recorder.max, stdev=math.sqrt(variance))
    return latency, method


@dataclass(frozen=True, slots=True)
class CellInfo:
    """What a cell was, for its summary."""

    endpoint: str
    method: str
    path: str
    size: int | None
    concurrency: int


def summarize(recorder: Recorder, info: CellInfo, wall_time: float, truncated: bool = False) -> CellStats:
    latency, method = latency_of(recorder)
    successes = recorder.categories.get("ok", 0)
    failures = {k: v for k, v in sorted(recorder.categories.items()) if k != "ok" and v}
    return CellStats(
        endpoint=info.endpoint, method=info.method, path=info.path, size=info.size,
        concurrency=info.concurrency, requests=recorder.requests, successes=successes, latency=latency,
        throughput=recorder.requests / wall_time if wall_time > 0 else 0.0, wall_time=wall_time,
        bytes_received=recorder.bytes, failures=failures,
        status_codes={str(k): v for k, v in sorted(recorder.statuses.items())},
        percentile_method=method, histogram=encode_histogram(recorder),
        samples=bounded_samples(recorder.samples), truncated=truncated, errors=tuple(recorder.errors),
        server_timing=recorder.server_timing.means(), query_count=recorder.mean_queries,
    )


def encode_histogram(recorder: Recorder) -> str:
    """The standard HdrHistogram base64 form (``HISTFAAA...``), microseconds; "" when empty."""
    if recorder.count == 0:
        return ""
    return recorder.histogram.encode().decode("ascii")


def decode_histogram(text: str) -> HdrHistogram:
    return HdrHistogram.decode(text.encode("ascii")) if text else new_histogram()


def bounded_samples(samples: list[float], limit: int = SAMPLES_IN_RESULTS) -> tuple[float, ...]:
    """All samples when few; otherwise a seeded uniform subset, so two runs compare fairly."""
    if len(samples) <= limit:
        return tuple(samples)
    return tuple(random.Random(0).sample(samples, limit))
