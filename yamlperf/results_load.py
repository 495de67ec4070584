"""The output model of a cell's workload and time series, and their JSON form.

``CellLoad`` says what a cell was asked to do (closed or open, rate, duration, stages) and what it
did (the rate achieved, requests dropped or late, the client's own CPU). ``IntervalStats`` is one
interval of its time series. Times are seconds in memory, milliseconds in JSON (``*_ms``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

SERIES_LATENCY = ("p50", "p95", "p99", "max")


@dataclass(frozen=True, slots=True)
class IntervalLatency:
    """Latency of the requests answered in one interval, in seconds."""

    p50: float
    p95: float
    p99: float
    max: float

    def get(self, name: str) -> float:
        return float(getattr(self, name))


@dataclass(frozen=True, slots=True)
class IntervalStats:
    """One interval of a cell: ``t`` is its start, seconds from the cell's (negative: warm-up).
    Requests are counted where they were due to start (``started``, ``dropped``, ``late``) and
    where they ended (``answered``, ``ok``, ``failures``, ``latency``)."""

    t: float
    started: int
    answered: int
    ok: int
    in_flight: int
    failures: Mapping[str, int] = field(default_factory=dict)
    dropped: int = 0
    late: int = 0
    latency: IntervalLatency | None = None
    target: float | None = None
    """The rate (open) or workers (closed) asked for in the middle of the interval."""
    client_cpu: float | None = None
    """The share of one CPU core the client process used (1.0: a whole core)."""
    warmup: bool = False
    histogram: tuple[tuple[int, int], ...] = ()
    """The interval's latencies as (microseconds, count) buckets of 1/64 of their power of two:
    windows of intervals merge by adding counts (``windows.py``)."""

    @property
    def failed(self) -> int:
        return sum(self.failures.values())


@dataclass(frozen=True, slots=True)
class CellLoad:
    """How a cell was driven and whether the client kept to it."""

    model: str
    """``closed``: workers that wait for their answers; ``open``: arrivals on a schedule."""
    workers: int
    """Closed: the workers (the most a ramp asks for); open: the cap on requests in flight."""
    duration: float | None = None
    """Planned seconds of a timed cell; None for a count of requests."""
    rate: float | None = None
    """Open model: the arrivals per second asked for (the mean over a ramp)."""
    stages: tuple[tuple[float, float], ...] = ()
    """The ramp as written: (duration in seconds, target rate or workers) per stage."""
    asked: int | None = None
    """Open model: the requests the schedule asked for."""
    dropped: int = 0
    """Arrivals that could not start because ``max_in_flight`` requests were in flight."""
    late: int = 0
    """Requests that started more than ``LATE_AFTER_S`` after they were due (the client was behind);
    their latency counts from when they were due."""
    achieved_rate: float = 0.0
    """Requests started per second over the measured period."""
    client_cpu: float | None = None
    """The share of one CPU core the client process used over the cell."""
    max_start_lag: float = 0.0
    """Open model: the longest a request started after it was due, seconds."""
    limited_by: str = ""
    """Why the asked rate was not held: ``client`` (its own CPU), ``target`` (``max_in_flight``
    requests waiting for answers) or ``""`` when it was held."""
    interval: float = 1.0
    """The time series' interval, seconds."""


def keeping_up_text(load: CellLoad) -> str:
    """The verdict in words for the console and the report, or ""."""
    if not load.limited_by or load.rate is None:
        return ""
    held = f"asked {load.rate:,.1f}/s, achieved {load.achieved_rate:,.1f}/s"
    if load.limited_by == "client":
        cpu = f" at {load.client_cpu * 100:.0f}% of a CPU core" if load.client_cpu is not None else ""
        return (f"the client could not keep up ({held}; {load.late:,} late, {load.dropped:,} dropped): "
                f"yamlperf itself was the limit{cpu}, not the target; lower the rate or spread it over more "
                "workers")
    return (f"the target could not keep up ({held}): {load.workers} requests were in flight and "
            f"{load.dropped:,} arrivals were dropped; raise max_in_flight to see how far latency grows")


def _ms(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds * 1e3, 6)


def interval_to_json(item: IntervalStats) -> dict[str, Any]:
    latency = item.latency
    return {
        "t_s": round(item.t, 6), "started": item.started, "answered": item.answered, "ok": item.ok,
        "failures": dict(item.failures), "in_flight": item.in_flight, "dropped": item.dropped,
        "late": item.late, "latency_ms": None if latency is None else {
            name: _ms(getattr(latency, name)) for name in SERIES_LATENCY},
        "target": item.target, "client_cpu": item.client_cpu, "warmup": item.warmup,
        "histogram": item.histogram,
    }


def interval_from_json(data: Mapping[str, Any]) -> IntervalStats:
    latency = data.get("latency_ms")
    return IntervalStats(
        t=data["t_s"], started=data["started"], answered=data["answered"], ok=data["ok"],
        in_flight=data["in_flight"], failures=dict(data.get("failures", {})), dropped=data.get("dropped", 0),
        late=data.get("late", 0), target=data.get("target"), client_cpu=data.get("client_cpu"),
        warmup=data.get("warmup", False),
        histogram=tuple((int(b), int(n)) for b, n in data.get("histogram", ())),
        latency=None if latency is None else IntervalLatency(
            **{name: float(latency[name]) / 1e3 for name in SERIES_LATENCY}),
    )


def load_to_json(load: CellLoad | None) -> dict[str, Any] | None:
    if load is None:
        return None
    return {
        "model": load.model, "workers": load.workers, "duration_s": load.duration, "rate": load.rate,
        "stages": [{"duration_s": d, "target": t} for d, t in load.stages], "asked": load.asked,
        "dropped": load.dropped, "late": load.late, "achieved_rate": round(load.achieved_rate, 3),
        "client_cpu": None if load.client_cpu is None else round(load.client_cpu, 4),
        "max_start_lag_ms": _ms(load.max_start_lag), "limited_by": load.limited_by,
        "interval_s": load.interval,
    }


def load_from_json(data: Mapping[str, Any] | None) -> CellLoad | None:
    if data is None:
        return None
    return CellLoad(
        model=data["model"], workers=data["workers"], duration=data.get("duration_s"), rate=data.get("rate"),
        stages=tuple((s["duration_s"], s["target"]) for s in data.get("stages", ())), asked=data.get("asked"),
        dropped=data.get("dropped", 0), late=data.get("late", 0),
        achieved_rate=data.get("achieved_rate", 0.0),
        client_cpu=data.get("client_cpu"), max_start_lag=(data.get("max_start_lag_ms") or 0.0) / 1e3,
        limited_by=data.get("limited_by", ""), interval=data.get("interval_s", 1.0),
    )
