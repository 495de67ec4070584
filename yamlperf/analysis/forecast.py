"""What the fitted growth says beyond the table: cost per record, a figure at a size, and the size
at which a latency limit is crossed, each with a 90% interval from the bootstrap replicates.

A forecast of p95 (or any percentile) fits that percentile's figures with the model the median's
analysis chose, replicate by replicate (p95 replicate b takes the model of median replicate b):
the class comes from the steadier median, the level from the percentile itself. The interval
spans the 5th to the 95th percentile of the replicates, which chose their own class: when the
class is in doubt, so is the forecast. Beyond the largest measured size a forecast is an
extrapolation and says so.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from . import models
from .growth import Curve, Growth
from .points import REPLICATES, Series, generator, replicates

LOW, HIGH = 5.0, 95.0
"""The interval: the middle 90% of the replicates."""
HORIZON = 1e9
"""Records beyond which a limit counts as never crossed."""
_GRID = np.exp(np.linspace(0.0, math.log(HORIZON), 1200))


@dataclass(frozen=True, slots=True)
class Estimate:
    """A value and its 90% interval."""

    value: float
    low: float
    high: float


@dataclass(frozen=True, slots=True)
class CostPerRecord:
    """Seconds added by ``unit`` more records at ``at`` records (the largest measured size)."""

    estimate: Estimate
    unit: int
    at: int


@dataclass(frozen=True, slots=True)
class Crossing:
    """Where ``statistic`` reaches ``limit``: measured (``measured_at``, the first size over it), or
    forecast (``estimate`` in records; ``math.inf`` when it is not reached before ``HORIZON``)."""

    statistic: str
    limit: float
    measured_at: int | None
    estimate: Estimate | None
    largest: int

    @property
    def extrapolated(self) -> bool:
        return self.measured_at is None and self.estimate is not None and self.estimate.value > self.largest


@dataclass(frozen=True, slots=True, eq=False)
class Fitted:
    """A figure's curves under the median's model: the data's fit and one per replicate."""

    curve: Curve
    replicates: tuple[Curve, ...]
    data: Series


def _interval(values: np.ndarray) -> tuple[float, float]:
    """The middle 90% of the replicates; a replicate that never crosses counts as infinite."""
    capped = np.where(np.isfinite(values), values, HORIZON * 10)
    low, high = (float(v) for v in np.percentile(capped, [LOW, HIGH]))
    return (low if low < HORIZON * 10 else math.inf), (high if high < HORIZON * 10 else math.inf)


def record_unit(largest: int) -> int:
    """Records per step of the cost: 100 for a largest size of 500, 1,000 for 10,000."""
    return max(1, 10 ** math.floor(math.log10(max(largest / 5, 1))))


def cost_per_record(fitted: Fitted) -> CostPerRecord | None:
    """The marginal cost at the largest measured size, per ``record_unit`` records."""
    top = float(fitted.data.sizes.max()) if len(fitted.data) else 0.0
    if top <= 0:
        return None
    unit = record_unit(int(top))
    at = np.array([top, top + unit])

    def slope(curve: Curve) -> float:
        low, high = curve.predict(at)
        return float(high - low)

    value = slope(fitted.curve)
    spread = np.array([slope(c) for c in fitted.replicates]) if fitted.replicates else np.array([value])
    low, high = _interval(spread)
    return CostPerRecord(Estimate(value, low, high), unit, int(top))


def at_size(fitted: Fitted, size: float) -> Estimate:
    """The figure the model gives at ``size`` records, with its interval."""
    value = float(fitted.curve.predict(size)[0])
    spread = np.array([float(c.predict(size)[0]) for c in fitted.replicates]) if fitted.replicates \
        else np.array([value])
    low, high = _interval(spread)
    return Estimate(value, low, high)


def crossing(fitted: Fitted, limit: float, statistic: str = "p95") -> Crossing:
    """Where the figure reaches ``limit``: the first measured size over it, else the forecast."""
    largest = int(fitted.data.sizes.max()) if len(fitted.data) else 0
    over = [p.size for p in fitted.data.points if p.value >= limit]
    if over:
        return Crossing(statistic, limit, over[0], None, largest)
    value = _first_crossing(fitted.curve, limit)
    spread = np.array([_first_crossing(c, limit) for c in fitted.replicates]) if fitted.replicates \
        else np.array([value])
    low, high = _interval(spread)
    return Crossing(statistic, limit, None, Estimate(value, low, high), largest)


def _first_crossing(curve: Curve, limit: float) -> float:
    """The smallest size at which the (non-decreasing) curve reaches ``limit``, or inf."""
    values = curve.predict(_GRID)
    above = np.nonzero(values >= limit)[0]
    if not len(above):
        return math.inf
    i = int(above[0])
    if i == 0:
        return float(_GRID[0])
    x0, x1, y0, y1 = math.log(_GRID[i - 1]), math.log(_GRID[i]), values[i - 1], values[i]
    share = (limit - y0) / (y1 - y0) if y1 > y0 else 1.0
    return math.exp(x0 + share * (x1 - x0))


def fit_like(growth: Growth, data: Series, key: str = "", count: int = REPLICATES) -> Fitted | None:
    """``data`` (another figure of the same endpoint, e.g. p95) fitted with the model the
    median's analysis chose, on the data and replicate by replicate."""
    if growth.curve is None or len(data) != len(growth.data) or not len(data):
        return None
    plan = growth.curve.plan
    first = models.fit_all(plan, data.values[None, :], data.sigma)
    curve = Curve(plan, growth.curve.index, first.coefficients[0, growth.curve.index])
    index = growth.replicate_index
    if not len(index):
        return Fitted(curve, (), data)
    draws = replicates(data, len(index), generator(key, *data.sizes), inflate=growth.phi)
    fits = models.fit_all(plan, draws, data.sigma, first.robust)
    chosen = fits.coefficients[np.arange(len(index)), index]
    return Fitted(curve, tuple(Curve(plan, int(i), c) for i, c in zip(index, chosen, strict=True)), data)


def fitted_median(growth: Growth) -> Fitted | None:
    """The median's own fit and replicates, in the form the forecasts take."""
    if growth.curve is None:
        return None
    return Fitted(growth.curve, tuple(growth.replicate_curves()), growth.data)


def describe_size(size: float) -> str:
    """``2,400``: two significant figures; ``more than 10^9`` for never."""
    if not math.isfinite(size) or size >= HORIZON:
        return "more than 10^9"
    return f"{float(f'{size:.2g}'):,.0f}" if size >= 100 else f"{size:,.0f}"
