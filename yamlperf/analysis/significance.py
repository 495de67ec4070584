"""Two-sample tests that tell a real change from noise (SciPy), and Holm's correction.

Latency samples are skewed, heavy-tailed and full of ties at the clock's resolution, so a t-test
is the wrong tool: the Mann-Whitney U test assumes no shape and is what benchmark tools use
(pyperf, Google Benchmark's compare.py). ``scipy.stats.mannwhitneyu`` with the normal
approximation (tie-corrected, continuity-corrected) is accurate from about 8 samples a side; with
fewer the test is not run. Holm's step-down correction is four lines; SciPy ships only the
Benjamini-Hochberg false discovery rate, which controls a different error.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

MIN_SAMPLES = 8
"""Below this many samples on either side the normal approximation is too rough to trust."""


@dataclass(frozen=True, slots=True)
class TestResult:
    """``statistic`` is U of the first sample (or the difference, for proportions); ``z`` the
    standardised statistic; ``p_value`` is two-sided."""

    statistic: float
    z: float
    p_value: float


def mann_whitney_u(first: Sequence[float], second: Sequence[float]) -> TestResult:
    """Two-sided Mann-Whitney U: ``scipy.stats.mannwhitneyu(method="asymptotic")`` with average
    ranks for ties, the tie-corrected variance and the continuity correction."""
    from scipy.stats import mannwhitneyu

    n1, n2 = len(first), len(second)
    if not n1 or not n2:
        raise ValueError("both samples need at least one value")
    if len(set(first) | set(second)) < 2:  # every value equal: no ranking to speak of
        return TestResult(n1 * n2 / 2, 0.0, 1.0)
    outcome = mannwhitneyu(list(first), list(second), alternative="two-sided", method="asymptotic",
                           use_continuity=True)
    p_value = min(1.0, float(outcome.pvalue))
    z = _z_of(p_value) * (1 if float(outcome.statistic) > n1 * n2 / 2 else -1)
    return TestResult(float(outcome.statistic), z, p_value)


def two_proportions(successes1: int, total1: int, successes2: int, total2: int) -> TestResult:
    """Two-sided z-test for a difference between two success rates (pooled variance)."""
    from scipy.stats import norm

    if not total1 or not total2:
        raise ValueError("both groups need at least one trial")
    pooled = (successes1 + successes2) / (total1 + total2)
    variance = pooled * (1 - pooled) * (1 / total1 + 1 / total2)
    difference = successes2 / total2 - successes1 / total1
    if variance <= 0:
        return TestResult(difference, 0.0, 1.0)
    z = difference / math.sqrt(variance)
    return TestResult(difference, z, min(1.0, float(2 * norm.sf(abs(z)))))


def holm(p_values: Sequence[float]) -> list[float]:
    """Holm-Bonferroni adjusted p-values, in the order given: testing many cells at ``alpha`` each
    would call about one in twenty unchanged cells a change; comparing these against ``alpha``
    keeps the chance of any false call in the whole family at ``alpha``. Step-down: the k-th
    smallest p is multiplied by (m - k + 1), and an adjusted p is never below a smaller one's."""
    order = sorted(range(len(p_values)), key=p_values.__getitem__)
    adjusted = [1.0] * len(p_values)
    running = 0.0
    for rank, index in enumerate(order):
        running = max(running, min(1.0, (len(p_values) - rank) * p_values[index]))
        adjusted[index] = running
    return adjusted


def smallest_p(n1: int, n2: int) -> float:
    """The smallest p ``mann_whitney_u`` can give for samples of these sizes (no overlap at all)."""
    return mann_whitney_u(range(n1), range(n1, n1 + n2)).p_value


def _z_of(p_value: float) -> float:
    from scipy.stats import norm

    return float(norm.isf(p_value / 2)) if p_value < 1 else 0.0
