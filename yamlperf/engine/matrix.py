"""Scenario -> the ordered test matrix: dataset size x concurrency x endpoint (pure)."""

from __future__ import annotations

from dataclasses import dataclass

from ..scenario import Endpoint, Scenario


@dataclass(frozen=True, slots=True)
class Cell:
    """One measurement: ``iterations`` requests to ``endpoint`` at ``concurrency``, at one size."""

    index: int
    size: int | None
    concurrency: int
    endpoint: Endpoint
    iterations: int
    warmup: int

    @property
    def key(self) -> tuple[str, int | None, int]:
        return (self.endpoint.name, self.size, self.concurrency)

    def label(self) -> str:
        size = "" if self.size is None else f" @ {self.size} records"
        return f"{self.endpoint.name}{size} x{self.concurrency}"


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
        return sum(c.warmup for c in self.cells)

    @property
    def total_requests(self) -> int:
        """Measured and warm-up requests, one create and one delete per record and the counts
        (not counting logins)."""
        return (self.measured_requests + self.warmup_requests + self.records_to_create
                + self.records_to_delete + self.count_requests)


def expand(scenario: Scenario) -> Plan:
    """Sizes ascending (seeding only grows), then concurrency levels, then endpoints as listed."""
    cells: list[Cell] = []
    load = scenario.load
    for size in scenario.sizes:
        for concurrency in load.concurrency:
            for endpoint in scenario.endpoints:
                if endpoint.sizes is not None and size not in endpoint.sizes:
                    continue
                iterations = endpoint.iterations or load.iterations
                cells.append(Cell(len(cells), size, concurrency, endpoint, iterations, load.warmup))
    largest = max((s for s in scenario.sizes if s is not None), default=0)
    dataset = scenario.dataset
    deletes = largest if dataset is not None and dataset.delete is not None and dataset.cleanup else 0
    counts = sum(s is not None for s in scenario.sizes) if dataset is not None and dataset.count else 0
    return Plan(tuple(cells), largest, deletes, counts)
