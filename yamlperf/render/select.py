"""Which cells a chart, a table or the analysis reads: series by size, reference cells (pure).

A run is a matrix of endpoint x size x concurrency. Growth is read across sizes at one
concurrency (the lowest: queueing at higher levels adds time that is not the data's); the
per-endpoint views read each endpoint's largest size, where differences matter most.
"""

from __future__ import annotations

from ..results import CellStats, Latency, RunResult


def timing(cell: CellStats | None) -> Latency | None:
    """The cell's response times, or None when no request of it succeeded.

    Latency statistics cover every answered request, errors included: a path that answers 404 in
    0.2 ms would otherwise be drawn as the fastest, healthiest endpoint. A cell without a success
    is a failed cell in every chart; one with some successes keeps its times and is marked.
    """
    if cell is None or cell.latency is None or cell.successes == 0:
        return None
    return cell.latency


def partial(cell: CellStats | None) -> bool:
    """Some but not all of the cell's requests succeeded."""
    return cell is not None and 0 < cell.successes < cell.requests


def has_sizes(result: RunResult) -> bool:
    """False when the plan seeds no data (every size is None): per-size views make no sense."""
    return any(c.size is not None for c in result.cells)


def sizes(result: RunResult) -> tuple[int, ...]:
    return tuple(s for s in result.sizes if s is not None)


def base_concurrency(result: RunResult, endpoint: str | None = None) -> int:
    """The lowest level of the run, or of ``endpoint``: where its growth is read. An endpoint with
    an open model (measured at its max_in_flight) beside closed ones has its own."""
    levels = result.concurrency_levels if endpoint is None else result.endpoint_levels(endpoint)
    return levels[0] if levels else 1


def level_note(result: RunResult) -> str:
    """", concurrency 1" for the title of a per-size view of a sweep, which draws the base level
    only: without it the other levels' cells would seem to be in the chart."""
    return f", concurrency {base_concurrency(result)}" if result.swept else ""


def series(result: RunResult, endpoint: str, concurrency: int | None = None) -> list[CellStats]:
    """An endpoint's cells at one concurrency (by default its own lowest), by ascending size."""
    level = base_concurrency(result, endpoint) if concurrency is None else concurrency
    cells = [c for c in result.cells if c.endpoint == endpoint and c.concurrency == level]
    return sorted(cells, key=lambda c: -1 if c.size is None else c.size)


def reference_cell(result: RunResult, endpoint: str) -> CellStats | None:
    """The endpoint at its largest size and the base concurrency (any level if that is missing)."""
    cells = series(result, endpoint) or sorted(
        (c for c in result.cells if c.endpoint == endpoint), key=lambda c: (c.concurrency, c.size or 0))
    return cells[-1] if cells else None


def reference_cells(result: RunResult) -> list[CellStats]:
    return [cell for e in result.endpoints if (cell := reference_cell(result, e)) is not None]


def reference_label(result: RunResult) -> str:
    """Words for the title of a per-endpoint view: "at 500 records, concurrency 1", or ""."""
    parts = []
    if has_sizes(result):
        parts.append(f"{max(sizes(result)):,} records")
    if result.swept:
        parts.append(f"concurrency {base_concurrency(result)}")
    return "at " + ", ".join(parts) if parts else ""


def sweep(result: RunResult, endpoint: str) -> list[CellStats]:
    """An endpoint's cells at its largest size, by ascending concurrency."""
    cells = [c for c in result.cells if c.endpoint == endpoint]
    if not cells:
        return []
    largest = max((c.size for c in cells if c.size is not None), default=None)
    return sorted((c for c in cells if c.size == largest), key=lambda c: c.concurrency)
