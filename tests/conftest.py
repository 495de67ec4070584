"""Fixtures shared by the test suites: real local servers and scenario files written for them."""

from __future__ import annotations

import sys
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


@pytest.fixture
def password_env(monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("TEST_RECORDS_PASSWORD", PASSWORD)
    return PASSWORD
