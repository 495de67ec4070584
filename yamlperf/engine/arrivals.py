"""The open model's request loop: a scheduler thread hands intended start times to idle workers.

As k6's arrival-rate executors and wrk2 do it: requests start on the schedule whatever the answers
do. The scheduler sleeps until the next arrival is due, then gives it to an idle worker (a LIFO
stack, so the same few workers, and their warm connections, do the work while the target keeps
up), starting a new worker thread when none is idle, up to ``max_in_flight``. An arrival due while
``max_in_flight`` requests are in flight cannot start: it is counted as dropped. A worker that picks
its arrival up late (the client was busy) still measures from when it was due, so a target that
stalls shows the stall in the latencies instead of hiding it by sending less (coordinated omission).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from queue import SimpleQueue

from .series import LATE_AFTER_S, Series
from .stats import Recorder
from .workload import CellWork

Send = Callable[[int, Recorder, float, float], None]
"""``send(worker, recorder, started, due)``: one request on ``worker``'s connection."""
PRESTARTED = 4


class OpenLoop:
    """One open-model pass: ``start`` the scheduler, join it, then join ``threads`` (the workers,
    which end once the scheduler is done and their last request has ended)."""

    def __init__(self, work: CellWork, send: Send, new_recorder: Callable[[int], Recorder],
                 stop: threading.Event) -> None:
        self._work = work
        self._send = send
        self._new_recorder = new_recorder
        self._stop = stop
        self.recorders: list[Recorder] = []
        self._idle: list[int] = []
        self._inboxes: list[SimpleQueue[float | None]] = []
        self.threads: list[threading.Thread] = []
        self.drops = Series()
        """Arrivals that found ``max_in_flight`` requests in flight, where they were due."""
        self.dropped = 0
        self.behind = 0
        """Arrivals the scheduler itself handed out (or dropped) late: the client's own delay."""
        self.max_lag = 0.0
        self._lock = threading.Lock()

    def start(self, origin: float) -> threading.Thread:
        """Start the scheduler (arrivals counted from ``origin``, a ``perf_counter`` time)."""
        for _ in range(min(PRESTARTED, self._work.workers)):
            self._spawn()
        scheduler = threading.Thread(target=self._schedule, args=(origin,), daemon=True,
                                     name="yamlperf-scheduler")
        scheduler.start()
        return scheduler

    def _spawn(self) -> int:
        worker = len(self._inboxes)
        inbox: SimpleQueue[float | None] = SimpleQueue()
        self._inboxes.append(inbox)
        recorder = self._new_recorder(worker)
        self.recorders.append(recorder)
        thread = threading.Thread(target=self._serve, args=(worker, inbox, recorder), daemon=True,
                                  name=f"yamlperf-worker-{worker}")
        self.threads.append(thread)
        thread.start()
        self._idle.append(worker)
        return worker

    def _schedule(self, origin: float) -> None:
        idle, inboxes, stop, clock = self._idle, self._inboxes, self._stop, time.perf_counter
        cap = self._work.workers
        self.drops.rebase(origin, time.time())
        length = self._work.length
        deadline = None if length is None else origin + length + self._work.interval
        try:
            for index, offset in enumerate(self._work.arrivals()):
                due = origin + offset
                now = clock()
                delay = due - now
                if delay > 0 and stop.wait(delay):
                    return
                if delay < -LATE_AFTER_S:
                    if deadline is not None and now > deadline:
                        self._drop_rest(index, origin)
                        return
                    self.behind += 1
                if stop.is_set():
                    return
                try:
                    worker = idle.pop()
                except IndexError:
                    if len(inboxes) >= cap:
                        self.dropped += 1
                        self.drops.drop(due)
                        continue
                    self._spawn()
                    worker = idle.pop()
                inboxes[worker].put(due)
        finally:
            for inbox in inboxes:
                inbox.put(None)

    def _drop_rest(self, first: int, origin: float) -> None:
        """The schedule's arrivals from the ``first``-th on, never handed out by the cell's end (an
        interval past it): the client could not draw them as fast as they were due. Counted as
        dropped, and behind (the client's delay), in their intervals, without drawing each one."""
        work = self._work
        total = work.arrivals_before()
        done, begin = first, 0.0
        while done < total:
            ends = work.arrivals_before(begin + work.interval) if begin + work.interval < (work.length or 0) \
                else total
            if ends > done:
                self.drops.at(origin + begin).dropped += ends - done
                done = ends
            begin += work.interval
        self.dropped += total - first
        self.behind += total - first

    def _serve(self, worker: int, inbox: SimpleQueue[float | None], recorder: Recorder) -> None:
        send, idle, clock = self._send, self._idle, time.perf_counter
        longest = 0.0
        while True:
            due = inbox.get()
            if due is None:
                break
            started = clock()
            longest = max(longest, started - due)
            send(worker, recorder, started, due)
            idle.append(worker)
        with self._lock:
            self.max_lag = max(self.max_lag, longest)
