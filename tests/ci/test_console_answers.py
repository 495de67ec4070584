"""A finished run tells the answers on the console: thresholds, how each endpoint grows (the
analysis's words), logins and renewals, what became of the records, the full path of the report, and
PASS or FAIL, in colour on a terminal only; report.html shows the logins and the cleanup, and
`--format pdf` writes report.pdf when a Chromium is there (and says so when not)."""

from __future__ import annotations

import os
import pty
import re
import select
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from pypdf import PdfReader
from servers import RecordsServer, ScenarioFactory, records_scenario, run_plan

from yamlperf.render.summary import growth_verdicts
from yamlperf.results import load_results

COLOUR = re.compile(r"\x1b\[(?:[0-9;]*;)?(?:3[0-9]|9[0-7])[0-9;]*m")
"""An SGR sequence that sets a foreground colour (NO_COLOR is about colour; bold may stay)."""


def _plan(server: RecordsServer, write_scenario: ScenarioFactory, **extra: object) -> Path:
    data = records_scenario(server.url, auth=True, sizes=[3, 6, 9], load={"iterations": 12},
                            endpoints=[{"name": "list", "path": "/records"},
                                       {"name": "slow", "path": "/slow?ms=25"}],
                            thresholds=["success_rate >= 99%", {"endpoints": ["slow"], "rules": ["p95 < 1ms"]}],
                            **extra)
    return write_scenario(data)


def test_the_console_ends_with_the_answers_and_the_report_shows_logins_and_cleanup(
        write_scenario: ScenarioFactory, password_env: str) -> None:
    with RecordsServer(auth=True, token_lifetime=0.5) as server:
        code, output, run_dir = run_plan(_plan(server, write_scenario, output={"formats": ["json", "html"]}))
        logins = server.logins
    assert code == 1, output
    result = load_results(run_dir)
    assert result.auth is not None
    assert result.auth.logins == logins >= 2, "the half-second token was renewed"
    lines = output.splitlines()
    growth = growth_verdicts(result)
    assert [line.split(":")[0] for line in growth] == ["list", "slow"]
    start = lines.index("growth:")
    assert lines[start + 1:start + 3] == [f"  {line}" for line in growth]
    assert any(line.startswith(f"logins: {logins} (the first and {logins - 1} renewal") and " ms in all, the slowest "
               in line for line in lines), output
    assert any(re.fullmatch(r"cleanup: 9 records deleted in \d+\.\d\d s", line) for line in lines), output
    assert f"report: {(run_dir / 'report.html').resolve()}" in lines
    assert lines[-1] == "FAIL: 3 of 9 threshold checks failed"
    report = (run_dir / "report.html").read_text("utf-8")
    assert re.search(rf'Logins</span><span class="card-value[^"]*">{logins} \({logins - 1} renewed\) · ', report)
    assert re.search(r'Cleanup</span><span class="card-value[^"]*">9 deleted<', report)


def _in_a_terminal(command: list[str], env: dict[str, str], timeout: float = 90) -> str:
    """What ``command`` writes to a pseudo-terminal (its standard output and error), bounded."""
    leader, follower = pty.openpty()
    child = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=follower, stderr=follower, env=env)
    os.close(follower)
    seen = b""
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([leader], [], [], 0.2)
            if ready:
                try:
                    chunk = os.read(leader, 65536)
                except OSError:  # the child closed the terminal
                    break
                if not chunk:
                    break
                seen += chunk
            elif child.poll() is not None:
                break
    finally:
        child.kill()
        child.wait()
        os.close(leader)
    return seen.decode("utf-8", "replace")


def test_pass_and_fail_are_coloured_on_a_terminal_and_plain_elsewhere(
        write_scenario: ScenarioFactory, password_env: str) -> None:
    with RecordsServer(auth=True) as server:
        plan = _plan(server, write_scenario)
        command = [sys.executable, "-m", "yamlperf", "run", str(plan)]
        env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR")}
        coloured = _in_a_terminal(command, env)
        plain = _in_a_terminal(command, {**env, "NO_COLOR": "1"})
        piped = subprocess.run(command, capture_output=True, text=True, timeout=90, env=env, check=False)
    assert "\x1b[1;32m  PASS  success_rate >= 99%" in coloured
    assert "\x1b[1;31m  FAIL  " in coloured
    assert "\x1b[1;31mFAIL: 3 of 9 threshold checks failed" in coloured
    assert "FAIL: 3 of 9 threshold checks failed" in plain
    assert not COLOUR.search(plain)
    assert piped.returncode == 1
    assert not COLOUR.search(piped.stdout + piped.stderr)
    assert piped.stdout.rstrip().splitlines()[-1] == "FAIL: 3 of 9 threshold checks failed"


@pytest.mark.skipif(shutil.which("chromium") is None and shutil.which("chromium-browser") is None,
                    reason="chromium is not installed (Debian package `chromium`, installed by .ci/run)")
def test_format_pdf_writes_the_report_printed_as_pdf(write_scenario: ScenarioFactory, password_env: str) -> None:
    with RecordsServer(auth=True) as server:
        code, output, run_dir = run_plan(_plan(server, write_scenario), "--format", "pdf")
    assert code == 1, output
    reader = PdfReader(run_dir / "report.pdf")
    text = " ".join(page.extract_text() for page in reader.pages)
    assert len(reader.pages) >= 2
    assert "records test" in text
    assert "Thresholds" in text
    assert "report.pdf" in output
    assert sorted(p.suffix for p in (run_dir / "charts").iterdir()) == [".pdf"] * len(list((run_dir / "charts").iterdir()))


def test_without_chromium_report_pdf_is_not_written_and_the_run_says_how_to_get_it(
        write_scenario: ScenarioFactory, password_env: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("YAMLPERF_CHROMIUM", "/nonexistent/chromium")
    with RecordsServer(auth=True) as server:
        code, output, run_dir = run_plan(_plan(server, write_scenario), "--format", "pdf")
    assert code == 1, output
    assert not (run_dir / "report.pdf").exists()
    assert "report.pdf not written: no Chromium or Chrome found" in output
    assert "report.html prints to PDF from any browser" in output
    assert list((run_dir / "charts").glob("*.pdf"))
    assert (run_dir / "report.html").is_file()
