"""Fit how response time grows with the dataset and name the growth.

A response time is a fixed cost (HTTP, routing, serialisation: ~0.5-1 ms on loopback) plus the work
that depends on the data. A plain log-log slope of the total time reads that fixed cost as "flat"
and under-reports growth at small sizes, so the model is ``t(N) = a + b * (N / N_max) ** k`` with
``a, b >= 0``: a grid over ``k`` with a one-dimensional search for ``a`` and ``b`` at each ``k``.
Errors are log ratios because timing noise is proportional to the time: a fit in absolute terms
would listen only to the largest size.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace

from ..thresholds import GROWTH_CLASSES

EXPONENT_GRID = tuple(round(0.05 * i, 2) for i in range(1, 81))
"""Candidate powers 0.05 .. 4.0; a finer grid moves the exponent by less than the noise does."""
NEGLIGIBLE_SHARE = 0.10
"""Constant when the size-dependent part is under 10% of the response time at the largest size
(noise is the significance test's business, not this floor's)."""
SHARE_STEPS = 20
REFINE_STEPS = 12
"""The share of the size-dependent part is searched on a grid of 1/20, then refined to ~1e-3."""
SUBLINEAR_BELOW = 0.75
SUPERLINEAR_ABOVE = 1.3
"""``k`` in [0.75, 1.3] is linear: N log N (k ~ 1.1-1.2 over two decades) reads as linear."""
NOISE_FLOOR = 0.03
"""Relative noise assumed at least, so a near-perfect fit on a few points does not look certain."""
SIGNIFICANCE = 9.21
"""Chi-square(2) at 99%: the growth term must explain the points this much better than a constant."""
INTERVAL = 6.63
"""Chi-square(1) at 99%: the exponent range whose fit is not significantly worse than the best.
99% rather than 95%: a class is a claim about the code, and one endpoint in twenty must not be
called super-linear by chance."""
WIDE_RANGE = 0.6
"""An exponent range wider than this is said in the explanation, so a reader weighs the number."""

Points = Sequence[tuple[int, float]]


@dataclass(frozen=True, slots=True)
class GrowthFit:
    """The fitted ``t(N) = overhead + scale * (N / max_size) ** exponent`` and what it means.

    ``exponent`` is 0 when the size-dependent part is negligible or indistinguishable from noise;
    ``exponent_low``/``exponent_high`` bound the powers that fit about as well (99%). ``noise`` is
    the relative scatter of the points around the fit (at least ``NOISE_FLOOR``).
    """

    exponent: float
    exponent_low: float
    exponent_high: float
    growth_class: str
    overhead: float
    scale: float
    min_size: int
    max_size: int
    points: int
    noise: float
    r_squared: float
    confidence: str
    explanation: str

    @property
    def rank(self) -> int:
        """Index in ``thresholds.GROWTH_CLASSES``: threshold rules compare ranks."""
        return GROWTH_CLASSES.index(self.growth_class)

    @property
    def measurable(self) -> bool:
        return self.points >= 2

    @property
    def size_share(self) -> float:
        """Fraction of the response time at the largest size that depends on the size."""
        total = self.overhead + self.scale
        return self.scale / total if total > 0 else 0.0

    def predict(self, size: float) -> float:
        if self.max_size <= 0:
            return self.overhead + self.scale
        return self.overhead + self.scale * (size / self.max_size) ** self.exponent


@dataclass(frozen=True, slots=True)
class Trend:
    """One candidate of the grid: ``a + b * x**k`` and its weighted squared relative error."""

    k: float
    a: float
    b: float
    sse: float

    def at(self, x: float) -> float:
        return self.a + self.b * x**self.k


def clean(points: Points) -> tuple[list[float], list[float], int]:
    """Sizes scaled to (0, 1] by the largest, their times, and the largest size; sorted by size.

    Points without a positive size and time (a failed cell has no time) are dropped.
    """
    good = sorted((int(n), float(t)) for n, t in points
                  if n is not None and n > 0 and t is not None and t > 0)
    if not good:
        return [], [], 0
    n_max = good[-1][0]
    return [n / n_max for n, _ in good], [t for _, t in good], n_max


def solve(xs: Sequence[float], ys: Sequence[float]) -> tuple[float, float, float]:
    """Least squares of ``log(a + b*x)`` against ``log(y)`` with ``a, b >= 0``.

    The error is the log ratio of fit to measurement: symmetric, so a fit that is 10x too low
    costs as much as one 10x too high. (A relative error ``(fit - y) / y`` cannot exceed 1 when the
    fit is too low, which let a flat line "explain" an endpoint that grew 100x.) Written as
    ``c * ((1 - s) + s*x)``: for a share ``s`` of the size-dependent part, the best ``log c`` is a
    mean, so only ``s`` is searched (a coarse grid, then a ternary refinement; the error is smooth
    in ``s``). Returns ``a, b, sse``.
    """
    logs = [math.log(y) for y in ys]

    def sse_at(share: float) -> tuple[float, float]:
        residuals = [ly - math.log((1.0 - share) + share * x) if (1.0 - share) + share * x > 0 else math.inf
                     for x, ly in zip(xs, logs, strict=True)]
        if math.inf in residuals:
            return math.inf, 0.0
        level = sum(residuals) / len(residuals)
        return sum((r - level) ** 2 for r in residuals), level

    coarse = min((i / SHARE_STEPS for i in range(SHARE_STEPS + 1)), key=lambda share: sse_at(share)[0])
    low, high = max(coarse - 1 / SHARE_STEPS, 0.0), min(coarse + 1 / SHARE_STEPS, 1.0)
    for _ in range(REFINE_STEPS):
        left, right = low + (high - low) / 3, high - (high - low) / 3
        if sse_at(left)[0] <= sse_at(right)[0]:
            high = right
        else:
            low = left
    share = min((coarse, (low + high) / 2), key=lambda value: sse_at(value)[0])
    sse, level = sse_at(share)
    total = math.exp(level)
    return total * (1.0 - share), total * share, sse


def powers(xs: Sequence[float]) -> list[list[float]]:
    """``x**k`` for every ``k`` of the grid, computed once per series."""
    return [[x**k for x in xs] for k in EXPONENT_GRID]


def trends(
    table: Sequence[Sequence[float]], ys: Sequence[float], grid: Sequence[float] = EXPONENT_GRID,
) -> list[Trend]:
    """The best ``a, b`` for every ``k`` of the grid (``table`` holds ``x**k`` for each ``k``)."""
    found = []
    for k, xk in zip(grid, table, strict=True):
        a, b, sse = solve(xk, ys)
        found.append(Trend(k, a, b, sse))
    return found


def noise(sse: float, points: int, parameters: int) -> float:
    """Relative noise from the residuals, never below ``NOISE_FLOOR``."""
    dof = points - parameters
    estimate = math.sqrt(sse / dof) if dof > 0 else 0.0
    return max(estimate, NOISE_FLOOR)


def fit_growth(points: Points, noise_hint: float | None = None) -> GrowthFit:
    """Fit ``t(N) = a + b * N**k`` to (size, median seconds) points and name the growth.

    Constant when the size-dependent part is negligible at the largest size or explains the points
    no better than noise; otherwise sublinear, linear or superlinear by ``k``, moved towards linear
    when the plausible range of ``k`` reaches across 1. ``noise_hint`` is the relative uncertainty
    of each median when the caller knows it (see ``series.median_noise``): with few sizes the
    residuals alone underestimate it, and an overfit curve would look certain.
    """
    xs, ys, n_max = clean(points)
    if len(xs) < 2:
        return _unmeasurable(ys, n_max)
    if len(xs) == 2:
        return _two_sizes(xs, ys, n_max)
    constant_a, _, constant_sse = solve([0.0] * len(xs), ys)
    grid = trends(powers(xs), ys)
    best = min(grid, key=lambda t: t.sse)
    scatter = max(noise(best.sse, len(xs), 3), noise_hint or 0.0)
    plausible = [t.k for t in grid if (t.sse - best.sse) / scatter**2 <= INTERVAL and t.b > 0]
    low, high = (min(plausible), max(plausible)) if plausible else (best.k, best.k)
    share = best.b / (best.a + best.b) if best.a + best.b > 0 else 0.0
    significant = (constant_sse - best.sse) / scatter**2 >= SIGNIFICANCE
    if share < NEGLIGIBLE_SHARE or not significant:
        growth_class, k, a, b = "constant", 0.0, constant_a, 0.0
    else:
        growth_class, k, a, b = _classify(best.k, low, high), best.k, best.a, best.b
    r_squared = 1.0 - best.sse / constant_sse if constant_sse > 0 else 1.0
    fit = GrowthFit(
        exponent=k, exponent_low=low, exponent_high=high, growth_class=growth_class, overhead=a, scale=b,
        min_size=round(xs[0] * n_max), max_size=n_max, points=len(xs), noise=scatter,
        r_squared=max(r_squared, 0.0), confidence=_confidence(len(xs), low, high, growth_class),
        explanation="",
    )
    return replace(fit, explanation=_explain(fit))


def _classify(k: float, low: float, high: float) -> str:
    if k > SUPERLINEAR_ABOVE and low > 1.0:
        return "superlinear"
    if k < SUBLINEAR_BELOW and high < 1.0:
        return "sublinear"
    return "linear"


def _confidence(points: int, low: float, high: float, growth_class: str) -> str:
    """How firmly the class holds: "high" when every plausible power is inside the class, "medium"
    when the plausible powers reach into a neighbour but not across linear, else "low". Three sizes
    fit the three parameters exactly, so they never give more than "medium"; two give "low"."""
    if points < 3:
        return "low"
    cap = "high" if points >= 4 else "medium"
    if growth_class == "constant":
        return cap
    inside = {"superlinear": low > SUPERLINEAR_ABOVE, "sublinear": high < SUBLINEAR_BELOW,
              "linear": low >= SUBLINEAR_BELOW and high <= SUPERLINEAR_ABOVE}[growth_class]
    if inside:
        return cap
    near = {"superlinear": low > 1.0, "sublinear": high < 1.0,
            "linear": low >= SUBLINEAR_BELOW / 2 and high <= 2 * SUPERLINEAR_ABOVE - 1}[growth_class]
    return "medium" if near else "low"


def _unmeasurable(ys: Sequence[float], n_max: int) -> GrowthFit:
    value = ys[0] if ys else 0.0
    why = ("only one dataset size has a response time: growth needs at least two" if ys
           else "no dataset size has a response time: growth cannot be measured")
    return GrowthFit(0.0, 0.0, 0.0, "constant", value, 0.0, n_max, n_max, len(ys), NOISE_FLOOR, 0.0, "low",
                     why)


def _two_sizes(xs: Sequence[float], ys: Sequence[float], n_max: int) -> GrowthFit:
    """Two sizes cannot separate the fixed cost from growth: the log-log slope, a lower bound."""
    ratio = ys[1] / ys[0]
    slope = max(math.log(ratio) / math.log(xs[1] / xs[0]), 0.0)
    if ratio < 1 + NEGLIGIBLE_SHARE:
        growth_class, k, a, b = "constant", 0.0, (ys[0] + ys[1]) / 2, 0.0
    else:
        growth_class, k, a, b = _classify(slope, slope, slope), slope, 0.0, ys[1]
    fit = GrowthFit(k, slope, max(EXPONENT_GRID), growth_class, a, b, round(xs[0] * n_max), n_max, 2,
                    NOISE_FLOOR, 1.0, "low", "")
    caveat = "" if k == 0 else "; with two sizes only the fixed cost is unknown, so this is a lower bound"
    return replace(fit, explanation=_explain(fit) + caveat)


def _explain(fit: GrowthFit) -> str:
    """One sentence a reader can repeat in a design review."""
    first, last = fit.predict(fit.min_size), fit.predict(fit.max_size)
    size_ratio = fit.max_size / fit.min_size if fit.min_size else 0.0
    span = f"from {fit.min_size:,} to {fit.max_size:,} records ({size_ratio:.0f}x the data)"
    if fit.growth_class == "constant":
        return (f"response time stays flat {span}: the size-dependent part is negligible "
                f"next to the fixed cost of about {fit.overhead * 1e3:.2f} ms")
    words = {"sublinear": "grows more slowly than the data", "linear": "grows in step with the data",
             "superlinear": "grows faster than the data"}[fit.growth_class]
    slower = last / first if first > 0 else 0.0
    fixed = f" on top of a {fit.overhead * 1e3:.2f} ms fixed cost" if fit.overhead > 0 else ""
    spread = ""
    if fit.points > 2 and fit.exponent_high - fit.exponent_low > WIDE_RANGE:
        spread = f" (N^{fit.exponent_low:.2f} to N^{fit.exponent_high:.2f} fit about as well)"
    return f"response time {words}: about N^{fit.exponent:.2f}{spread}{fixed}, {slower:.1f}x slower {span}"
