"""``executor: processes``: each cell split across worker processes, merged as one process's.

Against real local servers: the login, seeding and cleanup happen once (in this process), every
cell's requests are counted exactly, and a worker killed mid-cell leaves that cell partial while
the run goes on.
"""

from __future__ import annotations

import json
import os
import signal
from pathlib import Path

import pytest
from click.testing import CliRunner
from executors import Keeping, Watching, assert_merged_like_one_process, cell_by
from servers import RecordsServer, ScenarioFactory, records_scenario

from yamlperf.cli import main
from yamlperf.engine.executor import DistributedExecutor, RunWork
from yamlperf.engine.matrix import Cell
from yamlperf.engine.processes import ProcessBackend
from yamlperf.engine.runner import RunOptions, run_scenario
from yamlperf.engine.share import split_cell
from yamlperf.engine.workload import CellWork
from yamlperf.loader import load_scenario
from yamlperf.scenario import Endpoint, RequestSpec


def _cell(iterations: int, concurrency: int, warmup: int = 0, work: CellWork | None = None) -> Cell:
    return Cell(0, None, concurrency, Endpoint("e", RequestSpec("GET", "/")), iterations, warmup, work)


@pytest.mark.parametrize(("iterations", "concurrency", "warmup", "workers"),
                         [(10, 4, 3, 2), (7, 3, 0, 4), (1000, 10, 11, 3), (5, 1, 1, 8), (3, 9, 2, 9)])
def test_shares_add_up_to_the_cell_exactly(iterations: int, concurrency: int, warmup: int,
                                           workers: int) -> None:
    shares = split_cell(_cell(iterations, concurrency, warmup), workers)
    assert len(shares) == min(workers, concurrency)
    assert sum(s.iterations for s in shares) == iterations
    assert sum(s.warmup for s in shares) == warmup
    assert sum(s.concurrency for s in shares) == concurrency
    assert all(s.concurrency >= 1 for s in shares)
    assert sum(s.spec.iterations or 0 for s in shares) == iterations


def test_an_open_models_rate_divides_across_the_shares() -> None:
    shares = split_cell(_cell(600, 8, work=CellWork(True, 8, 600, rate=300.0)), 3)
    assert sum(s.spec.rate or 0 for s in shares) == pytest.approx(300.0)
    assert sum(s.spec.iterations or 0 for s in shares) == 600
    assert sum(s.spec.planned_requests() or 0 for s in shares) == 600


def _keeping(backends: list[Keeping], count: int):  # type: ignore[no-untyped-def]
    def make(work: RunWork) -> DistributedExecutor:
        backends.append(Keeping(ProcessBackend(count)))
        return DistributedExecutor(backends[-1], work)
    return make


def test_two_worker_processes_measure_what_one_process_would(auth_server: RecordsServer, password_env: str,
                                                              write_scenario: ScenarioFactory) -> None:
    """Logged in once, seeded once, cleaned up once; per cell exactly the plan's requests, and
    percentiles equal to one process's over the same samples."""
    path = write_scenario(records_scenario(auth_server.url, auth=True, sizes=[3, 6],
                                           load={"iterations": 40, "concurrency": 4, "warmup": 2}))
    backends: list[Keeping] = []
    result = run_scenario(load_scenario(path), RunOptions(scenario_file=path, executor=_keeping(backends, 2))).result
    assert result.meta.executor == "processes x2"
    assert [(c.requests, c.successes, c.partial) for c in result.cells] == [(40, 40, "")] * 4
    assert auth_server.hits["POST /auth/login"] == 1
    assert auth_server.hits["GET /records/{id}"] == 2 * (40 + 2)
    assert auth_server.hits["GET /records"] == 2 * (40 + 2)
    assert auth_server.hits["POST /records"] == 6
    assert not auth_server.records  # cleaned up, by this process
    outcomes = backends[0].cells
    assert [len(o) for o in outcomes] == [2] * 4
    for cell, shares in zip(result.cells, outcomes, strict=True):
        assert_merged_like_one_process(cell, shares)


def test_a_worker_killed_mid_cell_leaves_it_partial_and_the_run_goes_on(records_server: RecordsServer,
                                                                        write_scenario: ScenarioFactory,
                                                                        tmp_path: Path) -> None:
    path = write_scenario({
        "name": "killed", "target": {"base_url": records_server.url, "timeout": "5s"},
        "load": {"iterations": 120, "concurrency": 2},
        "endpoints": [{"name": "slow", "path": "/slow", "query": {"ms": "20"}},
                      {"name": "after", "path": "/static"}]})
    backends: list[Keeping] = []

    def kill() -> None:
        os.kill(backends[0].backend.pids[0], signal.SIGKILL)  # type: ignore[attr-defined]

    watching = Watching(after=10, act=kill)
    result = run_scenario(load_scenario(path), RunOptions(scenario_file=path, executor=_keeping(backends, 2)),
                          watching).result
    slow, after = cell_by(result, "slow"), cell_by(result, "after")
    assert watching.acted
    assert "1 of 2 workers lost mid-cell" in slow.partial
    assert "its worker process ended" in slow.partial
    assert 60 <= slow.requests < 120
    assert slow.truncated
    assert f"{slow.requests} of 120 requests received" in slow.partial
    assert (after.requests, after.successes, after.partial) == (120, 120, "")
    assert any(0 < done < 120 for done in watching.advances), "no progress from the workers mid-cell"
    saved = (tmp_path / "out").rglob("results.json")
    assert '"partial": "1 of 2 workers lost' in next(saved).read_text(encoding="utf-8")


def test_the_command_line_chooses_the_executor(records_server: RecordsServer, write_scenario: ScenarioFactory,
                                               tmp_path: Path) -> None:
    path = write_scenario({"name": "flags", "target": {"base_url": records_server.url},
                           "load": {"iterations": 30, "concurrency": 3},
                           "endpoints": [{"name": "static", "path": "/static"}]})
    done = CliRunner().invoke(main, ["run", str(path), "--executor", "processes", "--workers", "2"])
    assert done.exit_code == 0, done.output
    saved = json.loads(next((tmp_path / "out").rglob("results.json")).read_text(encoding="utf-8"))
    assert saved["meta"]["executor"] == "processes x2"
    assert (saved["cells"][0]["requests"], saved["cells"][0]["partial"]) == (30, "")
    assert records_server.hits["GET /static"] == 30
    bad = CliRunner().invoke(main, ["run", str(path), "--workers", "0"])
    assert bad.exit_code == 2
    assert "--workers 0" in bad.output
    wrong = CliRunner().invoke(main, ["run", str(path), "--cluster", "scheduler:8786"])
    assert wrong.exit_code == 2
    assert "tcp://scheduler:8786" in wrong.output


def test_plan_names_the_executor_and_refuses_workers_or_a_cluster_it_has_no_use_for(
        write_scenario: ScenarioFactory) -> None:
    """`--workers 4` on threads ran one process as if it were not there; `plan` said "3 rounds per size"
    for a processes run that measures each cell in one pass."""
    path = write_scenario({"name": "flags", "target": {"base_url": "http://127.0.0.1:9"},
                           "load": {"iterations": 30}, "endpoints": [{"name": "static", "path": "/static"}]})
    split = CliRunner().invoke(main, ["plan", str(path), "--executor", "processes", "--workers", "4"])
    assert split.exit_code == 0, split.output
    assert "executor: processes x4\n" in split.output
    assert ("sampling: each cell measured once, in one pass split across the processes workers (rounds and "
            "precision sample on threads only)") in split.output
    remote = CliRunner().invoke(main, ["plan", str(path), "--cluster", "tcp://scheduler:8786"])
    assert "executor: dask on tcp://scheduler:8786\n" in remote.output
    threads = CliRunner().invoke(main, ["plan", str(path)])
    assert "executor:" not in threads.output
    assert "sampling: 3 rounds per size" in threads.output
    alone = CliRunner().invoke(main, ["plan", str(path), "--workers", "4"])
    assert alone.exit_code == 2
    assert ("--workers 4: load.workers: workers are processes of `executor: processes` or `dask`, and this plan "
            "runs on threads (the default), one process") in alone.output
    crossed = CliRunner().invoke(main, ["plan", str(path), "--executor", "processes", "--cluster", "tcp://s:8786"])
    assert crossed.exit_code == 2
    assert "load.cluster: a Dask scheduler is named, and the executor is processes" in crossed.output
