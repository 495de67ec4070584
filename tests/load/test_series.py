"""The time series' recording and the cell's frozen spec: merging equals recording in one, shares
add up to the whole, arrivals follow the rate's integral, percentiles stay within a bucket."""

from __future__ import annotations

import random

import pytest

from yamlperf.engine.series import Series, bucket, merge_series, summarize_series
from yamlperf.engine.stats import Recorder, merge_all
from yamlperf.engine.workload import CellWork
from yamlperf.scenario import Stage


def test_a_bucket_is_within_one_percent_of_the_value() -> None:
    for micros in (1, 7, 127, 128, 1000, 12_345, 999_999, 3_600_000_000):
        assert abs(bucket(micros) - micros) <= micros / 128 + 0.5


def _record(series: Series, rng: random.Random, count: int) -> None:
    for _ in range(count):
        t = rng.uniform(0, 3)
        latency = rng.lognormvariate(-6, 0.5)
        series.start(t, lag=rng.choice([0.0, 0.05]))
        series.end(t + latency, rng.choice(["ok", "ok", "ok", "http_5xx", "timeout"]), latency)


def test_merging_two_series_equals_recording_both_in_one() -> None:
    one, two, both = Series(), Series(), Series()
    _record(one, random.Random(1), 500)
    _record(two, random.Random(2), 700)
    _record(both, random.Random(1), 500)
    _record(both, random.Random(2), 700)
    work = CellWork(True, 10, None, 3.0, 400.0)
    assert summarize_series(merge_series([one, two]), work) == summarize_series(both, work)


def test_series_recorded_elsewhere_merge_by_their_wall_clock() -> None:
    early, later = Series(origin=100.0, wall=5000.0), Series(origin=7.0, wall=5002.0)
    early.start(100.5)
    later.start(7.5)
    merged = early.empty_like().merge(early).merge(later)
    assert sorted(merged.intervals) == [0, 2]


def test_recorders_merge_their_series() -> None:
    recorders = []
    for seed in range(3):
        recorder = Recorder(seed=seed)
        recorder.series = Series()
        recorder.series.start(0.5)
        recorder.series.end(0.6, "ok", 0.1)
        recorder.record(0.1, "ok", 200)
        recorders.append(recorder)
    merged = merge_all(recorders)
    (row,) = summarize_series(merged.series, CellWork(False, 3, 3))
    assert (row.started, row.ok, row.answered, row.in_flight) == (3, 3, 3, 0)
    assert recorders[0].series.intervals[0].started == 1


def test_interval_percentiles_come_from_its_histogram() -> None:
    series = Series()
    latencies = [0.001 * (k + 1) for k in range(100)]
    for latency in latencies:
        series.start(0.0)
        series.end(0.5, "ok", latency)
    (row,) = summarize_series(series, CellWork(False, 1, 100))
    assert row.latency is not None
    assert row.latency.p50 == pytest.approx(0.050, rel=0.01)
    assert row.latency.p99 == pytest.approx(0.099, rel=0.01)
    assert row.latency.max == pytest.approx(0.100)
    assert sum(n for _, n in row.histogram) == 100


@pytest.mark.parametrize("work", [
    CellWork(True, 50, None, 10.0, 333.0),
    CellWork(True, 50, None, None, None, (Stage(3.0, 100.0), Stage(4.0, 250.0), Stage(3.0, 0.0))),
    CellWork(True, 50, 1001, None, 120.0),
])
def test_the_shares_of_a_cell_add_up_to_the_whole(work: CellWork) -> None:
    shares = work.divide(4)
    assert len(shares) == 4
    total = work.planned_requests()
    assert total is not None
    assert abs(sum(s.planned_requests() or 0 for s in shares) - total) <= 4
    assert sum(s.workers for s in shares) >= work.workers


def test_closed_counts_and_workers_divide_exactly() -> None:
    shares = CellWork(False, 10, 1003).divide(3)
    assert [s.iterations for s in shares] == [335, 334, 334]
    assert [s.workers for s in shares] == [4, 3, 3]


def test_arrivals_follow_the_integral_of_a_ramp() -> None:
    work = CellWork(True, 10, None, None, None, (Stage(2.0, 100.0), Stage(2.0, 100.0)))
    times = list(work.arrivals())
    assert len(times) == 300
    assert times == sorted(times)
    per_second = [sum(1 for t in times if s <= t < s + 1) for s in range(4)]
    assert per_second == [25, 75, 100, 100]
    assert work.length == 4.0
    assert work.target_at(1.0) == pytest.approx(50.0)


def test_the_hot_path_record_equals_start_and_end() -> None:
    rng = random.Random(5)
    one, other = Series(origin=10.0), Series(origin=10.0)
    for _ in range(2000):
        due = 10 + rng.uniform(0, 4)
        lag = rng.choice([0.0, 0.001, 0.2])
        latency = rng.lognormvariate(-5, 1)
        category = rng.choice(["ok", "ok", "http_5xx", "refused"])
        one.record(due, lag, due + lag + latency, category, latency)
        other.start(due, lag)
        other.end(due + lag + latency, category, latency)
    work = CellWork(True, 10, None, 4.0, 500.0)
    assert summarize_series(one, work) == summarize_series(other, work)
