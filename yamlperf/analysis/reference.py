"""The machine's speed at each dataset size, from a reference endpoint whose cost does not depend on
the data (``analysis.reference``: a health or version URL), and the figures corrected by it.

A scale run measures its sizes one after another, a few seconds each. On a shared machine the
whole request path slows and recovers over tens of seconds (CPU steal, scheduling, wake-ups on
loopback): measured on the demo, a data-free ``/api/health`` moved 0.37-0.65 ms within two
minutes on one unchanged state, in lockstep with the flat endpoints (correlation 0.99 over 10 s
windows), while their ratio to it moved by 3%. Such a drift is the same at every size of a run
and shifts one size's figures as a block, which reads as growth, or hides it, in a fit across
sizes. More requests per size do not average it out; a reference measured in the same rounds
does: each size's figures are scaled by the speed the reference saw then, relative to its median
over the run.

Only the request path is corrected (``Reference.corrected``): the part of an endpoint's time
that the reference's drift says nothing certain about is left as measured and charged as doubt.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace

import numpy as np

from ..results import CellStats
from .points import Point, sampling_error

NOTICEABLE_DRIFT = 0.05
"""A drift of the reference (log-scale spread across sizes) from which the report says it."""
PATH_LIMIT = 2.0
"""The most of an endpoint's time taken as request path, in multiples of the reference's usual time:
the demo's flat endpoints take 1.4 to 1.9 times its /api/health."""


@dataclass(frozen=True, slots=True)
class Speed:
    """At one dataset size: ``factor`` brings a figure measured then to the run's usual speed; its
    relative error is ``error`` (the reference's own sampling error at that size)."""

    factor: float
    error: float
    reference: float
    """The reference's median at that size (seconds)."""


@dataclass(frozen=True, slots=True)
class Reference:
    """The reference endpoint's speed by size (the records measured on, as ``Point.size``) and how
    much it drifted."""

    endpoint: str
    speeds: Mapping[int, Speed] = field(default_factory=dict)
    usual: float = 0.0
    """The reference's median over the run's sizes (seconds): the speed figures are brought to."""
    trusted: bool = True
    """False when the reference's own figures grow with the data: it is then no measure of the
    machine alone, and nothing is corrected by it (a correction would take real growth off)."""

    @property
    def drift(self) -> float:
        """The spread of the reference's medians across sizes (standard deviation of their logs)."""
        logs = [math.log(s.reference) for s in self.speeds.values()]
        return float(np.std(logs, ddof=1)) if len(logs) >= 2 else 0.0

    @property
    def span(self) -> tuple[float, float]:
        """The slowest and the fastest size's factor: how far the correction moved a figure."""
        factors = [s.factor for s in self.speeds.values()] or [1.0]
        return min(factors), max(factors)

    def corrected(self, points: Sequence[Point]) -> list[Point]:
        """One endpoint's points with the request path each paid brought to the run's usual speed.

        The path is what every request of the endpoint pays whatever the data, and what the
        reference times: the endpoint's smallest figure once corrected in full, but at most
        ``PATH_LIMIT`` times the reference's own usual time (a 65 ms endpoint that does not grow is
        not 65 ms of request path). At a size where the reference took ``1/factor`` times its
        usual time, that part is taken off and its usual time put back. The rest, the endpoint's
        own work, is left as measured: how much a slowdown stretches it depends on what slowed
        the machine (on the demo a 65 ms request moved an eighth as much as the path under CPU
        steal, and nearly as much under a busy neighbour process), so each point is charged that
        unknown: the work's share of the drift, with an elasticity anywhere from 0 to 1 and taken
        as 0 (a root-mean-square error of ``|ln factor| / sqrt(3)``), beside the reference's own
        error (``Point.speed_error``). A point at a size the reference has no median for is left
        as measured and charged the reference's whole drift. Applying the whole drift to every
        request was measured too: it over-corrects the heavy ones and made their verdicts less
        stable, not more."""
        known = [p for p in points if p.size in self.speeds and p.value > 0]
        if not known or not self.trusted:
            return list(points)
        path = min(*(p.value * self.speeds[p.size].factor for p in known), PATH_LIMIT * self.usual)
        out = []
        for point in points:
            speed = self.speeds.get(point.size)
            if point.value <= 0 or not math.isfinite(point.value):
                out.append(point)
            elif speed is None:
                out.append(replace(point, speed_error=self.drift))
            else:
                out.append(_corrected(point, speed, path))
        return out


def _corrected(point: Point, speed: Speed, path: float) -> Point:
    paid = min(path / speed.factor, point.value)
    value = point.value - paid + path
    scale = value / point.value
    unknown = (point.value - paid) / value * abs(math.log(speed.factor)) / math.sqrt(3)
    return replace(point, value=value, samples=point.samples * scale,
                   rounds=tuple(r * scale for r in point.rounds),
                   speed_error=math.hypot(speed.error * paid / point.value, unknown))


def reference_of(cells: Iterable[CellStats], endpoint: str | None) -> Reference | None:
    """The speed the ``endpoint`` cells measured at each size (at its lowest concurrency), or None
    without a reference or when it was measured at fewer than two sizes."""
    if not endpoint:
        return None
    own = [c for c in cells if c.endpoint == endpoint and c.size is not None and c.successes
           and c.latency is not None and c.latency.median]
    if not own:
        return None
    level = min(c.concurrency for c in own)
    points = [Point(size, float(c.latency.median), np.asarray(c.samples, dtype=float), c.successes)  # type: ignore[union-attr]
              for c in own if c.concurrency == level and (size := c.records or c.size) is not None]
    return reference_from(endpoint, points)


def reference_from(endpoint: str, points: Iterable[Point]) -> Reference | None:
    """The reference's speed from its median at each size, or None with fewer than two sizes."""
    medians = {p.size: (p.value, sampling_error(p) / p.value) for p in points if p.value > 0}
    if len(medians) < 2:
        return None
    usual = math.exp(float(np.median([math.log(v) for v, _ in medians.values()])))
    speeds = {size: Speed(usual / value, error, value) for size, (value, error) in medians.items()}
    return Reference(endpoint, speeds, usual)


def declared_reference(scenario: Mapping[str, object]) -> str | None:
    """``analysis.reference`` of the plan as saved in the results, or None."""
    analysis = scenario.get("analysis") if isinstance(scenario, Mapping) else None
    name = analysis.get("reference") if isinstance(analysis, Mapping) else None
    return str(name) if name else None
