"""Seeding and cleanup under pressure: large sizes, Ctrl-C, creates that fail, what is left behind."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from servers import RecordsServer, ScenarioFactory, records_scenario


def _start_run(path: Path, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "yamlperf", "run", str(path), *args],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONUNBUFFERED": "1"})


def _wait_for(condition: object, timeout: float, process: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + timeout
    while not condition() and time.monotonic() < deadline and process.poll() is None:  # type: ignore[operator]
        time.sleep(0.02)


def _finish(process: subprocess.Popen[str], timeout: float) -> tuple[str, str, float]:
    started = time.monotonic()
    try:
        stdout, stderr = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        stdout, stderr = process.communicate()
        raise AssertionError(f"the run did not stop within {timeout}s\n{stderr[-2000:]}") from None
    return stdout, stderr, time.monotonic() - started


def test_ctrl_c_during_a_large_seed_stops_within_seconds_and_cleans_up(
        records_server: RecordsServer, write_scenario: ScenarioFactory) -> None:
    data = records_scenario(records_server.url, sizes=[200_000], load={"iterations": 1, "max_workers": 4})
    process = _start_run(write_scenario(data))
    _wait_for(lambda: records_server.hits["POST /records"] >= 300, 30, process)
    assert process.poll() is None, process.communicate()
    process.send_signal(signal.SIGINT)
    stdout, stderr, took = _finish(process, timeout=20)
    assert process.returncode == 130, stderr[-2000:]
    assert took < 10, f"stopping took {took:.1f}s"
    assert records_server.records == {}, "the records created before Ctrl-C are deleted"
    assert "results:" in stdout
