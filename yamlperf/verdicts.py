"""Thresholds checked against a finished run: one outcome per rule and cell (or endpoint, for growth).

Rules are parsed and located by ``thresholds``/``loader``; this module only judges measured values.
Rules across sizes (``growth <= linear``, ``complexity <= "O(n)"``, ``p95_at(10000) < 500ms``) are
judged on the analysis (``analysis.gates``), and doubt fails them: an N^2 endpoint measured too
thinly to tell does not pass a linear gate.
Every outcome carries a message a pipeline log can show on its own: which rule, which cell, the
measured value and the limit. A rule that matches nothing fails, because a typo in an endpoint glob
must not turn a gate into a silent pass.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import groupby

from .results import CellStats, RunResult, ThresholdOutcome
from .scenario import Scenario, Threshold
from .thresholds import MetricKind, Rule, format_metric
from .windows import judge_windows

ACROSS_SIZES = (MetricKind.GROWTH, MetricKind.COMPLEXITY, MetricKind.FORECAST)
"""Rules judged per endpoint on the analysis across dataset sizes, not per cell."""


def cell_label(endpoint: str, size: int | None, concurrency: int | None) -> str:
    """The same words the plan and the console use for a cell: ``search @ 500 records x4``."""
    at = "" if size is None else f" @ {size} records"
    conc = "" if concurrency is None else f" x{concurrency}"
    return f"{endpoint}{at}{conc}"


def evaluate(scenario: Scenario, result: RunResult) -> tuple[ThresholdOutcome, ...]:
    """Every rule of every threshold, in the order the scenario lists them."""
    outcomes: list[ThresholdOutcome] = []
    for threshold in scenario.thresholds:
        cells = [c for c in result.cells if threshold.applies_to(c.endpoint, c.size, c.concurrency)]
        for rule in threshold.rules:
            if not cells:
                outcomes.append(_unmatched(rule, threshold))
            elif rule.kind in ACROSS_SIZES:
                outcomes.extend(_growth_outcomes(rule, cells, result))
            elif rule.window is not None:
                outcomes.extend(window_outcome(rule, cell) for cell in cells)
            else:
                outcomes.extend(_cell_outcome(rule, cell) for cell in cells)
    return tuple(outcomes)


def _cell_outcome(rule: Rule, cell: CellStats) -> ThresholdOutcome:
    where = cell_label(cell.endpoint, cell.size, cell.concurrency)
    value, missing = _measure(rule, cell)
    if value is None:
        message = f"{rule.text} failed for {where}: {missing}, limit {rule.format_limit()}"
        return ThresholdOutcome(rule.text, cell.endpoint, cell.size, cell.concurrency, None, rule.limit,
                                False, message)
    passed = rule.passes(value)
    message = (f"{rule.text} {'passed' if passed else 'failed'} for {where}: "
               f"measured {format_metric(rule.kind, value)}, limit {rule.format_limit()}")
    return ThresholdOutcome(rule.text, cell.endpoint, cell.size, cell.concurrency, value, rule.limit,
                            passed, message)


def window_outcome(rule: Rule, cell: CellStats) -> ThresholdOutcome:
    """A window rule over one cell: failed when any window broke it; the value is the worst window's."""
    where = cell_label(cell.endpoint, cell.size, cell.concurrency)
    interval = cell.load.interval if cell.load is not None else 1.0
    verdict = judge_windows(rule, cell.series, interval, _measured_until(cell))
    if verdict.worst is None or verdict.worst_value is None:
        missing = "no time series (a results file from before time series)" if not cell.series else \
            "no window had an answer to judge"
        message = f"{rule.text} failed for {where}: {missing}, limit {rule.format_limit()}"
        return ThresholdOutcome(rule.text, cell.endpoint, cell.size, cell.concurrency, None, rule.limit,
                                False, message)
    span = verdict.worst.text()
    passed = not verdict.broken
    if passed:
        how = f"every one of {verdict.judged} windows held it; the closest, {span}, measured"
    else:
        how = f"{verdict.broken} of {verdict.judged} windows broke it; the worst, {span}, measured"
    message = (f"{rule.text} {'passed' if passed else 'failed'} for {where}: {how} "
               f"{format_metric(rule.kind, verdict.worst_value)}, limit {rule.format_limit()}")
    return ThresholdOutcome(rule.text, cell.endpoint, cell.size, cell.concurrency, verdict.worst_value,
                            rule.limit, passed, message)


def _measured_until(cell: CellStats) -> float | None:
    """Seconds from the cell's start to the end of its measurement: a timed cell's planned length,
    unless it stopped early (aborted, interrupted), then its wall time; None for a cell measured in
    several rounds, whose wall time adds up the rounds while its series spans the whole stage."""
    planned = cell.load.duration if cell.load is not None else None
    if planned and not cell.truncated:
        return planned
    if len(cell.rounds) > 1:
        return None
    return cell.wall_time or None


def _measure(rule: Rule, cell: CellStats) -> tuple[float | None, str]:
    """The cell's value for the rule's metric, or None and why there is none."""
    if cell.requests == 0:
        return None, "no requests were measured"
    if rule.kind is MetricKind.TIME:
        if cell.latency is None or cell.successes == 0:
            return None, f"no successful requests ({cell.requests} sent, all failed)"
        return cell.latency.get(rule.metric), ""
    if rule.kind is MetricKind.RATE:
        return (cell.success_rate if rule.metric == "success_rate" else cell.error_rate), ""
    return cell.throughput, ""


def _growth_outcomes(rule: Rule, cells: Sequence[CellStats], result: RunResult) -> list[ThresholdOutcome]:
    """One outcome per endpoint and concurrency level, judged on the analysis across sizes."""
    from .analysis.endpoint import result_noise
    from .analysis.gates import judge

    noise = result_noise(result)
    ordered = sorted(cells, key=lambda c: (c.endpoint, c.concurrency))
    outcomes = []
    for (endpoint, concurrency), group in groupby(ordered, key=lambda c: (c.endpoint, c.concurrency)):
        judged = judge(rule, list(group), noise)
        where = cell_label(endpoint, None, concurrency)
        verb = "passed" if judged.passed else "failed"
        measured = "measured " if rule.kind is not MetricKind.FORECAST else ""
        message = f"{rule.text} {verb} for {where}: {measured}{judged.text}, limit {rule.format_limit()}"
        outcomes.append(ThresholdOutcome(rule.text, endpoint, None, concurrency, judged.value, rule.limit,
                                         judged.passed, message))
    return outcomes


def _unmatched(rule: Rule, threshold: Threshold) -> ThresholdOutcome:
    scope = threshold.scope()
    message = (f"{rule.text} failed: it matches no measured cell ({scope}); "
               "check the endpoint names, sizes and concurrency levels it names")
    return ThresholdOutcome(rule.text, ", ".join(threshold.endpoints) or "*", None, None, None, rule.limit,
                            False, message)


def unanswered(result: RunResult) -> tuple[CellStats, ...]:
    """Cells whose requests all failed: the run's implicit check, failed whatever the thresholds say.

    A pipeline expects an endpoint that answers nothing but 404 to fail the job; the exit code, the
    console, the report and JUnit's cell cases all use this one rule.
    """
    return tuple(c for c in result.cells if c.requests and not c.successes)


def failure_text(cell: CellStats) -> str:
    """``15 sent, all failed: http_4xx 15 (status 404, expected 2xx)``."""
    kinds = ", ".join(f"{kind} {count}" for kind, count in cell.failures.items() if count) or "no category"
    first = f" ({cell.errors[0]})" if cell.errors else ""
    return f"{cell.requests} sent, all failed: {kinds}{first}"


def format_unanswered(cells: Sequence[CellStats]) -> str:
    """Console text for the implicit check, or "" when every cell had a success."""
    if not cells:
        return ""
    noun = "cell has" if len(cells) == 1 else "cells have"
    lines = [f"checks: {len(cells)} {noun} no successful request (the run fails)"]
    lines.extend(f"  FAIL  no successful request in {cell_label(c.endpoint, c.size, c.concurrency)}: "
                 f"{failure_text(c)}" for c in cells)
    return "\n".join(lines)


def failed(outcomes: Sequence[ThresholdOutcome]) -> tuple[ThresholdOutcome, ...]:
    return tuple(o for o in outcomes if not o.passed)


def format_verdicts(outcomes: Sequence[ThresholdOutcome]) -> str:
    """Console text for the end of a run: failures in full, passes counted per rule."""
    if not outcomes:
        return "thresholds: none defined"
    bad = failed(outcomes)
    lines = [f"thresholds: {len(outcomes) - len(bad)} passed, {len(bad)} failed"]
    for rule in dict.fromkeys(o.rule for o in outcomes):
        mine = [o for o in outcomes if o.rule == rule]
        passed = sum(o.passed for o in mine)
        if passed:
            noun = "check" if passed == 1 else "checks"
            lines.append(f"  PASS  {rule}  ({passed} {noun})")
        lines.extend(f"  FAIL  {o.message}" for o in mine if not o.passed)
    return "\n".join(lines)
