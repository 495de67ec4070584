"""Splitting one cell across workers (processes or Dask workers), exactly.

A cell's work (``CellWork``: a count at some workers, a duration, an open model's rate, a ramp)
divides with ``CellWork.divide``: the workers, the count, the rate and each stage's target split as
evenly as whole numbers allow, a duration the same for every share. The warm-up's count divides
the same way. A share never gets no worker, so a cell has at most as many shares as workers.
"""

from __future__ import annotations

from dataclasses import replace

from .matrix import Cell


def split_cell(cell: Cell, workers: int) -> tuple[Cell, ...]:
    """The shares of ``cell`` among at most ``workers`` workers, as cells: each share's
    ``concurrency`` and ``iterations`` are its own, and they add up to the cell's."""
    spec = cell.spec
    count = max(1, min(workers, spec.workers))
    works = spec.divide(count)
    return tuple(replace(cell, work=work, concurrency=work.workers,
                         iterations=_part(cell.iterations, count, k), warmup=_part(cell.warmup, count, k))
                 for k, work in enumerate(works))


def _part(total: int, parts: int, index: int) -> int:
    """``CellWork.divide``'s split of a whole number: the first shares take the remainder."""
    return total // parts + (1 if index < total % parts else 0)
