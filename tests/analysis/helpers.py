"""Points and series of known medians for the analysis tests: samples placed at the normal
quantiles around each median, so the median is exact and the sampling error is as stated."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from scipy.stats import norm

from yamlperf.analysis.points import Point, Series, series

COUNT = 40
_Z = norm.ppf((np.arange(COUNT) + 0.5) / COUNT)


def point(size: int, median: float, share: float = 0.03) -> Point:
    """A cell of ``COUNT`` samples whose median is ``median`` and whose median's error is ``share``."""
    spread = share * math.sqrt(COUNT) / 1.2533
    return Point(size, median, median * np.exp(spread * _Z), COUNT)


def medians(pairs: Sequence[tuple[int, float]], share: float = 0.03) -> Series:
    return series([point(n, v, share) for n, v in pairs])


def shape(function: object, sizes: Sequence[int], share: float = 0.01) -> Series:
    return medians([(n, function(n)) for n in sizes], share)  # type: ignore[operator]
