"""``executor: dask``: a plan's cells on a ``distributed.LocalCluster`` of 2 worker processes on
127.0.0.1, against a local server: exact counts per cell, one process's percentiles, a worker
killed mid-cell, and what to install when Dask is missing."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner
from executors import Keeping, Watching, assert_merged_like_one_process, cell_by
from servers import RecordsServer, ScenarioFactory, free_port, records_scenario

from yamlperf.cli import main
from yamlperf.engine.dask_backend import DaskBackend
from yamlperf.engine.executor import DistributedExecutor, RunWork
from yamlperf.engine.runner import RunOptions, run_scenario
from yamlperf.loader import load_scenario

WORKERS = 2


def _distributed() -> Any:
    """Imported when a test needs it, not when tests are collected: ``distributed`` adds ~100 MB to
    the test process, which a child forked from it inherits in its peak RSS (test_big_bodies)."""
    import distributed

    return distributed


@pytest.fixture(scope="module")
def cluster() -> Iterator[Any]:
    distributed = _distributed()
    with distributed.LocalCluster(n_workers=WORKERS, threads_per_worker=1, processes=True, host="127.0.0.1",
                                  dashboard_address=None) as local:
        yield local


@pytest.fixture
def two_workers(cluster: Any) -> str:
    """The scheduler's address once both workers are there (a killed one is restarted by its nanny)."""
    with _distributed().Client(cluster.scheduler_address, set_as_default=False) as client:
        client.wait_for_workers(WORKERS, timeout=60)
    return cluster.scheduler_address


def test_a_plan_on_two_dask_workers_counts_every_cell_exactly(auth_server: RecordsServer, password_env: str,
                                                               write_scenario: ScenarioFactory,
                                                               tmp_path: Path, two_workers: str) -> None:
    """The plan names the cluster; the login, seeding and cleanup stay in this process."""
    path = write_scenario(records_scenario(auth_server.url, auth=True, sizes=[3, 6], load={
        "iterations": 30, "concurrency": 4, "warmup": 2, "executor": "dask", "cluster": two_workers}))
    outcome = CliRunner().invoke(main, ["run", str(path)])
    assert outcome.exit_code == 0, outcome.output
    saved = yaml.safe_load(next((tmp_path / "out").rglob("results.json")).read_text(encoding="utf-8"))
    assert saved["meta"]["executor"] == f"dask x{WORKERS}"
    assert [(c["requests"], c["successes"], c["partial"]) for c in saved["cells"]] == [(30, 30, "")] * 4
    assert auth_server.hits["POST /auth/login"] == 1
    assert auth_server.hits["GET /records/{id}"] == 2 * (30 + 2)
    assert not auth_server.records


def _keeping(backends: list[Keeping], address: str):  # type: ignore[no-untyped-def]
    def make(work: RunWork) -> DistributedExecutor:
        backends.append(Keeping(DaskBackend(address, None)))
        return DistributedExecutor(backends[-1], work)
    return make


def test_merged_percentiles_are_one_process_s_on_the_same_samples(records_server: RecordsServer,
                                                                    write_scenario: ScenarioFactory,
                                                                    two_workers: str) -> None:
    path = write_scenario({"name": "percentiles", "target": {"base_url": records_server.url},
                           "load": {"iterations": 400, "concurrency": 4},
                           "endpoints": [{"name": "slow", "path": "/slow", "query": {"ms": "1"}},
                                         {"name": "static", "path": "/static"}]})
    backends: list[Keeping] = []
    watching = Watching()
    result = run_scenario(load_scenario(path), RunOptions(scenario_file=path, executor=_keeping(backends, two_workers)),
                          watching).result
    assert [(c.requests, c.partial) for c in result.cells] == [(400, "")] * 2
    for cell, shares in zip(result.cells, backends[0].cells, strict=True):
        assert len(shares) == WORKERS
        assert len({s.worker for s in shares}) == WORKERS  # a share on each worker, at the same time
        assert_merged_like_one_process(cell, shares)
    assert records_server.hits["GET /slow"] == records_server.hits["GET /static"] == 400


def test_a_dask_worker_killed_mid_cell_leaves_it_partial_and_the_run_goes_on(
        records_server: RecordsServer, write_scenario: ScenarioFactory, two_workers: str) -> None:
    path = write_scenario({"name": "killed", "target": {"base_url": records_server.url, "timeout": "5s"},
                           "load": {"iterations": 160, "concurrency": 2},
                           "endpoints": [{"name": "slow", "path": "/slow", "query": {"ms": "20"}},
                                         {"name": "after", "path": "/static"}]})
    backends: list[Keeping] = []

    def kill() -> None:
        backend = backends[0].backend
        assert isinstance(backend, DaskBackend)
        os.kill(sorted(backend.pids().values())[0], signal.SIGKILL)

    watching = Watching(after=10, act=kill)
    result = run_scenario(load_scenario(path), RunOptions(scenario_file=path, executor=_keeping(backends, two_workers)),
                          watching).result
    slow, after = cell_by(result, "slow"), cell_by(result, "after")
    assert watching.acted
    assert "1 of 2 workers lost mid-cell" in slow.partial, slow.partial
    assert 80 <= slow.requests < 160
    assert slow.truncated
    assert (after.requests, after.successes, after.partial) == (160, 160, "")
    assert any(0 < done < 160 for done in watching.advances), "no progress from the workers mid-cell"


def test_asking_for_dask_without_it_says_what_to_install(records_server: RecordsServer,
                                                         write_scenario: ScenarioFactory) -> None:
    path = write_scenario({"name": "no dask", "target": {"base_url": records_server.url},
                           "load": {"iterations": 2}, "endpoints": [{"name": "static", "path": "/static"}]})
    code = ("import sys\nsys.modules['distributed'] = None\nfrom yamlperf.cli import main\n"
            f"sys.argv = ['yamlperf', 'run', {str(path)!r}, '--executor', 'dask']\nmain()\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 2, done.stderr[-2000:]
    assert "pip install 'yamlperf[dask]'" in done.stderr
    assert "Traceback" not in done.stderr
    assert records_server.hits["GET /static"] == 0
    assert not list(path.parent.glob("out/*")), "a run folder for a run that could not start"


def test_a_scheduler_that_does_not_answer_is_named_with_the_commands_that_start_one(
        records_server: RecordsServer, write_scenario: ScenarioFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Exit 3, as for a target that does not answer; the waiting is Dask's connect timeout, cut short here."""
    from yamlperf.engine import dask_backend

    monkeypatch.setattr(dask_backend, "START_TIMEOUT_S", 1.0)
    address = f"tcp://127.0.0.1:{free_port()}"
    plan = write_scenario(records_scenario(records_server.url, sizes=[3]))
    result = CliRunner().invoke(main, ["run", str(plan), "--cluster", address])
    assert result.exit_code == 3, result.output
    assert (f"cannot reach the Dask scheduler at {address} (") in result.output
    assert f"start it with `dask scheduler` and workers with `dask worker {address}`" in result.output
    assert records_server.load_hits() == 0
