"""Who sends a cell's requests: threads of this process (the default), worker processes on this
machine, or the workers of a Dask cluster (``load.executor``, ``--executor``).

The coordinator (this process) keeps what must happen once: validation, the target's server, the
login, seeding, cleanup, thresholds and rendering. For ``processes`` and ``dask`` each cell is
split into shares (``share.split_cell``: its workers and its requests, or its rate, exactly), each
worker measures its share (``worker.run_share``) and sends the measurement back, and the merged
measurement is the cell: counts exact, percentiles from the merged samples (exact up to 100,000)
or the merged HDR histograms (3 significant digits), time series merged by wall clock.

A worker that dies mid-cell leaves the cell ``partial`` with what the other workers sent back;
the next cell runs on the workers there are then, and the run goes on.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from ..results import CellStats
from ..scenario import Scenario
from .cell import CompiledEndpoint, Measured, RunShared, cell_stats, run_cell
from .http import TransportFactory, TransportOptions
from .matrix import Cell
from .progress import Observer
from .share import split_cell
from .stats import merge_all
from .worker import Lost, ShareJob, ShareOutcome

logger = logging.getLogger(__name__)
EXECUTORS = ("threads", "processes", "dask")


class Backend(Protocol):
    """Runs shares on workers: ``processes`` or ``dask``."""

    name: str

    def workers(self) -> int:
        """How many shares a cell can be split into now (one per worker)."""

    def run(self, jobs: Sequence[ShareJob], progress: Callable[[int, int], None],
            stop: threading.Event) -> list[ShareOutcome | Lost]:
        """Every job's outcome or why it was lost; ``progress(index, done)`` is called from the
        calling thread while they run."""

    def close_run(self, run_key: str) -> None: ...

    def close(self) -> None: ...


@dataclass(frozen=True, slots=True)
class RunWork:
    """What every share of a run carries besides its cell."""

    scenario: Scenario
    run_id: str
    credentials: Mapping[str, str]
    transport: TransportFactory
    transport_options: TransportOptions
    debug: bool = False


class Executor(Protocol):
    name: str

    @property
    def description(self) -> str: ...

    def run_cell(self, cell: Cell, compiled: CompiledEndpoint, shared: RunShared, ids: Sequence[Any],
                 observer: Observer) -> CellStats: ...

    def close(self) -> None: ...


class ThreadsExecutor:
    """The default: the cell's workers are threads of this process."""

    name = description = "threads"

    def run_cell(self, cell: Cell, compiled: CompiledEndpoint, shared: RunShared, ids: Sequence[Any],
                 observer: Observer) -> CellStats:
        return run_cell(cell, compiled, shared, ids, observer)

    def close(self) -> None:
        pass


class DistributedExecutor:
    """A cell split across the workers of a ``Backend``, merged back into one ``CellStats``."""

    def __init__(self, backend: Backend, work: RunWork) -> None:
        self.name = backend.name
        self.backend = backend
        self._work = work
        self._run_key = f"{work.run_id}-{os.getpid()}"
        self._most = 0

    @property
    def description(self) -> str:
        """``processes x4``: the kind, and the most workers a cell was split across."""
        return f"{self.name} x{self._most}" if self._most else self.name

    def run_cell(self, cell: Cell, compiled: CompiledEndpoint, shared: RunShared, ids: Sequence[Any],
                 observer: Observer) -> CellStats:
        del compiled  # each worker compiles the endpoints itself
        shares = split_cell(cell, self.backend.workers())
        self._most = max(self._most, len(shares))
        jobs = self._jobs(shares, shared, ids)
        observer.phase(cell.label(), cell.iterations)
        done: dict[int, int] = {}

        def progress(index: int, count: int) -> None:
            done[index] = count
            observer.advance(sum(done.values()))

        outcomes = self.backend.run(jobs, progress, shared.stop)
        return merged_cell(cell, outcomes)

    def _jobs(self, shares: Sequence[Cell], shared: RunShared, ids: Sequence[Any]) -> list[ShareJob]:
        fresh = getattr(shared.auth, "fresh", None)
        headers = fresh() if callable(fresh) else shared.auth.current
        work, secrets = self._work, shared.secrets.values()
        jobs, first, workers = [], 0, 0
        for index, share in enumerate(shares):
            jobs.append(ShareJob(self._run_key, index, work.scenario, share, tuple(ids), headers,
                                 work.transport, work.transport_options, work.credentials, work.run_id,
                                 secrets, work.debug, first_request=first, first_worker=workers))
            first += share.iterations
            workers += share.concurrency
        return jobs

    def close(self) -> None:
        try:
            self.backend.close_run(self._run_key)
        finally:
            self.backend.close()


def merged_cell(cell: Cell, outcomes: Sequence[ShareOutcome | Lost]) -> CellStats:
    """The cell as one process would have measured it, from the shares that came back."""
    received = [o.measured for o in outcomes if isinstance(o, ShareOutcome)]
    lost = [o for o in outcomes if isinstance(o, Lost)]
    measured = merge_measured(received)
    if lost:
        measured = dataclasses.replace(measured, short=True)
    stats = cell_stats(cell, measured)
    if not lost:
        return stats
    reasons = "; ".join(dict.fromkeys(item.reason for item in lost))
    partial = (f"{len(lost)} of {len(outcomes)} workers lost mid-cell ({reasons}): {stats.requests} of "
               f"{cell.iterations or 'the'} requests received")
    logger.warning("%s: %s", cell.label(), partial)
    return dataclasses.replace(stats, partial=partial)


def merge_measured(parts: Sequence[Measured]) -> Measured:
    """The shares' measurements as one: recorders (with their series) merged, counts added."""
    warm = [p.warm for p in parts if p.warm is not None]
    return Measured(
        recorder=merge_all([p.recorder for p in parts]), wall=max((p.wall for p in parts), default=0.0),
        short=any(p.short for p in parts) or not parts, dropped=sum(p.dropped for p in parts),
        behind=sum(p.behind for p in parts), max_lag=max((p.max_lag for p in parts), default=0.0),
        warm=merge_all(warm) if warm else None, warm_wall=max((p.warm_wall for p in parts), default=0.0),
        aborted=next((p.aborted for p in parts if p.aborted), ""))


def make_executor(kind: str, workers: int | None, cluster: str | None, work: RunWork) -> Executor:
    """The executor a run asked for (``load.executor``, ``--executor``; ``--cluster`` means dask)."""
    if kind == "processes":
        from .processes import ProcessBackend

        return DistributedExecutor(ProcessBackend(workers or default_workers()), work)
    if kind == "dask" or cluster:
        from .dask_backend import DaskBackend

        return DistributedExecutor(DaskBackend(cluster, workers), work)
    return ThreadsExecutor()


def check_available(kind: str) -> None:
    """Before anything runs: an executor that needs a package says what to install (exit 2)."""
    if kind == "dask":
        from .dask_backend import require_distributed

        require_distributed()


def default_workers() -> int:
    """One worker process per core this process may run on."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
