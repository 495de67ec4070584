"""Where an endpoint saturates under concurrency: the measured knee and Gunther's Universal
Scalability Law fitted to throughput against concurrency (``scipy.optimize.least_squares``).

``X(N) = lambda * N / (1 + sigma * (N - 1) + kappa * N * (N - 1))``: ``lambda`` the throughput of
one request in flight, ``sigma`` contention (the serial share: queueing on a lock, a single
core), ``kappa`` coherency (the cost of keeping workers consistent, which makes throughput fall
past a peak). The peak is at ``N* = sqrt((1 - sigma) / kappa)``. The fit works on log throughput:
a level's noise is a share of its throughput, so the fast levels do not drown the slow ones.

The saturation point is the lowest level whose measured throughput is within ``NEAR_PEAK`` of the
best: the best measured, or the fit's best over the measured levels when that is lower, so one
level that happened to run fast does not raise the bar. Past it, more requests in flight only
queue, and the p95 says by how much.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ..results import CellStats

NEAR_PEAK = 0.10
"""Throughput within 10% of the best level counts as saturated."""
MIN_LEVELS = 3
"""Three parameters need three levels; with fewer only the measured point is named."""


@dataclass(frozen=True, slots=True)
class UslFit:
    """Gunther's USL: ``lambda_`` requests/s per request in flight, contention ``sigma``, coherency
    ``kappa``; the peak concurrency (inf without coherency cost) and the throughput there."""

    lambda_: float
    sigma: float
    kappa: float
    peak_concurrency: float
    peak_throughput: float
    r_squared: float

    def throughput(self, level: float) -> float:
        return self.lambda_ * level / (1 + self.sigma * (level - 1) + self.kappa * level * (level - 1))


@dataclass(frozen=True, slots=True)
class Saturation:
    """One endpoint's concurrency sweep: the levels, where throughput stopped rising, the p95 there
    and at the highest level, and the USL fit when three or more levels were measured."""

    endpoint: str
    levels: tuple[int, ...]
    throughput: tuple[float, ...]
    p95: tuple[float | None, ...]
    saturated_at: int
    best_level: int
    fit: UslFit | None

    @property
    def saturates(self) -> bool:
        """Throughput stopped rising before the highest level measured."""
        return self.saturated_at < self.levels[-1]

    def p95_at(self, level: int) -> float | None:
        return self.p95[self.levels.index(level)]


def fit_usl(levels: Sequence[float], throughput: Sequence[float]) -> UslFit | None:
    """Least squares on log throughput with ``sigma`` in [0, 1] and ``kappa`` >= 0."""
    from scipy.optimize import least_squares

    n = np.asarray(levels, dtype=float)
    x = np.asarray(throughput, dtype=float)
    keep = (n > 0) & (x > 0)
    n, x = n[keep], x[keep]
    if len(n) < MIN_LEVELS:
        return None
    start = float(x[np.argmin(n)] / n[np.argmin(n)])
    if not math.isfinite(start) or start <= 1e-12:
        return None

    def residuals(params: np.ndarray) -> np.ndarray:
        lam, sigma, kappa = params
        return np.log(lam * n / (1 + sigma * (n - 1) + kappa * n * (n - 1))) - np.log(x)

    outcome = least_squares(residuals, x0=[start, 0.1, 0.001], x_scale=[start, 0.1, 0.01], method="trf",
                            bounds=([1e-12, 0.0, 0.0], [np.inf, 1.0, np.inf]))
    lam, sigma, kappa = (float(v) for v in outcome.x)
    peak = max(1.0, math.sqrt((1 - sigma) / kappa)) if kappa > 1e-12 else math.inf
    fit = UslFit(lam, sigma, kappa, peak, 0.0, 0.0)
    top = fit.throughput(peak) if math.isfinite(peak) else lam / sigma if sigma > 0 else math.inf
    logs = np.log(x)
    total = float(((logs - logs.mean()) ** 2).sum())
    r_squared = 1.0 - float((outcome.fun**2).sum()) / total if total > 0 else 1.0
    return UslFit(lam, sigma, kappa, peak, top, r_squared)


def saturation(endpoint: str, cells: Sequence[CellStats]) -> Saturation | None:
    """The sweep of one endpoint (its cells at one size, any order); None with one level."""
    ordered = sorted((c for c in cells if c.successes and c.throughput > 0), key=lambda c: c.concurrency)
    if len(ordered) < 2:
        return None
    levels = tuple(c.concurrency for c in ordered)
    throughput = tuple(c.throughput for c in ordered)
    fit = fit_usl(levels, throughput)
    best = max(throughput)
    if fit is not None:
        best = min(best, max(fit.throughput(level) for level in levels))
    bar = (1 - NEAR_PEAK) * best
    saturated_at = next(level for level, x in zip(levels, throughput, strict=True) if x >= bar)
    p95 = tuple(c.latency.p95 if c.latency is not None else None for c in ordered)
    best_level = levels[throughput.index(max(throughput))]
    return Saturation(endpoint, levels, throughput, p95, saturated_at, best_level, fit)
