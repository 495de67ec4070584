"""The median's confidence interval, Tukey's outlier classes and the precision batches (pure)."""

from __future__ import annotations

import math
import random

import pytest

from yamlperf.engine.precision import Spent, next_batch, precision_of
from yamlperf.engine.sampling import (
    classify_outliers,
    median_interval,
    median_ranks,
    precise_enough,
    rounds_spread,
)
from yamlperf.engine.stats import Recorder
from yamlperf.scenario import Load


def coverage(n: int, ranks: tuple[int, int]) -> float:
    """Exact probability that the order statistics at ``ranks`` (0-based) enclose the true median."""
    low, high = ranks
    below = sum(math.comb(n, k) for k in range(low + 1)) / 2 ** n
    above = sum(math.comb(n, k) for k in range(high + 1, n + 1)) / 2 ** n
    return 1 - below - above


@pytest.mark.parametrize(("n", "expected"), [(6, (0, 5)), (10, (1, 8)), (30, (9, 20)), (100, (39, 60))])
def test_ranks_are_the_textbook_ones(n: int, expected: tuple[int, int]) -> None:
    assert median_ranks(n) == expected


def test_the_interval_covers_the_median_at_least_95_percent_and_is_the_narrowest_that_does() -> None:
    assert median_ranks(5) is None, "5 samples: even min..max covers only 93.75%"
    for n in [*range(6, 200), 1000, 1001, 2000]:
        low, high = median_ranks(n)
        assert high == n - 1 - low
        assert coverage(n, (low, high)) >= 0.95 - (0.002 if n > 1000 else 0), n
        if n <= 1000:
            assert coverage(n, (low + 1, high - 1)) < 0.95, n


def test_the_interval_holds_the_true_median_about_95_percent_of_the_time() -> None:
    rng = random.Random(1)
    held = 0
    trials = 2000
    for _ in range(trials):
        sample = sorted(rng.lognormvariate(0, 0.5) for _ in range(25))
        interval = median_interval(sample)
        held += interval.low <= 1.0 <= interval.high
    assert 0.94 <= held / trials <= 0.995


def test_tukey_fences_classify_mild_and_severe_on_both_sides() -> None:
    body = [10.0 + k / 10 for k in range(21)]
    sample = sorted([*body, 5.0, 7.5, 14.0, 15.0, 20.0, 30.0])  # Q1 10.45, Q3 11.75, IQR 1.3
    counts = classify_outliers(sample)
    assert counts == {"low_severe": 1, "low_mild": 1, "high_mild": 2, "high_severe": 2}
    assert classify_outliers([]) == {}
    assert classify_outliers([5.0] * 10) == dict.fromkeys(counts, 0)


def test_precise_enough_takes_the_larger_of_target_and_floor() -> None:
    interval = median_interval(sorted([1.0, 1.1, 1.2, 1.3, 1.4, 1.5, 1.6, 1.7, 1.8, 1.9]))
    assert interval.half_width == pytest.approx(0.35)
    assert not precise_enough(interval, 0.05, None)
    assert precise_enough(interval, 0.25, None)
    assert precise_enough(interval, 0.05, 0.4)
    assert precise_enough(interval, None, 0.35)
    assert not precise_enough(None, 1.0, 1.0)


def recorder_of(latencies: list[float]) -> Recorder:
    recorder = Recorder()
    for latency in latencies:
        recorder.record(latency, "ok", 200)
    return recorder


def test_the_next_batch_aims_at_the_target_and_respects_the_budget() -> None:
    load = Load(iterations=20, precision=0.05)
    noisy = recorder_of([random.Random(k).uniform(0.001, 0.003) for k in range(20)])
    batch = next_batch(noisy, Spent(20, 0.04, 200), load, 1, None)
    assert 5 <= batch <= 20, "at most doubling the sample"
    assert next_batch(noisy, Spent(20, 0.04, 25), load, 1, None) == 5, "the requests left"
    assert next_batch(noisy, Spent(200, 0.4, 200), load, 1, None) == 0
    assert next_batch(noisy, Spent(20, 5.0, 200), load, 1, None) == 0, "the time spent"
    assert next_batch(noisy, Spent(20, 4.99, 200), load, 1, None) <= 1, "only what fits the time left"
    steady = recorder_of([0.002] * 20)
    assert next_batch(steady, Spent(20, 0.04, 200), load, 1, None) == 0
    assert next_batch(noisy, Spent(20, 0.04, 200), Load(iterations=20), 1, None) == 0, "no target"
    failed = Recorder()
    failed.record(0.001, "http_4xx", 404)
    assert next_batch(failed, Spent(1, 0.001, 200), load, 1, None) == 0, "nothing to make precise"


def test_a_cell_measured_in_rounds_gets_more_rounds_of_its_usual_size_not_a_larger_one() -> None:
    """On a busy machine the speed moves between rounds: one round of 30 would outweigh five of 6."""
    load = Load(iterations=30, precision=0.05)
    noisy = recorder_of([random.Random(k).uniform(0.001, 0.003) for k in range(30)])
    alone = next_batch(noisy, Spent(30, 0.06, 200), load, 1, None)
    assert alone > 6, "measured in one pass, the batch aims at the target"
    rounds = [0.002, 0.0021, 0.0019, 0.002, 0.0022]
    assert next_batch(noisy, Spent(30, 0.06, 200), load, 1, None, rounds=rounds) == 6
    assert next_batch(noisy, Spent(30, 0.06, 33), load, 1, None, rounds=rounds) == 3, "the requests left"


def test_precision_without_an_interval_is_not_reached() -> None:
    precision = precision_of([0.001, 0.002], Load(precision=0.05))
    assert precision.half_width is None
    assert precision.reached is False
    assert precision_of([0.0] * 10, Load()).relative is None, "a zero median has no relative width"


def test_query_counts_are_averaged_merged_and_a_bad_header_skipped() -> None:
    one, two = Recorder(), Recorder()
    for value in ("3", "5", "many", "nan"):
        one.record_queries(value)
    two.record_queries("7")
    assert one.mean_queries == 4.0
    assert one.merge(two).mean_queries == 5.0
    assert Recorder().mean_queries is None


def test_the_rounds_spread_is_the_standard_error_of_their_mean_log() -> None:
    assert rounds_spread([1.0, 1.0]) is None, "two rounds say nothing about their scatter"
    assert rounds_spread([2.0, 2.0, 2.0]) == 0.0
    spread = rounds_spread([1.0, 1.1, 0.9, 1.05])
    logs = [math.log(v) for v in (1.0, 1.1, 0.9, 1.05)]
    mean = sum(logs) / 4
    sd = math.sqrt(sum((x - mean) ** 2 for x in logs) / 3)
    assert spread == pytest.approx(math.expm1(1.959964 * sd / 2))


def test_a_tight_interval_with_rounds_that_disagree_is_not_reached() -> None:
    ordered = sorted([0.005] * 36 + [0.015] * 12)
    load = Load(precision=0.05)
    assert precision_of(ordered, load).reached is True
    split = precision_of(ordered, load, rounds=[0.005, 0.005, 0.005, 0.015])
    assert split.reached is False
    assert split.rounds_relative > 0.05
    assert precision_of(ordered, load, rounds=[0.005, 0.0051, 0.00495]).reached is True
