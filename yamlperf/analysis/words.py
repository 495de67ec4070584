"""The analysis in words, every number quoted from the figures the tables show (pure).

A finding that says "0.942 -> 325 ms" and "345x" takes both from the cells' medians, formatted by
the tables' own function (``units.ms_figure``); the fitted model speaks only where the table has
nothing to say (a cost per record, a forecast), and then says it is a fit.
"""

from __future__ import annotations

from ..units import ms_figure
from . import classes
from .growth import Growth
from .points import Series

FIGURES = {50.0: "median", 90.0: "p90", 95.0: "p95", 99.0: "p99"}


def ms_text(seconds: float) -> str:
    return f"{ms_figure(seconds)} ms"


def ratio_text(ratio: float) -> str:
    """``345x``, ``13.5x``, ``1.08x``: three significant figures like the times."""
    if ratio >= 100:
        return f"{ratio:,.0f}x"
    return f"{ratio:.1f}x" if ratio >= 10 else f"{ratio:.2f}x"


def span_text(data: Series, what: str | None = None) -> str:
    """``median 0.942 -> 325 ms from 10 to 500 records (345x for 50x the data)``."""
    if not len(data):
        return "no figure"
    name = what or FIGURES.get(data.percentile, f"p{data.percentile:g}")
    first, last = data.points[0], data.points[-1]
    if len(data) == 1:
        return f"{name} {ms_text(first.value)} at {first.size:,} records"
    values = [p.value for p in data.points]
    if max(values) < 1.2 * min(values):
        return (f"{name} {ms_figure(min(values))}-{ms_text(max(values))} across the {len(values)} sizes "
                f"from {first.size:,} to {last.size:,} records")
    return (f"{name} {ms_figure(first.value)} \u2192 {ms_text(last.value)} from {first.size:,} to "
            f"{last.size:,} records ({ratio_text(last.value / first.value)} for "
            f"{_times(last.size / first.size)} the data)")


def _times(ratio: float) -> str:
    return f"{ratio:,.0f}x" if float(ratio).is_integer() else ratio_text(ratio)


def shares_text(growth: Growth, limit: int = 3) -> str:
    """``O(n) 66%, O(n log n) 27%``: the classes the replicates chose, most chosen first."""
    ranked = sorted(growth.shares.items(), key=lambda item: -item[1])[:limit]
    return ", ".join(f"{growth.label(rank)} {share:.0%}" for rank, share in ranked if share >= 0.01)


def growth_evidence(growth: Growth) -> str:
    """The verdict and the figures it rests on, one clause."""
    span = span_text(growth.data)
    if growth.rank is None and not growth.note:
        return f"{growth.verdict}; {shares_text(growth)} of resamples; {span}"
    return f"{growth.verdict}; {span}"


def class_words(growth: Growth) -> str:
    """For table cells: ``linear (O(n))``, ``linear (O(n) … O(n log n))`` or, without a coarse
    class, ``O(1) … O(n)``."""
    if growth.rank is not None:
        return f"{growth.headline} ({classes.label(growth.rank, growth.exponent)})"
    between = f"{growth.label(growth.low)} \u2026 {growth.label(growth.high)}"
    return f"{growth.headline} ({between})" if growth.family is not None else between
