"""Two runs compared cell by cell: what changed, and whether it is more than noise (pure).

A change is called a regression or an improvement only when three things agree:

* the samples differ: a Mann-Whitney U test on the stored latency samples (a two-proportion z-test
  on success counts), Holm-corrected over all the cells of the comparison, because thirty cells
  tested at 0.05 each call one or two unchanged cells "changed" in most comparisons;
* the median moved by a minimum effect in percent and in milliseconds: with thousands of samples
  a 0.1 ms shift is significant and irrelevant;
* the move is larger than the two runs' own run-to-run noise. A cell's samples are taken within a
  second, so the test sees only the noise inside that window, while the machine's state (CPU
  frequency, other processes, caches) moves whole cells by 20-50% from one run to the next on a
  shared machine, and now and then one cell by 2x. Interference slows some of a cell's requests
  and leaves the fast ones alone, while slower code slows them all, so a cell's change is what its
  median and its lower quartile agree on (the one nearer zero; none if they disagree in sign).
  The spread of those changes is estimated from the runs themselves: how much the cells of one
  endpoint (its sizes and concurrency levels) disagree, robustly (the median of the pairwise
  differences), so endpoints that moved as a whole do not inflate it. An endpoint moved when half
  of its cells, and at least three (all, if fewer), moved ``noise_k`` spreads (times 1.25/sqrt(n)
  for n cells that agree) beyond the whole run's shift, which machine speed explains (the median
  endpoint's change, below ``cap_pct``). The floor is capped at ``cap_pct``, so a 2x regression of
  an endpoint is found even when half the endpoints regressed and the estimate breaks down. A cell
  that moved while the rest of its endpoint did not is not called: on a busy machine whole cells
  (a fraction of a second of requests) are slowed 2-5x now and then, steady samples and all; it
  is listed as "moved alone" for a person to look at, or to confirm with another run.

Two runs alone cannot tell a slower machine from uniformly slower code below the cap, nor a burst
of interference from a regression of one cell; replicates of each run can.
"""

from __future__ import annotations

import itertools
import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from enum import Enum

from .analysis.changes import class_changes
from .analysis.significance import MIN_SAMPLES, holm, mann_whitney_u, smallest_p, two_proportions
from .results import CellStats, RunResult

CellKey = tuple[str, int | None, int]

MAD_TO_SD = 1.4826
"""The median absolute deviation of normal data times this is its standard deviation."""
MIN_NOISE_POINTS = 6
"""Fewer differences (or cells) than this and the spread is not estimated: the minimum effect rules."""


class Verdict(Enum):
    REGRESSED = "regressed"
    IMPROVED = "improved"
    UNCHANGED = "unchanged"


@dataclass(frozen=True, slots=True)
class Criteria:
    """When a difference counts. ``noise_k`` is how many run-to-run spreads a change must exceed;
    ``cap_pct`` caps that floor."""

    alpha: float = 0.05
    min_effect_pct: float = 10.0
    min_effect_s: float = 0.001
    min_rate_points: float = 1.0
    noise_k: float = 3.0
    cap_pct: float = 50.0

    @property
    def min_log(self) -> float:
        return math.log1p(self.min_effect_pct / 100)


@dataclass(frozen=True, slots=True)
class Noise:
    """What two runs say about their own noise. Changes are natural logs of median ratios:
    ``spread`` is the standard deviation of one cell's change where nothing changed (None when
    too few cells to tell), from ``points`` within-endpoint differences (``source`` "endpoints")
    or cells (``source`` "cells"); ``shift`` is the whole run's change taken for machine speed."""

    criteria: Criteria
    spread: float | None = None
    source: str = ""
    points: int = 0
    shift: float = 0.0
    tested: int = 0
    rate_tested: int = 0
    untestable: bool = False
    most_samples: int = 0
    """The most samples any compared cell has in both runs: when it is under ``MIN_SAMPLES``, no
    latency was tested, and the method says how many iterations would be needed."""

    def floor(self, cells: int) -> float:
        """How far (log) the median change of an endpoint's ``cells`` cells must go beyond the
        shift: k spreads, times 1.25/sqrt(n) for a median of n cells, within [min effect, cap]."""
        c = self.criteria
        if self.spread is None:
            return c.min_log
        steadier = min(1.0, 1.25 / math.sqrt(max(cells, 1)))
        return max(c.min_log, min(math.log1p(c.cap_pct / 100), c.noise_k * self.spread * steadier))

    @property
    def run_moved(self) -> int:
        """+1 / -1 when the whole run moved by the cap or more: more than machine speed explains."""
        if abs(self.shift) < math.log1p(self.criteria.cap_pct / 100) - 1e-12:
            return 0
        return 1 if self.shift > 0 else -1

    def moved(self, change: float, cells: int) -> int:
        """+1 / -1 when an endpoint's median ``change`` over ``cells`` cells is beyond the noise:
        the floor beyond the run's shift, or the cap when the run as a whole moved that far."""
        c = self.criteria
        sign = 1 if change > 0 else -1
        if abs(change) < c.min_log - 1e-12:
            return 0
        if (change - self.shift) * sign >= self.floor(cells) - 1e-12:
            return sign
        whole_run = self.run_moved == sign and abs(change) >= math.log1p(c.cap_pct / 100) - 1e-12
        return sign if whole_run else 0

    def beyond(self, change: float, floor: float) -> int:
        """+1 / -1 when one cell's ``change`` is beyond ``floor`` from the run's shift (and the
        minimum effect from zero)."""
        sign = 1 if change > 0 else -1
        if abs(change) < self.criteria.min_log - 1e-12:
            return 0
        return sign if (change - self.shift) * sign >= floor - 1e-12 else 0


def _pct(log_change: float) -> float:
    return math.expm1(log_change) * 100


def describe(criteria: Criteria, noise: Noise) -> str:
    """The method in one paragraph, with this comparison's numbers."""
    c, n = criteria, noise
    rate = (f"success rate by a two-proportion z-test, Holm-corrected over {n.rate_tested} cells, "
            f"alpha {c.alpha:g}, and at least {c.min_rate_points:g} points; p95 is not tested")
    if not n.tested:
        return "\n".join([_untested(n), f"  {rate}"])
    lines = [f"verdicts: latency by a Mann-Whitney U test on the stored samples, Holm-corrected over "
             f"{n.tested} cells (family-wise alpha {c.alpha:g}; p in the table is Holm-adjusted),",
             f"  and a median change of at least {c.min_effect_pct:g}% and {c.min_effect_s * 1e3:g} ms that "
             "exceeds the runs' own noise, in what the median and the lower quartile agree on:"]
    if n.spread is None:
        lines.append("  too few cells to estimate the run-to-run spread, so the minimum effect decides,")
    else:
        source = (f"the cells of one endpoint disagree by ±{_pct(n.spread):.0f}% ({n.points} within-endpoint "
                  "differences)" if n.source == "endpoints" else
                  f"cells scatter by ±{_pct(n.spread):.0f}% around the run's shift ({n.points} cells)")
        lines.append(f"  run-to-run spread of cell medians: {source}, so a change must exceed "
                     f"{_pct(n.floor(1)):.0f}% ({c.noise_k:g} spreads, at most {c.cap_pct:g}%),")
        lines.append(f"  and the median of an endpoint's 5 cells {_pct(n.floor(5)):.0f}% (x1.25/sqrt(n)),")
    lines.append(f"  beyond the whole run's shift of {_pct(n.shift):+.0f}% (the median endpoint's change, "
                 f"taken for machine speed below {c.cap_pct:g}%); a cell counts when its endpoint moved with")
    lines.append("  it (half of its cells that can show a change in ms, and at least 3 or all, beyond the "
                 "floor); one that moved")
    lines.append("  alone is not called (a burst of interference can do that); falls by the same factors")
    lines.append(f"  {rate}")
    if n.untestable:
        lines.append("  warning: with this few samples per cell no latency test can pass the correction "
                     f"over {n.tested} cells; measure more iterations")
    return "\n".join(lines)


def _untested(noise: Noise) -> str:
    """Why no latency change could be called, and what to do: "Holm-corrected over 0 cells" said
    neither."""
    if noise.most_samples == 0:
        return ("verdicts: latency not tested: no cell has successful requests in both runs (the same "
                "endpoint, dataset size and concurrency), so no latency can be compared")
    if noise.most_samples < MIN_SAMPLES:
        return (f"verdicts: latency not tested: the Mann-Whitney U test needs {MIN_SAMPLES} or more samples "
                f"of a cell in both runs, and these cells have at most {noise.most_samples}; measure "
                f"{MIN_SAMPLES} or more iterations (load.iterations, --iterations, quick --requests)")
    return ("verdicts: latency not tested: no cell has successful requests in both runs, so no latency "
            "can be compared")


@dataclass(frozen=True, slots=True)
class Change:
    base: float | None
    new: float | None

    @property
    def absolute(self) -> float | None:
        return None if self.base is None or self.new is None else self.new - self.base

    @property
    def percent(self) -> float | None:
        if self.absolute is None or not self.base:
            return None
        return self.absolute / self.base * 100

    @property
    def log_ratio(self) -> float | None:
        if self.base is None or self.new is None or self.base <= 0 or self.new <= 0:
            return None
        return math.log(self.new / self.base)


@dataclass(frozen=True, slots=True)
class CellComparison:
    """``severity_pct`` is how much worse a regression is: the median's rise or the success rate's
    relative fall, whichever is larger; 0 for a cell that did not regress. ``latency_p`` and
    ``rate_p`` are the tests' own p-values, the ``_holm`` ones corrected for the family of cells."""

    endpoint: str
    size: int | None
    concurrency: int
    median: Change
    p95: Change
    success_rate: Change
    latency_p: float | None
    rate_p: float | None
    verdict: Verdict
    reason: str
    severity_pct: float = 0.0
    latency_p_holm: float | None = None
    rate_p_holm: float | None = None
    moved_alone: bool = False

    @property
    def key(self) -> CellKey:
        return (self.endpoint, self.size, self.concurrency)


@dataclass(frozen=True, slots=True)
class Comparison:
    base_label: str
    new_label: str
    criteria: Criteria
    cells: tuple[CellComparison, ...]
    only_in_base: tuple[CellKey, ...] = ()
    only_in_new: tuple[CellKey, ...] = ()
    noise: Noise | None = field(default=None)
    class_changes: tuple[str, ...] = ()
    """Endpoints whose growth class changed (``analysis.changes``): ``search: O(log n) -> O(n) ...``."""

    def count(self, verdict: Verdict) -> int:
        return sum(c.verdict is verdict for c in self.cells)

    def regressions_beyond(self, percent: float) -> tuple[CellComparison, ...]:
        return tuple(c for c in self.cells if c.verdict is Verdict.REGRESSED and c.severity_pct > percent)

    def describe(self) -> str:
        return describe(self.criteria, self.noise or Noise(self.criteria))


def compare_runs(base: RunResult, new: RunResult, criteria: Criteria = Criteria(),
                 base_label: str = "base", new_label: str = "new") -> Comparison:
    """Cells present in both runs are compared; the rest are listed, in each run's order."""
    new_keys = {c.key for c in new.cells}
    base_keys = {c.key for c in base.cells}
    pairs = [(b, n) for b in base.cells if b.key in new_keys and (n := new.cell(*b.key)) is not None]
    cells, noise = compare_cells(pairs, criteria)
    return Comparison(
        base_label=base_label, new_label=new_label, criteria=criteria, cells=cells,
        only_in_base=tuple(c.key for c in base.cells if c.key not in new_keys),
        only_in_new=tuple(c.key for c in new.cells if c.key not in base_keys),
        noise=noise, class_changes=tuple(c.text for c in class_changes(base, new)),
    )


def compare_cells(pairs: Sequence[tuple[CellStats, CellStats]],
                  criteria: Criteria = Criteria()) -> tuple[tuple[CellComparison, ...], Noise]:
    """Matched (base, new) cells -> one comparison each, judged together: the tests are corrected
    for their number and the noise is estimated from all of them."""
    medians = [Change(*(c.latency.median if c.latency else None for c in pair)) for pair in pairs]
    raw_p = [mann_whitney_u(b.samples, n.samples).p_value
             if min(len(b.samples), len(n.samples)) >= MIN_SAMPLES and m.absolute is not None else None
             for (b, n), m in zip(pairs, medians, strict=True)]
    holm_p = _holm_where_tested(raw_p)
    rates = [Change(b.success_rate if b.requests else None, n.success_rate if n.requests else None)
             for b, n in pairs]
    rate_raw = [None if r.absolute is None else 1.0 if r.absolute == 0 else
                two_proportions(b.successes, b.requests, n.successes, n.requests).p_value
                for (b, n), r in zip(pairs, rates, strict=True)]
    rate_holm = _holm_where_tested(rate_raw)
    changes = [_steady_change(b, n, m) for (b, n), m in zip(pairs, medians, strict=True)]
    tested = [pair for pair, p in zip(pairs, raw_p, strict=True) if p is not None]
    untestable = bool(tested) and not any(
        smallest_p(len(b.samples), len(n.samples)) * len(tested) < criteria.alpha for b, n in tested)
    noise, endpoints = _noise(pairs, medians, changes, criteria)
    noise = replace(noise, tested=len(tested), rate_tested=sum(p is not None for p in rate_raw),
                    untestable=untestable,
                    most_samples=max((min(len(b.samples), len(n.samples)) for b, n in pairs), default=0))

    out = []
    columns = zip(pairs, medians, changes, rates, raw_p, holm_p, rate_raw, rate_holm, strict=True)
    for (b, n), median, change, rate, p, p_holm, rp, rp_holm in columns:
        p95 = Change(*(c.latency.p95 if c.latency else None for c in (b, n)))
        endpoint = endpoints.get(b.endpoint)
        latency_verdict, latency_note, alone = _latency_verdict(median, change, p_holm, noise, endpoint)
        rate_verdict, rate_note = _rate_verdict(rate, rp_holm, criteria)
        verdicts = (latency_verdict, rate_verdict)
        if Verdict.REGRESSED in verdicts:
            verdict = Verdict.REGRESSED
        elif Verdict.IMPROVED in verdicts:
            verdict = Verdict.IMPROVED
        else:
            verdict = Verdict.UNCHANGED
        severity = 0.0
        if latency_verdict is Verdict.REGRESSED:
            severity = median.percent or 0.0
        if rate_verdict is Verdict.REGRESSED:
            severity = max(severity, -(rate.percent or 0.0))
        reason = "; ".join(note for note in (latency_note, rate_note) if note)
        out.append(CellComparison(b.endpoint, b.size, b.concurrency, median, p95, rate, p,
                                  None if rp is None or rate.absolute == 0 else rp, verdict, reason, severity,
                                  p_holm, None if rate.absolute == 0 else rp_holm, alone))
    return tuple(out), noise


def _holm_where_tested(p_values: list[float | None]) -> list[float | None]:
    adjusted = iter(holm([p for p in p_values if p is not None]))
    return [None if p is None else next(adjusted) for p in p_values]


def _noise(pairs: Sequence[tuple[CellStats, CellStats]], medians: list[Change],
           changes: list[float | None], criteria: Criteria) -> tuple[Noise, dict[str, _Endpoint]]:
    """The runs' noise, and each endpoint's change. The spread comes from every cell's change; the
    machine's shift and whether an endpoint moved, from the cells that could show a change in ms:
    a cell under the minimum effect in ms that moved less than that swings by large percentages
    and does not vote."""
    by_endpoint: dict[str, list[float]] = {}
    votes: dict[str, list[float]] = {}
    for (b, _), median, change in zip(pairs, medians, changes, strict=True):
        if change is not None:
            by_endpoint.setdefault(b.endpoint, []).append(change)
            if max(median.base or 0.0, abs(median.absolute or 0.0)) >= criteria.min_effect_s:
                votes.setdefault(b.endpoint, []).append(change)
    voted = votes if len(votes) >= 2 else by_endpoint
    endpoint_change = [_middle_nearest_zero(v) for v in voted.values()]
    shift = _middle_nearest_zero(endpoint_change) if len(endpoint_change) >= 2 else 0.0
    spread, source, points = _spread(by_endpoint, shift)
    noise = Noise(criteria, spread, source, points, shift)
    endpoints = {}
    for endpoint, cells in by_endpoint.items():
        vote = votes.get(endpoint, []) if len(cells) > 1 else cells
        change = _middle_nearest_zero(vote) if vote else 0.0
        moved = _endpoint_moved(vote, noise) if len(vote) >= 2 or len(cells) == 1 else 0
        endpoints[endpoint] = _Endpoint(change, len(cells), moved, len(vote))
    return noise, endpoints


def _endpoint_moved(votes: list[float], noise: Noise) -> int:
    """+1 / -1 when enough of an endpoint's voting cells moved beyond the floor the same way: half
    of them and at least three (all, if fewer). One burst of interference can slow a cell or two
    of an endpoint; slower code slows most of them."""
    needed = max(min(3, len(votes)), math.ceil(len(votes) / 2))
    up = noise.moved(sorted(votes, reverse=True)[needed - 1], needed) > 0
    down = noise.moved(sorted(votes)[needed - 1], needed) < 0
    return 0 if up == down else 1 if up else -1


def _steady_change(base: CellStats, new: CellStats, median: Change) -> float | None:
    """A cell's change (log) as far as its median and its lower quartile agree: the one nearer
    zero, 0 when they disagree in sign. Interference from the machine slows some requests of a
    cell and leaves the fast ones alone; slower code slows them all."""
    change = median.log_ratio
    if change is None or min(len(base.samples), len(new.samples)) < MIN_SAMPLES:
        return change
    low = [statistics.quantiles(c.samples, n=4, method="inclusive")[0] for c in (base, new)]
    if min(low) <= 0:
        return change
    low_change = math.log(low[1] / low[0])
    if low_change * change <= 0:
        return 0.0
    return min(change, low_change, key=abs)


def _middle_nearest_zero(values: list[float]) -> float:
    """The median; of an even count's two middle values the one nearer zero: when half the
    endpoints moved and half did not, the ones that did not set the machine's shift, and both of
    an endpoint's two cells must move for it to have moved."""
    ordered = sorted(values)
    half = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[half]
    return min(ordered[half - 1], ordered[half], key=abs)


def _spread(by_endpoint: dict[str, list[float]], shift: float) -> tuple[float | None, str, int]:
    """One cell's noise (sd, log units): from pairwise differences within endpoints, which a change
    of a whole endpoint leaves alone; else from all cells around the shift; else unknown."""
    within = [abs(a - b) / math.sqrt(2) for changes in by_endpoint.values()
              for a, b in itertools.combinations(changes, 2)]
    if len(within) >= MIN_NOISE_POINTS:
        return MAD_TO_SD * statistics.median(within), "endpoints", len(within)
    changes = [c for cs in by_endpoint.values() for c in cs]
    if len(changes) >= MIN_NOISE_POINTS:
        return MAD_TO_SD * statistics.median(abs(c - shift) for c in changes), "cells", len(changes)
    return None, "", 0


@dataclass(frozen=True, slots=True)
class _Endpoint:
    """An endpoint's median change (log) over the ``voting`` of its ``cells`` cells (those with a
    base median or a change of at least the minimum effect in ms), and whether it ``moved`` as a
    whole (+1 / -1 / 0)."""

    change: float
    cells: int
    moved: int
    voting: int = 0


def _latency_verdict(median: Change, change: float | None, p_holm: float | None, noise: Noise,
                     endpoint: _Endpoint | None) -> tuple[Verdict, str, bool]:
    """The latency verdict, why, and whether the cell moved alone (beyond the floor, its endpoint not)."""
    blocked = _latency_gate(median, p_holm, noise.criteria)
    if blocked or endpoint is None or median.log_ratio is None or change is None or p_holm is None:
        return Verdict.UNCHANGED, blocked or "latency not compared", False
    head = f"median {median.percent or 0.0:+.1f}%"
    p_text = f"p={p_holm:.2g} Holm"
    sign = 1 if median.log_ratio > 0 else -1
    shift = f"the run's shift {_pct(noise.shift):+.0f}%"
    if endpoint.cells <= 1:
        if endpoint.moved == sign:
            return _direction(sign), f"{head} ({p_text})", False
        return Verdict.UNCHANGED, (f"{head}: within the run-to-run noise (needs {_pct(noise.floor(1)):.0f}% "
                                   f"beyond {shift}; {p_text})"), False
    whole = f"its endpoint {_pct(endpoint.change):+.0f}% over {endpoint.voting} of {endpoint.cells} cells"
    if endpoint.moved == sign:
        return _direction(sign), f"{head} ({p_text}), with {whole}", False
    needs = f"needs {_pct(noise.floor(max(endpoint.voting, 2))):.0f}% beyond {shift}"
    if noise.beyond(change, noise.floor(1)) == sign:
        return Verdict.UNCHANGED, f"{head}: moved alone, not called ({whole}, which {needs}; {p_text})", True
    return Verdict.UNCHANGED, f"{head}: within the run-to-run noise ({whole} {needs}; {p_text})", False


def _direction(sign: int) -> Verdict:
    return Verdict.REGRESSED if sign > 0 else Verdict.IMPROVED


def _latency_gate(median: Change, p_holm: float | None, criteria: Criteria) -> str:
    """Why the samples alone rule a change out ("" when they do not)."""
    if median.absolute is None:
        return "latency not compared: a run has no successful requests"
    if p_holm is None:
        return f"latency not tested: fewer than {MIN_SAMPLES} samples"
    pct = median.percent or 0.0
    if p_holm >= criteria.alpha:
        return f"median {pct:+.1f}%: not significant (p={p_holm:.2g} Holm)"
    change = median.log_ratio
    small = change is None or abs(change) < criteria.min_log - 1e-12
    if small or abs(median.absolute) < criteria.min_effect_s:
        return f"median {pct:+.1f}%: below the minimum effect (p={p_holm:.2g} Holm)"
    return ""


def _rate_verdict(rate: Change, p_holm: float | None, criteria: Criteria) -> tuple[Verdict, str]:
    if rate.absolute is None:
        return Verdict.UNCHANGED, "success rate not compared: a run sent no requests"
    if rate.absolute == 0 or p_holm is None:
        return Verdict.UNCHANGED, ""
    points = rate.absolute * 100
    if p_holm < criteria.alpha and abs(points) >= criteria.min_rate_points:
        verdict = Verdict.REGRESSED if points < 0 else Verdict.IMPROVED
        return verdict, f"success rate {points:+.1f} points (p={p_holm:.2g} Holm)"
    return Verdict.UNCHANGED, f"success rate {points:+.1f} points: not significant (p={p_holm:.2g} Holm)"


def key_label(key: CellKey) -> str:
    endpoint, size, concurrency = key
    return f"{endpoint}{'' if size is None else f' @ {size} records'} x{concurrency}"


def comparisons_json(comparisons: Sequence[Comparison]) -> dict[str, object]:
    """The machine-readable form; times in milliseconds like results.json."""
    return {"comparisons": [_comparison_json(c) for c in comparisons]}


def _comparison_json(comparison: Comparison) -> dict[str, object]:
    criteria = comparison.criteria
    noise = comparison.noise or Noise(criteria)
    return {
        "base": comparison.base_label, "new": comparison.new_label,
        "method": {"test": "mann-whitney-u", "approximation": "normal, tie-corrected, continuity-corrected",
                   "correction": "holm", "rate_test": "two-proportion-z", "alpha": criteria.alpha,
                   "min_effect_pct": criteria.min_effect_pct, "min_effect_ms": criteria.min_effect_s * 1e3,
                   "min_rate_points": criteria.min_rate_points, "noise": _noise_json(noise),
                   "description": comparison.describe()},
        "summary": {v.value: comparison.count(v) for v in Verdict},
        "class_changes": list(comparison.class_changes),
        "cells": [_cell_json(c) for c in comparison.cells],
        "only_in_base": [_key_json(k) for k in comparison.only_in_base],
        "only_in_new": [_key_json(k) for k in comparison.only_in_new],
    }


def _noise_json(noise: Noise) -> dict[str, object]:
    c = noise.criteria
    known = noise.spread is not None
    return {
        "spread_pct": _pct(noise.spread) if noise.spread is not None else None,
        "source": noise.source or None, "points": noise.points, "k": c.noise_k,
        "shift_pct": _pct(noise.shift), "cap_pct": c.cap_pct,
        "endpoint_floor_pct": {str(n): _pct(noise.floor(n)) for n in (1, 2, 3, 5, 10)} if known else None,
        "floor_pct": _pct(noise.floor(1)),
        "latency_cells_tested": noise.tested, "rate_cells_tested": noise.rate_tested,
        "latency_untestable": noise.untestable, "most_samples": noise.most_samples,
    }


def _cell_json(cell: CellComparison) -> dict[str, object]:
    def ms(change: Change) -> dict[str, float | None]:
        base, new, diff = (None if v is None else round(v * 1e3, 6)
                           for v in (change.base, change.new, change.absolute))
        return {"base_ms": base, "new_ms": new, "change_ms": diff, "change_pct": change.percent}

    rate = cell.success_rate
    return {
        **_key_json(cell.key), "median": ms(cell.median), "p95": ms(cell.p95),
        "success_rate": {"base": rate.base, "new": rate.new, "change": rate.absolute,
                         "change_pct": rate.percent},
        "latency_p_value": cell.latency_p, "latency_p_holm": cell.latency_p_holm,
        "success_rate_p_value": cell.rate_p, "success_rate_p_holm": cell.rate_p_holm,
        "verdict": cell.verdict.value, "reason": cell.reason, "severity_pct": cell.severity_pct,
        "moved_alone": cell.moved_alone,
    }


def _key_json(key: CellKey) -> dict[str, object]:
    return {"endpoint": key[0], "size": key[1], "concurrency": key[2]}
