"""Synthetic endpoints of known growth shape, and how well the analysis names them.

Each endpoint is a fixed cost (0.3-3 ms) plus none, log n, n, n log n or n^2 growth, or a step
(a cliff between two inner sizes), measured at one of several size sets; ``MIXTURE`` is an N+1
query's n plus n^2. Every cell's requests
scatter log-normally around the true time, a few of them hit a GC pause (2-20x the median), and
each cell as a whole is moved by the jitter between cells. The analysis sees only the samples,
as it does those of a real run. Shared by the synthetic-shape test and ``bench/growth_confusion.py``.

With ``drift``, the machine's speed also moves between sizes (log-normal, ``drift`` its log-scale
spread; ``MEASURED_DRIFT`` is what the demo's data-free endpoint moved on a shared 2-core host): the
fixed cost, the request path, stretches with it in full and the endpoint's own work by an
elasticity drawn from 0 to 1 (how much a slowdown hits it depends on its kind: CPU steal barely
moved a 65 ms request on the demo, a busy neighbour moved it nearly as much as the path). A
data-free reference endpoint is measured at each size on the same machine, for the analysis to
correct with (``analysis.reference``) or not.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np

from yamlperf.analysis import classes
from yamlperf.analysis.growth import Growth, name_growth
from yamlperf.analysis.points import Point, series
from yamlperf.analysis.reference import reference_from

SHAPES = ("constant", "log n", "n", "n log n", "n^2", "step")
TRUTH = {"constant": classes.CONSTANT, "log n": classes.LOG, "n": classes.LINEAR,
         "n log n": classes.N_LOG_N, "n^2": classes.QUADRATIC, "n + n^2": classes.QUADRATIC}
MIXTURE = "n + n^2"
"""An N+1 query's shape (N queries of N rows, plus the N rows): not in ``SHAPES`` (the issue's
matrix), tested on its own."""
SIZE_SETS = {
    "10..1,000 (3 sizes)": (10, 100, 1000),
    "100..10,000 (3 sizes)": (100, 1000, 10000),
    "10..500 (5 sizes)": (10, 50, 100, 200, 500),
    "100..10,000 (7 sizes)": (100, 200, 500, 1000, 2000, 5000, 10000),
}
MEASURED_DRIFT = 0.13
"""The spread of a data-free endpoint's medians over 10 s windows on one unchanged state (sd of logs)."""
COLUMNS = (*classes.NAMES, "cliff", "undetermined, truth inside", "undetermined, truth outside")


@dataclass(frozen=True, slots=True)
class Endpoint:
    shape: str
    sizes: tuple[int, ...]
    size_set: str
    step_after: int | None
    points: tuple[Point, ...]
    reference: tuple[Point, ...] = ()
    """A data-free endpoint measured at the same sizes on the same machine (with ``drift``)."""


def _shape(shape: str, sizes: tuple[int, ...], rng: np.random.Generator) -> tuple[Callable[[float], float],
                                                                                 int | None, float]:
    fixed = math.exp(rng.uniform(math.log(3e-4), math.log(3e-3)))
    top = max(sizes)
    rise = math.exp(rng.uniform(math.log(1.0), math.log(30.0)))  # growth at the largest size / fixed cost
    share = rng.uniform(0.2, 0.5) if shape == "n + n^2" else 0.0  # an N+1's growth at the top: linear part
    growth = {"constant": lambda n: 0.0, "log n": lambda n: math.log(n) / math.log(top),
              "n": lambda n: n / top, "n log n": lambda n: n * math.log(n) / (top * math.log(top)),
              "n^2": lambda n: (n / top) ** 2,
              "n + n^2": lambda n: share * n / top + (1 - share) * (n / top) ** 2}
    if shape == "step":
        after = int(rng.integers(1, len(sizes) - 2))
        jump = rng.uniform(2.5, 8.0)
        edge = sizes[after]
        return (lambda n: fixed * (jump if n > edge else 1.0)), after, fixed
    g = growth[shape]
    return (lambda n: fixed * (1 + rise * g(n))), None, fixed


def endpoint(shape: str, size_set: str, rng: np.random.Generator, drift: float = 0.0) -> Endpoint:
    sizes = SIZE_SETS[size_set]
    truth, step_after, fixed = _shape(shape, sizes, rng)
    iterations = int(rng.choice([20, 50, 100]))
    spread = rng.uniform(0.05, 0.3)
    pauses = rng.uniform(0.0, 0.03)
    speeds = np.exp(rng.normal(0, drift, len(sizes))) if drift else np.ones(len(sizes))
    elasticity = rng.uniform(0.0, 1.0) if drift else 1.0
    points = []
    for size, speed in zip(sizes, speeds, strict=True):
        slowed = fixed * speed + (truth(size) - fixed) * speed**elasticity
        points.append(_measured(size, slowed, iterations, spread, pauses, rng=rng))
    reference: list[Point] = []
    if drift:
        usual = math.exp(rng.uniform(math.log(1e-4), math.log(5e-4)))
        reference = [_measured(size, usual * speed, iterations, rng.uniform(0.05, 0.2), pauses, rng=rng)
                     for size, speed in zip(sizes, speeds, strict=True)]
    return Endpoint(shape, sizes, size_set, step_after, tuple(points), tuple(reference))


def _measured(size: int, time: float, iterations: int, spread: float, pauses: float, *,
              rng: np.random.Generator) -> Point:
    """A cell of ``iterations`` requests around ``time``: its own jitter, log-normal requests, GC pauses."""
    centre = time * math.exp(rng.normal(0, 0.02)) + abs(rng.normal(0, 3e-5))
    samples = centre * np.exp(rng.normal(0, spread, iterations))
    paused = rng.random(iterations) < pauses
    samples = np.where(paused, samples * rng.uniform(2, 20, iterations), samples)
    return Point(size, float(np.percentile(samples, 50)), samples, iterations)


def endpoints(count_per_kind: int, seed: int = 0, drift: float = 0.0) -> Iterator[Endpoint]:
    """``count_per_kind`` endpoints of each shape at each size set (no step at three sizes)."""
    rng = np.random.default_rng(seed)
    for size_set, sizes in SIZE_SETS.items():
        for shape in SHAPES:
            if shape == "step" and len(sizes) < 4:
                continue
            for _ in range(count_per_kind):
                yield endpoint(shape, size_set, rng, drift)


def judge(case: Endpoint, growth: Growth) -> tuple[str, bool, bool]:
    """(confusion-matrix column, strictly right, honestly right).

    Strict: the class named is the true one (for a step: the cliff is named where it is).
    Honest: strict, or undetermined with the truth inside the range (for a step: no smooth class
    named with confidence). A cliff named where there is none is wrong either way.
    """
    cliff = growth.cliff
    if case.shape == "step":
        found = cliff is not None and cliff.size_before == case.sizes[case.step_after]  # type: ignore[index]
        column = "cliff" if cliff is not None else _column(growth, None)
        return column, found, found or (cliff is None and growth.rank is None)
    truth = TRUTH[case.shape]
    if cliff is not None:
        return "cliff", False, False
    column = _column(growth, truth)
    strict = growth.rank == truth
    honest = strict or (growth.rank is None and growth.low <= truth <= growth.high)
    return column, strict, honest


def _column(growth: Growth, truth: int | None) -> str:
    if growth.rank is not None:
        return classes.NAMES[growth.rank]
    inside = truth is not None and growth.low <= truth <= growth.high
    return "undetermined, truth inside" if inside else "undetermined, truth outside"


@dataclass(frozen=True, slots=True)
class Scores:
    total: int
    strict: int
    honest: int
    constant_total: int
    constant_called_growing: int
    matrix: dict[str, Counter[str]]
    by_size_set: dict[str, tuple[int, int, int]]
    headline: int = 0
    """Endpoints whose verdict led with the true coarse class (a step: named as a cliff)."""
    misled: int = 0
    """Endpoints whose verdict led with a coarse class that is not the truth's (a step: any, no cliff)."""

    def table(self) -> str:
        used = [c for c in COLUMNS if any(row[c] for row in self.matrix.values())]
        width = max(len(c) for c in used)
        lines = [f"{'truth':<10} " + " ".join(f"{c:>{max(6, len(c))}}" for c in used)]
        for shape in SHAPES:
            row = self.matrix.get(shape, Counter())
            lines.append(f"{shape:<10} " + " ".join(f"{row[c]:>{max(6, len(c))}}" for c in used))
        lines.append("")
        for size_set, (total, strict, honest) in self.by_size_set.items():
            lines.append(f"{size_set:<{width}}  {total:4d} endpoints: strict {strict / total:6.1%}, "
                         f"honest {honest / total:6.1%}")
        lines.append(f"{'all':<{width}}  {self.total:4d} endpoints: strict {self.strict / self.total:6.1%}, "
                     f"honest {self.honest / self.total:6.1%}; constant called growing: "
                     f"{self.constant_called_growing} of {self.constant_total}")
        lines.append(f"{'headline':<{width}}  {self.total:4d} endpoints: led with the true coarse class "
                     f"{self.headline / self.total:6.1%}, with a wrong one {self.misled / self.total:.1%}, "
                     "the rest undetermined")
        return "\n".join(lines)


def score(count_per_kind: int, seed: int = 0, drift: float = 0.0, corrected: bool = False) -> Scores:
    """How the analysis names the generated endpoints; ``corrected``: with their reference."""
    matrix: dict[str, Counter[str]] = {}
    sets: dict[str, list[int]] = {}
    total = strict = honest = constant = growing = headline = misled = 0
    for case in endpoints(count_per_kind, seed, drift):
        points = list(case.points)
        found = reference_from("reference", case.reference) if corrected else None
        if found is not None:
            points = found.corrected(points)
        growth = name_growth(series(points), key=f"{case.shape}/{total}")
        right, wrong = _headline(case, growth)
        headline += right
        misled += wrong
        column, right, fair = judge(case, growth)
        matrix.setdefault(case.shape, Counter())[column] += 1
        tally = sets.setdefault(case.size_set, [0, 0, 0])
        tally[0] += 1
        tally[1] += right
        tally[2] += fair
        total += 1
        strict += right
        honest += fair
        if case.shape == "constant":
            constant += 1
            growing += growth.cliff is not None or (growth.rank is not None and growth.rank != classes.CONSTANT)
    return Scores(total, strict, honest, constant, growing, matrix,
                  {k: (v[0], v[1], v[2]) for k, v in sets.items()}, headline, misled)


def _headline(case: Endpoint, growth: Growth) -> tuple[bool, bool]:
    """(the verdict led with the true coarse class, it led with a wrong one). A step is right when
    named a cliff, wrong when a coarse class is claimed without one; a cliff where there is none
    is wrong."""
    if case.shape == "step":
        return growth.cliff is not None, growth.cliff is None and growth.family is not None
    if growth.cliff is not None:
        return False, True
    truth = classes.LEGACY_OF_RANK[TRUTH[case.shape]]
    return growth.family == truth, growth.family is not None and growth.family != truth
