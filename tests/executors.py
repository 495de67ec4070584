"""Helpers for the executor tests: a backend that keeps what its workers sent back, an observer that
acts when a cell is under way, and the check that merged percentiles are one process's."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import Any

import pytest

from yamlperf.engine.executor import Backend
from yamlperf.engine.progress import LiveView
from yamlperf.engine.stats import Recorder, latency_of, merge_all, percentile
from yamlperf.engine.worker import Lost, ShareJob, ShareOutcome
from yamlperf.results import CellStats


class Keeping:
    """A backend that keeps every cell's outcomes (in run order) as its workers sent them."""

    def __init__(self, backend: Backend) -> None:
        self.backend = backend
        self.name = backend.name
        self.cells: list[list[ShareOutcome | Lost]] = []

    def workers(self) -> int:
        return self.backend.workers()

    def run(self, jobs: Sequence[ShareJob], progress: Callable[[int, int], None],
            stop: threading.Event) -> list[ShareOutcome | Lost]:
        outcomes = self.backend.run(jobs, progress, stop)
        self.cells.append(outcomes)
        return outcomes

    def close_run(self, run_key: str) -> None:
        self.backend.close_run(run_key)

    def close(self) -> None:
        self.backend.close()


class Watching:
    """An observer that records the progress it is told and calls ``act`` once, when a cell has
    ``after`` requests done."""

    def __init__(self, after: int = 0, act: Callable[[], None] | None = None) -> None:
        self.after, self.act = after, act
        self.advances: list[int] = []
        self.done: list[CellStats] = []
        self.acted = False

    def phase(self, title: str, total: int) -> None:
        self.advances.append(-1)

    def advance(self, done: int) -> None:
        self.advances.append(done)
        if self.act is not None and not self.acted and done >= self.after:
            self.acted = True
            self.act()

    def cell_done(self, stats: CellStats) -> None:
        self.done.append(stats)

    def note(self, text: str) -> None:
        pass

    def live(self, view: LiveView) -> None:
        pass


def one_process(outcomes: Sequence[ShareOutcome | Lost], sample_cap: int) -> tuple[Recorder, list[float]]:
    """One recorder that recorded every latency the shares kept, in one process, and those latencies."""
    latencies = [s for o in outcomes if isinstance(o, ShareOutcome) for s in o.measured.recorder.samples]
    single = Recorder(sample_cap)
    for latency in latencies:
        single.record(latency, "ok", 200)
    return single, latencies


def assert_merged_like_one_process(cell: CellStats, outcomes: Sequence[ShareOutcome | Lost]) -> None:
    """Exact percentiles equal one process's on the same samples; beyond the sample cap (the HDR
    histograms merged), within the histogram's stated precision: 3 significant digits, whole
    microseconds."""
    recorders = [o.measured.recorder for o in outcomes if isinstance(o, ShareOutcome)]
    assert all(r.exact for r in recorders)
    single, latencies = one_process(outcomes, 100_000)
    assert len(latencies) == cell.requests
    exact, _ = latency_of(single)
    assert exact is not None
    assert cell.latency is not None
    for name in ("min", "median", "p90", "p95", "p99", "max"):
        assert cell.latency.get(name) == exact.get(name), name
    assert cell.latency.mean == pytest.approx(exact.mean)
    small_cap = max(2, len(latencies) // 10)
    merged, _ = latency_of(merge_all(recorders, small_cap))
    alone, _ = latency_of(one_process(outcomes, small_cap)[0])
    ordered = sorted(latencies)
    assert merged is not None
    assert alone is not None
    for name, q in (("median", 0.5), ("p90", 0.9), ("p95", 0.95), ("p99", 0.99)):
        truth = percentile(ordered, q)
        assert merged.get(name) == alone.get(name), name
        assert abs(merged.get(name) - truth) <= max(truth * 1e-3, 1e-6) + _gap(ordered, q), name


def _gap(ordered: list[float], q: float) -> float:
    """How far apart the two ranks around ``q`` are: the histogram reads a rank, not between ranks."""
    position = (len(ordered) - 1) * q
    low = int(position)
    return ordered[min(low + 1, len(ordered) - 1)] - ordered[low]


def cell_by(result: Any, endpoint: str, size: int | None = None) -> CellStats:
    return next(c for c in result.cells if c.endpoint == endpoint and (size is None or c.size == size))
