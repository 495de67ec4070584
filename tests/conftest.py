"""Fixtures shared by the test suites: real local servers and scenario files written for them."""

from __future__ import annotations

import fcntl
import socket
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))

from servers import PASSWORD, RecordsServer, ScenarioFactory


@pytest.fixture
def records_server() -> Iterator[RecordsServer]:
    """The records API without authentication."""
    with RecordsServer() as server:
        yield server


@pytest.fixture
def auth_server() -> Iterator[RecordsServer]:
    """The records API behind a JWT login (``USERNAME``/``PASSWORD``)."""
    with RecordsServer(auth=True) as server:
        yield server


@pytest.fixture
def write_scenario(tmp_path: Path) -> ScenarioFactory:
    """Write a scenario dict as YAML in ``tmp_path`` (output under ``tmp_path/out``); returns its path."""
    def write(data: dict[str, Any], name: str = "scenario.yaml") -> Path:
        data = {**data, "output": {"directory": str(tmp_path / "out"), "formats": ["json"],
                                   **data.get("output", {})}}
        path = tmp_path / name
        path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
        return path

    return write


DEMO_PORT = 8765
"""The port scenarios/demo-base.yaml starts the demo on: tests that run the shipped plans as written need it."""
DEMO_PORT_LOCK = Path(tempfile.gettempdir()) / f"yamlperf-demo-{DEMO_PORT}.lock"
LOCK_PATIENCE_S = 600.0


@pytest.fixture
def demo_port() -> Iterator[int]:
    """Port 8765 for this test alone: an exclusive ``flock`` on /tmp/yamlperf-demo-8765.lock, which every
    test suite on the machine that uses the fixed port takes (harmless in CI, serialises suites of
    several worktrees), then the port free (a program outside the tests may hold it: skipped after a
    bounded wait, as a run of the plan would rightly refuse to share it)."""
    with DEMO_PORT_LOCK.open("a") as lock:
        deadline = time.monotonic() + LOCK_PATIENCE_S
        while True:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    pytest.skip(f"{DEMO_PORT_LOCK} stayed locked by another test suite for {LOCK_PATIENCE_S:.0f}s")
                time.sleep(0.2)
        try:
            _wait_until_free(DEMO_PORT)
            yield DEMO_PORT
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _wait_until_free(port: int, patience: float = 60.0) -> None:
    deadline = time.monotonic() + patience
    while time.monotonic() < deadline:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) != 0:
                return
        time.sleep(0.5)
    pytest.skip(f"port {port} stayed taken by a program outside the tests")


@pytest.fixture
def password_env(monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("TEST_RECORDS_PASSWORD", PASSWORD)
    return PASSWORD
