"""Workloads that would send no request (a rate of 0/s, a duration of 0, stages that last 0 s or
stay at 0) are located mistakes, exit 2, before anything is sent: they used to run, measure nothing
and end with "PASS: every cell had successful requests"."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner
from servers import RecordsServer

from yamlperf.cli import main

# (id, the load block, the key located, the words of the message)
CASES: list[tuple[str, str, str, str]] = [
    ("rate 0/s", "  rate: 0/s\n  duration: 5s\n", "load.rate", "an arrival rate of 0/s sends no request"),
    ("rate 0", "  rate: 0\n  iterations: 20\n", "load.rate", "an arrival rate of 0/s sends no request"),
    ("duration 0s, open", "  rate: 10/s\n  duration: 0s\n", "load.duration", "a duration of 0 runs no request"),
    ("duration 0, closed", "  duration: 0\n", "load.duration", "a duration of 0 runs no request"),
    ("stages of 0 s", "  stages: [{duration: 0s, rate: 10/s}, {duration: 0, rate: 5/s}]\n", "load.stages",
     "the stages last 0 s in all"),
    ("stages at 0 while they last", "  stages: [{duration: 2s, rate: 0/s}, {duration: 0s, rate: 10/s}]\n",
     "load.stages", "the stages are at 0 whenever they last"),
    ("worker stages at 0 while they last", "  stages: [{duration: 2s, workers: 0}, {duration: 0s, workers: 3}]\n",
     "load.stages", "the stages are at 0 whenever they last"),
]


def _plan(url: str, load: str, tmp_path: Path) -> Path:
    path = tmp_path / "plan.yaml"
    path.write_text(f"name: nothing\ntarget: {{base_url: \"{url}\"}}\nendpoints:\n  - name: probe\n"
                    f"    path: /static\nload:\n{load}output: {{directory: \"{tmp_path / 'out'}\", formats: [json]}}\n",
                    encoding="utf-8")
    return path


@pytest.mark.parametrize(("load", "key", "words"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_a_workload_that_sends_nothing_is_a_located_error_and_sends_nothing(
        records_server: RecordsServer, tmp_path: Path, load: str, key: str, words: str) -> None:
    path = _plan(records_server.url, load, tmp_path)
    for command in ("validate", "run"):
        result = CliRunner().invoke(main, [command, str(path)])
        assert result.exit_code == 2, result.output
        assert f"plan.yaml:{_line(path, key)}:" in result.output
        assert f"{key}: {words}" in result.output
        assert "Traceback" not in result.output
    assert records_server.load_hits() == 0
    assert not (tmp_path / "out").exists()


def _line(path: Path, key: str) -> int:
    """The line of ``key`` (``load.rate``) in ``path``."""
    name = key.rsplit(".", 1)[-1]
    lines = path.read_text(encoding="utf-8").splitlines()
    return next(i for i, text in enumerate(lines, 1) if text.strip().startswith(f"{name}:"))


def test_a_ramp_that_jumps_to_a_rate_and_comes_down_is_still_a_plan(records_server: RecordsServer,
                                                                   tmp_path: Path) -> None:
    """A 0 s stage is a jump; the ramp from it sends requests: not a mistake."""
    path = _plan(records_server.url, "  stages: [{duration: 0s, rate: 10/s}, {duration: 2s, rate: 0/s}]\n",
                 tmp_path)
    result = CliRunner().invoke(main, ["validate", str(path)])
    assert result.exit_code == 0, result.output


def test_quick_refuses_a_rate_of_zero_before_sending(records_server: RecordsServer, tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["quick", records_server.url, "--endpoint", "/static", "--rate", "0/s",
                                       "--duration", "2s", "--output-dir", str(tmp_path)])
    assert result.exit_code == 2, result.output
    assert "load.rate: an arrival rate of 0/s sends no request" in result.output
    assert records_server.load_hits() == 0


def test_an_endpoints_own_rate_of_zero_is_located_at_the_endpoint(records_server: RecordsServer,
                                                                  tmp_path: Path) -> None:
    data: dict[str, Any] = {"name": "mixed", "target": {"base_url": records_server.url},
                            "load": {"duration": "1s"},
                            "endpoints": [{"name": "a", "path": "/static"},
                                          {"name": "b", "path": "/static", "rate": "0/s"}]}
    path = tmp_path / "mixed.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    result = CliRunner().invoke(main, ["validate", str(path)])
    assert result.exit_code == 2, result.output
    assert "endpoints[1].rate: an arrival rate of 0/s sends no request" in result.output
