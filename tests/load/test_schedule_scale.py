"""Schedules far beyond what the client can send: counted, not drawn one by one.

`yamlperf plan` of a 24-hour cell counted its arrivals by drawing every one (86 million for 1,000/s:
seconds; a minute for a fast rate, and again after the cell ran). An open cell asked for more than
the client can draw ran on long past its duration (2 s at 20,000,000/s took 31 s), and a cut cell
said "99.8/s of 100.1/s asked" of a plan asking 100/s.
"""

from __future__ import annotations

import random
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from servers import RecordsServer

from yamlperf.engine.workload import CellWork
from yamlperf.scenario import Stage

from .conftest import only_cell, plan, run_data


def _random_work(rng: random.Random) -> CellWork:
    if rng.random() < 0.4:
        rate = rng.choice([0.5, 1, 3, 7.3, 10, 33.3, 100, 250])
        if rng.random() < 0.5:
            return CellWork(True, 10, None, rng.choice([0.5, 1, 2.7, 5, 10]), rate)
        return CellWork(True, 10, rng.randint(1, 300), None, rate)
    stages = tuple(Stage(rng.choice([0, 0.5, 1, 2, 3.3, 5]), rng.choice([0, 0, 1, 5, 10.5, 50, 120]))
                   for _ in range(rng.randint(1, 5)))
    return CellWork(True, 10, None, None, None, stages)


def test_counted_arrivals_are_the_drawn_ones() -> None:
    rng = random.Random(11)
    for _ in range(400):
        work = _random_work(rng)
        drawn = list(work.arrivals())
        assert work.planned_requests() == len(drawn), work
        length = work.length or 0.0
        for t in (0.0, 0.3, 1.0, length / 2, length, length + 1):
            # the k-th is due when the integral reaches k: one either side where that is exact in floats
            assert abs(work.arrivals_before(t) - sum(1 for due in drawn if due < t)) <= 1, (work, t)


def test_plan_counts_a_day_at_a_billion_a_second_without_drawing_it(tmp_path: Path) -> None:
    data = {"name": "day", "target": {"base_url": "http://127.0.0.1:9"},
            "load": {"stages": [{"duration": "24h", "rate": "1000000000/s"}, {"duration": "1h", "rate": "0/s"}]},
            "endpoints": [{"name": "a", "path": "/a"}, {"name": "b", "path": "/b", "rate": "1000000000/s",
                                                       "duration": "24h"}]}
    path = tmp_path / "day.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "yamlperf", "plan", str(path)], capture_output=True, text=True,
                          timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    ramp = (24 + 1) * 3600 * 10**9 // 2  # up to 1e9/s over 24 h, down over 1 h: half the peak throughout
    assert f"{ramp:,} ramp" in done.stdout
    assert f"{24 * 3600 * 10**9:,} at 1e+09/s for 24h" in done.stdout


def test_an_open_cell_asked_more_than_the_client_can_draw_stops_on_time(records_server: RecordsServer,
                                                                         tmp_path: Path) -> None:
    cell = only_cell(run_data(plan(records_server.url, {"rate": "20000000/s", "duration": "1s",
                                                        "max_in_flight": 4}, tmp_path)))
    assert cell.load is not None
    assert cell.wall_time < 6  # one interval past its second; drawing 20 million arrivals took ~15 s
    assert cell.load.asked == 20_000_000
    assert cell.requests + cell.load.dropped == 20_000_000
    assert cell.load.limited_by == "client"
    assert sum(i.dropped for i in cell.series if not i.warmup) == cell.load.dropped


@pytest.mark.parametrize("rate", ["50/s", "7/s"])
def test_a_cut_cell_says_the_rate_the_plan_asked(tmp_path: Path, rate: str) -> None:
    from stall_server import StallServer

    with StallServer(stall_after=1.5, stall_for=1.0) as server:
        data = plan(server.url, {"rate": rate, "duration": "20s", "max_in_flight": 100}, tmp_path,
                    thresholds=[{"rules": ["p95 < 300ms over 1s"], "abort_on_fail": True}])
        cell = only_cell(run_data(data))
    assert cell.truncated
    assert cell.load is not None
    assert cell.load.rate == pytest.approx(float(rate.removesuffix("/s")))
