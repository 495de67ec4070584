"""``executor: processes``: one long-lived worker process per core, each with its own connections.

Each worker is a spawned process (a fresh interpreter: the coordinator has threads, and forking a
process with threads is unsafe) that serves jobs over its own pipe: a ``ShareJob`` in, progress
messages and a ``ShareOutcome`` out. One pipe per worker, not a pool: a worker that dies (killed,
out of memory) loses only its own share, which the coordinator sees as the end of its pipe, and it
is replaced before the next cell. A worker's connections are kept across the cells of a run.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import threading
import time
from collections.abc import Callable, Sequence
from multiprocessing.connection import Connection, wait
from typing import Any

from .worker import Lost, ShareJob, ShareOutcome, close_run, run_share, stop_all

logger = logging.getLogger(__name__)
PROGRESS_EVERY_S = 0.2
STOP_WAIT_S = 30.0
_CONTEXT = multiprocessing.get_context("spawn")


def _serve(connection: Connection) -> None:
    """A worker process: run each job on a thread, so a ``stop`` can arrive while it runs."""
    lock = threading.Lock()

    def send(message: tuple[Any, ...]) -> None:
        with lock:
            connection.send(message)

    running: threading.Thread | None = None
    while True:
        try:
            message = connection.recv()
        except (EOFError, OSError):
            return
        kind = message[0]
        if kind == "job":
            job: ShareJob = message[1]
            running = threading.Thread(target=_run_job, args=(job, send), daemon=True)
            running.start()
        elif kind == "stop":
            stop_all()
        elif kind == "close":
            if running is not None:
                running.join()
            close_run(message[1])
        elif kind == "exit":
            return


def _run_job(job: ShareJob, send: Callable[[tuple[Any, ...]], None]) -> None:
    last = [0.0]

    def progress(done: int) -> None:
        now = time.monotonic()
        if now - last[0] >= PROGRESS_EVERY_S:
            last[0] = now
            send(("progress", job.index, done))

    try:
        outcome = run_share(job, progress, worker=f"process {multiprocessing.current_process().pid}")
    except BaseException as exc:  # the coordinator must hear of it, not wait for it
        send(("failed", job.index, f"{type(exc).__name__}: {exc}"))
        return
    send(("done", job.index, outcome))


class _Worker:
    def __init__(self) -> None:
        parent, child = _CONTEXT.Pipe()
        self.connection = parent
        self.process = _CONTEXT.Process(target=_serve, args=(child,), daemon=True, name="yamlperf-worker")
        self.process.start()
        child.close()

    def alive(self) -> bool:
        return self.process.is_alive()

    def close(self) -> None:
        with contextlib.suppress(OSError, ValueError):  # already gone
            self.connection.send(("exit",))
        self.process.join(5)
        if self.process.is_alive():
            self.process.kill()
            self.process.join(5)
        self.connection.close()


class ProcessBackend:
    """``count`` worker processes on this machine."""

    name = "processes"

    def __init__(self, count: int) -> None:
        self._count = max(1, count)
        self._workers: list[_Worker] = []

    def workers(self) -> int:
        return self._count

    def _ready(self, needed: int) -> list[_Worker]:
        self._workers = [w for w in self._workers if w.alive()]
        while len(self._workers) < needed:
            self._workers.append(_Worker())
        return self._workers[:needed]

    @property
    def pids(self) -> list[int]:
        """The worker processes' ids (tests kill one mid-cell)."""
        return [w.process.pid for w in self._workers if w.process.pid is not None]

    def run(self, jobs: Sequence[ShareJob], progress: Callable[[int, int], None],
            stop: threading.Event) -> list[ShareOutcome | Lost]:
        workers = self._ready(len(jobs))
        owner: dict[Connection, int] = {}
        for worker, job in zip(workers, jobs, strict=True):
            worker.connection.send(("job", job))
            owner[worker.connection] = job.index
        results: dict[int, ShareOutcome | Lost] = {}
        stopping = False
        stopped_at = 0.0
        while len(results) < len(jobs):
            if stop.is_set() and not stopping:
                stopping, stopped_at = True, time.monotonic()
                for connection in owner:
                    _send_quietly(connection, ("stop",))
            for connection in wait([c for c, i in owner.items() if i not in results], timeout=0.1):
                index = owner[connection]
                try:
                    message = connection.recv()
                except (EOFError, OSError):
                    results[index] = Lost(index, "its worker process ended")
                    continue
                if message[0] == "progress":
                    progress(message[1], message[2])
                elif message[0] == "done":
                    results[index] = message[2]
                    progress(index, message[2].measured.recorder.requests)
                elif message[0] == "failed":
                    results[index] = Lost(index, f"its worker failed: {message[2]}")
            if stopping and time.monotonic() - stopped_at > STOP_WAIT_S:
                for index in set(owner.values()) - set(results):
                    results[index] = Lost(index, "no answer after the stop")
        return [results[job.index] for job in jobs]

    def close_run(self, run_key: str) -> None:
        for worker in self._workers:
            if worker.alive():
                _send_quietly(worker.connection, ("close", run_key))

    def close(self) -> None:
        for worker in self._workers:
            worker.close()
        self._workers = []


def _send_quietly(connection: Connection, message: tuple[Any, ...]) -> None:
    try:
        connection.send(message)
    except (OSError, ValueError):
        logger.debug("a worker process is gone; %s not sent", message[0])
