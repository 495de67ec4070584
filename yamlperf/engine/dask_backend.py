"""``executor: dask``: a cell's shares on the workers of a Dask cluster (``distributed``).

Without ``load.cluster`` a ``LocalCluster`` of ``workers`` processes (one thread each) is started
on 127.0.0.1 for the run; with it, the run connects to that scheduler, which teams run on
Kubernetes, SSH hosts, HPC schedulers or clouds. Each share is pinned to a worker of its own, so the
shares of a cell run at the same time; a worker that dies or leaves mid-cell (its share pinned to
it can then never finish) is seen in the scheduler's list of workers, its share is lost and the
cell partial, and the next cell uses the workers there are then. Progress goes through a
``distributed.Queue`` to the coordinator's console.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from typing import Any

from ..errors import TargetError, UsageError
from .worker import Lost, ShareJob, ShareOutcome, close_run, run_share, stop_all

logger = logging.getLogger(__name__)
INSTALL = "pip install 'yamlperf[dask]'"
POLL_S = 0.1
WORKERS_EVERY_S = 0.5
PROGRESS_EVERY_S = 0.25
START_TIMEOUT_S = 60.0


def require_distributed() -> Any:
    try:
        import distributed
    except ImportError as exc:
        raise UsageError(f"executor dask needs Dask distributed, which is not installed ({exc}): "
                         f"{INSTALL} (on this machine and on every worker)") from None
    return distributed


def _dask_share(job: ShareJob, queue_name: str) -> ShareOutcome:
    """Runs on a Dask worker: the share, its progress put on the run's queue."""
    import distributed

    worker = distributed.get_worker()
    queue = distributed.Queue(queue_name, client=worker.client) if queue_name else None
    last = [0.0]

    def progress(done: int) -> None:
        now = time.monotonic()
        if queue is not None and now - last[0] >= PROGRESS_EVERY_S:
            last[0] = now
            queue.put((job.index, done))

    return run_share(job, progress, worker=worker.address)


class DaskBackend:
    """The workers of a Dask cluster: ``cluster`` (a scheduler address) or a local one."""

    name = "dask"

    def __init__(self, cluster: str | None, workers: int | None) -> None:
        distributed = require_distributed()
        self._cluster = None
        self._wanted = workers
        if cluster:
            try:
                self._client = distributed.Client(cluster, timeout=START_TIMEOUT_S, set_as_default=False)
            except OSError as exc:
                raise TargetError(f"cannot reach the Dask scheduler at {cluster} ({exc}): start it with "
                                  f"`dask scheduler` and workers with `dask worker {cluster}`") from None
        else:
            from .executor import default_workers

            self._cluster = distributed.LocalCluster(
                n_workers=workers or default_workers(), threads_per_worker=1, processes=True,
                host="127.0.0.1", dashboard_address=None)
            self._client = distributed.Client(self._cluster, set_as_default=False)
        self.address = self._client.scheduler.address

    def _addresses(self) -> list[str]:
        return sorted(self._client.scheduler_info(n_workers=-1)["workers"])

    def workers(self) -> int:
        found = len(self._addresses())
        if not found:
            self._client.wait_for_workers(1, timeout=START_TIMEOUT_S)
            found = len(self._addresses())
        return min(found, self._wanted) if self._wanted else found

    def run(self, jobs: Sequence[ShareJob], progress: Callable[[int, int], None],
            stop: threading.Event) -> list[ShareOutcome | Lost]:
        distributed = require_distributed()
        addresses = self._addresses()[:len(jobs)]
        queue_name = f"yamlperf-progress-{uuid.uuid4().hex}"
        queue = distributed.Queue(queue_name, client=self._client)
        pairs = list(zip(jobs, addresses, strict=False))
        futures = {job.index: self._client.submit(
            _dask_share, job, queue_name, workers=[address], allow_other_workers=False, pure=False,
            retries=0, key=f"yamlperf-share-{uuid.uuid4().hex}") for job, address in pairs}
        where = {job.index: address for job, address in pairs}
        results: dict[int, ShareOutcome | Lost] = {}
        checked = time.monotonic()
        stopping = False
        while len(results) < len(jobs):
            for index, future in futures.items():
                if index in results or not future.done():
                    continue
                try:
                    outcome = future.result()
                except Exception as exc:  # the worker died (KilledWorker) or the share raised
                    results[index] = Lost(index, f"its Dask worker failed: {type(exc).__name__}")
                    continue
                results[index] = outcome
                progress(index, outcome.measured.recorder.requests)
            for index, done in _drain(queue):
                if index not in results:
                    progress(index, done)
            if time.monotonic() - checked >= WORKERS_EVERY_S:
                checked = time.monotonic()
                present = set(self._addresses())
                for index, address in where.items():
                    if index not in results and address not in present:
                        futures[index].cancel()
                        results[index] = Lost(index, f"its Dask worker {address} left the cluster")
            if stop.is_set() and not stopping:
                stopping = True
                self._client.run(stop_all)
            time.sleep(POLL_S)
        return [results[job.index] for job in jobs]

    def close_run(self, run_key: str) -> None:
        try:
            self._client.run(close_run, run_key)
        except Exception:  # a worker gone at the end of the run has nothing to close
            logger.debug("closing the run on the Dask workers failed", exc_info=True)

    def close(self) -> None:
        self._client.close()
        if self._cluster is not None:
            self._cluster.close()

    def pids(self) -> dict[str, int]:
        """Each worker's process id by address (tests kill one mid-cell)."""
        import os

        return self._client.run(os.getpid)


def _drain(queue: Any) -> list[tuple[int, int]]:
    """Whatever progress the workers have put on the queue so far (without waiting)."""
    try:
        return list(queue.get(batch=True))
    except Exception:  # a queue the scheduler dropped (it restarted): no progress, not a failure
        logger.debug("reading the progress queue failed", exc_info=True)
        return []
