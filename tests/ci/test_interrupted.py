"""Ctrl-C keeps what was measured and draws it: results.json, report.html with a notice in
sentences, and a hint that `yamlperf report` draws it again; exit 130."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from .delay_server import DelayServer


def test_ctrl_c_writes_the_report_of_the_partial_run(tmp_path: Path) -> None:
    plan = tmp_path / "plan.yaml"
    plan.write_text(f"""\
name: stopped
target: {{base_url: 'http://127.0.0.1:1'}}
load: {{iterations: 400, concurrency: 1}}
endpoints:
  - {{name: quick, path: /api/quick}}
  - {{name: slow, path: /api/slow}}
output: {{directory: '{tmp_path / "runs"}', formats: [json, html, junit]}}
""", encoding="utf-8")
    with DelayServer({"/api/slow": 0.02}) as server:
        process = subprocess.Popen(
            [sys.executable, "-m", "yamlperf", "run", str(plan), "--host", server.url],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"})
        deadline = time.monotonic() + 30
        seen: set[str] = set()  # the rounds visit the two cells in a shuffled order: wait for both
        while seen != {"/api/quick", "/api/slow"} and time.monotonic() < deadline and process.poll() is None:
            seen.add(server.last.get("path", ""))
            seen.discard("")
            time.sleep(0.02)
        time.sleep(0.3)
        process.send_signal(signal.SIGINT)
        stdout, stderr = process.communicate(timeout=60)
    assert process.returncode == 130, stdout + stderr
    (run_dir,) = (tmp_path / "runs").iterdir()
    report = (run_dir / "report.html").read_text(encoding="utf-8")
    assert "This run is incomplete.</strong> It was stopped by hand (Ctrl-C" in report
    assert "This report covers the 2 cells measured before that" in report
    assert "interrupted.</" not in report
    assert 'type="incomplete_run"' in (run_dir / "junit.xml").read_text(encoding="utf-8")
    assert f"interrupted: partial results in {run_dir}; report.html, junit.xml cover the 2 cells measured" in stderr
    assert f"`yamlperf report {run_dir}` draws the report again" in stderr


def test_the_interrupted_line_names_what_it_drew_in_words_that_agree(tmp_path: Path,
                                                                     capsys: pytest.CaptureFixture[str]) -> None:
    from yamlperf.cli.run import finish_partial

    from .builders import cell, result, scenario

    plan = scenario(tmp_path, f"output: {{directory: '{tmp_path}', formats: [json, html]}}\n")
    finish_partial(result(cell("search"), cell("list")), tmp_path / "run", plan)
    said = capsys.readouterr().err
    assert f"interrupted: partial results in {tmp_path / 'run'}; report.html covers the 2 cells measured" in said
