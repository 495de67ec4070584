"""Candidate growth models and their weighted, non-negative least-squares fits (numpy, vectorised).

Every model is a fixed cost plus growth: ``t(n) = a + b * g(n)`` with ``a, b >= 0`` and ``g`` one
of ``log n``, ``n``, ``n log n``, ``n^2`` or a free power ``n^k`` (a grid of ``k``); ``O(1)`` is
``t = a``. From four sizes on, ``n log n`` and ``n^2`` also come with their lower-order linear
term, ``a + b n + c g(n)`` (``LOWER_ORDER``). A cliff is the same with a step ``c`` added to
every size after one of them (``c >= 0``). The models are linear in their coefficients, so each
fit is a small weighted least squares problem; the constraints are met by trying every subset of
free coefficients and keeping the best feasible one (exact for two or three coefficients).
Everything is solved for all bootstrap replicates and all candidates at once: one
``numpy.linalg.solve`` per subset.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np

from . import classes

POWER_GRID = tuple(round(0.1 * i, 1) for i in range(1, 41) if i not in (10, 20))
"""Free powers 0.1 .. 4.0 by 0.1 (finer moves the power by less than the noise does); 1 and 2 are
O(n) and O(n^2) themselves."""
TREND_CLASSES = (classes.LOG, classes.LINEAR, classes.N_LOG_N, classes.QUADRATIC)
LOWER_ORDER = ((classes.N_LOG_N, classes.LINEAR), (classes.QUADRATIC, classes.LINEAR))
"""Classes also fitted with their lower-order linear term: ``a + b n + c n log n`` and
``a + b n + c n^2``. Real work is rarely one pure term: an N+1 query is N queries of N rows
plus the N rows themselves, and over two decades of sizes ``a + b n + c n^2`` reads as
``n^1.7``, a free power it is not. From four sizes on (three sizes leave no residual)."""
STEP_MIN_SIDE = 2
"""A step needs two sizes on each side: one point apart from the rest is a disturbed cell."""


@dataclass(frozen=True, slots=True)
class Candidate:
    """One model: its class rank, power (free power law only), step position (index of the last
    size before the step) and the number of parameters an information criterion charges for it."""

    rank: int
    exponent: float | None
    step_after: int | None
    parameters: int
    columns: int
    lower: int | None = None
    """The class of a lower-order term beside the leading one (``O(n)`` under ``O(n^2)``), or None."""

    @property
    def name(self) -> str:
        base = classes.label(self.rank, self.exponent)
        if self.lower is not None:
            base = f"{base} + {classes.label(self.lower)}"
        return base if self.step_after is None else f"{base} + step"


@dataclass(frozen=True, slots=True)
class Design:
    """The candidates for one set of sizes, grouped by their number of coefficients."""

    sizes: np.ndarray
    candidates: tuple[Candidate, ...]
    groups: tuple[tuple[np.ndarray, np.ndarray], ...]
    """Per coefficient count: (indices into ``candidates``, design matrices ``(K, m, P)``)."""
    matrix: np.ndarray
    """Every candidate's design matrix at the measured sizes, padded to three columns: ``(K, m, 3)``."""
    ranks: np.ndarray
    parameters: np.ndarray
    step_after: np.ndarray
    """Index of the last size before the step, -1 for a smooth model."""
    lower: np.ndarray
    """The rank of the lower-order term, -1 for a model without one (its column is then 1)."""

    def basis(self, candidate: Candidate, sizes: np.ndarray) -> np.ndarray:
        """The design matrix of ``candidate`` at other sizes (for curves and forecasts): ``(len, P)``."""
        return _columns(candidate, np.asarray(sizes, dtype=float), self.sizes)


def growth(rank: int, exponent: float | None, sizes: np.ndarray, reference: float) -> np.ndarray:
    """``g(n)`` of a class, scaled to 1 at ``reference`` (the largest measured size)."""
    n = np.maximum(np.asarray(sizes, dtype=float), 1.0)
    top = max(reference, 2.0)
    if rank == classes.LOG:
        return np.log(n) / np.log(top)
    if rank == classes.LINEAR:
        return n / top
    if rank == classes.N_LOG_N:
        return n * np.log(n) / (top * np.log(top))
    if rank == classes.QUADRATIC:
        return (n / top) ** 2
    return (n / top) ** float(exponent)  # a free power law


def _columns(candidate: Candidate, at: np.ndarray, measured: np.ndarray) -> np.ndarray:
    columns = [np.ones_like(at)]
    if candidate.lower is not None:
        columns.append(growth(candidate.lower, None, at, float(measured.max())))
    if candidate.rank != classes.CONSTANT:
        columns.append(growth(candidate.rank, candidate.exponent, at, float(measured.max())))
    if candidate.step_after is not None:
        columns.append((at > measured[candidate.step_after]).astype(float))
    return np.stack(columns, axis=-1)


def design(sizes: np.ndarray, steps: bool = True) -> Design:
    """Every candidate for these (ascending) sizes: O(1), the four classes, the power grid, and
    with enough sizes a step after each inner size on top of O(1) or one of the four classes."""
    sizes = np.asarray(sizes, dtype=float)
    found = [Candidate(classes.CONSTANT, None, None, 1, 1)]
    found += [Candidate(rank, None, None, 2, 2) for rank in TREND_CLASSES]
    found += [Candidate(classes.power_rank(k), k, None, 3, 2) for k in POWER_GRID]
    if len(sizes) >= 4:
        found += [Candidate(rank, None, None, 3, 3, lower) for rank, lower in LOWER_ORDER]
    m = len(sizes)
    if steps:
        for after in range(STEP_MIN_SIDE - 1, m - STEP_MIN_SIDE):
            found.append(Candidate(classes.CONSTANT, None, after, 3, 2))
            if m >= 5:
                found += [Candidate(rank, None, after, 4, 3) for rank in TREND_CLASSES]
    padded = np.zeros((len(found), m, 3))
    for i, candidate in enumerate(found):
        padded[i, :, : candidate.columns] = _columns(candidate, sizes, sizes)
    groups = []
    for width in sorted({c.columns for c in found}):
        index = np.array([i for i, c in enumerate(found) if c.columns == width])
        groups.append((index, padded[index, :, :width]))
    return Design(sizes, tuple(found), tuple(groups), padded, np.array([c.rank for c in found]),
                  np.array([c.parameters for c in found], dtype=float),
                  np.array([-1 if c.step_after is None else c.step_after for c in found]),
                  np.array([-1 if c.lower is None else c.lower for c in found]))


@dataclass(frozen=True, slots=True)
class Fits:
    """Every candidate fitted to every replicate: coefficients ``(B, K, 3)`` (unused ones 0),
    chi-square ``(B, K)`` (twice Huber's loss) and the robust weights ``(K, m)`` each candidate
    gave the figures (1, or less for a figure far off its curve)."""

    coefficients: np.ndarray
    chi2: np.ndarray
    robust: np.ndarray


HUBER = 2.0
"""A residual beyond 2 standard deviations at the figure furthest off a curve counts linearly, not
squared (Huber's loss): one disturbed cell 10x off the trend would otherwise decide which curve is
chosen, and how noisy the rest looks. Only that one figure, and only from four sizes on: a curve
that misses several figures is wrong, not disturbed, and of three figures one is a third of the
evidence."""
REWEIGHT = 3
"""Iteratively reweighted least squares passes on the figures themselves."""


def fit_all(plan: Design, values: np.ndarray, sigma: np.ndarray, robust: np.ndarray | None = None) -> Fits:
    """Fit every candidate to each row of ``values`` ``(B, m)``, weighted by ``1 / sigma**2`` and
    robust to a figure far off the curve (Huber's loss). Without ``robust`` the weights come from
    reweighting passes on the first row (the figures); the replicates are fitted with the weights
    the figures' own fit gave, so they keep the figures' judgement of which point is off."""
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        return _fit_all(plan, np.atleast_2d(np.asarray(values, dtype=float)), np.asarray(sigma, dtype=float),
                        robust)


def _fit_all(plan: Design, values: np.ndarray, sigma: np.ndarray, robust: np.ndarray | None) -> Fits:
    """``fit_all`` with overflow silenced: a misfit's chi-square may overflow to inf, which loses."""
    root_w = 1.0 / sigma
    replicates, count = values.shape[0], len(plan.candidates)
    weights = np.ones((count, len(root_w))) if robust is None else robust
    passes = (REWEIGHT + 1 if len(root_w) >= 4 else 1) if robust is None else 1
    coefficients = np.zeros((replicates, count, 3))
    for step in range(passes):
        for index, matrices in plan.groups:
            rw = root_w[None, :] * np.sqrt(weights[index])  # (K, m)
            coefficients[:, index, : matrices.shape[2]] = _nonnegative(matrices * rw[:, :, None], values, rw)
        z = _standardised(plan, coefficients, values, root_w)
        if step < passes - 1:
            weights = _furthest_down(np.abs(z[0]))
    z = np.abs(z)
    huber = np.where(z <= HUBER, z**2, 2 * HUBER * z - HUBER**2)
    loss = np.where(weights[None, :, :] < 1.0, huber, z**2).sum(axis=2)
    return Fits(coefficients, np.where(np.isfinite(loss), loss, np.inf), weights)


def _furthest_down(z: np.ndarray) -> np.ndarray:
    """``(K, m)`` weights: Huber's for each candidate's furthest figure when beyond ``HUBER``, else 1."""
    weights = np.ones_like(z)
    furthest = np.argmax(z, axis=1)
    rows = np.arange(len(z))
    weights[rows, furthest] = np.minimum(1.0, HUBER / np.maximum(z[rows, furthest], 1e-300))
    return weights


def _standardised(plan: Design, coefficients: np.ndarray, values: np.ndarray,
                  root_w: np.ndarray) -> np.ndarray:
    """``(B, K, m)`` residuals in units of each figure's noise."""
    fitted = np.einsum("kmp,bkp->bkm", plan.matrix, coefficients)
    return (values[:, None, :] - fitted) * root_w


def _nonnegative(matrices: np.ndarray, values: np.ndarray, root_w: np.ndarray) -> np.ndarray:
    """Least squares with every coefficient >= 0, for ``K`` weighted design matrices ``(K, m, P)``
    and ``B`` right-hand sides ``(B, m)`` weighted per candidate by ``root_w`` ``(K, m)``: the best
    feasible solution over the subsets of free coefficients. Each subset's pseudo-inverse is
    computed once and applied to all replicates by matmul. Returns ``(B, K, P)``."""
    models, _, width = matrices.shape
    columns = root_w[:, :, None] * values.T[None, :, :]  # (K, m, B)
    replicates = values.shape[0]
    best = np.full((models, replicates), np.inf)
    best_coef = np.zeros((models, width, replicates))
    for size in range(1, width + 1):
        for subset in itertools.combinations(range(width), size):
            chosen = matrices[:, :, subset]
            gram = chosen.transpose(0, 2, 1) @ chosen
            gram += np.eye(size) * 1e-12 * np.trace(gram, axis1=1, axis2=2)[:, None, None]
            inverse = np.linalg.solve(gram, chosen.transpose(0, 2, 1))  # (K, s, m)
            coef = inverse @ columns  # (K, s, B)
            residual = columns - chosen @ coef
            sse = np.einsum("kmb,kmb->kb", residual, residual)
            better = (coef >= -1e-12).all(axis=1) & (sse < best)
            best[better] = sse[better]
            for column in range(width):
                target = best_coef[:, column, :]
                target[better] = np.maximum(coef[:, subset.index(column), :][better], 0.0) \
                    if column in subset else 0.0
    return best_coef.transpose(2, 0, 1)


def predict(plan: Design, candidate_index: int, coefficients: np.ndarray, at: np.ndarray) -> np.ndarray:
    """The fitted curve of one candidate at the sizes ``at``; ``coefficients`` ``(..., 3)``."""
    candidate = plan.candidates[candidate_index]
    basis = plan.basis(candidate, np.asarray(at, dtype=float))
    return np.einsum("...p,np->...n", coefficients[..., : candidate.columns], basis)
