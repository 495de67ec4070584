"""What a running cell shows while it runs: once a second, the last whole interval of every
worker's series merged, handed to the observer (the live console) and to the run's window
watch (``abort_on_fail``), which may stop the cell."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .progress import LiveView, Observer

if TYPE_CHECKING:
    from .cell import CellRun
    from .series import Interval

LIVE_EVERY_S = 0.5


class Ticker:
    """Folds each interval into running totals as soon as it is over, and reports."""

    def __init__(self, run: CellRun, observer: Observer | None) -> None:
        self._run = run
        self._observer = observer
        self._next = 0.0
        self._done = 0
        self.started = self.ended = self.errors = self.dropped = 0
        self.last: Interval | None = None

    def tick(self, now: float) -> None:
        run = self._run
        if self._observer is not None and now >= self._next:
            self._next = now + LIVE_EVERY_S
            self._fold(int((now - run.origin) // run.work.interval))
            self._observer.live(self._view(now))
        elif run.watch is not None:
            self._fold(int((now - run.origin) // run.work.interval))

    def _fold(self, upto: int) -> None:
        """Add every interval before ``upto`` not added yet, and let the watch judge each."""
        run = self._run
        while self._done < upto:
            interval = run.snapshot(self._done)
            self.started += interval.started
            ended = interval.ended
            self.ended += ended
            self.errors += ended - interval.categories.get("ok", 0)
            self.dropped += interval.dropped
            self.last = interval
            if run.watch is not None:
                run.watch.interval(run, self._done, interval)
            self._done += 1

    def _view(self, now: float) -> LiveView:
        run, last = self._run, self.last
        width = run.work.interval
        p95 = last.percentiles((0.95,))[0] if last is not None and last.latencies else None
        elapsed = now - run.origin
        return LiveView(
            label=run.label, elapsed=elapsed, planned=run.work.length,
            started=max(self.started, run.requests), ended=max(self.ended, run.requests), errors=self.errors,
            in_flight=max(0, self.started - self.ended), rate=(last.started / width) if last else 0.0,
            asked=run.work.target_at(elapsed) if run.work.timed else None, p95=p95, dropped=self.dropped,
        )
