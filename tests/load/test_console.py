"""The live console: on a terminal, the running cell's rate, p95, errors and in-flight requests over
the plan's progress with its ETA, and a coloured line per finished cell; off a terminal, one plain
line per cell; NO_COLOR drops the colours."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from servers import RecordsServer

from yamlperf.cli.live import LiveConsole, make_progress
from yamlperf.cli.progress import ProgressLine

from .conftest import plan, run_data

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def _run(server: RecordsServer, tmp_path: Path, stream: io.StringIO) -> str:
    data = plan(server.url, {"rate": "40/s", "duration": "2s"}, tmp_path)
    data["endpoints"].append({"name": "missing", "path": "/nope", "iterations": 5})
    observer = make_progress(2, stream)
    try:
        run_data(data, observer)
    finally:
        observer.finish()
    return stream.getvalue()


def test_a_terminal_gets_the_live_view_and_coloured_cell_lines(
        records_server: RecordsServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("COLUMNS", "160")
    stream = Terminal()
    assert isinstance(make_progress(1, stream), LiveConsole)
    output = _run(records_server, tmp_path, stream)
    plain = ANSI.sub("", output)
    assert re.search(r"probe at 40/s for 2s  [12]s/2s  \d+/s \(asked 40\)  p95 [\d.]+ ms  0 errors  \d+ in flight",
                     plain)
    assert re.search(r"plan .*\b[01]/2 cells  ETA", plain)
    assert "[1/2] probe x100: 80 requests, 100.0% ok" in plain
    assert "40.0/s of 40.0/s asked" in plain
    assert "[2/2] missing x100: 5 requests, 0.0% ok" in plain
    assert "\x1b[32m[1/2] probe" in output  # green: every request succeeded, the rate held
    assert "\x1b[31m[2/2] missing" in output  # red: no request succeeded


def test_no_color_keeps_the_live_view_without_colours(records_server: RecordsServer, tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    output = _run(records_server, tmp_path, Terminal())
    assert "[1/2] probe x100" in output
    assert not re.search(r"\x1b\[(3[0-7]|9[0-7])m", output)


def test_off_a_terminal_each_finished_cell_is_one_plain_line(records_server: RecordsServer,
                                                             tmp_path: Path) -> None:
    stream = io.StringIO()
    assert isinstance(make_progress(1, stream), ProgressLine)
    output = _run(records_server, tmp_path, stream)
    assert "\x1b" not in output
    lines = output.splitlines()
    assert lines[0].startswith("[1/2] probe x100: 80 requests, 100.0% ok, median ")
    assert "40.0/s of 40.0/s asked" in lines[0]
    assert lines[1].startswith("[2/2] missing x100: 5 requests, 0.0% ok")
    assert len(lines) == 2
