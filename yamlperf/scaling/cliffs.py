"""Performance cliffs: a jump between two neighbouring sizes far beyond the smooth trend.

Memory pressure and query-plan changes do not bend the curve, they break it. A step after each
size is tried: it is a cliff when "smooth trend times a step factor" explains the points much
better than the smooth trend alone, and the factor is large. One noisy point next to the smallest
or largest size can mimic a step, so a step there must be larger.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from .fit import EXPONENT_GRID, Points, Trend, clean, noise, powers, trends

CLIFF_MIN_JUMP = 2.0
"""A cliff multiplies the response time by at least 2 beyond the trend between two sizes..."""
CLIFF_EDGE_MIN_JUMP = 3.0
"""...or by 3 next to the smallest or largest size, where one noisy point could fake a step."""
CLIFF_SIGNIFICANCE = 11.0
"""The step must reduce the squared error by this many noise variances (chi-square(1) ~ 99.9%)."""
_GOLDEN = (math.sqrt(5) - 1) / 2
_SEARCH_STEPS = 18


@dataclass(frozen=True, slots=True)
class Cliff:
    """Between two neighbouring sizes the time jumped ``jump`` times beyond the trend."""

    size_before: int
    size_after: int
    value_before: float
    value_after: float
    jump: float
    expected_ratio: float

    @property
    def observed_ratio(self) -> float:
        return self.value_after / self.value_before if self.value_before > 0 else math.inf


def find_cliffs(
    points: Points, min_jump: float = CLIFF_MIN_JUMP, noise_hint: float | None = None,
) -> list[Cliff]:
    """The most significant cliff in (size, median seconds) points, as a list of zero or one.

    ``noise_hint`` is the relative uncertainty of each median when known (``fit_growth`` explains).
    Needs four sizes: with fewer, a step and a steep trend cannot be told apart. A second cliff
    would need more sizes than scale tests use, so only the strongest one is reported.
    """
    xs, ys, n_max = clean(points)
    if len(xs) < 4:
        return []
    table = powers(xs)
    smooth = min(trends(table, ys), key=lambda t: t.sse)

    def needed(after: int) -> float:
        edge = after in (0, len(xs) - 2)
        return min_jump * CLIFF_EDGE_MIN_JUMP / CLIFF_MIN_JUMP if edge else min_jump

    trials = [(*_best_step(table, ys, j), j) for j in range(len(xs) - 1) if ys[j + 1] > ys[j] * needed(j)]
    if not trials:
        return []
    factor, stepped, j = min(trials, key=lambda t: t[1].sse)
    scatter = max(noise(stepped.sse, len(xs), 4), noise_hint or 0.0)
    if factor < needed(j) or (smooth.sse - stepped.sse) / scatter**2 < CLIFF_SIGNIFICANCE:
        return []
    expected = stepped.at(xs[j + 1]) / stepped.at(xs[j])
    return [Cliff(round(xs[j] * n_max), round(xs[j + 1] * n_max), ys[j], ys[j + 1], factor, expected)]


def without_cliffs(points: Points, cliffs: Sequence[Cliff]) -> list[tuple[int, float]]:
    """The points with each cliff's jump taken out of the sizes after it: the underlying trend."""
    adjusted = []
    for size, value in points:
        factor = math.prod(c.jump for c in cliffs if size is not None and size >= c.size_after)
        adjusted.append((size, value / factor if value is not None else value))
    return adjusted


def _step_trend(table: Sequence[Sequence[float]], ys: Sequence[float], after: int, factor: float) -> Trend:
    """Best smooth trend when the points after index ``after`` are ``factor`` times slower.

    Dividing those points by the factor leaves relative errors unchanged, so this is the smooth
    fit of the adjusted points (on every other power of the grid: the step search is the cost).
    """
    adjusted = [y / factor if i > after else y for i, y in enumerate(ys)]
    return min(trends(table[1::2], adjusted, EXPONENT_GRID[1::2]), key=lambda t: t.sse)


def _best_step(table: Sequence[Sequence[float]], ys: Sequence[float], after: int) -> tuple[float, Trend]:
    """The step factor after index ``after`` that fits best: golden-section search on its log."""
    low, high = 0.0, math.log(max(ys[after + 1] / ys[after], 1.0) * 2)
    left, right = high - _GOLDEN * (high - low), low + _GOLDEN * (high - low)
    fit_left = _step_trend(table, ys, after, math.exp(left))
    fit_right = _step_trend(table, ys, after, math.exp(right))
    for _ in range(_SEARCH_STEPS):
        if fit_left.sse <= fit_right.sse:
            high, right, fit_right = right, left, fit_left
            left = high - _GOLDEN * (high - low)
            fit_left = _step_trend(table, ys, after, math.exp(left))
        else:
            low, left, fit_left = left, right, fit_right
            right = low + _GOLDEN * (high - low)
            fit_right = _step_trend(table, ys, after, math.exp(right))
    return (math.exp(left), fit_left) if fit_left.sse <= fit_right.sse else (math.exp(right), fit_right)
