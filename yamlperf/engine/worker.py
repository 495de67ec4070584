"""A worker's side of a distributed cell: run one share and send its measurement back.

What runs once stays with the coordinator (validation, the target's server, the login, seeding,
cleanup, thresholds, rendering); a worker gets a ``ShareJob``, everything it needs as plain
picklable data (the scenario, the share's cell, the record ids, the headers of the coordinator's
login), and measures the share with the same ``measure_cell`` the threads executor runs, on its
own connections. What it builds for a run (compiled endpoints, connections) is kept for the
run's next cells and dropped by ``close_run``.

A worker does not log in: it sends the token it was handed (the coordinator renews an expiring
login before each cell), and a 401 is counted like any other answer. Values captured from measured
answers stay in the worker that saw them; a feed file is read by each worker from its first row;
window thresholds (``abort_on_fail``) are judged on the merged cell, after it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ..redact import SecretRegistry
from ..scenario import Scenario
from .auth import AuthHeaders
from .cell import CompiledEndpoint, Measured, RunShared, measure_cell, query_header
from .context import RunContext
from .feed import RowFeed
from .http import Exchange, TransportFactory, TransportOptions, TransportSet
from .matrix import Cell
from .prepare import RequestTemplate
from .progress import LiveView, NullObserver

Progress = Callable[[int], None]
"""Called with the share's requests done so far, from the share's watching thread."""


@dataclass(frozen=True, slots=True)
class ShareJob:
    """One share of one cell, as sent to a worker: ``cell`` is the share's part of the cell."""

    run_key: str
    index: int
    scenario: Scenario
    cell: Cell
    ids: tuple[Any, ...]
    auth: AuthHeaders
    transport: TransportFactory
    transport_options: TransportOptions
    credentials: Mapping[str, str]
    run_id: str
    secrets: tuple[str, ...] = ()
    debug: bool = False
    first_request: int = 0
    """The cell's number of this share's first request, so ``{{ i }}`` and ``{{ id }}`` walk on
    where the share before it stopped, as in one process."""
    first_worker: int = 0


@dataclass(frozen=True, slots=True)
class ShareOutcome:
    """What a worker sends back: its measurement (mergeable) and who measured it."""

    index: int
    measured: Measured
    worker: str = ""


@dataclass(frozen=True, slots=True)
class Lost:
    """A share whose worker died (or left the cluster) before sending its measurement back."""

    index: int
    reason: str


class FixedAuth:
    """The coordinator's login, as headers: a worker sends them and never logs in itself."""

    renewable = False

    def __init__(self, headers: AuthHeaders) -> None:
        self.current = headers

    def send(self, template: RequestTemplate, context: Mapping[str, Any],
             send: Callable[..., Exchange]) -> Exchange:
        return send(template.prepare(context, self.current))


class _ShiftedContext(RunContext):
    """The run's context with this share's request and worker numbers shifted to the cell's."""

    def __init__(self, base: RunContext, first_request: int, first_worker: int) -> None:
        self.__dict__.update(base.__dict__)
        self._first_request = first_request
        self._first_worker = first_worker

    def request(self, *, i: int, ids: Sequence[Any], size: int | None, worker: int, concurrency: int,
                endpoint: str) -> dict[str, Any]:
        return super().request(i=i + self._first_request, ids=ids, size=size,
                               worker=worker + self._first_worker, concurrency=concurrency, endpoint=endpoint)


@dataclass(slots=True)
class _RunState:
    endpoints: dict[str, CompiledEndpoint]
    context: RunContext
    transports: TransportSet
    secrets: SecretRegistry
    stop: threading.Event


_RUNS: dict[str, _RunState] = {}
_LOCK = threading.Lock()


def _state(job: ShareJob) -> _RunState:
    with _LOCK:
        state = _RUNS.get(job.run_key)
        if state is None:
            scenario = job.scenario
            secrets = SecretRegistry()
            for value in job.secrets:
                secrets.add(value)
            feed = RowFeed.load(scenario.feed) if scenario.feed else None
            context = RunContext(scenario.variables, job.credentials, job.run_id, feed)
            endpoints = {e.name: CompiledEndpoint(e, scenario.target, secrets) for e in scenario.endpoints}
            transports = TransportSet(job.transport, job.transport_options)
            state = _RUNS[job.run_key] = _RunState(endpoints, context, transports, secrets, threading.Event())
        return state


class _Forward(NullObserver):
    """The observer a share's cell reports to: its count of requests goes to ``progress``."""

    def __init__(self, progress: Progress | None) -> None:
        self._progress = progress

    def advance(self, done: int) -> None:
        if self._progress is not None:
            self._progress(done)

    def live(self, view: LiveView) -> None:
        self.advance(view.ended)


def run_share(job: ShareJob, progress: Progress | None = None, worker: str = "") -> ShareOutcome:
    """The share's warm-up (not counted), then its measured requests, on its own connections."""
    state = _state(job)
    load = job.scenario.load
    shared = RunShared(state.transports, FixedAuth(job.auth),  # type: ignore[arg-type]
                       _ShiftedContext(state.context, job.first_request, job.first_worker), state.stop,
                       state.secrets, load.think_time, load.max_duration, job.debug,
                       query_header=query_header(job.scenario))
    measured = measure_cell(job.cell, state.endpoints[job.cell.endpoint.name], shared, job.ids,
                            _Forward(progress))
    if progress is not None:
        progress(measured.recorder.requests)
    return ShareOutcome(job.index, measured, worker)


def stop_all() -> None:
    """Ask every share running in this worker to stop (the coordinator was interrupted)."""
    with _LOCK:
        for state in _RUNS.values():
            state.stop.set()


def close_run(run_key: str) -> None:
    """Close the connections a run opened in this worker and forget it."""
    with _LOCK:
        state = _RUNS.pop(run_key, None)
    if state is not None:
        state.stop.set()
        state.transports.close()
