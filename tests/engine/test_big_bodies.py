"""Answer bodies are streamed, counted and dropped unless a check reads them, and then read up to
`load.max_body`: a 300 MB answer does not cost 300 MB of memory, in either transport."""

from __future__ import annotations

import json

import pytest
from big_bodies import BigBodyServer, run_bounded
from servers import ScenarioFactory, run_plan

from yamlperf.results import load_results

MB = 1024 * 1024
BIG_MB = 300
RSS_LIMIT = 160 * MB
"""A run of yamlperf itself, imports and all, stays well under this; one 300 MB body held is over it."""


@pytest.fixture(scope="module")
def big() -> BigBodyServer:
    with BigBodyServer() as server:
        yield server


def _plan(write_scenario: ScenarioFactory, url: str, endpoints: list[dict], **load: object) -> object:
    return write_scenario({"name": "big bodies", "target": {"base_url": url, "timeout": "60s"},
                           "load": {"iterations": 3, **load}, "endpoints": endpoints})


@pytest.mark.parametrize("transport", ["fast", "urllib3"])
def test_a_huge_body_no_check_reads_is_counted_in_flat_memory(
        transport: str, big: BigBodyServer, write_scenario: ScenarioFactory) -> None:
    plan = _plan(write_scenario, big.url, [{"name": "length", "path": f"/big?mb={BIG_MB}"},
                                           {"name": "chunked", "path": f"/big?mb={BIG_MB}&chunked=1"}])
    code, output, peak = run_bounded(plan, transport)
    assert code == 0, output
    cells = {c["endpoint"]: c for c in json.loads(output.splitlines()[-1])}
    for cell in cells.values():
        assert (cell["requests"], cell["successes"]) == (3, 3), cell
        assert cell["bytes_received"] == 3 * BIG_MB * MB
    assert peak < RSS_LIMIT, f"peak RSS {peak / MB:.0f} MB for {BIG_MB} MB answers"


@pytest.mark.parametrize("transport", ["fast", "urllib3"])
def test_a_body_a_check_reads_stops_at_max_body_as_its_own_failure(
        transport: str, big: BigBodyServer, write_scenario: ScenarioFactory) -> None:
    plan = _plan(write_scenario, big.url, [
        {"name": "checked", "path": f"/big?mb={BIG_MB}", "expect": {"contains": "x"}},
        {"name": "chunked", "path": f"/big?mb={BIG_MB}&chunked=1", "expect": {"not_contains": "y"}},
        {"name": "small", "path": "/big?mb=2", "expect": {"contains": "xxx"}}], max_body="4MB")
    code, output, peak = run_bounded(plan, transport)
    assert code == 0, output
    cells = {c["endpoint"]: c for c in json.loads(output.splitlines()[-1])}
    for name in ("checked", "chunked"):
        assert cells[name]["failures"] == {"body_too_large": 3}, cells[name]
        assert cells[name]["errors"] == ["BodyTooLarge: the body of a 200 answer is longer than max_body "
                                         "(4,000,000 bytes); raise load.max_body, or drop the check that reads it"]
    assert cells["small"]["successes"] == 3
    assert peak < RSS_LIMIT, f"peak RSS {peak / MB:.0f} MB"


def test_a_compressed_body_counts_decoded_when_whole_and_fails_beyond_max_body(
        big: BigBodyServer, write_scenario: ScenarioFactory) -> None:
    plan = _plan(write_scenario, big.url, [
        {"name": "dropped", "path": "/big?mb=8&gzip=1"},
        {"name": "read", "path": "/big?mb=3&gzip=1", "expect": {"contains": "xx"}},
        {"name": "too-large", "path": "/big?mb=8&gzip=1", "expect": {"contains": "xx"}}], max_body="5MB")
    code, output, run_dir = run_plan(plan)
    assert code == 1, output
    cells = {c.endpoint: c for c in load_results(run_dir).cells}
    assert cells["dropped"].success_rate == 1.0
    assert 3 * 1 * MB < cells["dropped"].bytes_received < 3 * 4 * MB, "counted as it arrived, compressed"
    assert cells["read"].bytes_received == 3 * 3 * MB, "decoded, as the check reads it"
    assert cells["too-large"].failures == {"body_too_large": 3}
