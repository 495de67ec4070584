"""Window thresholds watched while a cell runs: ``abort_on_fail`` stops the run when one breaks.

The same judgement as after the run (``windows.SlidingWindow``), on the live intervals: each rule
keeps a window of its last intervals, which slides by one as each interval ends; once the window is
whole, a value that fails the rule stops the cell and the run (as k6's ``abortOnFail``) at the first
window that breaks, and ``reason`` says which rule, where and what. The warm-up is not judged.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..scenario import Threshold
from ..thresholds import Rule, format_metric
from ..verdicts import cell_label
from ..windows import SlidingWindow, window_for
from .series import Interval

if TYPE_CHECKING:
    from .cell import CellRun


class WindowWatch:
    """Built once per run from the thresholds with ``abort_on_fail``; fed every finished interval."""

    def __init__(self, thresholds: tuple[Threshold, ...]) -> None:
        self._rules = [(t, r) for t in thresholds if t.abort_on_fail for r in t.rules if r.window]
        self._run: CellRun | None = None
        self._windows: dict[int, SlidingWindow] = {}
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
            window = self._windows.get(number)
            if window is None:
                window = self._windows[number] = window_for(rule, width)
            window.push(index * width, started=interval.started, ended=interval.ended,
                        ok=interval.categories.get("ok", 0), top=interval.max,
                        buckets=interval.latencies.items())
            if window.full:
                self._judge(run, rule, window)

    def _judge(self, run: CellRun, rule: Rule, window: SlidingWindow) -> None:
        span = window.span()
        value = window.value(rule, span.seconds)
        if value is None or rule.passes(value):
            return
        cell = run.cell
        where = cell_label(cell.endpoint.name, cell.size, cell.concurrency)
        self.reason = (f"{rule.text} broke for {where} in the window {span.text()}: "
                       f"measured {format_metric(rule.kind, value)}, limit {rule.format_limit()} "
                       "(abort_on_fail)")
        run.abort(self.reason)
