"""Hand-built results for the pure modules' tests: real dataclasses, no HTTP."""

from __future__ import annotations

import random
from pathlib import Path

from tests.latency import latency_from
from yamlperf.loader import load_scenario
from yamlperf.results import CellStats, RunMeta, RunResult
from yamlperf.scenario import Scenario

META = RunMeta(yamlperf_version="0.1.0", python="3.11", platform="linux", started_at="2026-01-01T00:00:00Z",
               finished_at="2026-01-01T00:00:10Z", duration_s=10.0, scenario_file="s.yaml",
               hostname="ci-host")


def cell(endpoint: str = "search", size: int | None = 100, concurrency: int = 1, *,
         median: float = 0.020, spread: float = 0.002, n: int = 60, failures: int = 0,
         seed: int = 1, failure_kind: str = "http_5xx") -> CellStats:
    """A cell whose samples scatter around ``median`` (seconds); ``failures`` of ``n`` failed."""
    rng = random.Random(seed)
    ok = n - failures
    samples = tuple(max(1e-4, rng.gauss(median, spread)) for _ in range(ok))
    return CellStats(
        endpoint=endpoint, method="GET", path=f"/api/{endpoint}", size=size, concurrency=concurrency,
        requests=n, successes=ok, latency=latency_from(list(samples)) if ok else None,
        throughput=ok / (sum(samples) or 1.0), wall_time=sum(samples) or 0.1, bytes_received=512 * n,
        failures={failure_kind: failures} if failures else {},
        status_codes={"200": ok, **({"500": failures} if failures else {})},
        samples=samples,
    )


def result(*cells: CellStats, name: str = "demo", thresholds: tuple = ()) -> RunResult:
    return RunResult(name=name, meta=META, scenario={"name": name}, cells=tuple(cells),
                     thresholds=thresholds, target="http://127.0.0.1:1")


def scenario(tmp_path: Path, body: str, name: str = "s.yaml") -> Scenario:
    """A scenario from YAML text (target and endpoints filled in unless given)."""
    text = body
    lines = text.splitlines()
    if not any(line.startswith("target:") for line in lines):
        text = "target: {base_url: 'http://127.0.0.1:1'}\n" + text
    if not any(line.startswith("endpoints:") for line in lines):
        text += "\nendpoints:\n  - {name: search, path: /api/search}\n  - {name: list, path: /api/list}\n"
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return load_scenario(path)
