"""Running one cell: exactly ``iterations`` requests to one endpoint at one concurrency.

Workers are threads, each with its own transport (its own connection) and its own recorder; they
take the next request index from a shared counter, so the count is exact whatever the timing.
The calling thread only starts, watches and joins them, reporting progress.
"""

from __future__ import annotations

import itertools
import logging
import math
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..redact import SecretRegistry
from ..results import CellStats
from ..results_load import IntervalStats
from ..scenario import Endpoint, Scenario, Target
from ..templating import TemplateError
from .arrivals import OpenLoop
from .auth import Authenticator
from .cell_load import with_load
from .checks import Checker
from .context import RunContext
from .exchange_log import log_exchange
from .http import Exchange, Prepared, Transport
from .live import Ticker
from .matrix import Cell
from .prepare import NO_CONTEXT, RequestTemplate
from .progress import Observer
from .series import Interval, Series, fold_overflow, summarize_series
from .stats import CellInfo, Recorder, merge_all, summarize, worker_sample_cap
from .workload import CellWork

if TYPE_CHECKING:
    from .watch import WindowWatch

logger = logging.getLogger(__name__)
WATCH_INTERVAL_S = 0.1
RAMP_POLL_S = 0.02
"""How often a worker a closed ramp has not yet let in looks again."""


class CompiledEndpoint:
    """An endpoint's request, expectations and captures, compiled once per run."""

    def __init__(self, endpoint: Endpoint, target: Target, secrets: SecretRegistry | None = None,
                 max_body: int = 0) -> None:
        self.endpoint = endpoint
        self.checker = Checker(endpoint.expect, endpoint.captures,
                               secrets.scrub if secrets is not None else str)
        self.template = RequestTemplate(endpoint.request, target.base_url, target.headers, secrets,
                                        keep_body=self.checker.reads_body, max_body=max_body)
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
    watch: WindowWatch | None = None
    """Window thresholds checked while a cell runs (``abort_on_fail`` stops the run)."""
    query_header: str | None = None
    """The answer header that counts the target's database queries (``analysis.query_count_header``)."""


def query_header(scenario: Scenario) -> str | None:
    """The answer header to read the target's query count from, lower-cased once."""
    header = scenario.analysis.query_count_header
    return header.lower() if header else None


class CellRun:
    """One pass of one cell (the warm-up, the measurement or one round of it): ``total`` requests on
    the cell's workers, or ``work`` (a duration, a ramp of workers, or an open model's arrivals).

    A count of requests may be preceded by ``warmup`` requests that are not counted, sent by the
    same workers on the same connections right before: the first request after a pause is measured
    up to twice as slow as the next ones (an idle server thread and CPU wake up), so a warm-up in a
    pass of its own does not take that cost off the measurement. ``first_index`` numbers the pass's
    first request (``{{ i }}``), so that numbers keep counting across the rounds of a cell."""

    def __init__(self, cell: Cell, compiled: CompiledEndpoint, shared: RunShared, ids: Sequence[Any],
                 total: int, *, work: CellWork | None = None, warmup: int = 0, first_index: int = 0,
                 watched: bool = True) -> None:
        self._cell = cell
        self._compiled = compiled
        self._shared = shared
        self._ids = tuple(ids)
        self._total = total
        self._warmup = warmup
        self._first_index = first_index
        self._unmeasured: list[Recorder] = []
        self._measuring_since: float | None = None
        self._counter = itertools.count()
        self.work = work if work is not None else CellWork(False, cell.concurrency, total)
        self._timed = self.work.timed
        self._workers = (self.work.workers if self._timed or self.work.open
                         else max(1, min(cell.concurrency, total)))
        self._recorders: list[Recorder] = []
        self._sample_share = worker_sample_cap(None if self._timed or self.work.open else total,
                                               self._workers)
        """Each worker's part of the cell's kept samples (the cap is the cell's, not a thread's)."""
        self._deadline: float | None = None
        self._end: float | None = None
        self._origin = 0.0
        self._wall = 0.0
        self.watch: WindowWatch | None = shared.watch if watched else None
        """None for a warm-up pass: window thresholds judge the measurement only."""
        self._open: OpenLoop | None = None
        self.clock = Series()
        """The watcher's own series: the client's CPU per interval."""
        self._folded = Series()
        self._folded_upto = 0
        self.truncated = False
        self.aborted = ""

    def _recorder(self, worker: int) -> Recorder:
        recorder = Recorder(self._sample_share, seed=worker)
        recorder.series = Series(self._origin, self._wall, self.work.interval)
        return recorder

    def run(self, observer: Observer | None = None) -> tuple[Recorder, float]:
        """All requests on worker threads; the merged recorder (with its series) and the wall time."""
        if self._total <= 0 and not self._timed and not self.work.open:
            return Recorder(), 0.0
        self._origin, self._wall = time.perf_counter(), time.time()
        self.clock = Series(self._origin, self._wall, self.work.interval)
        self._folded = Series(self._origin, self._wall, self.work.interval)
        threads = self._start_open() if self.work.open else self._start_closed()
        started = self._origin
        if self._shared.max_duration and not self._timed:
            self._deadline = started + self._shared.max_duration
        try:
            self._watch(threads, observer)
        except BaseException:
            self._shared.stop.set()
            raise
        wall = time.perf_counter() - (self._measuring_since or started)
        merged = merge_all(self._recorders)
        merged.series = merged.series or Series(self._origin, self._wall, self.work.interval)
        merged.series.merge(self.clock)
        merged.series.merge(self._folded)
        if self._open is not None:
            merged.series.merge(self._open.drops)
        return merged, wall

    def _start_closed(self) -> list[threading.Thread]:
        self._recorders = [self._recorder(k) for k in range(self._workers)]
        self._unmeasured = [self._recorder(k) for k in range(self._workers)] if self._warmup else []
        barrier = threading.Barrier(self._workers + 1)
        threads = [threading.Thread(target=self._work, args=(k, barrier), daemon=True,
                                    name=f"yamlperf-worker-{k}") for k in range(self._workers)]
        for thread in threads:
            thread.start()
        self._origin, self._wall = time.perf_counter(), time.time()
        for recorder in (*self._recorders, *self._unmeasured):
            recorder.series.rebase(self._origin, self._wall)
        self.clock = Series(self._origin, self._wall, self.work.interval)
        self._folded = Series(self._origin, self._wall, self.work.interval)
        if self._timed:
            self._end = self._origin + (self.work.length or 0.0)
        barrier.wait()
        return threads

    def _start_open(self) -> list[threading.Thread]:
        transports = self._shared.transports

        def send(worker: int, recorder: Recorder, started: float, due: float) -> None:
            self._one(next(self._counter), worker, transports(worker), recorder, started, due=due)

        self._open = OpenLoop(self.work, send, self._recorder, self._shared.stop)
        self._recorders = self._open.recorders
        return [self._open.start(self._origin)]

    @property
    def dropped(self) -> int:
        return self._open.dropped if self._open is not None else 0

    @property
    def behind(self) -> int:
        return self._open.behind if self._open is not None else 0

    @property
    def max_lag(self) -> float:
        return self._open.max_lag if self._open is not None else 0.0

    def _watch(self, threads: list[threading.Thread], observer: Observer | None) -> None:
        cpu = time.process_time()
        ticker = Ticker(self, observer)
        for thread in threads:
            while thread.is_alive():
                thread.join(WATCH_INTERVAL_S)
                now, used = time.perf_counter(), time.process_time()
                self.clock.add_cpu(now, used - cpu)
                cpu = used
                ticker.tick(now)
                self._fold_old(now)
        if self._open is not None:
            for thread in list(self._open.threads):
                while thread.is_alive():
                    thread.join(WATCH_INTERVAL_S)
                    ticker.tick(time.perf_counter())
            now, used = time.perf_counter(), time.process_time()
            self.clock.add_cpu(min(now, self._origin + (self.work.length or 0.0)), used - cpu)

    def _fold_old(self, now: float) -> None:
        """Move the intervals that ended two or more intervals ago out of the workers' series into
        the cell's own (``folded``): a long cell with many workers keeps one copy of its past
        intervals, not one per worker, so its memory does not grow with workers x seconds. A late
        start written to a moved interval makes it again in the worker's series; both merge."""
        folded = self._folded
        before = int((now - self._origin) // self.work.interval) - 1
        if before <= self._folded_upto:
            return
        self._folded_upto = before
        for recorder in list(self._recorders):
            series = recorder.series
            if series is None:
                continue
            for index in [i for i in list(series.intervals) if i < before]:
                interval = series.intervals.pop(index, None)
                kept = folded.intervals.get(index)
                if kept is None and interval is not None:
                    folded.intervals[index] = interval
                elif interval is not None:
                    kept.merge(interval)

    def snapshot(self, index: int) -> Interval:
        """Interval ``index`` of every worker's series merged (read while they record: an
        interval that is over is no longer written)."""
        merged = Interval()
        if (moved := self._folded.intervals.get(index)) is not None:
            merged.merge(moved)
        for recorder in list(self._recorders):
            interval = recorder.series.intervals.get(index) if recorder.series is not None else None
            if interval is not None:
                merged.merge(interval)
        if self._open is not None and (drops := self._open.drops.intervals.get(index)) is not None:
            merged.merge(drops)
        return merged

    @property
    def requests(self) -> int:
        return sum(r.requests for r in list(self._recorders))

    @property
    def origin(self) -> float:
        return self._origin

    @property
    def label(self) -> str:
        return self._cell.label()

    @property
    def cell(self) -> Cell:
        return self._cell

    def abort(self, reason: str) -> None:
        """Stop this cell now (a window threshold broken with ``abort_on_fail``)."""
        self.aborted = reason
        self._shared.stop.set()

    def _work(self, worker: int, barrier: threading.Barrier) -> None:
        barrier.wait()
        transport = self._shared.transports(worker)
        recorder = self._recorders[worker]
        unmeasured = self._unmeasured[worker] if self._unmeasured else recorder
        stop, think, total, end = self._shared.stop, self._shared.think_time, self._total, self._end
        warmup, first = self._warmup, self._first_index
        total += warmup
        clock, work = time.perf_counter, self.work
        ramp = bool(work.stages)
        while not stop.is_set():
            now = clock()
            if end is not None:
                if now >= end:
                    return
                if ramp and worker >= work.active_workers(now - self._origin):
                    stop.wait(min(RAMP_POLL_S, end - now))
                    continue
                index = next(self._counter)
            else:
                index = next(self._counter)
                if index >= total:
                    return
                if self._deadline is not None and now >= self._deadline:
                    self.truncated = True
                    return
                if index < warmup:
                    self._one(first + index, worker, transport, unmeasured, now, due=now)
                    continue
                if index == warmup and warmup:
                    self._measuring_since = now
                index += first
            self._one(index, worker, transport, recorder, now, due=now)
            if think:
                stop.wait(think)

    def _one(self, index: int, worker: int, transport: Transport, recorder: Recorder, started: float, *,
             due: float) -> None:
        compiled, shared = self._compiled, self._shared
        context = self._context(index, worker) if compiled.needs_context else NO_CONTEXT
        sent: list[Prepared] | tuple[()] = ()
        send = transport.send
        if shared.debug:
            sent = []
            send = _keeping(transport.send, sent)
        lag = started - due
        series = recorder.series
        try:
            exchange = shared.auth.send(compiled.template, context, send)
        except TemplateError as exc:
            recorder.record(0.0, "other", error=f"template: {exc}")
            series.record(due, lag, started, "other", 0.0)
            return
        category, error = compiled.checker.judge(exchange, context)
        if category == "ok" and compiled.checker.captures:
            captured = compiled.checker.capture(exchange)
            for value in compiled.checker.tokens(captured):
                shared.secrets.add(value)
            shared.context.capture(captured)
        latency = exchange.duration + lag
        recorder.record(latency, category, exchange.status, exchange.size, error)
        series.record(due, lag, started + exchange.duration, category, latency)
        if exchange.server_timing:
            recorder.server_timing.add(exchange.server_timing)
        if shared.query_header is not None and exchange.status:
            queries = exchange.headers.get(shared.query_header)
            if queries is not None:
                recorder.record_queries(queries)
        if sent:
            log_exchange(sent[-1], exchange, category, shared.secrets)

    def _context(self, index: int, worker: int) -> dict[str, Any]:
        cell = self._cell
        return self._shared.context.request(i=index, ids=self._ids, size=cell.size, worker=worker,
                                            concurrency=cell.concurrency, endpoint=cell.endpoint.name)


@dataclass(slots=True)
class Measured:
    """A cell's (or one worker's share of a cell's) measurement before it is summed up: the
    executors merge the shares' (``executor.merge_measured``) and sum up the merged one."""

    recorder: Recorder
    wall: float
    short: bool
    """Fewer requests than planned: stopped, truncated by ``max_duration``, aborted or lost."""
    dropped: int = 0
    behind: int = 0
    max_lag: float = 0.0
    warm: Recorder | None = None
    """The warm-up's recorder (its time series is reported; its requests are not counted)."""
    warm_wall: float = 0.0
    aborted: str = ""


def run_cell(cell: Cell, compiled: CompiledEndpoint, shared: RunShared, ids: Sequence[Any],
             observer: Observer) -> CellStats:
    """Warm-up (not counted, but kept in the time series), then the measured requests, summarised."""
    stats = cell_stats(cell, measure_cell(cell, compiled, shared, ids, observer))
    logger.debug("cell %s: %d requests in %.3fs", cell.label(), stats.requests, stats.wall_time)
    return stats


def measure_cell(cell: Cell, compiled: CompiledEndpoint, shared: RunShared, ids: Sequence[Any],
                 observer: Observer) -> Measured:
    """The warm-up, then the measured requests, as one mergeable measurement."""
    warm = cell.warmup_spec
    warmed, warm_wall = None, 0.0
    if warm is not None:
        observer.phase(f"warming up {cell.label()}", cell.warmup)
        warmed, warm_wall = CellRun(cell, compiled, shared, ids, cell.warmup, work=warm,
                                       watched=False).run(observer)
    observer.phase(cell.label(), cell.iterations)
    measured = CellRun(cell, compiled, shared, ids, cell.iterations, work=cell.spec)
    recorder, wall = measured.run(observer)
    short = measured.truncated or (recorder.requests + measured.dropped < cell.iterations) or (
        cell.spec.timed and shared.stop.is_set()) or bool(measured.aborted)
    return Measured(recorder, wall, short, measured.dropped, measured.behind, measured.max_lag, warmed,
                    warm_wall, measured.aborted)


def cell_stats(cell: Cell, measured: Measured) -> CellStats:
    """A measurement summed up as the cell's results (with its load summary and time series)."""
    request = cell.endpoint.request
    info = CellInfo(cell.endpoint.name, request.method, request.path, cell.size, cell.concurrency)
    recorder = measured.recorder
    stats = summarize(recorder, info, measured.wall, truncated=measured.short)
    warm = cell.warmup_spec
    warm_rows: tuple[IntervalStats, ...] = ()
    if warm is not None and measured.warm is not None and measured.warm.series is not None:
        span = warm.length if warm.timed and warm.length else measured.warm_wall
        intervals = max(1, math.ceil(span / warm.interval - 1e-9))
        fold_overflow(measured.warm.series, intervals - 1)
        warm_rows = summarize_series(measured.warm.series, warm, warmup=True,
                                     offset=-warm.interval * intervals)
    return with_load(stats, cell.spec, recorder.series, dropped=measured.dropped, behind=measured.behind,
                     max_lag=measured.max_lag, warmup=warm_rows)


def _keeping(send: Callable[[Prepared], Exchange], sent: list[Prepared]) -> Callable[[Prepared], Exchange]:
    """``send`` that also keeps each request it sends (``--debug`` logs the one actually sent)."""
    def keep(request: Prepared) -> Exchange:
        sent.append(request)
        return send(request)
    return keep
