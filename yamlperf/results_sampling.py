"""How a cell was sampled: its rounds and the precision of its median, and their JSON form.

Part of the output model (``results.CellStats.rounds`` and ``.precision``). Times are seconds in
memory and milliseconds in JSON, as everywhere in results.json.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class RoundStats:
    """One round of a cell: the requests it sent in that visit and what they measured."""

    round: int
    """1-based; rounds after the planned ones are the precision sampling's."""
    position: int
    """0-based place of this cell in that round's shuffled order of the size's cells."""
    requests: int
    successes: int
    median: float | None
    p95: float | None
    wall_time: float
    query_count: float | None = None


@dataclass(frozen=True, slots=True)
class Precision:
    """How well the cell's median is known: its 95% confidence interval (order statistics) and the
    plan's target. ``reached`` is ``None`` when the plan set no target."""

    target: float | None
    """Relative half-width asked for (0.05 for ``precision: 5%``)."""
    floor: float | None
    """Absolute half-width asked for (seconds, ``precision_floor``)."""
    half_width: float | None
    """Half the interval's width (seconds); ``None`` with too few samples for an interval."""
    relative: float | None
    low: float | None
    high: float | None
    reached: bool | None
    rounds_relative: float | None = None
    """The same, from the scatter of the cell's round medians (3 rounds or more): how far a busy
    spell that slowed some rounds moves the cell's figure. ``reached`` needs both within target."""


def _ms(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds * 1e3, 6)


def _s(millis: float | None) -> float | None:
    return None if millis is None else millis / 1e3


def round_to_json(stats: RoundStats) -> dict[str, Any]:
    return {"round": stats.round, "position": stats.position, "requests": stats.requests,
            "successes": stats.successes, "median_ms": _ms(stats.median), "p95_ms": _ms(stats.p95),
            "wall_time_s": round(stats.wall_time, 6), "query_count": stats.query_count}


def round_from_json(data: Mapping[str, Any]) -> RoundStats:
    return RoundStats(round=data["round"], position=data["position"], requests=data["requests"],
                      successes=data["successes"], median=_s(data.get("median_ms")),
                      p95=_s(data.get("p95_ms")), wall_time=data["wall_time_s"],
                      query_count=data.get("query_count"))


def precision_to_json(precision: Precision | None) -> dict[str, Any] | None:
    if precision is None:
        return None
    relative = None if precision.relative is None else round(precision.relative, 6)
    spread = None if precision.rounds_relative is None else round(precision.rounds_relative, 6)
    return {"target": precision.target, "floor_ms": _ms(precision.floor),
            "half_width_ms": _ms(precision.half_width), "relative": relative,
            "low_ms": _ms(precision.low), "high_ms": _ms(precision.high), "reached": precision.reached,
            "rounds_relative": spread}


def precision_from_json(data: Mapping[str, Any] | None) -> Precision | None:
    if data is None:
        return None
    return Precision(target=data.get("target"), floor=_s(data.get("floor_ms")),
                     half_width=_s(data.get("half_width_ms")), relative=data.get("relative"),
                     low=_s(data.get("low_ms")), high=_s(data.get("high_ms")), reached=data.get("reached"),
                     rounds_relative=data.get("rounds_relative"))
