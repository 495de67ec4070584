"""What one cell must do, as a frozen spec: a count or a time, a rate or workers, a ramp (pure).

``CellWork`` is what the request loops read: the target (requests/s or workers) at any moment,
the intended start time of every arrival, the requests and seconds it will cost. It divides into
equal shares (``divide``), so executors can hand a worker process or a Dask worker its part of a
cell (a share of the rate, of the workers or of the count) and merge what they record.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass, replace

from ..scenario import Stage, Workload
from ..units import format_rate, format_span

SERIES_INTERVAL_S = 1.0


@dataclass(frozen=True, slots=True)
class CellWork:
    """``workers`` are the closed model's threads (the most any stage asks for) or the open model's
    cap on requests in flight. ``iterations`` is a count (closed, or open arrivals); ``duration``
    the seconds of a timed cell; ``stages`` a ramp of ``rate`` (open) or of workers (closed)."""

    open: bool
    workers: int
    iterations: int | None = None
    duration: float | None = None
    rate: float | None = None
    stages: tuple[Stage, ...] = ()
    interval: float = SERIES_INTERVAL_S

    @property
    def model(self) -> str:
        return "open" if self.open else "closed"

    @property
    def timed(self) -> bool:
        return self.length is not None

    @property
    def length(self) -> float | None:
        """Planned seconds: the stages' sum, the duration, or open arrivals' count over the rate."""
        if self.stages:
            return sum(s.duration for s in self.stages)
        if self.duration is not None:
            return self.duration
        if self.open and self.iterations is not None and self.rate:
            return self.iterations / self.rate
        return None

    def target_at(self, t: float) -> float:
        """The rate (open) or the workers (closed) asked for ``t`` seconds into the cell."""
        if not self.stages:
            return float(self.rate or 0.0) if self.open else float(self.workers)
        begin, previous = 0.0, 0.0
        for stage in self.stages:
            end = begin + stage.duration
            if t < end:
                share = (t - begin) / stage.duration if stage.duration else 1.0
                return previous + (stage.target - previous) * share
            begin, previous = end, stage.target
        return previous

    def active_workers(self, t: float) -> int:
        """Closed ramps: how many of the workers may send at ``t`` (the target, rounded)."""
        return min(self.workers, int(self.target_at(t) + 0.5)) if self.stages else self.workers

    def arrivals(self) -> Iterator[float]:
        """Open model: the intended start of each request, in seconds from the cell's start, such
        that the k-th arrival is due when the rate's integral reaches k (the first at 0)."""
        if not self.open:
            return
        if not self.stages:
            rate = self.rate or 0.0
            if rate <= 0:
                return
            count = self.iterations if self.iterations is not None else math.ceil((self.duration or 0) * rate)
            for k in range(count):
                yield k / rate
            return
        begin, previous, done = 0.0, 0.0, 0.0
        k = 0
        for stage in self.stages:
            slope = (stage.target - previous) / stage.duration if stage.duration else 0.0
            total = done + (previous + stage.target) / 2 * stage.duration
            while k < total - 1e-9:
                need = k - done
                root = math.sqrt(max(0.0, previous * previous + 2 * slope * need))
                offset = 2 * need / (previous + root) if previous + root > 0 else 0.0
                yield begin + min(offset, stage.duration)
                k += 1
            begin, previous, done = begin + stage.duration, stage.target, total

    def asked_by(self, t: float | None = None) -> float:
        """Open model: the arrivals the schedule asks for in its first ``t`` seconds (all of them
        when None), the integral of its rate: exact, where counting ``arrivals()`` of a long or
        fast cell would take seconds."""
        if not self.open:
            return 0.0
        if not self.stages:
            rate = self.rate or 0.0
            count = float(self.iterations) if self.iterations is not None else (self.duration or 0.0) * rate
            return count if t is None else min(count, max(0.0, t) * rate)
        area, begin, previous = 0.0, 0.0, 0.0
        for stage in self.stages:
            span = stage.duration if t is None else min(stage.duration, max(0.0, t - begin))
            if stage.duration and span:
                at_end = previous + (stage.target - previous) * span / stage.duration
                area += (previous + at_end) / 2 * span
            begin, previous = begin + stage.duration, stage.target
        return area

    def arrivals_before(self, t: float | None = None) -> int:
        """Open model: how many of ``arrivals()`` are due before ``t`` (all when None), counted
        without drawing them: the k-th is due when the rate's integral reaches k."""
        if not self.open or not (self.rate or self.stages):
            return 0
        if self.stages or self.iterations is None:
            count = math.ceil(self.asked_by() - 1e-9)
        else:
            count = self.iterations
        if t is None:
            return max(0, count)
        return max(0, min(count, math.ceil(self.asked_by(t) - 1e-9)))

    def planned_requests(self) -> int | None:
        """Requests the cell will send: its count, its arrivals, or None (closed and timed: as
        many as the target answers)."""
        if self.iterations is not None and not self.stages and self.duration is None:
            return self.iterations
        if self.open:
            return self.arrivals_before()
        return None

    def divide(self, parts: int) -> tuple[CellWork, ...]:
        """``parts`` shares that together do this cell's work: rates, workers and counts split as
        evenly as whole numbers allow (the first shares take the remainders)."""
        parts = max(1, parts)

        def share(value: int, index: int) -> int:
            return value // parts + (1 if index < value % parts else 0)

        return tuple(replace(
            self, workers=max(1, share(self.workers, i)),
            iterations=None if self.iterations is None else share(self.iterations, i),
            rate=None if self.rate is None else self.rate / parts,
            stages=tuple(Stage(s.duration, s.target / parts) if self.open else
                         Stage(s.duration, float(share(int(s.target), i))) for s in self.stages),
        ) for i in range(parts))

    def describe(self) -> str:
        """``at 300/s for 2m``, ``x10 for 30s``, ``ramp 0->50->300->0/s over 3m``, ``x4`` (count)."""
        if self.stages:
            unit = "/s" if self.open else " workers"
            targets = "->".join(f"{s.target:g}" for s in self.stages)
            return f"ramp 0->{targets}{unit} over {format_span(self.length or 0)}"
        if self.open:
            length = (f"for {format_span(self.duration)}" if self.duration is not None
                      else f"{self.iterations} arrivals")
            return f"at {format_rate(self.rate or 0)} {length}"
        if self.duration is not None:
            return f"x{self.workers} for {format_span(self.duration)}"
        return f"x{self.workers}"


def cell_work(workload: Workload, concurrency: int, iterations: int) -> CellWork:
    """The scenario's workload for one cell; ``concurrency`` is the closed model's workers."""
    if workload.open:
        return CellWork(True, workload.max_in_flight, workload.iterations, workload.duration, workload.rate,
                        workload.stages)
    if workload.stages:
        most = max(1, int(max(s.target for s in workload.stages) + 0.5))
        return CellWork(False, most, None, None, None, workload.stages)
    if workload.duration is not None:
        return CellWork(False, concurrency, None, workload.duration)
    return CellWork(False, concurrency, iterations)
