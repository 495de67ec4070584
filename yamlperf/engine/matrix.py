"""Scenario -> the ordered test matrix: dataset size x concurrency x endpoint (pure)."""

from __future__ import annotations

from dataclasses import dataclass

from ..scenario import Endpoint, Scenario
from .workload import CellWork, cell_work


@dataclass(frozen=True, slots=True)
class Cell:
    """One measurement of ``endpoint`` at one size: ``work`` says how (a count of requests at
    ``concurrency``, a duration, a rate, a ramp). ``iterations`` is the measured requests it plans
    (for a timed closed cell, 0: as many as the target answers); ``concurrency`` the workers, or the
    open model's cap on requests in flight."""

    index: int
    size: int | None
    concurrency: int
    endpoint: Endpoint
    iterations: int
    warmup: int
    work: CellWork | None = None
    warmup_time: float = 0.0
    rounds: tuple[int, ...] = ()
    """The measured requests of each round (``load.rounds``); empty for a cell measured in one
    continuous pass (timed or open-model cells)."""
    budget: int = 0
    """The most measured requests the cell may take sampling for ``load.precision``."""

    @property
    def key(self) -> tuple[str, int | None, int]:
        return (self.endpoint.name, self.size, self.concurrency)

    @property
    def passes(self) -> int:
        """Passes the cell is measured in, each opened by the ``warmup`` requests."""
        return max(1, len(self.rounds))

    @property
    def spec(self) -> CellWork:
        return self.work if self.work is not None else CellWork(False, self.concurrency, self.iterations)

    @property
    def warmup_spec(self) -> CellWork | None:
        """The warm-up's work: ``warmup`` requests (arrivals, in an open model) or ``warmup_time``
        seconds, at the cell's first rate or workers (a ramp's first target); None without one."""
        work = self.spec
        if not self.warmup and not self.warmup_time:
            return None
        first = work.stages[0].target if work.stages else None
        if work.open:
            rate = first if first is not None else work.rate
            return CellWork(True, work.workers, self.warmup or None, self.warmup_time or None, rate or 1.0,
                            interval=work.interval)
        workers = max(1, int(first + 0.5)) if first is not None else work.workers
        if self.warmup_time:
            return CellWork(False, workers, None, self.warmup_time, interval=work.interval)
        return CellWork(False, min(workers, self.warmup), self.warmup, interval=work.interval)

    def label(self) -> str:
        size = "" if self.size is None else f" @ {self.size} records"
        spec = self.spec
        how = f" x{self.concurrency}" if not spec.timed and not spec.open else f" {spec.describe()}"
        return f"{self.endpoint.name}{size}{how}"


@dataclass(frozen=True, slots=True)
class Plan:
    """The cells in run order, and what running them will cost: ``records_to_delete`` is the
    cleanup at the end (none without a ``dataset.delete``, with ``cleanup: false`` or
    ``--keep-data``), ``count_requests`` one ``dataset.count`` before each size."""

    cells: tuple[Cell, ...]
    records_to_create: int
    records_to_delete: int = 0
    count_requests: int = 0

    @property
    def measured_requests(self) -> int:
        return sum(c.iterations for c in self.cells)

    @property
    def warmup_requests(self) -> int:
        """Warm-up requests: those opening each planned round (the cell's ``warmup``), and the
        arrivals of an open model's timed warm-up."""
        return sum(c.warmup * c.passes if c.warmup else
                   ((c.warmup_spec.planned_requests() or 0) if c.warmup_spec else 0) for c in self.cells)

    @property
    def max_measured_requests(self) -> int:
        """Measured requests if every cell sampled for precision up to its budget."""
        return sum(max(c.budget, c.iterations) for c in self.cells)

    @property
    def planned_seconds(self) -> float:
        """The timed cells' length, warm-up included (count-based cells take what they take)."""
        return sum((c.spec.length or 0.0) + c.warmup_time for c in self.cells)

    @property
    def total_requests(self) -> int:
        """Measured and warm-up requests, one create and one delete per record and the counts
        (not counting logins)."""
        return (self.measured_requests + self.warmup_requests + self.records_to_create
                + self.records_to_delete + self.count_requests)


MIN_ROUND_REQUESTS = 3
ROUND_REQUESTS_PER_WORKER = 2


def round_sizes(iterations: int, concurrency: int, rounds: int) -> list[int]:
    """How many of ``iterations`` requests each round sends: as even as possible, and no round
    smaller than ``MIN_ROUND_REQUESTS`` or two requests per worker (a cell too small for that
    takes fewer rounds)."""
    smallest = max(MIN_ROUND_REQUESTS, ROUND_REQUESTS_PER_WORKER * concurrency)
    count = max(1, min(rounds, iterations // smallest))
    base, extra = divmod(iterations, count)
    return [base + (1 if k < extra else 0) for k in range(count)]


def expand(scenario: Scenario) -> Plan:
    """Sizes ascending (seeding only grows), then concurrency levels, then endpoints as listed."""
    cells: list[Cell] = []
    load = scenario.load
    for size in scenario.sizes:
        for level, concurrency in enumerate(load.concurrency):
            for endpoint in scenario.endpoints:
                if endpoint.sizes is not None and size not in endpoint.sizes:
                    continue
                workload = endpoint.workload or load.workload
                swept = not workload.open and not workload.stages
                if not swept and level:
                    continue
                iterations = endpoint.iterations or load.iterations
                work = cell_work(workload, concurrency, iterations)
                planned = work.planned_requests() or 0
                counted = not work.timed and not work.open
                rounds = tuple(round_sizes(planned, work.workers, load.rounds)) if counted else ()
                budget = load.budget(planned) if counted else planned
                cells.append(Cell(len(cells), size, work.workers, endpoint, planned, load.warmup, work,
                                  load.warmup_time, rounds, budget))
    largest = max((s for s in scenario.sizes if s is not None), default=0)
    dataset = scenario.dataset
    deletes = largest if dataset is not None and dataset.delete is not None and dataset.cleanup else 0
    counts = sum(s is not None for s in scenario.sizes) if dataset is not None and dataset.count else 0
    return Plan(tuple(cells), largest, deletes, counts)
