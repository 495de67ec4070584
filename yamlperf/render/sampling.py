"""How well each cell was measured, in words and table cells (pure): the confidence of its median,
its outliers, its query count, and the cells that did not reach the plan's precision target."""

from __future__ import annotations

from ..results import CellStats, RunResult
from ..textable import join_words

NOTE = ("±Median: half the 95% confidence interval of the median (order statistics), or the scatter of "
        "its rounds' medians when larger, as a share of the median; a mark (*) where the plan's precision "
        "target was not reached. Outliers: latencies beyond Tukey's fences (1.5 interquartile ranges "
        "past the quartiles; severe beyond 3), counted and kept in every statistic.")
QUERIES_NOTE = "Queries: the mean of the target's query-count header per answer."
LISTED = 8
"""Cells named in the notice; the rest are counted."""


def median_spread(cell: CellStats) -> str:
    """``±3.2%``, ``±7.9%*`` when the target was not reached, ``-`` without an interval: the larger
    of the median's interval and its rounds' scatter (``rounds_relative``)."""
    precision = cell.precision
    if precision is None or precision.relative is None:
        return "-"
    relative = max(precision.relative, precision.rounds_relative or 0.0)
    return f"±{relative * 100:.1f}%" + ("*" if precision.reached is False else "")


def outlier_text(cell: CellStats) -> str:
    """``0``, ``3`` or ``3 (1 severe)``: every outlier, with the severe ones named."""
    if not cell.outliers:
        return "-"
    total = sum(cell.outliers.values())
    severe = cell.outliers.get("low_severe", 0) + cell.outliers.get("high_severe", 0)
    return f"{total}" + (f" ({severe} severe)" if severe else "")


def query_text(cell: CellStats) -> str:
    return "-" if cell.query_count is None else f"{cell.query_count:,.1f}"


def has_sampling(result: RunResult) -> bool:
    """Whether the run recorded how well its cells were measured (not in older results files)."""
    return any(c.precision is not None or c.outliers for c in result.cells)


def imprecise(result: RunResult) -> list[CellStats]:
    return [c for c in result.cells if c.precision is not None and c.precision.reached is False]


def precision_notice(result: RunResult) -> str:
    """Which cells did not reach the plan's precision target and how far they got; "" when all did
    or the plan set none."""
    missed = imprecise(result)
    if not missed:
        return ""
    target = missed[0].precision
    assert target is not None
    aims = [f"±{target.target * 100:g}%" if target.target is not None else "",
            f"±{target.floor * 1e3:g} ms" if target.floor is not None else ""]
    sweep = len(result.concurrency_levels) > 1
    places = [f"{c.endpoint}{_where(c, sweep)} ({median_spread(c).rstrip('*')} after {c.requests:,} requests)"
              for c in missed[:LISTED]]
    if len(missed) > LISTED:
        places.append(f"{len(missed) - LISTED} more")
    counted = sum(c.precision is not None and c.precision.reached is not None for c in result.cells)
    return (f"{len(missed)} of {counted} cells did not reach the precision target "
            f"({' or '.join(a for a in aims if a)} on the median, 95% confidence) within their budget "
            f"(load.max_iterations, load.max_sampling_time): {join_words(places)}. Their medians, and a "
            "growth read from them, are less certain than the rest.")


def _where(cell: CellStats, sweep: bool) -> str:
    size = "" if cell.size is None else f" at {cell.size:,}"
    return size + (f" x{cell.concurrency}" if sweep else "")
