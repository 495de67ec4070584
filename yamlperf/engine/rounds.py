"""Measuring one dataset size's cells in interleaved rounds, then sampling on to a precision target.

A burst of machine noise (another process, a GC, a cron job) lasts a second or two: measured cell
after cell, it lands on one cell and bends that endpoint's curve. Here every cell's ``iterations``
are spread over ``load.rounds`` rounds (``Cell.rounds``), and each round visits all the size's
cells in a new order drawn from a seeded generator, so the burst is spread over every endpoint.
With a ``load.precision`` target, the cells whose median is not yet known that well get further
rounds (interleaved the same way) until it is, or their budget of requests or time is spent; the
plan's reference endpoint (``analysis.reference``) joins every such round while its own budget
lasts, so that it sees the machine's speed whenever the size's cells are measured. Each
round's summary is kept on the cell; the cell's statistics merge all its rounds. Each round opens
with the cell's ``warmup`` requests, not counted (see ``CellRun``).

Timed and open-model cells are one continuous period each: they run first, once and in the plan's
order, as the executor measures them; so do all cells when the executor is not ``threads``
(worker processes or a Dask cluster share a cell's requests out in one pass). The first round
keeps the plan's order when an endpoint captures a variable, so that an endpoint reading it is not
sent before the one that sets it.
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from ..results import CellStats, RoundStats
from ..scenario import Load
from .cell import CellRun, CompiledEndpoint, RunShared
from .cell_load import with_load
from .executor import Executor, ThreadsExecutor
from .matrix import Cell
from .precision import Spent, next_batch, precision_of
from .progress import Observer
from .sampling import classify_outliers
from .stats import CellInfo, Recorder, latency_of, summarize


@dataclass(slots=True)
class _Progress:
    """What one cell has measured so far in this size's rounds."""

    cell: Cell
    compiled: CompiledEndpoint
    recorder: Recorder = field(default_factory=Recorder)
    wall: float = 0.0
    rounds: list[RoundStats] = field(default_factory=list)
    truncated: bool = False
    sent: int = 0
    """Requests sent so far, warm-ups included: the next request's number (``{{ i }}``)."""
    whole: CellStats | None = None
    """A timed or open-model cell's statistics, measured in one pass by ``run_cell``."""

    @property
    def planned(self) -> tuple[int, ...]:
        return self.cell.rounds or (self.cell.iterations,)


class SizeRounds:
    """The rounds of one size's cells. ``measured`` gets a cell's statistics so far and its place in
    the plan after each of its visits, ``round_done`` is called after each round; ``run`` returns
    the cells in plan order. ``measured_size`` is the records counted on the target, if counted."""

    def __init__(self, cells: Sequence[Cell], endpoints: Mapping[str, CompiledEndpoint], shared: RunShared,
                 ids: Sequence[Any], *, load: Load, rng: random.Random, observer: Observer,
                 measured: Callable[[CellStats, int], None] = lambda stats, rank: None,
                 round_done: Callable[[], None] = lambda: None, measured_size: int | None = None,
                 executor: Executor | None = None, reference: str | None = None) -> None:
        self._shared = shared
        self._ids = tuple(ids)
        self._load = load
        self._rng = rng
        self._observer = observer
        self._measured = measured
        self._round_done = round_done
        self._measured_size = measured_size
        self._keep_first_order = any(endpoints[c.endpoint.name].checker.captures for c in cells)
        self._executor = executor or ThreadsExecutor()
        self._in_rounds = self._executor.name == "threads"
        self._cells = [_Progress(c, endpoints[c.endpoint.name]) for c in cells]
        self._reference = next((p for p in self._cells if p.cell.endpoint.name == reference), None)
        self._clock = time.perf_counter

    def run(self) -> list[CellStats]:
        whole = [p for p in self._cells if not self._rounds_of(p)]
        if whole:
            self._round(1, {}, whole, shuffle=False)
        counted = [p for p in self._cells if self._rounds_of(p)]
        planned = max((len(p.planned) for p in counted), default=0)
        start = self._clock()
        for number in range(1, planned + 1):
            self._pace(start, number, planned)
            due = [p for p in counted if number <= len(p.planned)]
            self._round(number, {id(p): p.planned[number - 1] for p in due}, due,
                        shuffle=not (number == 1 and self._keep_first_order))
        number = planned
        while not self._shared.stop.is_set():
            batches = {id(p): n for p in self._cells if (n := self._more(p)) > 0}
            if not batches:
                break
            self._with_reference(batches)
            number += 1
            self._round(number, batches, [p for p in self._cells if id(p) in batches])
        return [self._stats(p) for p in self._cells if p.rounds or p.whole is not None]

    def _pace(self, start: float, number: int, planned: int) -> None:
        """Wait until round ``number`` of ``planned`` is due under ``load.min_stage_time``."""
        if number == 1 or self._load.min_stage_time <= 0:
            return
        due = start + self._load.min_stage_time * (number - 1) / planned
        wait = due - self._clock()
        if wait > 0:
            self._observer.phase(f"pausing {wait:.2f} s (min_stage_time)", 0)
            self._shared.stop.wait(wait)

    def _round(self, number: int, requests: Mapping[int, int], due: list[_Progress],
               shuffle: bool = True) -> None:
        if shuffle:
            self._rng.shuffle(due)
        for position, progress in enumerate(due):
            if self._shared.stop.is_set():
                break
            if self._rounds_of(progress):
                self._visit(progress, number, position, requests[id(progress)])
            else:
                progress.whole = self._executor.run_cell(progress.cell, progress.compiled, self._shared,
                                                         self._ids, self._observer)
            self._measured(self._stats(progress), progress.cell.index)
        self._round_done()

    def _visit(self, progress: _Progress, number: int, position: int, requests: int) -> None:
        cell, shared = progress.cell, self._shared
        if number == 1 and cell.warmup_time and (warm := cell.warmup_spec) is not None:
            self._observer.phase(f"warming up {cell.label()}", 0)
            CellRun(cell, progress.compiled, shared, self._ids, 0, work=warm,
                    watched=False).run(self._observer)
        if shared.max_duration is not None:
            left = shared.max_duration - progress.wall
            if left <= 0:
                progress.truncated = progress.truncated or number <= len(progress.planned)
                return
            shared = replace(shared, max_duration=left)
        self._observer.phase(f"{cell.label()}, round {number}", requests)
        run = CellRun(cell, progress.compiled, shared, self._ids, requests, warmup=cell.warmup,
                      first_index=progress.sent)
        progress.sent += cell.warmup + requests
        recorder, wall = run.run(self._observer)
        progress.truncated = progress.truncated or run.truncated or recorder.requests < requests
        progress.wall += wall
        progress.recorder.merge(recorder)
        latency, _ = latency_of(recorder)
        progress.rounds.append(RoundStats(
            round=number, position=position, requests=recorder.requests,
            successes=recorder.categories.get("ok", 0), median=latency.median if latency else None,
            p95=latency.p95 if latency else None, wall_time=wall, query_count=recorder.mean_queries))

    def _with_reference(self, batches: dict[int, int]) -> None:
        """Add the reference endpoint (``analysis.reference``) to a precision round it is not
        due in, a visit of its usual size while its budget lasts: it is the machine's speed at the
        size, and a slow spell in the rounds after the planned ones (when only the cells not yet
        precise are measured) would otherwise bend their figures and not the reference's."""
        progress = self._reference
        if progress is None or id(progress) in batches or progress.truncated or not self._rounds_of(progress):
            return
        usual = math.ceil(progress.recorder.requests / max(1, len(progress.rounds)))
        left = max(progress.cell.budget, progress.cell.iterations) - progress.recorder.requests
        if usual > 0 and left >= usual and progress.wall < self._load.max_sampling_time:
            batches[id(progress)] = usual

    def _rounds_of(self, progress: _Progress) -> tuple[int, ...]:
        """The cell's rounds, or () when it is measured in one pass."""
        return progress.cell.rounds if self._in_rounds else ()

    def _more(self, progress: _Progress) -> int:
        if progress.truncated or not self._rounds_of(progress):
            return 0
        spent = Spent(progress.recorder.requests, progress.wall, progress.cell.budget)
        return next_batch(progress.recorder, spent, self._load, progress.cell.concurrency,
                          self._shared.max_duration, rounds=_round_medians(progress))

    def _stats(self, progress: _Progress) -> CellStats:
        cell, recorder = progress.cell, progress.recorder
        ordered = sorted(recorder.samples if progress.whole is None else progress.whole.samples)
        if progress.whole is not None:
            untargeted = replace(self._load, precision=None, precision_floor=None)
            stats = replace(progress.whole, precision=precision_of(ordered, untargeted))
        else:
            request = cell.endpoint.request
            info = CellInfo(cell.endpoint.name, request.method, request.path, cell.size, cell.concurrency)
            truncated = progress.truncated or recorder.requests < cell.iterations
            stats = summarize(recorder, info, progress.wall, truncated=truncated)
            stats = with_load(stats, cell.spec, recorder.series, dropped=0, max_lag=0.0)
            stats = replace(stats, rounds=tuple(progress.rounds),
                            precision=precision_of(ordered, self._load, _round_medians(progress)))
        return replace(stats, outliers=classify_outliers(ordered), measured_size=self._measured_size)


def _round_medians(progress: _Progress) -> list[float]:
    return [r.median for r in progress.rounds if r.median is not None]
