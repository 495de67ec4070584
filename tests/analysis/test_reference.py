"""A reference endpoint (``analysis.reference``) times the machine's speed at each size: a slowdown
between sizes is taken off the request path of the other endpoints and is not read as growth."""

from __future__ import annotations

from dataclasses import replace

import pytest

from tests.ci.builders import cell, result
from yamlperf.analysis import classes
from yamlperf.analysis.endpoint import result_noise
from yamlperf.analysis.growth import Growth
from yamlperf.analysis.reading import read_run
from yamlperf.results import RunResult

SIZES = (10, 50, 100, 200, 500)
SLOWER = (1.0, 1.0, 1.3, 1.3, 1.3)
"""The machine 30% slower from the third size on (CPU steal on a shared host)."""
PATH = 0.4e-3


def _run(reference: str | None, slower: tuple[float, ...] = SLOWER, reference_cost: float = 0.0) -> RunResult:
    cells = []
    for index, (size, factor) in enumerate(zip(SIZES, slower, strict=True)):
        medians = {"health": 0.25e-3 * factor + reference_cost * size, "list": PATH * factor,
                   "search": PATH * factor + 20e-6 * size, "heavy": 65e-3 + PATH * factor}
        cells += [cell(endpoint, size, median=median, spread=median * 0.02, n=60, seed=seed * 10 + index)
                  for seed, (endpoint, median) in enumerate(medians.items())]
    run = result(*cells)
    analysis = {"reference": reference} if reference else {}
    return replace(run, scenario={"name": "demo", "analysis": analysis})


def _growth(run: RunResult, endpoint: str) -> Growth:
    reading = read_run(run).endpoint(endpoint)
    assert reading is not None
    assert reading.growth is not None
    return reading.growth


def test_without_a_reference_a_slowdown_between_sizes_reads_as_growth() -> None:
    """The case the reference is for: the flat endpoint's figures rise 30% as a block."""
    growth = _growth(_run(None), "list")
    assert growth.rank != classes.CONSTANT, growth.verdict


def test_with_a_reference_the_flat_endpoint_is_constant_and_the_growing_one_keeps_its_class() -> None:
    run = _run("health")
    flat = _growth(run, "list")
    assert flat.rank == classes.CONSTANT, flat.verdict
    assert flat.headline == "constant"
    usual = 1.3  # the median speed over the sizes: three of five were measured slower
    assert flat.values == pytest.approx([PATH * usual] * len(SIZES), rel=0.05)
    search = _growth(run, "search")
    assert search.headline == "linear", search.verdict
    smallest = PATH + 20e-6 * 10  # taken as the path every request of the endpoint pays
    assert search.values[0] == pytest.approx(smallest * usual, rel=0.05)
    assert search.values[-1] == pytest.approx(PATH + 20e-6 * 500 + smallest * (usual - 1), rel=0.02), \
        "only the path is corrected; the work is left as measured"


def test_the_reference_keeps_its_own_figures_and_reads_its_drift() -> None:
    run = _run("health")
    noise = result_noise(run)
    assert noise.reference is not None
    assert noise.reference.endpoint == "health"
    assert noise.reference.drift == pytest.approx(0.144, abs=0.02)  # sd of log(1, 1, 1.3, 1.3, 1.3)
    low, high = noise.reference.span
    assert (low, high) == (pytest.approx(1.0, rel=0.03), pytest.approx(1.3, rel=0.03))
    own = _growth(run, "health")
    assert own.values[-1] == pytest.approx(0.25e-3 * 1.3, rel=0.05)


def test_a_steady_machine_changes_no_figure() -> None:
    steady = (1.0,) * len(SIZES)
    with_reference = _growth(_run("health", steady), "search")
    without = _growth(_run(None, steady), "search")
    assert with_reference.values == pytest.approx(without.values, rel=0.03)
    assert with_reference.headline == without.headline == "linear"


def test_a_reference_measured_at_one_size_corrects_nothing() -> None:
    run = _run("health")
    kept = tuple(c for c in run.cells if c.endpoint != "health" or c.size == 10)
    run = replace(run, cells=kept)
    assert result_noise(run).reference is None
    assert _growth(run, "list").values == _growth(_run(None), "list").values


def test_a_heavy_endpoint_that_does_not_grow_keeps_its_figures() -> None:
    """65 ms of work beside a 0.4 ms path: only the path the reference times is corrected, not the
    whole 65 ms as if it were path (which made a 23% dip at the slow sizes out of nothing)."""
    heavy = _growth(_run("health"), "heavy")
    assert max(heavy.values) / min(heavy.values) < 1.03, heavy.values
    assert heavy.rank == classes.CONSTANT, heavy.verdict


def test_a_reference_that_grows_with_the_data_corrects_nothing() -> None:
    """A reference that reads the data would take the growth it shares off every endpoint."""
    run = _run("health", (1.0,) * len(SIZES), reference_cost=2e-6)
    noise = result_noise(run)
    assert noise.reference is not None
    assert noise.reference.trusted is False
    assert _growth(run, "health").grows
    search = _growth(run, "search")
    assert search.values == _growth(_run(None, (1.0,) * len(SIZES)), "search").values
    assert search.headline == "linear", search.verdict
