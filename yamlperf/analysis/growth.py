"""Name how a figure grows with the data: model selection with its uncertainty from a bootstrap.

Every candidate of ``models`` (O(1), O(log n), O(n), O(n log n), O(n^2), a free power law, and
with four or more sizes the same with a step) is fitted to the figures by weighted least squares,
each weighted by its own noise (``points``). The model is chosen by the Bayesian information
criterion ``chi2 / phi + k * ln(N)``: ``k`` parameters, ``N`` the answered requests the figures
summarise (the medians' chi-square stands in for the requests' likelihood) and ``phi`` the
overdispersion (how much more the figures scatter around the chosen model than their noise says,
from its residuals; never below 1). BIC and not AIC: AIC's charge of 2 per parameter lets the
free power law (one parameter more) beat the true class one time in six, and it is undefined in
its small-sample form (AICc) for three sizes.

From four sizes on, O(n log n) and O(n^2) are also fitted with their lower-order linear term
(``a + b n + c n^2``: an N+1 query is N queries of N rows plus the N rows, which a pure n^2
misses and a free power law reads as n^1.7); the mixture is charged its extra parameter, and a
replicate whose leading term is under ``NEGLIGIBLE_SHARE`` of its growth counts as O(n).

The same choice is made on each bootstrap replicate of the figures. The share of replicates that
choose a class is its support: a class is named when it has ``NAME_SUPPORT`` (80%) of them, "high"
confidence from 95%; otherwise the verdict gives the lowest and the highest class of the smallest
set that holds ``RANGE_SUPPORT`` (90%) of the replicates. Either way it leads with the coarse class
(constant, sub-linear, linear, super-linear; ``Growth.headline``) when ``NAME_SUPPORT`` of them lie
in one: "linear (O(n), 92% of resamples)", "linear in 91% of resamples (undetermined between O(n)
and O(n^2))". Over two decades of sizes on a shared machine O(n) and O(n log n), or n^1.7 and n^2,
are often settled in one run and not the next while the coarse class is the same; the claim is
made at the granularity the resamples support, and the gates (``gates``) still read the shares, so
doubt still fails them.
A replicate whose size-dependent part is under ``NEGLIGIBLE_SHARE`` of its time at the largest
size counts as O(1): a 5% rise over 50x the data is constant in practice, however significant.
A cliff is a step model's jump of at least ``CLIFF_MIN_JUMP`` beyond its trend, chosen at the
same place by 80% of the replicates, with two sizes on each side (one point alone is what a
disturbed cell does).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from . import classes, models
from .points import REPLICATES, Series, generator, replicates

NAME_SUPPORT = 0.80
HIGH_SUPPORT = 0.95
RANGE_SUPPORT = 0.90
NEGLIGIBLE_SHARE = 0.10
CLIFF_MIN_JUMP = 2.0
POSSIBLE_CLIFF = 0.2
PRIOR_DOF = 1.0
"""Degrees of freedom the assumed noise counts for next to the residuals when ``phi`` is estimated."""


@dataclass(frozen=True, slots=True, eq=False)
class Curve:
    """One fitted candidate: ``predict`` draws it at any size."""

    plan: models.Design
    index: int
    coefficients: np.ndarray

    @property
    def candidate(self) -> models.Candidate:
        return self.plan.candidates[self.index]

    @property
    def fixed_cost(self) -> float:
        return float(self.coefficients[0])

    def predict(self, sizes: np.ndarray | float) -> np.ndarray:
        return models.predict(self.plan, self.index, self.coefficients, np.atleast_1d(sizes))


@dataclass(frozen=True, slots=True)
class Cliff:
    """Between two neighbouring sizes the figure jumped ``jump`` times beyond the trend."""

    size_before: int
    size_after: int
    value_before: float
    value_after: float
    jump: float
    support: float

    @property
    def observed_ratio(self) -> float:
        return self.value_after / self.value_before if self.value_before > 0 else math.inf


@dataclass(frozen=True, slots=True, eq=False)
class Growth:
    """The verdict on one series: the named class (None when undetermined), its support, the
    range of plausible classes, the fitted curve of the most supported class and the replicates'
    own choices (for intervals)."""

    data: Series
    top: int
    support: float
    low: int
    high: int
    shares: Mapping[int, float]
    exponents: Mapping[int, float]
    curve: Curve | None
    cliff: Cliff | None = None
    replicate_index: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=int))
    replicate_coefficients: np.ndarray = field(default_factory=lambda: np.zeros((0, 3)))
    phi: float = 1.0
    possible_cliff: Cliff | None = None
    """A step that ``POSSIBLE_CLIFF`` to ``NAME_SUPPORT`` of the replicates chose: not named a
    cliff, but said, since those replicates' class is their trend's beside the step."""
    note: str = ""
    """Why no class could be chosen (fewer than three sizes), or ""."""

    @property
    def rank(self) -> int | None:
        """The named class, or None when the data could not settle it."""
        return self.top if self.support >= NAME_SUPPORT and not self.note else None

    @property
    def undetermined(self) -> bool:
        return self.rank is None

    @property
    def grows(self) -> bool:
        """Named above O(1), or undetermined with the range entirely above it."""
        if self.note:
            return False
        return self.rank != classes.CONSTANT if self.rank is not None else self.low > classes.CONSTANT

    @property
    def measurable(self) -> bool:
        return len(self.data) >= 2

    @property
    def confidence(self) -> str:
        if self.rank is None:
            return "low"
        return "high" if self.support >= HIGH_SUPPORT else "medium"

    @property
    def exponent(self) -> float | None:
        return self.exponents.get(self.top)

    @property
    def sizes(self) -> tuple[int, ...]:
        return tuple(p.size for p in self.data.points)

    @property
    def values(self) -> tuple[float, ...]:
        return tuple(p.value for p in self.data.points)

    def label(self, rank: int | None = None) -> str:
        rank = self.top if rank is None else rank
        return classes.label(rank, self.exponents.get(rank))

    @property
    def headline(self) -> str:
        """What a verdict leads with: the coarse class (``family``: constant, sub-linear, linear,
        super-linear), or ``undetermined``. Run to run on a shared machine the finer class of a
        growing endpoint (O(n) or O(n log n); O(n^2) or n^2.3) is often settled in one run and
        not in the next, while its coarse class is the same; the verdict claims what is stable
        first and the finer class after it, with its own support."""
        family = self.family
        return classes.FAMILY_WORDS[family] if family is not None else "undetermined"

    @property
    def verdict(self) -> str:
        """``linear (O(n), 92% of resamples)``, ``linear (between O(n) and O(n log n))`` or
        ``undetermined between O(1) and O(log n)``."""
        if self.note:
            return f"undetermined: {self.note}"
        if self.rank is not None:
            return f"{self.headline} ({self.label()}, {self.support:.0%} of resamples)"
        if self.low == self.high:
            return f"undetermined: {self.label()} in {self.support:.0%} of resamples"
        between = f"between {self.label(self.low)} and {self.label(self.high)}"
        family = self.family
        if family is None:
            return f"undetermined {between}"
        within = classes.LEGACY_OF_RANK[self.low] == classes.LEGACY_OF_RANK[self.high] == family
        if within:
            return f"{self.headline} ({between})"
        return f"{self.headline} in {self.family_support:.0%} of resamples (undetermined {between})"

    def _families(self) -> tuple[str, float]:
        """The coarse class most replicates chose, and their share."""
        held: Counter[str] = Counter()
        for rank, share in self.shares.items():
            held[classes.LEGACY_OF_RANK[rank]] += share
        return max(held.items(), key=lambda item: item[1], default=("", 0.0))

    @property
    def family_support(self) -> float:
        """The share of the replicates whose class lies in the most chosen coarse class."""
        return self._families()[1]

    @property
    def family(self) -> str | None:
        """The coarse class (``classes.LEGACY_OF_RANK``: constant, sublinear, linear, superlinear)
        of the named class, or, when no class is named, the coarse class that ``NAME_SUPPORT`` of
        the replicates chose (the claim the data supports at the granularity it can: O(n) and
        O(n log n) are often not separable over two decades of sizes, linear is); None else."""
        if self.note:
            return None
        if self.rank is not None:
            return classes.LEGACY_OF_RANK[self.rank]
        best, share = self._families()
        return best if share >= NAME_SUPPORT else None

    def predict(self, size: float) -> float:
        if self.curve is None:
            return float(np.median(self.data.values)) if len(self.data) else 0.0
        return float(self.curve.predict(size)[0])

    def replicate_curves(self) -> list[Curve]:
        plan = self.curve.plan if self.curve is not None else None
        if plan is None:
            return []
        return [Curve(plan, int(i), c) for i, c in zip(self.replicate_index, self.replicate_coefficients,
                                                       strict=True)]


def penalty(data: Series) -> float:
    """BIC's charge per parameter: the log of the answered requests (at least of the sizes)."""
    return math.log(max(data.answered, len(data), 3))


@dataclass(frozen=True, slots=True, eq=False)
class _Vote:
    """The choices: every candidate's score and fit on the data, and each replicate's choice."""

    plan: models.Design
    scores: np.ndarray
    fitted: np.ndarray
    index: np.ndarray
    coefficients: np.ndarray
    ranks: np.ndarray


def overdispersion(data: Series) -> tuple[float, int]:
    """How much more the figures scatter around their best model than their stated noise says
    (chi-square per degree of freedom, pooled with ``PRIOR_DOF`` of the assumed noise; at least
    1), and the degrees of freedom behind it."""
    if len(data) < 3:
        return 1.0, 0
    plan = models.design(data.sizes, steps=len(data) >= 4)
    first = models.fit_all(plan, data.values[None, :], data.sigma)
    return _overdispersion(data, plan, first)


def _overdispersion(data: Series, plan: models.Design, first: models.Fits) -> tuple[float, int]:
    chosen = int(np.argmin(first.chi2[0] + plan.parameters * penalty(data)))
    dof = max(len(data) - plan.candidates[chosen].parameters, 0)
    return max(1.0, (PRIOR_DOF + float(first.chi2[0, chosen])) / (PRIOR_DOF + dof)), dof


def run_overdispersion(series: list[Series]) -> float | None:
    """The run's own scatter beyond the stated noise, from its endpoints: the median of their
    overdispersions (those with residual degrees of freedom), from three endpoints on. Jitter
    between cells is the machine's, so what four endpoints show applies to a fifth whose
    residuals are too few to show it; the median keeps one endpoint's real misfit out of it."""
    found = [phi for phi, dof in (overdispersion(s) for s in series) if dof > 0]
    return float(np.median(found)) if len(found) >= 3 else None


def name_growth(data: Series, key: str = "", count: int = REPLICATES, floor: float | None = None) -> Growth:
    """Choose the class of ``data`` and bootstrap it; ``key`` seeds the replicates; ``floor`` is
    the run's overdispersion (``run_overdispersion``), the least this series is taken to have."""
    m = len(data)
    if m < 2:
        return Growth(data, classes.CONSTANT, 0.0, classes.CONSTANT, classes.STEEP_POWER, {}, {}, None,
                      note=("one dataset size has a figure: growth needs at least three" if m else
                            "no dataset size has a figure"))
    plan = models.design(data.sizes, steps=m >= 4)
    weights = plan.parameters * penalty(data)
    first = models.fit_all(plan, data.values[None, :], data.sigma)
    phi = max(_overdispersion(data, plan, first)[0], floor or 1.0)
    draws = replicates(data, count, generator(key, *data.sizes), inflate=phi)
    fits = models.fit_all(plan, draws, data.sigma, first.robust)
    index = np.argmin(fits.chi2 / phi + weights[None, :], axis=1)
    coefficients = fits.coefficients[np.arange(count), index]
    ranks = _ranks(plan, index, coefficients)
    if m == 2:
        ranks = np.where(ranks == classes.CONSTANT, classes.CONSTANT, classes.LOG)
    vote = _Vote(plan, first.chi2[0] / phi + weights, first.coefficients[0], index, coefficients, ranks)
    return _verdict(data, vote, phi, m == 2)


def _ranks(plan: models.Design, index: np.ndarray, coefficients: np.ndarray) -> np.ndarray:
    """Each replicate's class: its model's, O(1) when its growth is negligible, and its
    lower-order term's class when the leading term is a negligible part of its growth."""
    terms = coefficients * plan.matrix[index, -1, :]
    totals = terms.sum(axis=1)
    negligible = (totals - coefficients[:, 0]) < NEGLIGIBLE_SHARE * totals
    lower = plan.lower[index]
    grown = totals - coefficients[:, 0]
    minor = (lower >= 0) & (terms[:, 2] < NEGLIGIBLE_SHARE * grown)
    ranks = np.where(minor, lower, plan.ranks[index])
    return np.where(negligible, classes.CONSTANT, ranks)


def _verdict(data: Series, vote: _Vote, phi: float, two: bool) -> Growth:
    count = len(vote.index)
    votes = Counter(int(r) for r in vote.ranks)
    shares = {rank: n / count for rank, n in sorted(votes.items())}
    top, top_votes = max(votes.items(), key=lambda item: (item[1], -item[0]))
    low, high = _range(shares)
    exponents = {}
    powers = (classes.SUBLINEAR_POWER, classes.MIDDLE_POWER, classes.STEEP_POWER)
    for rank in shares:
        ks = [vote.plan.candidates[int(i)].exponent for i, r in zip(vote.index, vote.ranks, strict=True)
              if r == rank]
        ks = [k for k in ks if k is not None]
        if rank in powers and ks:
            exponents[rank] = float(np.median(ks))
    step, step_after = _cliff(data, vote.plan, vote.index, vote.coefficients)
    cliff = step if step is not None and step.support >= NAME_SUPPORT else None
    possible = step if step is not None and POSSIBLE_CLIFF <= step.support < NAME_SUPPORT else None
    step_after = step_after if cliff is not None else None
    curve = _representative(vote, top, step_after, exponents.get(top))
    note = "two sizes cannot tell how it grows: measure at three or more" if two else ""
    if two:
        low, high = (classes.CONSTANT if low == classes.CONSTANT else classes.LOG), classes.STEEP_POWER
    return Growth(data, top, top_votes / count, low, high, shares, exponents, curve, cliff, vote.index,
                  vote.coefficients, phi, possible, note)


def _range(shares: Mapping[int, float]) -> tuple[int, int]:
    """The lowest and highest class of the fewest classes that hold ``RANGE_SUPPORT``."""
    held, kept = 0.0, []
    for rank, share in sorted(shares.items(), key=lambda item: (-item[1], item[0])):
        kept.append(rank)
        held += share
        if held >= RANGE_SUPPORT - 1e-9:
            break
    return min(kept), max(kept)


def _jumps(plan: models.Design, index: np.ndarray, coefficients: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Where each replicate's model steps (-1: no step) and its jump over its own trend there."""
    after = plan.step_after[index]
    just_after = np.clip(after + 1, 0, len(plan.sizes) - 1)
    columns = np.array([c.columns for c in plan.candidates])[index]
    total = (coefficients * plan.matrix[index, just_after, :]).sum(axis=1)
    step = np.where(after >= 0, coefficients[np.arange(len(index)), columns - 1], 0.0)
    trend = total - step
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        return after, np.where(trend > 0, total / np.maximum(trend, 1e-300), np.inf)


def _cliff(data: Series, plan: models.Design, index: np.ndarray,
           coefficients: np.ndarray) -> tuple[Cliff | None, int | None]:
    """The large step most replicates agree on, with its support (any), and where it is."""
    after, jump = _jumps(plan, index, coefficients)
    large = (after >= 0) & (jump >= CLIFF_MIN_JUMP)
    if not large.any():
        return None, None
    place = int(np.bincount(after[large]).argmax())
    chosen = large & (after == place)
    support = float(np.mean(chosen))
    before, beyond = data.points[place], data.points[place + 1]
    jump_there = float(np.median(jump[chosen]))
    return Cliff(before.size, beyond.size, before.value, beyond.value, jump_there, support), place


def _representative(vote: _Vote, rank: int, step_after: int | None, exponent: float | None) -> Curve:
    """The fit on the data itself of the best candidate of ``rank`` (with the cliff's step if
    one is named; for a power law, the power nearest the replicates' median)."""
    candidates = vote.plan.candidates
    same = [i for i, c in enumerate(candidates) if c.rank == rank and c.step_after == step_after]
    near = [i for i in same if exponent is None or candidates[i].exponent is None
            or abs(candidates[i].exponent - exponent) < 0.051]  # type: ignore[operator]
    best = min(near or same or [0], key=lambda i: vote.scores[i])
    return Curve(vote.plan, best, vote.fitted[best])
