"""One run, read: per endpoint its growth, cost per record, forecasts and causes; for the run its
write path and, for a concurrency sweep, where each endpoint saturates (pure).

The report, the console's verdict lines and the thresholds read the same numbers from here.
Growth is read at each endpoint's lowest concurrency level (queueing at higher levels adds time that is not
the data's); saturation at the largest size.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ..results import CellStats, RunResult
from ..thresholds import MetricKind, Rule, RuleError, parse_rule
from .causes import Causes, Trend, causes, write_trend
from .endpoint import QUIET, RunNoise, endpoint_growth, latency_series, result_noise
from .forecast import CostPerRecord, Crossing, cost_per_record, crossing, fit_like, fitted_median
from .growth import Growth
from .reference import Reference
from .usl import Saturation, saturation

PERCENTILES = {"median": 50.0, "p90": 90.0, "p95": 95.0, "p99": 99.0}


@dataclass(frozen=True, slots=True)
class Limit:
    """A latency rule of the plan that a forecast can speak to, and the endpoints it covers."""

    rule: Rule
    endpoints: tuple[str, ...]

    def covers(self, endpoint: str) -> bool:
        return not self.endpoints or any(fnmatch.fnmatchcase(endpoint, g) for g in self.endpoints)


@dataclass(frozen=True, slots=True, eq=False)
class Reading:
    """One endpoint at the base concurrency; ``growth`` is None when no cell has a size."""

    endpoint: str
    cells: tuple[CellStats, ...]
    growth: Growth | None
    cost: CostPerRecord | None
    crossings: tuple[Crossing, ...]
    causes: Causes | None


@dataclass(frozen=True, slots=True, eq=False)
class RunReading:
    concurrency: int
    endpoints: tuple[Reading, ...]
    writes: Trend | None
    saturations: tuple[Saturation, ...]
    reference: Reference | None = None
    """The machine's speed by size, when the plan names a reference endpoint measured at two sizes or more."""

    def endpoint(self, name: str) -> Reading | None:
        return next((r for r in self.endpoints if r.endpoint == name), None)


def latency_limits(scenario: Mapping[str, Any]) -> list[Limit]:
    """The plan's ``p95 < 300ms``-like rules (median, p90, p95, p99 upper bounds), from the
    scenario as saved in the results; rules that do not parse are the loader's business."""
    found = []
    for item in scenario.get("thresholds") or () if isinstance(scenario, Mapping) else ():
        spec = {"rules": item} if isinstance(item, str) else item if isinstance(item, Mapping) else {}
        texts = spec.get("rules")
        endpoints = spec.get("endpoints") or ()
        for text in texts if isinstance(texts, list) else [texts]:
            try:
                rule = parse_rule(text) if isinstance(text, str) else None
            except RuleError:
                continue
            upper = rule is not None and rule.op in ("<", "<=")
            if upper and rule.kind is MetricKind.TIME and rule.metric in PERCENTILES:  # type: ignore[union-attr]
                scope = tuple(endpoints) if isinstance(endpoints, list) else (str(endpoints),)
                found.append(Limit(rule, scope))  # type: ignore[arg-type]
    return found


def base_level(result: RunResult, endpoint: str | None = None) -> int:
    """The run's lowest level, or ``endpoint``'s own (an open model's max_in_flight beside closed
    workers is that endpoint's only level: its growth is read there)."""
    levels = result.concurrency_levels if endpoint is None else result.endpoint_levels(endpoint)
    return levels[0] if levels else 1


def read_endpoint(result: RunResult, endpoint: str, limits: Sequence[Limit] = (),
                  noise: RunNoise = QUIET) -> Reading:
    level = base_level(result, endpoint)
    cells = tuple(sorted((c for c in result.cells if c.endpoint == endpoint and c.concurrency == level
                          and c.size is not None), key=lambda c: c.size or 0))
    if not cells:
        return Reading(endpoint, cells, None, None, (), None)
    growth = endpoint_growth(cells, noise)
    median = fitted_median(growth)
    cost = cost_per_record(median) if median is not None and len(growth.data) >= 3 else None
    found = []
    for limit in limits:
        if not limit.covers(endpoint) or len(growth.data) < 3:
            continue
        percentile = PERCENTILES[limit.rule.metric]
        fitted = median if percentile == 50.0 else fit_like(
            growth, latency_series(cells, percentile, noise), key=f"{endpoint}/{limit.rule.metric}")
        if fitted is not None:
            found.append(crossing(fitted, limit.rule.limit, limit.rule.metric))
    return Reading(endpoint, cells, growth, cost, tuple(found), causes(cells))


_READ: list[tuple[RunResult, RunReading]] = []
"""The last runs read: the report, its charts and the console read one run several times."""


def read_run(result: RunResult) -> RunReading:
    """The run read once: the same object for the same (immutable) result."""
    for known, reading in _READ:
        if known is result:
            return reading
    reading = _read(result)
    _READ.insert(0, (result, reading))
    del _READ[4:]
    return reading


def _read(result: RunResult) -> RunReading:
    limits = latency_limits(result.scenario)
    noise = result_noise(result)
    endpoints = tuple(read_endpoint(result, e, limits, noise) for e in result.endpoints)
    saturations = []
    if result.swept:
        for endpoint in result.endpoints:
            cells = [c for c in result.cells if c.endpoint == endpoint]
            largest = max((c.size for c in cells if c.size is not None), default=None)
            found = saturation(endpoint, [c for c in cells if c.size == largest])
            if found is not None:
                saturations.append(found)
    return RunReading(base_level(result), endpoints, write_trend(result.seeding), tuple(saturations),
                      noise.reference)
