"""A measured cell's workload summary and time series, added to its ``CellStats`` (pure).

Also the judgement the user needs before blaming the target: when the asked rate was not held,
was it the client (its own CPU busy, requests starting late) or the target (``max_in_flight``
requests waiting for answers, so arrivals were dropped)?
"""

from __future__ import annotations

import math
from dataclasses import replace

from ..results import CellStats
from ..results_load import CellLoad, IntervalStats
from .series import Series, fold_overflow, summarize_series
from .workload import CellWork

HELD = 0.95
"""An open-model cell held its rate when it started at least this share of the asked requests."""
CLIENT_BUSY = 0.85
"""The client is the limit when it used this share of a CPU core or more (Python threads send on
about one core)."""


def with_load(stats: CellStats, work: CellWork, series: Series | None, *, dropped: int, max_lag: float,
              behind: int = 0, warmup: tuple[IntervalStats, ...] = ()) -> CellStats:
    """``stats`` with its ``load`` summary and its ``series`` (the warm-up's intervals first). A cell
    cut short (Ctrl-C, ``abort_on_fail``) is judged on the time it ran: the rate it achieved then,
    against the arrivals due by then."""
    series = series if series is not None else Series(width=work.interval)
    if work.timed and work.length:
        fold_overflow(series, max(0, math.ceil(work.length / work.interval - 1e-9) - 1))
    rows = summarize_series(series, work)
    started = sum(r.started for r in rows)
    late = sum(r.late for r in rows)
    length = work.length if work.timed and work.length else stats.wall_time
    if stats.truncated and work.timed:
        length = min(length, stats.wall_time)
    achieved = started / length if length else 0.0
    cpu = sum(series.cpu.values())
    client_cpu = cpu / stats.wall_time if stats.wall_time > 0 and series.cpu else None
    asked = work.planned_requests() if work.open else None
    cut = stats.truncated and work.timed
    if asked is not None and cut:
        asked = work.arrivals_before(length)
    load = CellLoad(
        model=work.model, workers=work.workers, duration=work.length if work.timed else None,
        rate=_asked_rate(work, length, cut),
        stages=tuple((s.duration, s.target) for s in work.stages), asked=asked, dropped=dropped, late=late,
        achieved_rate=achieved, client_cpu=client_cpu, max_start_lag=max_lag,
        limited_by=limited_by(asked, started, dropped, late, client_cpu=client_cpu, behind=behind),
        interval=work.interval,
    )
    return replace(stats, load=load, series=(*warmup, *rows))


def _asked_rate(work: CellWork, length: float, cut: bool) -> float | None:
    """Open model: the schedule's mean rate over the time the cell ran (the plan's rate unless a
    ramp), from its integral: counting the arrivals due in a cut cell is one too many."""
    if not work.open:
        return None
    return work.asked_by(length if cut else None) / length if length else work.rate


def limited_by(asked: int | None, started: int, dropped: int, late: int, *, client_cpu: float | None,
               behind: int = 0) -> str:
    """``client``, ``target`` or ``""`` (the rate was held, or the cell is closed). Requests that
    started late but started count as held (their latency counts from when they were due). When
    the rate was not held, the client is the limit when its CPU was busy or requests started late
    although a worker was free (the scheduler or the workers could not run in time); otherwise
    arrivals dropped mean ``max_in_flight`` requests were waiting for the target."""
    if not asked:
        return ""
    slack = (1 - HELD) * asked
    if started >= HELD * asked and dropped <= slack:
        return ""
    if (client_cpu is not None and client_cpu >= CLIENT_BUSY) or behind > slack or late > slack:
        return "client"
    return "target" if dropped else "client"
