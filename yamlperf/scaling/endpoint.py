"""The growth of one endpoint across dataset sizes, as both the report and threshold rules judge it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ..results import CellStats
from .cliffs import Cliff, find_cliffs, without_cliffs
from .fit import GrowthFit, fit_growth
from .series import median_noise


@dataclass(frozen=True, slots=True)
class EndpointGrowth:
    """How an endpoint's median grows with the data, apart from a cliff if there is one."""

    fit: GrowthFit
    cliff: Cliff | None
    points: int


def endpoint_growth(cells: Sequence[CellStats]) -> EndpointGrowth | None:
    """Fit the medians of one endpoint's cells (one concurrency level, sizes ascending).

    The cells' own sample spread sets the noise level, and a cliff is taken out before the growth
    is named, so one jump does not read as super-linear growth. None without any sized cell.
    """
    sized = [c for c in cells if c.size is not None]
    if not sized:
        return None
    points = [(c.records, c.latency.median) for c in sized if c.latency is not None and c.successes]
    noises = sorted(n for c in sized if (n := median_noise(c.samples)) is not None)
    hint = noises[len(noises) // 2] if noises else None
    cliffs = find_cliffs(points, noise_hint=hint)  # type: ignore[arg-type]
    fit = fit_growth(without_cliffs(points, cliffs), noise_hint=hint)  # type: ignore[arg-type]
    return EndpointGrowth(fit, cliffs[0] if cliffs else None, len(points))
