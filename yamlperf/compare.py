"""Two runs compared cell by cell: what changed, and whether it is more than noise (pure).

A change is called a regression or an improvement only when it is both statistically significant
(Mann-Whitney U on the stored latency samples, a two-proportion z-test on success counts) and large
enough to matter (a minimum effect in percent and in milliseconds). Either alone misleads: with
thousands of samples a 0.1 ms shift is significant, and with ten samples a 30% swing can be luck.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum

from .results import CellStats, RunResult
from .significance import MIN_SAMPLES, mann_whitney_u, two_proportions

CellKey = tuple[str, int | None, int]


class Verdict(Enum):
    REGRESSED = "regressed"
    IMPROVED = "improved"
    UNCHANGED = "unchanged"


@dataclass(frozen=True, slots=True)
class Criteria:
    """When a difference counts; the defaults suit latencies of a few ms and up."""

    alpha: float = 0.05
    min_effect_pct: float = 5.0
    min_effect_s: float = 0.001
    min_rate_points: float = 1.0

    def describe(self) -> str:
        return (f"verdicts: latency by a Mann-Whitney U test (two-sided, normal approximation with tie "
                f"correction) on the stored samples, alpha {self.alpha:g}, p in the table,\n"
                f"  and a median change of at least {self.min_effect_pct:g}% and "
                f"{self.min_effect_s * 1e3:g} ms; success rate by a two-proportion z-test, alpha "
                f"{self.alpha:g}, and a change of at least {self.min_rate_points:g} points; "
                "p95 is not tested")


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


@dataclass(frozen=True, slots=True)
class CellComparison:
    """``severity_pct`` is how much worse a regression is: the median's rise or the success rate's
    relative fall, whichever is larger; 0 for a cell that did not regress."""

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

    def count(self, verdict: Verdict) -> int:
        return sum(c.verdict is verdict for c in self.cells)

    def regressions_beyond(self, percent: float) -> tuple[CellComparison, ...]:
        return tuple(c for c in self.cells if c.verdict is Verdict.REGRESSED and c.severity_pct > percent)


def compare_runs(base: RunResult, new: RunResult, criteria: Criteria = Criteria(),
                 base_label: str = "base", new_label: str = "new") -> Comparison:
    """Cells present in both runs are compared; the rest are listed, in each run's order."""
    new_keys = {c.key for c in new.cells}
    base_keys = {c.key for c in base.cells}
    pairs = [(c, new.cell(*c.key)) for c in base.cells if c.key in new_keys]
    return Comparison(
        base_label=base_label, new_label=new_label, criteria=criteria,
        cells=tuple(compare_cells(b, n, criteria) for b, n in pairs if n is not None),
        only_in_base=tuple(c.key for c in base.cells if c.key not in new_keys),
        only_in_new=tuple(c.key for c in new.cells if c.key not in base_keys),
    )


def compare_cells(base: CellStats, new: CellStats, criteria: Criteria) -> CellComparison:
    median = Change(*(c.latency.median if c.latency else None for c in (base, new)))
    p95 = Change(*(c.latency.p95 if c.latency else None for c in (base, new)))
    rate = Change(base.success_rate if base.requests else None, new.success_rate if new.requests else None)
    latency_verdict, latency_p, latency_note = _latency_verdict(base, new, median, criteria)
    rate_verdict, rate_p, rate_note = _rate_verdict(base, new, rate, criteria)
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
    return CellComparison(base.endpoint, base.size, base.concurrency, median, p95, rate, latency_p, rate_p,
                          verdict, reason, severity)


def _latency_verdict(base: CellStats, new: CellStats, median: Change,
                     criteria: Criteria) -> tuple[Verdict, float | None, str]:
    if median.absolute is None:
        return Verdict.UNCHANGED, None, "latency not compared: a run has no successful requests"
    if min(len(base.samples), len(new.samples)) < MIN_SAMPLES:
        return Verdict.UNCHANGED, None, f"latency not tested: fewer than {MIN_SAMPLES} samples"
    p_value = mann_whitney_u(base.samples, new.samples).p_value
    big = (abs(median.absolute) >= criteria.min_effect_s
           and abs(median.percent or 0.0) >= criteria.min_effect_pct)
    if p_value < criteria.alpha and big:
        verdict = Verdict.REGRESSED if median.absolute > 0 else Verdict.IMPROVED
        return verdict, p_value, f"median {median.percent:+.1f}% (p={p_value:.2g})"
    why = "not significant" if p_value >= criteria.alpha else "below the minimum effect"
    return Verdict.UNCHANGED, p_value, f"median {median.percent:+.1f}%: {why} (p={p_value:.2g})"


def _rate_verdict(base: CellStats, new: CellStats, rate: Change,
                  criteria: Criteria) -> tuple[Verdict, float | None, str]:
    if rate.absolute is None:
        return Verdict.UNCHANGED, None, "success rate not compared: a run sent no requests"
    if rate.absolute == 0:
        return Verdict.UNCHANGED, None, ""
    p_value = two_proportions(base.successes, base.requests, new.successes, new.requests).p_value
    points = rate.absolute * 100
    if p_value < criteria.alpha and abs(points) >= criteria.min_rate_points:
        verdict = Verdict.REGRESSED if points < 0 else Verdict.IMPROVED
        return verdict, p_value, f"success rate {points:+.1f} points (p={p_value:.2g})"
    return Verdict.UNCHANGED, p_value, f"success rate {points:+.1f} points: not significant (p={p_value:.2g})"


def key_label(key: CellKey) -> str:
    endpoint, size, concurrency = key
    return f"{endpoint}{'' if size is None else f' @ {size} records'} x{concurrency}"


def comparisons_json(comparisons: Sequence[Comparison]) -> dict[str, object]:
    """The machine-readable form; times in milliseconds like results.json."""
    return {"comparisons": [_comparison_json(c) for c in comparisons]}


def _comparison_json(comparison: Comparison) -> dict[str, object]:
    criteria = comparison.criteria
    return {
        "base": comparison.base_label, "new": comparison.new_label,
        "method": {"test": "mann-whitney-u", "approximation": "normal, tie-corrected, continuity-corrected",
                   "rate_test": "two-proportion-z", "alpha": criteria.alpha,
                   "min_effect_pct": criteria.min_effect_pct, "min_effect_ms": criteria.min_effect_s * 1e3,
                   "min_rate_points": criteria.min_rate_points, "description": criteria.describe()},
        "summary": {v.value: comparison.count(v) for v in Verdict},
        "cells": [_cell_json(c) for c in comparison.cells],
        "only_in_base": [_key_json(k) for k in comparison.only_in_base],
        "only_in_new": [_key_json(k) for k in comparison.only_in_new],
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
        "latency_p_value": cell.latency_p, "success_rate_p_value": cell.rate_p,
        "verdict": cell.verdict.value, "reason": cell.reason, "severity_pct": cell.severity_pct,
    }


def _key_json(key: CellKey) -> dict[str, object]:
    return {"endpoint": key[0], "size": key[1], "concurrency": key[2]}
