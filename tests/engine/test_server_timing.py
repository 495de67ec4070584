"""The target's Server-Timing header, averaged per cell next to the client's own measurement."""

from __future__ import annotations

from pathlib import Path

import pytest
from raw_servers import ScriptedServer, answer, serve_forever

from yamlperf.demo import DemoServer
from yamlperf.engine.fast_http import FastTransport
from yamlperf.engine.http import Prepared, TransportOptions, Urllib3Transport
from yamlperf.engine.runner import RunOptions, run_scenario
from yamlperf.engine.server_timing import TimingTotals, parse_server_timing
from yamlperf.engine.wire import ResponseHeaders
from yamlperf.loader import load_scenario


def test_parse_takes_durations_and_skips_what_it_cannot_read() -> None:
    header = 'db;dur=1.25;desc="database", app;dur=3, cache;desc=hit, bad;dur=x, ;dur=1'
    assert parse_server_timing(header) == {"db": 1.25, "app": 3.0}
    assert parse_server_timing("") == {}


def test_totals_merge_like_recording_everything_in_one() -> None:
    one, two, both = TimingTotals(), TimingTotals(), TimingTotals()
    for header in ("db;dur=1, app;dur=2", "db;dur=3"):
        one.add(header)
        both.add(header)
    for header in ("app;dur=6",):
        two.add(header)
        both.add(header)
    one.merge(two)
    assert one.means() == both.means() == {"app": 4.0, "db": 2.0}


def test_a_run_keeps_the_servers_own_timing_per_cell(tmp_path: Path) -> None:
    with DemoServer(port=0, require_auth=False) as server:
        path = tmp_path / "timing.yaml"
        path.write_text(
            f"target: {{base_url: '{server.url}'}}\n"
            "load: {iterations: 5}\n"
            "output: {directory: '" + str(tmp_path / "out") + "', formats: [json]}\n"
            "endpoints:\n  - {name: health, path: /api/health}\n")
        outcome = run_scenario(load_scenario(path), RunOptions(scenario_file=path))
    (cell,) = outcome.result.cells
    assert set(cell.server_timing) == {"db", "app"}
    assert 0 < cell.server_timing["app"] < cell.latency.max * 1e3


def test_one_header_is_read_as_the_whole_mapping_reads_it() -> None:
    """The hot path reads Server-Timing alone (without decoding the other fields): repeated fields
    joined by ", ", any case, the same answer before and after the whole mapping was decoded."""
    raw = [(b"Server", b"nginx"), (b"server-timing", b"db;dur=1"), (b"Content-Length", b"2"),
           (b"Server-Timing", b"app;dur=2"), (b"X-Caf\xe9", b"cr\xe8me")]
    alone, decoded = ResponseHeaders(raw), ResponseHeaders(raw)
    dict(decoded.items())
    for headers in (alone, decoded):
        assert headers.get("Server-Timing") == "db;dur=1, app;dur=2"
        assert headers["SERVER-TIMING"] == "db;dur=1, app;dur=2"
        assert headers.get("x-café") == "crème"
        assert headers.get("etag") is None
        assert headers.get("etag", "none") == "none"
        assert "content-length" in headers
        assert "etag" not in headers
    assert dict(ResponseHeaders(raw).items()) == dict(decoded.items())


@pytest.mark.parametrize("transport", [FastTransport, Urllib3Transport])
def test_both_transports_hand_over_the_servers_timing_as_it_was_sent(transport: type) -> None:
    """Repeated fields joined by ", " (as urllib3 joins them), in any case; an interim 103's own
    fields are not the answer's."""
    early = b"HTTP/1.1 103 Early Hints\r\nServer-Timing: early;dur=9\r\n\r\n"
    reply = early + answer(headers="server-timing: db;dur=1\r\nServer-Timing: app;dur=2\r\n")
    with ScriptedServer(serve_forever(lambda _: reply)) as server:
        sender = transport(TransportOptions(5))
        try:
            request = Prepared("GET", server.url, "/", {"User-Agent": "test"})
            exchanges = [sender.send(request) for _ in range(2)]
        finally:
            sender.close()
    assert [(e.status, e.server_timing) for e in exchanges] == [(200, "db;dur=1, app;dur=2")] * 2
