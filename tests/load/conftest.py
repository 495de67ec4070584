"""Runs of plans with a workload model, in-process, against real local servers."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import yaml

from yamlperf.engine.runner import RunOptions, RunOutcome, run_scenario
from yamlperf.loader import build_scenario
from yamlperf.results import CellStats
from yamlperf.source import parse_document


def plan(url: str, load: dict[str, Any], out: Path, *, path: str = "/health", **extra: Any) -> dict[str, Any]:
    return {"name": "load test", "target": {"base_url": url}, "load": load,
            "endpoints": [{"name": "probe", "path": path}],
            "output": {"directory": str(out), "formats": ["json"]}, **extra}


def run_data(data: dict[str, Any], observer: Any = None) -> RunOutcome:
    scenario = build_scenario(parse_document(yaml.safe_dump(data), "<test>"), Path.cwd(), os.environ)
    return run_scenario(scenario, RunOptions(), observer)


def only_cell(outcome: RunOutcome) -> CellStats:
    (cell,) = outcome.result.cells
    return cell
