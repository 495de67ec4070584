"""Cost per record, figures at a size and crossing sizes, from the chosen model and its replicates."""

from __future__ import annotations

import math

import pytest

from yamlperf.analysis.forecast import (
    at_size,
    cost_per_record,
    crossing,
    describe_size,
    fitted_median,
    record_unit,
)
from yamlperf.analysis.growth import name_growth

from .helpers import shape

SIZES = (10, 50, 100, 200, 500)


def linear(n: float) -> float:
    return 0.001 + 1e-5 * n  # 1 ms fixed, +1 ms per 100 records


def test_the_cost_per_record_is_the_slope_with_an_interval() -> None:
    fitted = fitted_median(name_growth(shape(linear, SIZES), key="linear"))
    cost = cost_per_record(fitted)  # type: ignore[arg-type]
    assert cost is not None
    assert (cost.unit, cost.at) == (100, 500)
    assert cost.estimate.value == pytest.approx(0.001, rel=0.1)
    assert cost.estimate.low <= cost.estimate.value <= cost.estimate.high


def test_a_limit_beyond_the_measured_sizes_is_an_extrapolated_crossing_with_an_interval() -> None:
    fitted = fitted_median(name_growth(shape(linear, SIZES), key="linear"))
    found = crossing(fitted, 0.100, "median")  # type: ignore[arg-type]
    assert found.measured_at is None
    assert found.estimate is not None
    assert found.estimate.value == pytest.approx(9900, rel=0.15)
    assert found.estimate.low <= found.estimate.value <= found.estimate.high
    assert found.extrapolated


def test_a_limit_already_crossed_names_the_first_measured_size_over_it() -> None:
    fitted = fitted_median(name_growth(shape(linear, SIZES), key="linear"))
    found = crossing(fitted, 0.0025, "median")  # type: ignore[arg-type]
    assert found.measured_at == 200
    assert found.estimate is None


def test_a_constant_endpoint_never_crosses_a_limit_above_it() -> None:
    fitted = fitted_median(name_growth(shape(lambda n: 0.001, SIZES), key="flat"))
    found = crossing(fitted, 0.3, "p95")  # type: ignore[arg-type]
    assert found.estimate is not None
    assert not math.isfinite(found.estimate.value)
    assert describe_size(found.estimate.value) == "more than 10^9"


def test_a_figure_at_a_size_comes_with_its_interval() -> None:
    fitted = fitted_median(name_growth(shape(linear, SIZES), key="linear"))
    estimate = at_size(fitted, 10_000)  # type: ignore[arg-type]
    assert estimate.value == pytest.approx(0.101, rel=0.15)
    assert estimate.low <= estimate.value <= estimate.high


@pytest.mark.parametrize(("largest", "unit"), [(500, 100), (10_000, 1000), (50, 10), (3, 1)])
def test_the_cost_is_quoted_per_a_round_number_of_records(largest: int, unit: int) -> None:
    assert record_unit(largest) == unit


@pytest.mark.parametrize(("size", "text"), [(2412.7, "2,400"), (96.4, "96"), (1.3e6, "1,300,000")])
def test_sizes_are_rounded_to_two_significant_figures(size: float, text: str) -> None:
    assert describe_size(size) == text
