"""A cell's own rounds: a slow spell in some of them widens that figure's noise, not the run's."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from yamlperf.analysis.growth import name_growth
from yamlperf.analysis.points import own_share, round_share, series

from .helpers import point

STEADY = (1.0, 1.02, 0.98, 1.01, 0.99)


def rounds_of(median: float, factors: tuple[float, ...]) -> tuple[float, ...]:
    return tuple(median * f for f in factors)


def test_rounds_that_agree_add_no_jitter_of_their_own() -> None:
    steady = replace(point(100, 2e-4), rounds=rounds_of(2e-4, STEADY))
    assert own_share(steady) < 0.03
    assert own_share(point(100, 2e-4)) == 0.0


def test_a_slow_spell_in_half_the_rounds_of_the_largest_size_is_not_read_as_steeper_growth() -> None:
    """A linear endpoint whose largest size met a 1.7x slow spell in half its rounds (as a shared
    host does): the pooled median sits in the slow mode, but the cell's own rounds disagree by as
    much, so that figure cannot make the run super-linear. Measured on the demo: search at 500
    records, rounds at 5 and at 8.5 ms, read as O(n^2) by 86% of the resamples before."""
    rng = np.random.default_rng(1)
    cells = []
    for n in (10, 50, 100, 200):
        median = 2.8e-4 + 9.5e-6 * n
        cells.append(replace(point(n, median), rounds=tuple(median * (1 + 0.02 * rng.standard_normal())
                                                            for _ in range(5))))
    spell = (5.1, 8.4, 8.9, 5.1, 6.5, 8.9, 5.3, 8.5, 8.7, 8.1, 5.0, 4.9)
    top = replace(point(500, 8.0e-3), rounds=tuple(r * 1e-3 for r in spell))
    share = round_share([[*cells, top]])
    assert share is not None
    assert share < 0.05
    assert own_share(top) > 0.2
    growth = name_growth(series([*cells, top], round_share=share), key="search")
    assert growth.headline == "linear"


def test_the_run_jitter_is_the_median_of_its_cells() -> None:
    cells = [replace(point(n, 1e-3), rounds=rounds_of(1e-3, tuple(1 + s * 0.1 * k for k in (-1, 0, 1))))
             for n, s in zip((10, 20, 30), (0.5, 1.0, 1.5), strict=True)]
    found = round_share([cells])
    assert found is not None
    assert np.isclose(found, own_share(cells[1]))
