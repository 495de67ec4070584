"""Running one pass of a cell: exactly ``total`` requests to one endpoint at one concurrency.

Workers are threads, each with its own transport (its own connection) and its own recorder; they
take the next request index from a shared counter, so the count is exact whatever the timing.
The calling thread only starts, watches and joins them, reporting progress.
"""

from __future__ import annotations

import itertools
import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from ..redact import SecretRegistry
from ..scenario import Endpoint, Target
from ..templating import TemplateError
from .auth import Authenticator
from .checks import Checker
from .context import RunContext
from .exchange_log import log_exchange
from .http import Exchange, Prepared, Transport
from .matrix import Cell
from .prepare import NO_CONTEXT, RequestTemplate
from .progress import Observer
from .stats import Recorder, merge_all

logger = logging.getLogger(__name__)
WATCH_INTERVAL_S = 0.1


class CompiledEndpoint:
    """An endpoint's request, expectations and captures, compiled once per run."""

    def __init__(self, endpoint: Endpoint, target: Target, secrets: SecretRegistry | None = None) -> None:
        self.endpoint = endpoint
        self.template = RequestTemplate(endpoint.request, target.base_url, target.headers, secrets)
        self.checker = Checker(endpoint.expect, endpoint.captures)
        self.needs_context = not self.template.static or self.checker.needs_context


@dataclass(frozen=True, slots=True)
class RunShared:
    """What every cell of a run uses: transports by worker number, auth, context, the stop event."""

    transports: Callable[[int], Transport]
    auth: Authenticator
    context: RunContext
    stop: threading.Event
    secrets: SecretRegistry
    think_time: float = 0.0
    max_duration: float | None = None
    debug: bool = False
    query_header: str | None = None
    """The answer header that counts the target's database queries (``analysis.query_count_header``)."""


class CellRun:
    """One pass of ``total`` measured requests of one cell (one round), after ``warmup`` requests
    that are not counted, sent by the same workers on the same connections right before: the first
    request after a pause is measured up to twice as slow as the next ones (an idle server thread
    and CPU wake up), so a warm-up in a pass of its own would not take that cost off the measurement.
    ``first_index`` numbers the pass's first request (``{{ i }}``), so that numbers keep counting
    across the rounds of a cell."""

    def __init__(self, cell: Cell, compiled: CompiledEndpoint, shared: RunShared, ids: Sequence[Any],
                 total: int, *, warmup: int = 0, first_index: int = 0) -> None:
        self._cell = cell
        self._compiled = compiled
        self._shared = shared
        self._ids = tuple(ids)
        self._total = total
        self._warmup = warmup
        self._first_index = first_index
        self._counter = itertools.count()
        self._workers = max(1, min(cell.concurrency, total))
        self._recorders = [Recorder(seed=k) for k in range(self._workers)]
        self._unmeasured = [Recorder(sample_cap=0) for _ in range(self._workers)]
        self._deadline: float | None = None
        self._measuring_since: float | None = None
        self.truncated = False

    def run(self, observer: Observer | None = None) -> tuple[Recorder, float]:
        """All requests on worker threads; the merged recorder and the wall time."""
        if self._total <= 0:
            return Recorder(), 0.0
        barrier = threading.Barrier(self._workers + 1)
        threads = [threading.Thread(target=self._work, args=(k, barrier), daemon=True,
                                    name=f"yamlperf-worker-{k}") for k in range(self._workers)]
        for thread in threads:
            thread.start()
        barrier.wait()
        started = time.perf_counter()
        if self._shared.max_duration:
            self._deadline = started + self._shared.max_duration
        try:
            self._watch(threads, observer)
        except BaseException:
            self._shared.stop.set()
            raise
        wall = time.perf_counter() - (self._measuring_since or started)
        return merge_all(self._recorders), wall

    def _watch(self, threads: list[threading.Thread], observer: Observer | None) -> None:
        for thread in threads:
            while thread.is_alive():
                thread.join(WATCH_INTERVAL_S)
                if observer is not None:
                    observer.advance(sum(r.requests for r in self._recorders))

    def _work(self, worker: int, barrier: threading.Barrier) -> None:
        barrier.wait()
        transport = self._shared.transports(worker)
        recorder, unmeasured = self._recorders[worker], self._unmeasured[worker]
        stop, think, warmup = self._shared.stop, self._shared.think_time, self._warmup
        end = warmup + self._total
        while not stop.is_set():
            index = next(self._counter)
            if index >= end:
                return
            if index == warmup:
                self._measuring_since = time.perf_counter()
            if self._deadline is not None and time.perf_counter() >= self._deadline:
                self.truncated = True
                return
            self._one(self._first_index + index, worker, transport,
                      recorder if index >= warmup else unmeasured)
            if think:
                stop.wait(think)

    def _one(self, index: int, worker: int, transport: Transport, recorder: Recorder) -> None:
        compiled, shared = self._compiled, self._shared
        context = self._context(index, worker) if compiled.needs_context else NO_CONTEXT
        sent: list[Prepared] | tuple[()] = ()
        send = transport.send
        if shared.debug:
            sent = []
            send = _keeping(transport.send, sent)
        try:
            exchange = shared.auth.send(compiled.template, context, send)
        except TemplateError as exc:
            recorder.record(0.0, "other", error=f"template: {exc}")
            return
        category, error = compiled.checker.judge(exchange, context)
        if category == "ok" and compiled.checker.captures:
            shared.context.capture(compiled.checker.capture(exchange))
        recorder.record(exchange.duration, category, exchange.status, len(exchange.body), error)
        if exchange.status:
            timing = exchange.headers.get("server-timing")
            if timing:
                recorder.server_timing.add(timing)
            if shared.query_header is not None:
                queries = exchange.headers.get(shared.query_header)
                if queries is not None:
                    recorder.record_queries(queries)
        if sent:
            log_exchange(sent[-1], exchange, category, shared.secrets)

    def _context(self, index: int, worker: int) -> dict[str, Any]:
        cell = self._cell
        return self._shared.context.request(i=index, ids=self._ids, size=cell.size, worker=worker,
                                            concurrency=cell.concurrency, endpoint=cell.endpoint.name)


def _keeping(send: Callable[[Prepared], Exchange], sent: list[Prepared]) -> Callable[[Prepared], Exchange]:
    """``send`` that also keeps each request it sends (``--debug`` logs the one actually sent)."""
    def keep(request: Prepared) -> Exchange:
        sent.append(request)
        return send(request)
    return keep
