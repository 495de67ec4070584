"""JUnit XML that a CI server accepts, and a CSV that reads back cell by cell."""

from __future__ import annotations

import csv
import dataclasses
import io
from pathlib import Path

import pytest
from lxml import etree

from yamlperf.render.csv_export import COLUMNS, LATENCY_COLUMNS, stats_csv
from yamlperf.render.junit import junit_xml
from yamlperf.results import FAILURE_CATEGORIES, LATENCY_FIELDS, ThresholdOutcome

from .builders import cell, result

SCHEMA = etree.XMLSchema(etree.parse(str(Path(__file__).with_name("junit.xsd"))))
FAILED = ThresholdOutcome("p95 < 10ms", "search", 100, 1, 0.0213, 0.01, False,
                          "p95 < 10ms failed for search @ 100 records x1: measured 21.30ms, limit 10.00ms")
PASSED = ThresholdOutcome("p95 < 1s", "list", 100, 1, 0.0213, 1.0, True, "p95 < 1s passed ...")


def _run():
    broken = dataclasses.replace(cell("broken", 100, n=5, failures=5), errors=("boom \x00\x1b<tag>",))
    return result(cell("search", 10), cell("search", 100, failures=3), cell("list", 100), broken,
                  name="shop.api", thresholds=(FAILED, PASSED))


def _validated(text: str) -> etree._Element:
    root = etree.fromstring(text.encode("utf-8"))
    SCHEMA.assertValid(root)
    return root


def test_junit_validates_against_the_schema_and_counts_failures() -> None:
    root = _validated(junit_xml(_run()))
    suites = root.findall("testsuite")
    assert [s.get("name") for s in suites] == ["shop.api @ 10 records", "shop.api @ 100 records",
                                               "shop.api thresholds"]
    assert root.get("tests") == "6"
    assert root.get("failures") == "2"
    assert suites[1].get("failures") == "1"
    broken = suites[1].find("testcase[@classname='shop_api.broken']")
    assert broken.find("failure").get("message") == "all 5 requests failed (http_5xx 5)"
    assert "<tag>" in broken.find("failure").text
    failure = suites[2].find("testcase/failure")
    assert failure.get("message") == FAILED.message
    props = {p.get("name"): p.get("value") for p in suites[0].find("properties")}
    assert props["target"] == "http://127.0.0.1:1"
    assert props["yamlperf_version"] == "0.1.0"


def test_an_incomplete_run_is_an_error_case() -> None:
    run = dataclasses.replace(_run(), complete=False, stop_reason="interrupted by the user")
    root = _validated(junit_xml(run))
    assert root.get("errors") == "1"
    assert root.find("testsuite/testcase/error").get("message") == "interrupted by the user"


def test_the_schema_check_is_not_vacuous() -> None:
    text = junit_xml(_run()).replace('tests="6"', 'tests="six"')
    with pytest.raises(etree.DocumentInvalid):
        _validated(text)


def test_csv_round_trips_one_row_per_cell() -> None:
    run = _run()
    rows = list(csv.DictReader(io.StringIO(stats_csv(run))))
    assert len(rows) == len(run.cells)
    assert tuple(rows[0]) == COLUMNS
    search = rows[1]
    source = run.cells[1]
    assert (search["endpoint"], search["size"], search["concurrency"]) == ("search", "100", "1")
    assert int(search["requests"]) == 60
    assert int(search["failures"]) == 3
    assert float(search["success_pct"]) == 95.0
    assert float(search["median_ms"]) == pytest.approx(source.latency.median * 1e3, abs=1e-3)
    assert float(search["p95_ms"]) == pytest.approx(source.latency.p95 * 1e3, abs=1e-3)
    assert int(search["failures_http_5xx"]) == 3
    assert rows[3]["median_ms"] == ""
    assert set(LATENCY_COLUMNS) == set(LATENCY_FIELDS)
    assert all(f"failures_{c}" in COLUMNS for c in FAILURE_CATEGORIES)
