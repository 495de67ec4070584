"""An endpoint's growth class between two runs: ``search: O(log n) -> O(n)`` (pure).

Each run's growth is read as its report reads it (lowest concurrency, its own sizes). A class
changed when the coarse classes the two runs allow (constant, sub-linear, linear, super-linear: what
a verdict leads with) do not overlap: both named and different, or a named class outside the other
run's undetermined range, or two ranges apart. Two runs whose ranges overlap may agree, and nothing
is said; a change of the class is a claim about the code, and the bootstrap's 80% is each run's own.
A move within one coarse class (O(n) to O(n log n), O(n^2) to n^2.3) is not one: identical runs on a
shared machine make it.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..results import RunResult
from ..thresholds import GROWTH_CLASSES
from . import classes
from .growth import Growth
from .reading import read_run


@dataclass(frozen=True, slots=True, eq=False)
class ClassChange:
    endpoint: str
    before: Growth
    after: Growth

    @property
    def steeper(self) -> bool:
        return _bounds(self.after)[0] > _bounds(self.before)[1]

    @property
    def text(self) -> str:
        """``search: O(log n) -> O(n) (91% -> 88% of resamples)``."""
        return f"{self.endpoint}: {_short(self.before)} -> {_short(self.after)}"


def _bounds(growth: Growth) -> tuple[int, int]:
    """The coarse classes the growth allows, as indexes of ``GROWTH_CLASSES``."""
    low, high = (growth.rank, growth.rank) if growth.rank is not None else (growth.low, growth.high)
    return _coarse(low), _coarse(high)


def _coarse(rank: int) -> int:
    return GROWTH_CLASSES.index(classes.LEGACY_OF_RANK[rank])


def _short(growth: Growth) -> str:
    if growth.rank is not None:
        return f"{growth.label()} ({growth.support:.0%} of resamples)"
    return f"{growth.headline} between {growth.label(growth.low)} and {growth.label(growth.high)}"


def class_changes(base: RunResult, new: RunResult) -> tuple[ClassChange, ...]:
    """Endpoints measured at three or more sizes in both runs whose plausible classes do not overlap."""
    before, after = read_run(base), read_run(new)
    found = []
    for reading in after.endpoints:
        old = before.endpoint(reading.endpoint)
        if old is None or old.growth is None or reading.growth is None:
            continue
        if len(old.growth.data) < 3 or len(reading.growth.data) < 3 or old.growth.note or reading.growth.note:
            continue
        low_b, high_b = _bounds(old.growth)
        low_n, high_n = _bounds(reading.growth)
        if high_n < low_b or low_n > high_b:
            found.append(ClassChange(reading.endpoint, old.growth, reading.growth))
    return tuple(found)
