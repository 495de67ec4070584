"""Saturation under concurrency and Gunther's Universal Scalability Law."""

from __future__ import annotations

from dataclasses import replace

import pytest

from tests.ci.builders import cell
from yamlperf.analysis.sentences import saturation_sentence
from yamlperf.analysis.usl import fit_usl, saturation

LEVELS = (1, 2, 4, 8, 16, 32)


def usl(n: float, lam: float = 1000.0, sigma: float = 0.3, kappa: float = 0.01) -> float:
    return lam * n / (1 + sigma * (n - 1) + kappa * n * (n - 1))


def test_the_law_is_recovered_from_its_own_curve() -> None:
    fit = fit_usl(LEVELS, [usl(n) for n in LEVELS])
    assert fit is not None
    assert fit.sigma == pytest.approx(0.3, rel=0.02)
    assert fit.kappa == pytest.approx(0.01, rel=0.05)
    assert fit.peak_concurrency == pytest.approx((0.7 / 0.01) ** 0.5, rel=0.05)
    assert fit.peak_throughput == pytest.approx(usl(fit.peak_concurrency), rel=0.02)
    assert fit.r_squared > 0.99


def test_the_sweep_names_where_throughput_stops_rising_and_what_queueing_costs() -> None:
    cells = []
    for level in LEVELS:
        base = cell("detail", 200, concurrency=level, median=0.001 * level, spread=0.0001 * level, seed=level)
        cells.append(replace(base, throughput=usl(level)))
    found = saturation("detail", cells)
    assert found is not None
    assert found.saturates
    assert found.saturated_at == 4  # the fitted curve is within 10% of its best there
    text = saturation_sentence(found)
    assert text.startswith("detail saturates at about 4 requests in flight")
    assert "beyond it requests queue: p95" in text
    assert "Universal Scalability Law: contention \u03c3 = 0.3" in text
    assert "a peak at 8.4 in flight" in text


def test_a_sweep_still_rising_says_to_measure_higher() -> None:
    cells = [replace(cell("detail", 200, concurrency=n, seed=n), throughput=1000.0 * n) for n in LEVELS]
    found = saturation("detail", cells)
    assert found is not None
    assert not found.saturates
    assert "still rises at the highest level measured, 32 in flight" in saturation_sentence(found)


def test_one_level_is_no_sweep() -> None:
    assert saturation("detail", [cell("detail", 200, concurrency=4)]) is None
