"""Window thresholds: judged per window after the run, and with abort_on_fail while it runs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from servers import RecordsServer, run_plan
from stall_server import StallServer

from yamlperf.thresholds import RuleError, parse_rule

from .conftest import plan


def test_window_rules_parse_with_their_length() -> None:
    rule = parse_rule("p99 < 200ms over every 10s window")
    assert (rule.metric, rule.limit, rule.window) == ("p99", 0.2, 10.0)
    assert parse_rule("error_rate < 1% over 5s").window == 5.0
    with pytest.raises(RuleError, match="not kept per interval"):
        parse_rule("mean < 2ms over 10s")


def _write(tmp_path: Path, data: dict) -> Path:
    import yaml

    path = tmp_path / "plan.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def test_a_stalled_window_fails_its_rule_and_names_the_window(tmp_path: Path) -> None:
    with StallServer(stall_after=2.0, stall_for=0.8) as server:
        data = plan(server.url, {"rate": "50/s", "duration": "4s", "max_in_flight": 100}, tmp_path / "out",
                    thresholds=["p99 < 300ms over 2s", "error_rate < 1% over 2s"])
        code, output, run_dir = run_plan(_write(tmp_path, data))
    assert code == 1, output
    assert "p99 < 300ms over 2s failed for probe x100: 1 of 2 windows broke it; the worst, 2-4 s, measured" in output
    assert "PASS  error_rate < 1% over 2s" in output
    results = json.loads((run_dir / "results.json").read_text())
    failed = [t for t in results["thresholds"] if not t["passed"]]
    assert [t["rule"] for t in failed] == ["p99 < 300ms over 2s"]
    assert failed[0]["value"] > 0.3


def test_abort_on_fail_stops_the_run_at_the_broken_window(tmp_path: Path) -> None:
    # The stall is timed from the server's first request, the run's reachability probe, a moment
    # before the cell starts: ending 1.0 s after it, the held answers fell in the window 1-2 s or
    # 2-3 s by that moment; ending 2.5 s after it, they fall in 2-3 s.
    with StallServer(stall_after=1.5, stall_for=1.0) as server:
        data = plan(server.url, {"rate": "50/s", "duration": "20s", "max_in_flight": 100}, tmp_path / "out",
                    thresholds=[{"rules": ["p95 < 300ms over 1s"], "abort_on_fail": True}])
        data["endpoints"].append({"name": "never", "path": "/health"})
        code, output, run_dir = run_plan(_write(tmp_path, data))
    assert code == 1, output
    results = json.loads((run_dir / "results.json").read_text())
    assert results["complete"] is False
    assert results["stop_reason"].startswith("aborted: p95 < 300ms over 1s broke for probe x100 in the window 2-3 s")
    (cell,) = results["cells"]
    assert cell["truncated"] is True
    assert cell["wall_time_s"] < 6
    assert cell["load"]["limited_by"] == ""  # judged on the time it ran, not on the 20 s it was cut from


def test_the_last_window_of_a_cell_that_ends_mid_interval_counts_its_rate_over_what_was_measured(
        records_server: RecordsServer, tmp_path: Path) -> None:
    """A steady 20/s for 2.5 s: the last 1-second window holds half a second of arrivals. Judged as a
    whole second it read 10 req/s and failed `rps > 12 over 1s` (margin for a busy machine)."""
    data = plan(records_server.url, {"rate": "20/s", "duration": "2.5s"}, tmp_path / "out",
                thresholds=["rps > 12 over 1s"])
    code, output, _ = run_plan(_write(tmp_path, data))
    assert code == 0, output
    assert "PASS  rps > 12 over 1s" in output


def test_abort_on_fail_does_not_judge_the_warm_up(tmp_path: Path) -> None:
    """A stall in the warm-up (not measured, not judged after the run) stopped the run when the live
    watch judged the warm-up's intervals as if they were the measurement's."""
    with StallServer(stall_after=0.5, stall_for=0.8) as server:
        data = plan(server.url, {"rate": "50/s", "duration": "2s", "warmup": "3s", "max_in_flight": 100},
                    tmp_path / "out", thresholds=[{"rules": ["p95 < 300ms over 1s"], "abort_on_fail": True}])
        code, output, run_dir = run_plan(_write(tmp_path, data))
    assert code == 0, output
    results = json.loads((run_dir / "results.json").read_text())
    assert results["complete"] is True
    assert any(row["warmup"] and row["latency_ms"]["max"] > 300 for row in results["cells"][0]["series"])
