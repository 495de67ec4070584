"""Fit how response time grows with the dataset and name the growth.

A response time is a fixed cost (HTTP, routing, serialisation: ~0.5-1 ms on loopback) plus the work
that depends on the data. A plain log-log slope of the total time reads that fixed cost as "flat"
and under-reports growth at small sizes, so the model is ``t(N) = a + b * (N / N_max) ** k`` with
``a, b >= 0``: a grid over ``k`` with a one-dimensional search for ``a`` and ``b`` at each ``k``.
Errors are log ratios because timing noise is proportional to the time: a fit in absolute terms
would listen only to the largest size.

How far a median may move by chance has three parts: its own sampling error (the spread of the
cell's requests, ``noise_hint``), a floor of a few percent, and the jitter between cells
(scheduling, GC, CPU frequency, other load) that no cell's own spread shows and that is about
``JITTER`` seconds whatever the endpoint does: ~10% of a 0.7 ms median, ~1% of 10 ms. Each point
is weighted by its own noise, and when the points scatter around the best curve more than that
noise says, it is scaled up (chi-square per degree of freedom). Three sizes fit the three
parameters exactly, so they can tell nothing about the noise: only a dip (which no growth curve
can follow) raises it, and a super-linear call needs every step to rise far beyond the noise.
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
JITTER = 7e-5
"""Seconds a cell's median moves between cells of a quiet loopback run whatever the endpoint does
(measured on the demo: 0.5-0.9 ms medians of one constant endpoint scatter 10-20% from one size to
the next, 5-25 ms medians a few percent). Added to each point's relative noise as ``JITTER / t``."""
PRIOR_WEIGHT = 1.0
"""Degrees of freedom the assumed noise (floor, hint, jitter) counts for next to the residuals."""
CLEAR_STEP = 3.0
"""Super-linear needs the median to rise by more than three standard deviations of the difference
both up to the second largest size and from there to the largest (with three sizes: a clear,
monotonic rise). A rise at one size only is what one disturbed cell does, not a curve."""
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
    undetermined: bool = False
    """Too few sizes to tell growth from noise (three sizes and no clear rise): reported as constant
    with low confidence, and said so."""

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


def solve(
    xs: Sequence[float], ys: Sequence[float], weights: Sequence[float] | None = None,
) -> tuple[float, float, float]:
    """Least squares of ``log(a + b*x)`` against ``log(y)`` with ``a, b >= 0``.

    The error is the log ratio of fit to measurement: symmetric, so a fit that is 10x too low
    costs as much as one 10x too high. (A relative error ``(fit - y) / y`` cannot exceed 1 when the
    fit is too low, which let a flat line "explain" an endpoint that grew 100x.) Written as
    ``c * ((1 - s) + s*x)``: for a share ``s`` of the size-dependent part, the best ``log c`` is a
    mean, so only ``s`` is searched (a coarse grid, then a ternary refinement; the error is smooth
    in ``s``). ``weights`` (1 / variance of each log, default 1) make ``sse`` a chi-square.
    Returns ``a, b, sse``.
    """
    logs = [math.log(y) for y in ys]
    w = list(weights) if weights is not None else [1.0] * len(ys)
    total_weight = sum(w)

    def sse_at(share: float) -> tuple[float, float]:
        residuals = [ly - math.log((1.0 - share) + share * x) if (1.0 - share) + share * x > 0 else math.inf
                     for x, ly in zip(xs, logs, strict=True)]
        if math.inf in residuals:
            return math.inf, 0.0
        level = sum(wi * r for wi, r in zip(w, residuals, strict=True)) / total_weight
        return sum(wi * (r - level) ** 2 for wi, r in zip(w, residuals, strict=True)), level

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
    weights: Sequence[float] | None = None,
) -> list[Trend]:
    """The best ``a, b`` for every ``k`` of the grid (``table`` holds ``x**k`` for each ``k``)."""
    found = []
    for k, xk in zip(grid, table, strict=True):
        a, b, sse = solve(xk, ys, weights)
        found.append(Trend(k, a, b, sse))
    return found


def noise(sse: float, points: int, parameters: int) -> float:
    """Relative noise from the residuals, never below ``NOISE_FLOOR``."""
    dof = points - parameters
    estimate = math.sqrt(sse / dof) if dof > 0 else 0.0
    return max(estimate, NOISE_FLOOR)


def point_noise(ys: Sequence[float], noise_hint: float | None = None) -> list[float]:
    """Relative noise of each median: its own sampling error (at least ``NOISE_FLOOR``) and the
    jitter between cells, ``JITTER / t``, which dominates below a millisecond."""
    base = max(NOISE_FLOOR, noise_hint or 0.0)
    return [math.hypot(base, JITTER / y) for y in ys]


def fit_growth(points: Points, noise_hint: float | None = None) -> GrowthFit:
    """Fit ``t(N) = a + b * N**k`` to (size, median seconds) points and name the growth.

    Constant when the size-dependent part is negligible at the largest size or explains the points
    no better than noise; otherwise sublinear, linear or superlinear by ``k``, moved towards linear
    when the plausible range of ``k`` reaches across 1 (and then ``k`` is the best power inside the
    linear range, so the number shown always lies in the class the legend gives it). ``noise_hint``
    is the relative uncertainty of each median when the caller knows it (see
    ``series.median_noise``); the jitter between cells is added to it (the module explains).
    A super-linear call also needs a rise clearly beyond the noise before the largest size and at it
    (``CLEAR_STEP``; with three sizes a clear, monotonic rise): otherwise the growth is undetermined,
    reported as constant with low confidence and said so.
    """
    xs, ys, n_max = clean(points)
    if len(xs) < 2:
        return _unmeasurable(ys, n_max)
    if len(xs) == 2:
        return _two_sizes(xs, ys, n_max)
    sigmas = point_noise(ys, noise_hint)
    weights = [1.0 / s**2 for s in sigmas]
    _, _, constant_chi = solve([0.0] * len(xs), ys, weights)
    grid = trends(powers(xs), ys, weights=weights)
    best = min(grid, key=lambda t: t.sse)
    excess = _excess(best.sse, len(xs), sigmas)
    plausible = [t for t in grid if (t.sse - best.sse) / excess <= INTERVAL and t.b > 0]
    low, high = (min(t.k for t in plausible), max(t.k for t in plausible)) if plausible else (best.k, best.k)
    share = best.b / (best.a + best.b) if best.a + best.b > 0 else 0.0
    significant = (constant_chi - best.sse) / excess >= SIGNIFICANCE
    scatter = math.sqrt(excess) * sorted(sigmas)[len(sigmas) // 2]
    growth_class, undetermined = "constant", False
    if share >= NEGLIGIBLE_SHARE and significant:
        growth_class = _classify(best.k, low, high)
        if growth_class == "superlinear" and not _clear_rise(ys, sigmas, excess):
            growth_class, undetermined = "constant", True
    if growth_class == "constant":  # its level unweighted: the weights favour the slower medians
        k, a, b = 0.0, math.exp(sum(math.log(y) for y in ys) / len(ys)), 0.0
    else:
        chosen = min((t for t in grid if _class_of(t.k) == growth_class), key=lambda t: t.sse, default=best)
        k, a, b = chosen.k, chosen.a, chosen.b
    r_squared = 1.0 - best.sse / constant_chi if constant_chi > 0 else 1.0
    confidence = "low" if undetermined else _confidence(len(xs), low, high, growth_class)
    fit = GrowthFit(
        exponent=k, exponent_low=low, exponent_high=high, growth_class=growth_class, overhead=a, scale=b,
        min_size=round(xs[0] * n_max), max_size=n_max, points=len(xs), noise=scatter,
        r_squared=max(r_squared, 0.0), confidence=confidence, explanation="", undetermined=undetermined,
    )
    explanation = _undetermined(fit, ys) if undetermined else _explain(fit)
    return replace(fit, explanation=explanation)


def _excess(chi_square: float, points: int, sigmas: Sequence[float]) -> float:
    """How much more (or less) the points scatter around the best curve than ``sigmas`` say.

    The assumed noise counts as ``PRIOR_WEIGHT`` degrees of freedom next to the residuals' own
    ``points - 3`` (chi-square per degree of freedom, pooled): with three sizes only a misfit (a dip no
    growth curve follows) moves it, with more sizes the residuals take over. Never so low that the
    least noisy point's noise falls under ``NOISE_FLOOR``.
    """
    dof = max(points - 3, 0)
    pooled = (PRIOR_WEIGHT + chi_square) / (PRIOR_WEIGHT + dof)
    return max(pooled, (NOISE_FLOOR / min(sigmas)) ** 2)


def _class_of(k: float) -> str:
    """The legend: sublinear below 0.75, linear up to 1.3, superlinear above."""
    if k > SUPERLINEAR_ABOVE:
        return "superlinear"
    return "sublinear" if k < SUBLINEAR_BELOW else "linear"


def _classify(k: float, low: float, high: float) -> str:
    """The class of ``k``, but linear unless the plausible powers stay on one side of 1."""
    if k > SUPERLINEAR_ABOVE and low > 1.0:
        return "superlinear"
    if k < SUBLINEAR_BELOW and high < 1.0:
        return "sublinear"
    return "linear"


def _clear_rise(ys: Sequence[float], sigmas: Sequence[float], excess: float) -> bool:
    """The median rises by ``CLEAR_STEP`` standard deviations from the smallest to the second largest
    size and again from there to the largest: the growth does not rest on one point."""
    def clear(i: int, j: int) -> bool:
        return math.log(ys[j] / ys[i]) > CLEAR_STEP * math.sqrt(excess * (sigmas[i] ** 2 + sigmas[j] ** 2))

    last = len(ys) - 1
    return clear(0, last - 1) and clear(last - 1, last)


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


def _undetermined(fit: GrowthFit, ys: Sequence[float]) -> str:
    rise = (f"the median went from {ys[0] * 1e3:.2f} to {ys[-1] * 1e3:.2f} ms from {fit.min_size:,} to "
            f"{fit.max_size:,} records")
    if fit.points == 3:
        return (f"not enough sizes to tell growth from noise: {rise}, but three sizes fit any curve and the "
                "rise is not clear at both steps; measure at 4 or more sizes")
    return (f"growth could not be told apart from noise: {rise}, but the rise is clear only at one end "
            "of the range, which one disturbed cell can do")


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
