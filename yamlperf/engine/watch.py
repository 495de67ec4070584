"""Window thresholds watched while a cell runs: ``abort_on_fail`` stops the run when one breaks.

The same judgement as after the run (``windows.window_value``), on the live intervals: each rule
collects the intervals of its current window; when the window is whole, a value that fails the rule
stops the cell and the run (as k6's ``abortOnFail``), and ``reason`` says which rule, where and what.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..scenario import Threshold
from ..thresholds import Rule, format_metric
from ..verdicts import cell_label
from ..windows import WindowCounts, window_value
from .series import Interval

if TYPE_CHECKING:
    from .cell import CellRun


class WindowWatch:
    """Built once per run from the thresholds with ``abort_on_fail``; fed every finished interval."""

    def __init__(self, thresholds: tuple[Threshold, ...]) -> None:
        self._rules = [(t, r) for t in thresholds if t.abort_on_fail for r in t.rules if r.window]
        self._run: CellRun | None = None
        self._windows: dict[int, Interval] = {}
        self.reason = ""

    def __bool__(self) -> bool:
        return bool(self._rules)

    def interval(self, run: CellRun, index: int, interval: Interval) -> None:
        if run is not self._run:
            self._run, self._windows = run, {}
        cell, width = run.cell, run.work.interval
        for number, (threshold, rule) in enumerate(self._rules):
            if self.reason or not threshold.applies_to(cell.endpoint.name, cell.size, cell.concurrency):
                continue
            per = max(1, round((rule.window or width) / width))
            window = self._windows.setdefault(number, Interval())
            window.merge(interval)
            if index % per == per - 1:
                del self._windows[number]
                self._judge(run, rule, window, (index + 1 - per) * width, per * width)

    def _judge(self, run: CellRun, rule: Rule, window: Interval, start: float, seconds: float) -> None:
        ok = window.categories.get("ok", 0)
        counts = WindowCounts(start=start, seconds=seconds, started=window.started, ended=window.ended, ok=ok,
                              max=window.max, histogram=window.latencies)
        value = window_value(rule, counts)
        if value is None or rule.passes(value):
            return
        cell = run.cell
        where = cell_label(cell.endpoint.name, cell.size, cell.concurrency)
        self.reason = (f"{rule.text} broke for {where} in the window {start:g}-{start + seconds:g} s: "
                       f"measured {format_metric(rule.kind, value)}, limit {rule.format_limit()} "
                       "(abort_on_fail)")
        run.abort(self.reason)
