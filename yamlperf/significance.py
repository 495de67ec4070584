"""Two-sample tests that tell a real change from noise, in the stdlib (pure).

Latency samples are skewed, heavy-tailed and full of ties at the clock's resolution, so a t-test
is the wrong tool: the Mann-Whitney U test assumes no shape and is what benchmark tools use
(pyperf, Google Benchmark's compare.py). The normal approximation with tie correction is accurate
from about 8 samples a side; with fewer the test is not run. Twenty lines here spare a SciPy install.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

MIN_SAMPLES = 8
"""Below this many samples on either side the normal approximation is too rough to trust."""


@dataclass(frozen=True, slots=True)
class TestResult:
    """``statistic`` is U of the first sample (or z for proportions); ``p_value`` is two-sided."""

    statistic: float
    z: float
    p_value: float


def mann_whitney_u(first: Sequence[float], second: Sequence[float]) -> TestResult:
    """Two-sided Mann-Whitney U with average ranks for ties, tie-corrected variance and a
    continuity correction (the same as ``scipy.stats.mannwhitneyu(method="asymptotic")``)."""
    n1, n2 = len(first), len(second)
    if not n1 or not n2:
        raise ValueError("both samples need at least one value")
    ranks, tie_term = _ranks([*first, *second])
    u1 = sum(ranks[:n1]) - n1 * (n1 + 1) / 2
    n = n1 + n2
    mean = n1 * n2 / 2
    variance = n1 * n2 / 12 * ((n + 1) - tie_term / (n * (n - 1))) if n > 1 else 0.0
    if variance <= 0:
        return TestResult(u1, 0.0, 1.0)
    deviation = u1 - mean
    z = math.copysign(max(abs(deviation) - 0.5, 0.0), deviation) / math.sqrt(variance)
    return TestResult(u1, z, _two_sided(z))


def _ranks(values: Sequence[float]) -> tuple[list[float], float]:
    """1-based ranks with ties sharing their average rank, and the sum of t^3 - t over tie groups."""
    order = sorted(range(len(values)), key=values.__getitem__)
    ranks = [0.0] * len(values)
    tie_term = 0.0
    start = 0
    while start < len(order):
        end = start
        while end + 1 < len(order) and values[order[end + 1]] == values[order[start]]:
            end += 1
        average = (start + end) / 2 + 1
        for position in range(start, end + 1):
            ranks[order[position]] = average
        size = end - start + 1
        tie_term += size**3 - size
        start = end + 1
    return ranks, tie_term


def two_proportions(successes1: int, total1: int, successes2: int, total2: int) -> TestResult:
    """Two-sided z-test for a difference between two success rates (pooled variance)."""
    if not total1 or not total2:
        raise ValueError("both groups need at least one trial")
    pooled = (successes1 + successes2) / (total1 + total2)
    variance = pooled * (1 - pooled) * (1 / total1 + 1 / total2)
    difference = successes2 / total2 - successes1 / total1
    if variance <= 0:
        return TestResult(difference, 0.0, 1.0)
    z = difference / math.sqrt(variance)
    return TestResult(difference, z, _two_sided(z))


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


def _two_sided(z: float) -> float:
    return min(1.0, math.erfc(abs(z) / math.sqrt(2)))
