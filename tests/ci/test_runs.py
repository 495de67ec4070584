"""End to end against real local servers: thresholds decide the exit code, and compare tells
noise from a real slowdown of one endpoint. Runs are small: ~25 requests of ~15 ms per cell."""

from __future__ import annotations

import re
from pathlib import Path

from click.testing import CliRunner, Result

from yamlperf.cli import main

from .delay_server import DelayServer

BASE_DELAY = 0.015


def _scenario(tmp_path: Path, url: str, thresholds: str = "", formats: str = "[json]") -> Path:
    path = tmp_path / "plan.yaml"
    path.write_text(f"""\
name: delays
target: {{base_url: '{url}'}}
load: {{iterations: 25, concurrency: 1}}
endpoints:
  - {{name: fast, path: /api/fast}}
  - {{name: slowed, path: /api/slowed}}
output: {{directory: '{tmp_path / "runs"}', formats: {formats}}}
{thresholds}""", encoding="utf-8")
    return path


def _run(plan: Path, *args: str) -> tuple[Result, Path]:
    outcome = CliRunner().invoke(main, ["run", str(plan), *args])
    match = re.search(r"^results: (.+)$", outcome.output, re.MULTILINE)
    assert match, outcome.output
    return outcome, Path(match.group(1)).parent


def test_same_server_twice_is_unchanged_and_a_2x_slower_endpoint_is_a_regression(tmp_path: Path) -> None:
    delays = {"/api/fast": BASE_DELAY, "/api/slowed": BASE_DELAY}
    with DelayServer(delays) as server:
        plan = _scenario(tmp_path, server.url)
        first, base = _run(plan)
        assert first.exit_code == 0, first.output
        _, again = _run(plan)
        server.delays["/api/slowed"] = 2 * BASE_DELAY
        _, slower = _run(plan)
    same = CliRunner().invoke(main, ["compare", str(base), str(again), "--fail-on-regression", "10%"])
    assert same.exit_code == 0, same.output
    assert "0 regressed, 0 improved, 2 unchanged" in same.output
    changed = CliRunner().invoke(main, ["compare", str(base), str(slower), "--fail-on-regression", "10%"])
    assert changed.exit_code == 1, changed.output
    rows = {line.split()[0]: line for line in changed.output.splitlines() if line.startswith("  ")
            and line.split()[0] in ("fast", "slowed")}
    assert rows["slowed"].rstrip().endswith("REGRESSED")
    assert rows["fast"].rstrip().endswith("unchanged")
    assert "1 regressed, 0 improved, 1 unchanged" in changed.output
    assert "regression beyond 10%: slowed x1" in changed.output


def test_thresholds_pass_or_exit_1_naming_cell_value_and_limit(tmp_path: Path) -> None:
    rules = ("thresholds:\n  - 'success_rate >= 99%'\n"
             "  - {rules: 'p95 < 5s', endpoints: fast}\n")
    with DelayServer({"/api/slowed": BASE_DELAY}) as server:
        met, _ = _run(_scenario(tmp_path, server.url, rules))
        assert met.exit_code == 0, met.output
        assert "thresholds: 3 passed, 0 failed" in met.output
        unmet, _ = _run(_scenario(tmp_path, server.url, rules + "  - {rules: 'median < 5ms', endpoints: slow*}\n"))
    assert unmet.exit_code == 1, unmet.output
    assert re.search(r"FAIL  median < 5ms failed for slowed x1: measured 1\d\.\d\dms, limit 5\.00ms", unmet.output)



def test_csv_and_junit_are_written_by_a_run(tmp_path: Path) -> None:
    from lxml import etree

    from .test_exports import SCHEMA

    with DelayServer() as server:
        plan = _scenario(tmp_path, server.url, "thresholds: ['p99 < 10s']\n", formats="[json, csv, junit]")
        outcome, run_dir = _run(plan)
    assert outcome.exit_code == 0, outcome.output
    assert (run_dir / "stats.csv").read_text().startswith("endpoint,method,path,size,concurrency")
    root = etree.parse(str(run_dir / "junit.xml")).getroot()
    SCHEMA.assertValid(root)
    assert root.get("tests") == "4"
