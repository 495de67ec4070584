"""Every shipped scenario validates, plans, and runs end to end (small sizes) against the demo target."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCENARIOS = sorted((ROOT / "scenarios").glob("*.yaml"))
DEMO_ENV = {"YAMLPERF_USERNAME": "admin", "YAMLPERF_PASSWORD": "admin_password"}
DEMO_SERVER = f"{sys.executable} -m yamlperf demo-server"
"""The demo as this interpreter runs it: the tests pass with the venv's python whether or not its
`bin` folder is on PATH (`yamlperf demo-server`, as the plans write it, needs that)."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def yamlperf(*args: str, cwd: Path, timeout: float = 180, credentials: bool = True
             ) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if k not in DEMO_ENV}
    env = {**clean, **DEMO_ENV} if credentials else clean
    return subprocess.run([sys.executable, "-m", "yamlperf", *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=timeout, check=False)


def test_the_shipped_scenarios_are_all_here() -> None:
    names = {p.name for p in SCENARIOS}
    assert {"scale.yaml", "smoke.yaml", "auth-jwt.yaml", "concurrency-sweep.yaml", "demo-base.yaml"} <= names
    extending = [p for p in SCENARIOS if "extends: demo-base.yaml" in p.read_text()]
    assert len(extending) >= 2


@pytest.mark.parametrize("path", SCENARIOS, ids=[p.name for p in SCENARIOS])
def test_each_scenario_validates_and_plans(path: Path) -> None:
    assert path.read_text().startswith("# yaml-language-server: $schema=../schema/scenario.schema.json")
    validated = yamlperf("validate", str(path), cwd=ROOT, credentials=False)
    assert validated.returncode == 0, validated.stderr
    planned = yamlperf("plan", str(path), cwd=ROOT)
    assert planned.returncode == 0, planned.stderr
    assert "cells:" in planned.stdout


@pytest.mark.parametrize("path", SCENARIOS, ids=[p.name for p in SCENARIOS])
def test_each_scenario_runs_end_to_end_on_small_sizes(path: Path, tmp_path: Path) -> None:
    port = free_port()
    small = ["--iterations", "3", "--output-dir", str(tmp_path / "out"), "--format", "json",
             "--set", f"target.base_url=http://127.0.0.1:{port}",
             "--set", f"target.server.command={DEMO_SERVER} --port {port}",
             "--set", "load.precision=null", "--set", "load.precision_floor=null"]  # exactly 3 a cell
    if "dataset:" in path.read_text():
        small += ["--sizes", "5", "12", "20"]
    if path.name == "concurrency-sweep.yaml":
        small += ["--concurrency", "1,4"]
    result = yamlperf("run", str(path), *small, cwd=tmp_path)
    assert result.returncode in (0, 1), result.stdout + result.stderr
    (results_file,) = (tmp_path / "out").rglob("results.json")
    data = json.loads(results_file.read_text())
    assert data["complete"] is True
    assert data["cells"]
    assert all(cell["requests"] == 3 for cell in data["cells"])
    assert all(cell["success_rate"] == 1.0 for cell in data["cells"]), [
        (c["endpoint"], c["failures"], c["errors"]) for c in data["cells"] if c["success_rate"] < 1]
    assert "admin_password" not in results_file.read_text()


def test_credentials_from_flags_replace_unset_environment_variables(tmp_path: Path) -> None:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in DEMO_ENV}
    result = subprocess.run(
        [sys.executable, "-m", "yamlperf", "run", str(ROOT / "scenarios" / "auth-jwt.yaml"),
         "--username", "admin", "--password", "admin_password", "--iterations", "2", "--sizes", "3",
         "--output-dir", str(tmp_path / "out"), "--format", "json", "--set", f"target.base_url=http://127.0.0.1:{port}",
         "--set", f"target.server.command={DEMO_SERVER} --port {port} --token-ttl 5"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    (results_file,) = (tmp_path / "out").rglob("results.json")
    assert "admin_password" not in results_file.read_text()
    assert "admin_password" not in result.stdout + result.stderr


def test_auth_jwt_logs_in_again_when_its_token_expires_without_failed_requests(tmp_path: Path) -> None:
    port = free_port()
    result = yamlperf("run", str(ROOT / "scenarios" / "auth-jwt.yaml"), "--debug", "--sizes", "5",
                      "--output-dir", str(tmp_path / "out"), "--format", "json",
                      "--set", f"target.base_url=http://127.0.0.1:{port}",
                      "--set", f"target.server.command={DEMO_SERVER} --port {port} --token-ttl 1",
                      cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stderr.count("[login]") >= 2, "the 1-second token was renewed during the run"
    (results_file,) = (tmp_path / "out").rglob("results.json")
    data = json.loads(results_file.read_text())
    assert all(cell["success_rate"] == 1.0 for cell in data["cells"])
    assert "admin_password" not in result.stderr
