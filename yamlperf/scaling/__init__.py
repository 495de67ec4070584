"""How an endpoint's response time grows with the dataset: growth fits, cliffs, declines, outliers.

Pure functions on ``(size, value)`` points, shared by the report's analysis and by threshold rules
such as ``growth <= linear`` (which compare ``GrowthFit.rank`` with ``thresholds.GROWTH_CLASSES``).
"""

from __future__ import annotations

from .cliffs import CLIFF_EDGE_MIN_JUMP, CLIFF_MIN_JUMP, Cliff, find_cliffs, without_cliffs
from .fit import NEGLIGIBLE_SHARE, SUBLINEAR_BELOW, SUPERLINEAR_ABOVE, GrowthFit, fit_growth
from .series import Outlier, SuccessDecline, find_outliers, median_noise, success_decline

__all__ = [
    "CLIFF_EDGE_MIN_JUMP", "CLIFF_MIN_JUMP", "NEGLIGIBLE_SHARE", "SUBLINEAR_BELOW", "SUPERLINEAR_ABOVE",
    "Cliff", "GrowthFit", "Outlier", "SuccessDecline", "find_cliffs", "find_outliers", "fit_growth",
    "median_noise", "success_decline", "without_cliffs",
]
