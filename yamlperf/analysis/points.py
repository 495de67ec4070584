"""One endpoint's measurements across sizes, with the noise of each figure and bootstrap replicates.

A point is what the results table shows for one size (the median, or p95, of the cell's answered
requests) plus what is known about its noise:

* its own sampling error, from the cell's samples (the spread of the requests; robust to the
  long tail latencies have);
* the jitter between cells, which no cell's own spread shows: scheduling, GC, CPU frequency and
  other load move a whole cell. About ``JITTER_S`` plus ``JITTER_SHARE`` of the value on a quiet
  loopback run (measured on the demo: 0.5-0.9 ms medians of one constant endpoint scatter 10-20%
  from one size to the next, 5-25 ms medians a few percent). When the cell was measured in
  rounds (interleaved with the other endpoints), the spread of the round medians is the run's own
  measure of it and replaces ``JITTER_SHARE`` when larger; a burst of noise then hits one round of
  many cells, not a whole cell, and the jitter left in the cell's figure falls with the rounds.
  A cell whose own rounds disagree more than the run's (a slow spell of a shared host in half of
  them, which moves its pooled median by as much) is charged its own spread: its figure then
  weighs as little in the fit as it deserves, instead of turning a linear endpoint super-linear.

Bootstrap replicates resample each cell's samples (the same sample size, with replacement) and
add a draw of the jitter the resampling cannot see, so the replicates scatter as much as a new
run would. Their centre is the table's figure, so every number the analysis derives is anchored
to what the table shows. ``scipy.stats.bootstrap`` computes an interval for one statistic; here
one set of replicates feeds the class vote, the cost per record and the forecasts together, so
they agree with each other.
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

JITTER_S = 7e-5
JITTER_SHARE = 0.03
MIN_SAMPLES = 4
"""Fewer samples than this say nothing about a cell's spread: a 10% sampling error is assumed."""
UNKNOWN_SHARE = 0.10
MAX_SPREAD = 2.0
"""Log-scale spread a replicate's draw is capped at (a factor of e^2 either way): beyond it a
figure says nothing, and a wider draw only overflows."""
REPLICATES = 400
"""Bootstrap replicates per endpoint: a share of 80% is known to +-2 points."""


@dataclass(frozen=True, slots=True, eq=False)
class Point:
    """One size: the figure the table shows (seconds), the samples behind it, how many answered
    requests it summarises (more than the samples when the results keep a subset), the per-round
    medians when the cell was measured in rounds, and the relative error a correction for the
    machine's speed added (``reference``)."""

    size: int
    value: float
    samples: np.ndarray
    answered: int
    rounds: tuple[float, ...] = ()
    speed_error: float = 0.0


@dataclass(frozen=True, slots=True, eq=False)
class Series:
    """An endpoint's points by ascending size, with each figure's noise (seconds, one standard
    deviation) and the part of it the samples show (``sampling``)."""

    points: tuple[Point, ...]
    sigma: np.ndarray
    sampling: np.ndarray
    percentile: float = 50.0

    @property
    def sizes(self) -> np.ndarray:
        return np.array([p.size for p in self.points], dtype=float)

    @property
    def values(self) -> np.ndarray:
        return np.array([p.value for p in self.points], dtype=float)

    @property
    def answered(self) -> int:
        return sum(p.answered for p in self.points)

    def __len__(self) -> int:
        return len(self.points)


def series(points: Sequence[Point], percentile: float = 50.0, round_share: float | None = None) -> Series:
    """The points with their noise; ``round_share`` is the run's jitter measured from rounds."""
    kept = sorted((p for p in points if p.size > 0 and p.value > 0 and math.isfinite(p.value)),
                  key=lambda p: p.size)
    sampling = np.array([sampling_error(p, percentile) for p in kept])
    jitter = np.array([cell_jitter(p, round_share) for p in kept])
    speed = np.array([p.speed_error * p.value for p in kept])
    return Series(tuple(kept), np.sqrt(sampling**2 + jitter**2 + speed**2), sampling, percentile)


def sampling_error(point: Point, percentile: float = 50.0) -> float:
    """Standard error of the point's figure from its samples (seconds).

    The median's is ``1.2533 * sigma / sqrt(n)`` with sigma = IQR / 1.349; a percentile ``q``'s
    is ``sqrt(q (1 - q) / n) / f(x_q)``, the density estimated from the neighbouring quantiles.
    """
    samples = point.samples
    count = max(point.answered, len(samples))
    if len(samples) < MIN_SAMPLES:
        return UNKNOWN_SHARE * point.value
    if percentile == 50.0:
        q1, q3 = np.percentile(samples, [25, 75])
        return float(1.2533 * (q3 - q1) / 1.349 / math.sqrt(count))
    q = percentile / 100
    width = max(0.05, 2 / math.sqrt(len(samples)))
    low, high = np.percentile(samples, [100 * max(q - width, 0.0), 100 * min(q + width, 1.0)])
    density_width = (high - low) / (min(q + width, 1.0) - max(q - width, 0.0))
    return float(math.sqrt(q * (1 - q) / count) * density_width)


def cell_jitter(point: Point, round_share: float | None = None) -> float:
    """The jitter between cells left in the point's figure (seconds): the run's jitter between
    rounds, or the point's own when its rounds disagree more (a slow spell in some of them)."""
    rounds = len(point.rounds)
    share = max(JITTER_SHARE, round_share or 0.0, own_share(point))
    jitter = math.hypot(JITTER_S, share * point.value)
    return jitter / math.sqrt(rounds) if rounds >= 2 else jitter


def own_share(point: Point) -> float:
    """The spread of the point's own round medians beyond what its samples explain, as a share of
    its figure (log scale); 0 under three rounds."""
    rounds = _measured_rounds(point)
    if len(rounds) < 3:
        return 0.0
    spread = float(np.var(np.log(rounds), ddof=1))
    own = len(rounds) * (sampling_error(point) / point.value) ** 2
    return math.sqrt(max(spread - own, 0.0))


def round_share(groups: Sequence[Sequence[Point]]) -> float | None:
    """The run's jitter between rounds as a share of the median: the spread of each cell's round
    medians (log scale) beyond what its own samples explain, the median over the run's cells.
    None when no cell was measured in three or more rounds."""
    shares = [own_share(point) for points in groups for point in points if len(_measured_rounds(point)) >= 3]
    return float(np.median(shares)) if shares else None


def _measured_rounds(point: Point) -> list[float]:
    """The point's round medians that can be compared (none without a figure)."""
    return [r for r in point.rounds if r > 0] if point.value > 0 else []


def generator(*keys: object) -> np.random.Generator:
    """A generator seeded from ``keys``: the report, the thresholds and the console draw the same
    replicates, so they tell the same numbers on every rendering."""
    return np.random.default_rng(zlib.crc32("/".join(map(str, keys)).encode()))


def replicates(data: Series, count: int, rng: np.random.Generator, inflate: float = 1.0) -> np.ndarray:
    """``(count, m)`` bootstrap replicates of the figures: resampled samples, centred on the
    table's figures, scaled to the answered requests, plus the unseen jitter (times ``inflate``,
    the overdispersion the fit found, on the whole variance)."""
    columns = []
    for point, sampling in zip(data.points, data.sampling, strict=True):
        columns.append(_resampled(point, float(sampling), data.percentile, count, rng))
    drawn = np.stack(columns, axis=1)
    unseen = np.sqrt(np.maximum(inflate * data.sigma**2 - data.sampling**2, 0.0)) / data.values
    return drawn * np.exp(rng.normal(0.0, 1.0, drawn.shape) * np.minimum(unseen, MAX_SPREAD))


def _resampled(point: Point, sampling: float, percentile: float, count: int,
               rng: np.random.Generator) -> np.ndarray:
    samples = point.samples
    if len(samples) < MIN_SAMPLES:  # a figure without samples: its noise as stated
        return point.value * np.exp(rng.normal(0.0, min(sampling / point.value, MAX_SPREAD), count))
    picks = samples[rng.integers(0, len(samples), size=(count, len(samples)))]
    stats = np.percentile(picks, percentile, axis=1)
    shrink = math.sqrt(len(samples) / max(point.answered, len(samples)))
    return np.maximum(point.value + (stats - np.percentile(samples, percentile)) * shrink, point.value * 1e-3)


def plain_series(sizes: Sequence[float], values: Sequence[float], share: float, floor: float,
                 answered: Sequence[int] | None = None) -> Series:
    """A series of figures without samples (a mean query count, a payload size, a Server-Timing
    mean): each figure's noise is ``share`` of it plus ``floor`` in its own unit."""
    counts = answered if answered is not None else [1] * len(values)
    kept = sorted((Point(int(n), float(v), np.zeros(0), int(c)) for n, v, c in zip(sizes, values, counts,
                                                                                 strict=True)
                   if n > 0 and v > 0 and math.isfinite(v)), key=lambda p: p.size)
    sigma = np.array([math.hypot(share * p.value, floor) for p in kept])
    return Series(tuple(kept), sigma, sigma.copy())
