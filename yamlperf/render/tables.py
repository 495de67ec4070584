"""The report's tables as plain data: header, rows of formatted text, which columns are numbers (pure).

The template draws every table with one macro, so the numbers' formatting lives here, once.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from ..analysis.growth import Growth
from ..analysis.sentences import cost_text
from ..analysis.words import class_words, ratio_text
from ..results import FAILURE_CATEGORIES, CellStats, RunResult, ThresholdOutcome
from ..results_load import keeping_up_text
from ..thresholds import MetricKind, RuleError, format_metric, parse_rule
from . import select
from .analysis import Analysis
from .sampling import NOTE, QUERIES_NOTE, has_sampling, median_spread, outlier_text, query_text
from .style import ms, percent, records


@dataclass(frozen=True, slots=True)
class Row:
    cells: tuple[str, ...]
    level: str = ""
    """"", "ok", "warning" or "problem": the row's colour cue."""


@dataclass(frozen=True, slots=True)
class Table:
    title: str
    header: tuple[str, ...]
    rows: tuple[Row, ...]
    numeric: frozenset[int] = frozenset()
    note: str = ""
    kinds: Mapping[int, str] = field(default_factory=lambda: {0: "name"})
    """Column index -> css class for text columns: "name" (an endpoint), "text" (a sentence), "nowrap"."""


CELL_HEADER = ("Endpoint", "Requests", "Success", "Avg (ms)", "Median (ms)", "p95 (ms)", "p99 (ms)",
               "Min (ms)", "Max (ms)", "Req/s")


def _cell_row(cell: CellStats, concurrency: bool, server_timing: bool, columns: _Extra) -> Row:
    lat = cell.latency
    numbers = tuple(ms(lat.get(f)) if lat else "-" for f in ("mean", "median", "p95", "p99", "min", "max"))
    level = "problem" if cell.success_rate < 0.95 else "warning" if cell.success_rate < 0.999 else ""
    head = (cell.endpoint, str(cell.concurrency)) if concurrency else (cell.endpoint,)
    sampled = (median_spread(cell), outlier_text(cell)) if columns.sampling else ()
    queries = (query_text(cell),) if columns.queries else ()
    tail = (_server_timing(cell),) if server_timing else ()
    return Row((*head, f"{cell.requests:,}", percent(cell.success_rate), *numbers, f"{cell.throughput:,.1f}",
                *sampled, *queries, *tail), level)


@dataclass(frozen=True, slots=True)
class _Extra:
    """Columns a run has data for: how well each cell was measured, the query count."""

    sampling: bool
    queries: bool

    @property
    def header(self) -> tuple[str, ...]:
        return (*(("±Median", "Outliers") if self.sampling else ()), *(("Queries",) if self.queries else ()))


def _server_timing(cell: CellStats) -> str:
    """The target's own mean Server-Timing metrics, e.g. ``app 0.35 · db 0.07``."""
    return " · ".join(f"{name} {millis:.2f}" for name, millis in cell.server_timing.items()) or "-"


def results_by_size(result: RunResult) -> list[Table]:
    """One table per dataset size (the seed's "detailed results tables"), every endpoint and level."""
    sweep = len(result.concurrency_levels) > 1
    timed = any(c.server_timing for c in result.cells)
    extra = _Extra(has_sampling(result), any(c.query_count is not None for c in result.cells))
    header = (CELL_HEADER[0], "Concurrency", *CELL_HEADER[1:]) if sweep else CELL_HEADER
    header = (*header, *extra.header, *(("Server (ms)",) if timed else ()))
    numeric = frozenset(range(1, len(header) - 1 if timed else len(header)))
    notes = [NOTE if extra.sampling else "", QUERIES_NOTE if extra.queries else "",
             "Server: the mean time the target itself reported per answer in its Server-Timing "
             "header, by metric, next to the response time measured here." if timed else ""]
    note = " ".join(n for n in notes if n)
    tables = []
    for size in result.sizes:
        cells = sorted((c for c in result.cells if c.size == size),
                       key=lambda c: (result.endpoints.index(c.endpoint), c.concurrency))
        title = f"Dataset size {size:,} records" if size is not None else "Results"
        measured = {c.measured_size for c in cells} - {None, size}
        if measured:
            title += f" (measured on {', '.join(f'{m:,}' for m in sorted(measured))})"
        tables.append(Table(title, header, tuple(_cell_row(c, sweep, timed, extra) for c in cells), numeric,
                            note="" if tables else note))
    return tables


def endpoint_summary(result: RunResult, analysis: Analysis) -> Table:
    """Per endpoint over the whole run: requests, success, median range, growth and the finding."""
    sized = select.has_sizes(result)
    rows = []
    for finding in analysis.endpoints:
        cells = [c for c in result.cells if c.endpoint == finding.endpoint]
        requests, successes = sum(c.requests for c in cells), sum(c.successes for c in cells)
        medians = [t.median for c in select.series(result, finding.endpoint) if (t := select.timing(c))]
        rate = percent(successes / requests if requests else 0)
        head = (finding.endpoint, f"{requests:,}", rate, _span(medians))
        growth = _growth_cells(finding.growth) if sized else ()
        rows.append(Row((*head, *growth, finding.finding or "No issue found."), finding.level))
    growth_columns = ("Growth", "Resamples") if sized else ()
    header = ("Endpoint", "Requests", "Success", "Median (ms)", *growth_columns, "Finding")
    note = ("median from the smallest to the largest size; growth: the class the fits chose, and the share "
            "of bootstrap resamples that chose it (undetermined below 80%)" if sized else "")
    kinds = {0: "name", len(header) - 1: "text", **({4: "nowrap"} if sized else {})}
    numeric = frozenset({1, 2, 3, 5} if sized else {1, 2, 3})
    return Table("Per endpoint", header, tuple(rows), numeric, note, kinds)


def _growth_cells(growth: Growth | None) -> tuple[str, str]:
    if growth is None or not growth.measurable or growth.note:
        return ("-", "-")
    if growth.rank is None:
        return (class_words(growth), f"{growth.support:.0%} top")
    return (class_words(growth), f"{growth.support:.0%}")


def scorecard(analysis: Analysis) -> Table | None:
    """Endpoints from the worst growth to the best (the steepest plausible class when undetermined)."""
    ranked = analysis.scorecard()
    if not ranked:
        return None
    rows = []
    for place, finding in enumerate(ranked, start=1):
        growth: Growth = finding.growth  # type: ignore[assignment]
        values = growth.values
        rise = ratio_text(values[-1] / values[0]) if len(values) >= 2 and values[0] > 0 else "-"
        reading = finding.reading
        cost = cost_text(reading.cost).split(" (")[0] if reading and reading.cost and growth.rank not in (
            None, 0) else "-"
        rows.append(Row((str(place), finding.endpoint, class_words(growth),
                         f"{growth.support:.0%}" + ("" if growth.rank is not None else " top"),
                         _span(list(values)), rise, cost), finding.level))
    header = ("#", "Endpoint", "Growth", "Resamples", "Median (ms)", "Slower", "Cost per record")
    note = ("worst growth first: by the class (undetermined: the steepest plausible class), then by how much "
            "slower the largest size is; cost per record is the fit's slope at the largest size")
    return Table("Scorecard", header, tuple(rows), frozenset({0, 3, 4, 5}), note,
                 {1: "name", 2: "nowrap", 6: "nowrap"})


def _span(medians: Sequence[float]) -> str:
    if not medians:
        return "-"
    return ms(medians[0]) if len(medians) == 1 else f"{ms(medians[0])} \u2192 {ms(medians[-1])}"


def overview(result: RunResult) -> list[tuple[str, str]]:
    """The figures at the top of the report."""
    requests = sum(c.requests for c in result.cells)
    successes = sum(c.successes for c in result.cells)
    sizes = select.sizes(result)
    cards = [("Endpoints", str(len(result.endpoints))),
             ("Dataset sizes", ", ".join(f"{s:,}" for s in sizes) if sizes else "no seeding"),
             ("Concurrency", ", ".join(str(c) for c in result.concurrency_levels)),
             ("Requests", f"{requests:,}"),
             ("Success rate", percent(successes / requests) if requests else "-"),
             ("Duration", _duration(result.meta.duration_s))]
    if result.thresholds:
        passed = sum(t.passed for t in result.thresholds)
        cards.append(("Thresholds", f"{passed} of {len(result.thresholds)} passed"))
    if result.auth is not None and result.auth.logins:
        renewed = f" ({result.auth.renewals} renewed)" if result.auth.renewals else ""
        cards.append(("Logins", f"{result.auth.logins}{renewed} · {ms(result.auth.time)} ms"))
    cleanup = result.cleanup
    if cleanup is not None and (cleanup.deleted or cleanup.failed or cleanup.kept):
        left = cleanup.failed + cleanup.kept
        cards.append(("Cleanup", f"{cleanup.deleted:,} deleted" + (f", {left:,} left" if left else "")))
    return cards


def _duration(seconds: float) -> str:
    minutes, rest = divmod(round(seconds), 60)
    return f"{minutes} min {rest} s" if minutes else f"{seconds:.1f} s"


def workload(result: RunResult) -> Table | None:
    """Per timed or open cell: how it was driven, the rate asked and achieved, dropped and late
    requests, the client's CPU, and who was the limit when the rate was not held."""
    cells = [c for c in result.cells
             if c.load is not None and (c.load.duration is not None or c.load.model == "open")]
    if not cells:
        return None
    rows = []
    for cell in cells:
        load = cell.load
        assert load is not None
        asked = "-" if load.rate is None else f"{load.rate:,.1f}"
        cpu = "-" if load.client_cpu is None else f"{load.client_cpu * 100:.0f}%"
        verdict = keeping_up_text(load) or ("held" if load.model == "open" else "-")
        rows.append(Row((cell.endpoint, records(cell.size), load.model, str(load.workers), asked,
                         f"{load.achieved_rate:,.1f}", f"{load.dropped:,}", f"{load.late:,}", cpu, verdict),
                        "problem" if load.limited_by == "target" else "warning" if load.limited_by else ""))
    header = ("Endpoint", "Dataset", "Model", "Workers / max in flight", "Asked (req/s)", "Achieved (req/s)",
              "Dropped", "Late", "Client CPU", "Kept up?")
    note = ("Open model: requests start on the schedule, whatever the answers do; a request that could not "
            "start because max_in_flight were in flight is dropped, one that started over 25 ms after it was "
            "due is late, and its time counts from when it was due. Client CPU is yamlperf's own share of "
            "one core.")
    return Table("", header, tuple(rows), frozenset(range(3, 9)), note, kinds={0: "name", 9: "text"})


def failures(result: RunResult) -> Table | None:
    """Failed requests by category per cell, with status codes and the first error message."""
    failed = [c for c in result.cells if c.failed]
    if not failed:
        return None
    categories = [k for k in FAILURE_CATEGORIES if any(c.failures.get(k) for c in failed)]
    categories += sorted({k for c in failed for k in c.failures} - set(categories))
    rows = []
    for cell in failed:
        codes = ", ".join(f"{code}\u00d7{n}" for code, n in cell.status_codes.items()
                          if not code.startswith("2"))
        rows.append(Row((cell.endpoint, records(cell.size), str(cell.concurrency), f"{cell.failed:,}",
                         *(f"{cell.failures.get(k, 0):,}" for k in categories), codes or "-",
                         cell.errors[0] if cell.errors else "-"), "problem"))
    header = ("Endpoint", "Dataset", "Concurrency", "Failed", *categories, "Status codes", "First error")
    return Table("", header, tuple(rows), frozenset(range(2, 4 + len(categories))))


def thresholds(result: RunResult) -> Table | None:
    """Failed checks one per row, first; passed checks one row per rule, with the closest call.

    A rule applies to every matching cell, so a plain list would bury the one failure among
    dozens of passes.
    """
    if not result.thresholds:
        return None
    sweep = len(result.concurrency_levels) > 1
    failed = [_threshold_row(t, sweep) for t in result.thresholds if not t.passed]
    passed = []
    for rule in dict.fromkeys(t.rule for t in result.thresholds if t.passed):
        group = [t for t in result.thresholds if t.passed and t.rule == rule]
        if len(group) == 1:
            passed.append(_threshold_row(group[0], sweep))
            continue
        closest = min(group, key=lambda t: abs(t.value - t.limit) / (abs(t.limit) or 1) if t.value is not None
                      else float("inf"))
        endpoints = list(dict.fromkeys(t.endpoint for t in group))
        named = ", ".join(endpoints[:3]) + (f" and {len(endpoints) - 3} more" if len(endpoints) > 3 else "")
        value, limit = _measured(closest)
        passed.append(Row(("pass", rule, named, f"{len(group)} checks", value, limit,
                           f"all {len(group)} passed; closest: {closest.message}"), "ok"))
    header = ("Result", "Rule", "Endpoint", "Where", "Measured", "Limit", "Detail")
    return Table("", header, tuple(failed + passed), frozenset({4, 5}), kinds={2: "name", 6: "text"})


def _threshold_row(t: ThresholdOutcome, sweep: bool) -> Row:
    value, limit = _measured(t)
    places = (records(t.size) if t.size is not None else "",
              f"concurrency {t.concurrency}" if t.concurrency is not None and sweep else "")
    where = ", ".join(p for p in places if p) or "-"
    return Row(("pass" if t.passed else "FAIL", t.rule, t.endpoint, where, value, limit, t.message),
               "ok" if t.passed else "problem")


def _measured(t: ThresholdOutcome) -> tuple[str, str]:
    kind = _kind(t.rule)
    value = "-" if t.value is None else format_metric(kind, t.value) if kind else f"{t.value:g}"
    return value, format_metric(kind, t.limit) if kind else f"{t.limit:g}"


def _kind(rule: str) -> MetricKind | None:
    try:
        return parse_rule(rule).kind
    except RuleError:
        return None


def seeding(result: RunResult) -> Table | None:
    if not result.seeding:
        return None
    rows = []
    for s in result.seeding:
        rate = f"{s.created / s.wall_time:,.1f}" if s.wall_time > 0 and s.created else "-"
        writes = (ms(s.latency.median), ms(s.latency.p95)) if s.latency else ("-", "-")
        there = f"{s.existing:,}" if s.counted else "not counted"
        counts = (f"{s.size:,}", there, f"{s.created:,}", f"{s.failed:,}")
        rows.append(Row((*counts, f"{s.wall_time:,.2f}", rate, *writes), "problem" if s.failed else ""))
    header = ("Target size", "Already there", "Created", "Failed", "Time (s)", "Records/s",
              "Median write (ms)", "p95 write (ms)")
    return Table("", header, tuple(rows), frozenset(range(8)), kinds={})


def environment(result: RunResult) -> Table:
    meta = result.meta
    dirty = " (uncommitted changes)" if meta.git_dirty else ""
    commit = meta.git_commit[:12] + dirty if meta.git_commit else "-"
    pairs: Sequence[tuple[str, str]] = (
        ("Target", result.target or "-"), ("Started", meta.started_at), ("Finished", meta.finished_at),
        ("Duration", _duration(meta.duration_s)), ("Run id", meta.run_id or "-"),
        ("Command", meta.command or "-"),
        ("Scenario file", meta.scenario_file or "-"), ("Scenario SHA-256", meta.scenario_sha256[:16] or "-"),
        ("Git commit", commit), ("Host", meta.hostname or "-"), ("Platform", meta.platform),
        ("Python", meta.python), ("yamlperf", meta.yamlperf_version),
    )
    return Table("", ("", ""), tuple(Row(p) for p in pairs), kinds={})
