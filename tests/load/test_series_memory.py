"""What a long cell's time series costs in memory: bounded by its intervals, never by its requests,
and never held as one string of JSON when the results are written."""

from __future__ import annotations

import random
import tracemalloc
from dataclasses import replace
from pathlib import Path

from tests.ci.builders import cell, result
from yamlperf.engine.series import Series, summarize_series
from yamlperf.engine.workload import CellWork
from yamlperf.results import load_results, save_results


def _long_series(intervals: int, per_interval: int) -> Series:
    """``intervals`` seconds of requests whose latencies spread over ~200 buckets an interval."""
    rng = random.Random(7)
    series = Series(0.0, 1.0)
    for second in range(intervals):
        for k in range(per_interval):
            t = second + k / per_interval
            series.record(t, 0.0, t, "ok", rng.lognormvariate(-5.0, 0.6))
    return series


def test_results_json_is_written_without_holding_it_whole(tmp_path: Path) -> None:
    series = _long_series(300, 400)
    rows = summarize_series(series, CellWork(False, 10, 120_000))
    run = result(replace(cell(n=1_000), series=rows))
    path = tmp_path / "results.json"
    tracemalloc.start()
    try:
        save_results(run, path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    size = path.stat().st_size
    assert size > 2_000_000, size
    assert peak < size / 4, f"writing {size:,} bytes of JSON peaked at {peak:,} bytes"
    again = load_results(path).cells[0].series
    assert [(r.started, r.histogram) for r in again] == [(r.started, r.histogram) for r in rows]


def test_a_series_grows_with_its_intervals_not_its_requests() -> None:
    few, many = _long_series(5, 200), _long_series(5, 4_000)
    assert len(many.intervals) == len(few.intervals) == 5
    assert sum(map(sum, (i.latencies.values() for i in many.intervals.values()))) == 20_000
    buckets = max(len(i.latencies) for i in many.intervals.values())
    assert buckets < 64 * 12, buckets
