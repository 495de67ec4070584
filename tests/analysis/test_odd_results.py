"""The analysis reads odd results without an error or a numpy warning: one or two sizes, sizes of
1 and 100,000, times from a microsecond to a second, cells with one request, none answered, no
samples, sweeps whose throughput is zero."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import replace

import pytest

from tests.render.synthetic import make_cell, make_run
from yamlperf.analysis.sentences import verdict_lines
from yamlperf.render.analysis import analyze
from yamlperf.results import CellStats, RunResult

SIZES = (1, 2, 3, 5, 10, 50, 100, 1000, 100_000)


def _shape(a: float, b: float, k: float) -> Callable[[int], float]:
    return lambda n: a + b * n**k


def _odd(cell: CellStats, rng: random.Random) -> CellStats:
    draw = rng.random()
    if draw < 0.1:
        return make_cell(cell.endpoint, cell.size, 0.001, concurrency=cell.concurrency, n=rng.choice([1, 2, 3]))
    if draw < 0.15:
        return make_cell(cell.endpoint, cell.size, 0.001, concurrency=cell.concurrency, n=5, failures=5)
    return replace(cell, samples=(), throughput=0.0) if draw < 0.2 else cell


def odd_run(seed: int) -> RunResult:
    rng = random.Random(seed)
    sizes = tuple(sorted(rng.sample(SIZES, rng.randint(1, 6))))
    shapes = {f"e{i}": _shape(rng.choice([1e-6, 1e-3, 1.0]), rng.choice([0, 1e-9, 1e-5, 1e-2]),
                              rng.choice([0, 0.5, 1, 2, 3])) for i in range(rng.randint(1, 4))}
    run = make_run(shapes, sizes=sizes, concurrency=rng.choice([(1,), (1, 4), (1, 2, 8, 32)]), seed=seed)
    return replace(run, cells=tuple(_odd(cell, rng) for cell in run.cells))


@pytest.mark.filterwarnings("error")
@pytest.mark.parametrize("seed", range(16))
def test_odd_results_are_read_without_an_error_or_a_warning(seed: int) -> None:
    run = odd_run(seed)
    analysis = analyze(run)
    assert len(analysis.endpoints) == len(run.endpoints)
    assert all(isinstance(e.finding, str) for e in analysis.endpoints)
    assert isinstance(verdict_lines(run), tuple)
