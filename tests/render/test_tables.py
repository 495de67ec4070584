"""The report's per-size tables: the seed's columns, and the target's own Server-Timing when it sent one."""

from __future__ import annotations

from dataclasses import replace

import pytest

from yamlperf.render.console import format_summary
from yamlperf.render.csv_export import cell_row
from yamlperf.render.report import report_html
from yamlperf.render.sampling import median_spread, precision_notice
from yamlperf.render.tables import results_by_size
from yamlperf.results import CellStats, Precision

from .synthetic import make_run


def test_server_timing_gets_a_column_only_when_the_target_reported_it() -> None:
    plain = make_run(sizes=(10, 100))
    assert all("Server (ms)" not in t.header for t in results_by_size(plain))
    timed = replace(plain, cells=tuple(replace(c, server_timing={"app": 1.5, "db": 0.25}) for c in plain.cells))
    tables = results_by_size(timed)
    assert all(t.header[-1] == "Server (ms)" for t in tables)
    assert all(row.cells[-1] == "app 1.50 · db 0.25" for t in tables for row in t.rows)
    assert tables[0].note
    assert not tables[1].note
    assert "app 1.50 · db 0.25" in report_html(timed)


def _measured(cell: CellStats, relative: float, reached: bool | None, queries: float | None = None) -> CellStats:
    half = relative * cell.latency.median
    precision = Precision(0.05 if reached is not None else None, None, half, relative,
                          cell.latency.median - half, cell.latency.median + half, reached)
    return replace(cell, precision=precision, query_count=queries,
                   outliers={"low_severe": 0, "low_mild": 1, "high_mild": 2, "high_severe": 1})


def test_each_cells_precision_outliers_and_query_count_have_columns() -> None:
    plain = make_run(sizes=(10, 100))
    assert all("±Median" not in t.header and "Queries" not in t.header for t in results_by_size(plain)), \
        "an older results file has none of them"
    run = replace(plain, cells=tuple(_measured(c, 0.031, True, 3.0) for c in plain.cells))
    table = results_by_size(run)[0]
    assert table.header[-3:] == ("±Median", "Outliers", "Queries")
    assert table.rows[0].cells[-3:] == ("±3.1%", "4 (1 severe)", "3.0")
    assert "Tukey" in table.note
    assert "query-count header" in table.note
    assert precision_notice(run) == ""


def test_cells_that_missed_the_precision_target_are_marked_and_named() -> None:
    plain = make_run(sizes=(10, 100))
    missed = {(plain.cells[0].endpoint, 100)}
    cells = tuple(_measured(c, 0.083 if (c.endpoint, c.size) in missed else 0.02,
                            (c.endpoint, c.size) not in missed) for c in plain.cells)
    run = replace(plain, cells=cells)
    rows = [row.cells for t in results_by_size(run) for row in t.rows]
    assert sum(r[-2].endswith("*") for r in rows) == 1, "the ±Median column, before Outliers"
    notice = precision_notice(run)
    endpoint = plain.cells[0].endpoint
    assert notice.startswith(f"1 of {len(cells)} cells did not reach the precision target (±5% on the median")
    assert f"{endpoint} at 100 (±8.3% after " in notice
    rounds_apart = replace(cells[0], precision=replace(cells[0].precision, rounds_relative=0.12, reached=False))
    assert median_spread(rounds_apart) == "±12.0%*", "the rounds' scatter shows when it is the larger"
    assert "Less certain medians." in report_html(run)
    assert f"precision: 1 of {len(cells)} cells" in format_summary(run)


def test_the_csv_row_carries_the_interval_outliers_and_query_count() -> None:
    cell = _measured(make_run(sizes=(10,)).cells[0], 0.05, False, 2.5)
    row = cell_row(cell)
    half = 0.05 * cell.latency.median * 1e3
    assert float(row["median_ci_low_ms"]) == pytest.approx(cell.latency.median * 1e3 - half, abs=1e-3)
    assert (row["precision_reached"], row["outliers_mild"], row["outliers_severe"], row["query_count"]) \
        == (0, 3, 1, "2.500")
    assert cell_row(make_run(sizes=(10,)).cells[0])["query_count"] == ""
