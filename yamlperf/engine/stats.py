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
_PENDING_FLUSH = 10_000
EXACT_METHOD = "exact: linear interpolation between closest ranks"
HDR_METHOD = "hdr"


def new_histogram() -> HdrHistogram:
    return HdrHistogram(HDR_LOWEST_US, HDR_HIGHEST_US, HDR_DIGITS)


class Recorder:
    """Everything one worker measured in one cell; ``merge`` of two equals recording both in one.

    Latencies are counted per whole microsecond in a dict and moved into the HDR histogram in
    batches, because a dict increment costs a tenth of ``HdrHistogram.record_value``.
    """

    __slots__ = ("_histogram", "_pending", "_rng", "bytes", "categories", "count", "errors", "max",
                 "min", "queries", "queries_counted", "requests", "sample_cap", "samples", "series",
                 "server_timing", "statuses", "sum", "sum_sq")

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
        self.server_timing = TimingTotals()
        self.queries = 0.0
        self.queries_counted = 0
        self.series: Any = None
        """The cell's time series (``series.Series``) when the cell keeps one; merged with the rest."""

    def record(self, duration: float, category: str, status: int = 0, nbytes: int = 0,
               error: str = "") -> None:
        """One measured request; the latency counts only when the target answered."""
        self.requests += 1
        self.categories[category] += 1
        if status:
            self.statuses[status] += 1
        self.bytes += nbytes
        if error and len(self.errors) < MAX_ERRORS:
            self.errors[error] = None
        if category in ANSWERED:
            self._latency(duration)

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

    def _latency(self, duration: float) -> None:
        self.count += 1
        self.sum += duration
        self.sum_sq += duration * duration
        self.min = min(self.min, duration)
        self.max = max(self.max, duration)
        micros = int(duration * 1e6) or 1
        pending = self._pending
        pending[micros] = pending.get(micros, 0) + 1
        if len(pending) >= _PENDING_FLUSH:
            self._flush()
        samples = self.samples
        if len(samples) < self.sample_cap:
            samples.append(duration)
        else:
            slot = self._rng.randrange(self.count)
            if slot < self.sample_cap:
                samples[slot] = duration

    def _flush(self) -> None:
        histogram = self._histogram
        for micros, times in self._pending.items():
            histogram.record_value(min(micros, HDR_HIGHEST_US), times)
        self._pending.clear()

    @property
    def histogram(self) -> HdrHistogram:
        self._flush()
        return self._histogram

    @property
    def exact(self) -> bool:
        """Whether every latency is still kept (so percentiles can be exact)."""
        return len(self.samples) == self.count

    def merge(self, other: Recorder) -> Recorder:
        """Add ``other`` into this recorder and return it (``other`` is left unchanged)."""
        exact_before = self.exact and other.exact
        self.requests += other.requests
        self.categories.update(other.categories)
        self.statuses.update(other.statuses)
        self.bytes += other.bytes
        for error in other.errors:
            if len(self.errors) < MAX_ERRORS:
                self.errors[error] = None
        self.histogram.add(other.histogram)
        self.samples = _merge_samples(self, other, exact_before)
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
        return self


def _merge_samples(mine: Recorder, theirs: Recorder, exact: bool) -> list[float]:
    """Concatenate while everything fits; otherwise a subset that draws from each side in
    proportion to the requests it stands for."""
    cap = mine.sample_cap
    if exact and len(mine.samples) + len(theirs.samples) <= cap:
        return mine.samples + theirs.samples
    total = mine.count + theirs.count
    take_mine = min(len(mine.samples), round(cap * mine.count / total)) if total else 0
    take_theirs = min(len(theirs.samples), cap - take_mine)
    take_mine = min(len(mine.samples), cap - take_theirs)
    rng = mine._rng
    return rng.sample(mine.samples, take_mine) + rng.sample(theirs.samples, take_theirs)


def merge_all(recorders: list[Recorder]) -> Recorder:
    merged = Recorder(recorders[0].sample_cap if recorders else SAMPLE_CAP)
    for recorder in recorders:
        merged.merge(recorder)
    return merged


def percentile(ordered: list[float], q: float) -> float:
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
