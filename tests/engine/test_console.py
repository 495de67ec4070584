"""The console summary: the seed's table per dataset size, aligned, with failures listed."""

from __future__ import annotations

from yamlperf.render.console import format_summary
from yamlperf.results import CellStats, Latency, RunMeta, RunResult, SeedStep

META = RunMeta("0.1.0", "3.11", "linux", "2026-01-01T00:00:00+00:00", "2026-01-01T00:00:01+00:00", 1.0)


def _cell(endpoint: str, size: int, successes: int = 10, failures: dict[str, int] | None = None) -> CellStats:
    latency = Latency(min=0.001, mean=0.0025, median=0.002, p90=0.004, p95=0.0045, p99=0.005, max=0.0123,
                      stdev=0.001)
    return CellStats(endpoint=endpoint, method="GET", path="/x", size=size, concurrency=2, requests=10,
                     successes=successes, latency=latency, throughput=100.0, wall_time=0.1,
                     failures=failures or {}, errors=("status 500, expected 2xx",) if failures else ())


def test_one_aligned_table_per_size_with_failures() -> None:
    result = RunResult(
        name="api", meta=META, scenario={}, target="http://127.0.0.1:8000",
        cells=(_cell("list", 10), _cell("detail-long-name", 10, 7, {"http_5xx": 2, "reset": 1}), _cell("list", 50)),
        seeding=(SeedStep(10, 0, 10, 0, 0.2), SeedStep(50, 10, 40, 0, 0.5)))
    text = format_summary(result)
    lines = text.splitlines()
    assert "Dataset size: 10 records (0 there, 10 created in 0.20s)" in lines
    assert "Dataset size: 50 records (10 there, 40 created in 0.50s)" in lines
    header = next(line for line in lines if line.strip().startswith("Endpoint"))
    for column in ("Requests", "Concurrency", "Success %", "Avg (ms)", "Median (ms)", "P95 (ms)", "Min (ms)",
                   "Max (ms)"):
        assert column in header
    row = next(line for line in lines if line.strip().startswith("detail-long-name"))
    assert row.endswith("12.30")
    assert "70.0%" in row
    assert len(row) == len(header)
    assert "  failures in detail-long-name x2: http_5xx 2, reset 1" in lines


def test_an_interrupted_run_says_so() -> None:
    result = RunResult(name="api", meta=META, scenario={}, cells=(), complete=False, stop_reason="interrupted")
    text = format_summary(result)
    assert "incomplete run (interrupted)" in text
    assert "no cells were measured" in text
