"""RunResult -> CSV, one row per cell, shaped like Locust's stats CSV so spreadsheets and
dashboards built for it need little change; pure.

Times are milliseconds, the unit people read; every failure category gets its own column so a
pivot table can chart why requests failed without parsing anything.
"""

from __future__ import annotations

import csv
import io

from ..results import FAILURE_CATEGORIES, CellStats, RunResult

LATENCY_COLUMNS = {"median": "median_ms", "mean": "avg_ms", "min": "min_ms", "max": "max_ms",
                   "p90": "p90_ms", "p95": "p95_ms", "p99": "p99_ms", "stdev": "stdev_ms"}
COLUMNS = (
    "endpoint", "method", "path", "size", "concurrency", "requests", "failures", "success_pct",
    *LATENCY_COLUMNS.values(), "rps", "bytes", "avg_bytes", *(f"failures_{c}" for c in FAILURE_CATEGORIES),
    "rounds", "median_ci_low_ms", "median_ci_high_ms", "precision_reached", "outliers_mild",
    "outliers_severe", "query_count",
)


def stats_csv(result: RunResult) -> str:
    """The header row, then the cells in run order; a size of ``""`` means the plan seeds no data."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS)
    writer.writeheader()
    writer.writerows(cell_row(c) for c in result.cells)
    return buffer.getvalue()


def cell_row(cell: CellStats) -> dict[str, str | int]:
    row: dict[str, str | int] = {
        "endpoint": cell.endpoint, "method": cell.method, "path": cell.path,
        "size": "" if cell.size is None else cell.size, "concurrency": cell.concurrency,
        "requests": cell.requests, "failures": cell.failed,
        "success_pct": f"{cell.success_rate * 100:.2f}",
        "rps": f"{cell.throughput:.3f}", "bytes": cell.bytes_received,
        "avg_bytes": f"{cell.bytes_received / cell.requests:.1f}" if cell.requests else "",
    }
    for name, column in LATENCY_COLUMNS.items():
        row[column] = "" if cell.latency is None else f"{cell.latency.get(name) * 1e3:.3f}"
    known = dict.fromkeys(FAILURE_CATEGORIES, 0)
    for category, count in cell.failures.items():
        known[category if category in known else "other"] += count
    row.update({f"failures_{c}": n for c, n in known.items()})
    row.update(_sampling_columns(cell))
    return row


def _sampling_columns(cell: CellStats) -> dict[str, str | int]:
    """How the cell was sampled: its rounds, its median's 95% interval, its outliers, its query count."""
    precision, outliers = cell.precision, cell.outliers
    low = precision.low if precision is not None else None
    high = precision.high if precision is not None else None
    reached = precision.reached if precision is not None else None
    return {
        "rounds": len(cell.rounds) if cell.rounds else "",
        "median_ci_low_ms": "" if low is None else f"{low * 1e3:.3f}",
        "median_ci_high_ms": "" if high is None else f"{high * 1e3:.3f}",
        "precision_reached": "" if reached is None else int(reached),
        "outliers_mild": outliers.get("low_mild", 0) + outliers.get("high_mild", 0) if outliers else "",
        "outliers_severe": outliers.get("low_severe", 0) + outliers.get("high_severe", 0) if outliers else "",
        "query_count": "" if cell.query_count is None else f"{cell.query_count:.3f}",
    }


SERIES_COLUMNS = (
    "endpoint", "size", "concurrency", "model", "t_s", "warmup", "target", "started", "answered", "ok",
    "failed", "dropped", "late", "in_flight", "p50_ms", "p95_ms", "p99_ms", "max_ms", "client_cpu",
    *(f"failures_{c}" for c in FAILURE_CATEGORIES),
)


def series_csv(result: RunResult) -> str:
    """Every cell's time series, one row per interval (the warm-up's first, ``warmup`` 1), in run
    order: the per-second view k6's CSV output and Locust's stats history give."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=SERIES_COLUMNS)
    writer.writeheader()
    for cell in result.cells:
        model = cell.load.model if cell.load is not None else "closed"
        for item in cell.series:
            latency = item.latency
            row: dict[str, str | int] = {
                "endpoint": cell.endpoint, "size": "" if cell.size is None else cell.size,
                "concurrency": cell.concurrency, "model": model, "t_s": f"{item.t:g}",
                "warmup": int(item.warmup), "target": "" if item.target is None else f"{item.target:g}",
                "started": item.started, "answered": item.answered, "ok": item.ok, "failed": item.failed,
                "dropped": item.dropped, "late": item.late, "in_flight": item.in_flight,
                "client_cpu": "" if item.client_cpu is None else f"{item.client_cpu:.3f}",
            }
            for name in ("p50", "p95", "p99", "max"):
                row[f"{name}_ms"] = "" if latency is None else f"{latency.get(name) * 1e3:.3f}"
            known = dict.fromkeys(FAILURE_CATEGORIES, 0)
            for category, count in item.failures.items():
                known[category if category in known else "other"] += count
            row.update({f"failures_{c}": n for c, n in known.items()})
            writer.writerow(row)
    return buffer.getvalue()
