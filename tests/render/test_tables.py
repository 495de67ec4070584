"""The report's per-size tables: the seed's columns, and the target's own Server-Timing when it sent one."""

from __future__ import annotations

from dataclasses import replace

from yamlperf.render.report import report_html
from yamlperf.render.tables import results_by_size

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
