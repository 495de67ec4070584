"""Threshold rules: ``p95 < 300ms``, ``success_rate >= 99%``, ``rps > 200``, ``growth <= linear``,
``complexity <= "O(n)"`` and ``p95_at(10000) < 500ms``, and the same held over every window of a
timed cell: ``p99 < 200ms over 10s``.

Parsing is here (a bad rule is a located validation error); evaluating rules against results is
``yamlperf.verdicts``.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from enum import Enum

from .analysis.classes import NAMED_CLASSES, NAMES, parse_complexity
from .errors import suggest
from .units import parse_duration

MIN_GROWTH_POINTS = 3
"""Dataset sizes with a measured median needed before a growth class means anything."""


class MetricKind(Enum):
    TIME = "time"
    RATE = "rate"
    THROUGHPUT = "throughput"
    GROWTH = "growth"
    COMPLEXITY = "complexity"
    FORECAST = "forecast"


TIME_METRICS = {"min": "min", "mean": "mean", "avg": "mean", "median": "median", "p50": "median",
                "p90": "p90", "p95": "p95", "p99": "p99", "max": "max", "stdev": "stdev"}
RATE_METRICS = {"success_rate": "success_rate", "error_rate": "error_rate"}
THROUGHPUT_METRICS = {"rps": "throughput", "throughput": "throughput"}
GROWTH_CLASSES = ("constant", "sublinear", "linear", "superlinear")
"""Growth classes in increasing order of how fast response time grows with the dataset."""

OPERATORS: dict[str, Callable[[float, float], bool]] = {
    "<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge, "==": operator.eq,
    "!=": operator.ne,
}
RULE_SHAPE = re.compile(r"^\s*([A-Za-z_0-9.]+(?:\([^)]*\))?)\s*(<=|>=|==|!=|<|>)\s*(.+?)\s*$")
FORECAST_SHAPE = re.compile(r"^([a-z0-9]+)_at\(\s*([0-9][0-9_,]*)\s*\)$")
FORECAST_METRICS = {"median": "median", "p50": "median", "p90": "p90", "p95": "p95", "p99": "p99"}
_WINDOW = re.compile(r"^(.+?)\s+over\s+(?:every\s+)?(\S+?)(?:\s+windows?)?$", re.IGNORECASE)
WINDOW_STEP_S = 1.0
"""The time series' interval (``engine.workload.SERIES_INTERVAL_S``): a window is whole intervals."""
WINDOW_TIME_METRICS = ("median", "p95", "p99", "max")
"""What one interval of a time series keeps, so what a window can be judged on."""


@dataclass(frozen=True, slots=True)
class Rule:
    """A parsed rule; ``limit`` is seconds, a fraction (0.99), requests/s or a growth-class rank."""

    text: str
    metric: str
    kind: MetricKind
    op: str
    limit: float
    window: float | None = None
    """Seconds: the rule must hold over every window this long of a cell's time series."""
    at_size: int | None = None
    """The dataset size of a forecast rule (``p95_at(10000)``)."""

    def passes(self, value: float) -> bool:
        return OPERATORS[self.op](value, self.limit)

    def format_limit(self) -> str:
        return format_metric(self.kind, self.limit)


def format_metric(kind: MetricKind, value: float) -> str:
    if kind in (MetricKind.TIME, MetricKind.FORECAST):
        return f"{value * 1e3:.2f}ms"
    if kind is MetricKind.RATE:
        return f"{value * 100:.2f}%"
    if kind is MetricKind.THROUGHPUT:
        return f"{value:.1f} req/s"
    if kind is MetricKind.COMPLEXITY:
        return NAMES[int(value)] if 0 <= value < len(NAMES) else str(value)
    return GROWTH_CLASSES[int(value)] if 0 <= value < len(GROWTH_CLASSES) else str(value)


class RuleError(ValueError):
    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.hint = hint


def parse_rule(text: str) -> Rule:
    match = RULE_SHAPE.match(text)
    if not match:
        raise RuleError(f"cannot read the rule {text!r}", "write `metric op value`, e.g. `p95 < 300ms`")
    name, op, raw = match.group(1).lower(), match.group(2), match.group(3)
    windowed = _WINDOW.match(raw)
    if windowed:
        rule = parse_rule(f"{name} {op} {windowed.group(1)}")
        if rule.window is not None:
            limit = windowed.group(1).split(" over ")[0]
            raise RuleError(f"the rule {text!r} names more than one window",
                            f"hold it `over` one length, e.g. `{name} {op} {limit} over 10s`")
        return replace(rule, text=text, window=_window(rule, windowed.group(2)))
    if name in TIME_METRICS:
        return Rule(text, TIME_METRICS[name], MetricKind.TIME, op, _time_limit(raw))
    if name in RATE_METRICS:
        return Rule(text, RATE_METRICS[name], MetricKind.RATE, op, _rate_limit(raw))
    if name in THROUGHPUT_METRICS:
        return Rule(text, THROUGHPUT_METRICS[name], MetricKind.THROUGHPUT, op, _number(raw, "/s"))
    across = _across_sizes(text, name, op, raw)
    if across is not None:
        return across
    known = sorted({*TIME_METRICS, *RATE_METRICS, *THROUGHPUT_METRICS, "growth", "complexity"})
    hint = suggest(name, known) or f"use one of: {', '.join(known)}"
    if re.fullmatch(r"p[0-9.]+", name):
        kept = ", ".join(k for k in known if re.fullmatch(r"p[0-9]+", k))
        hint = "; ".join(filter(None, [suggest(name, known), f"a cell keeps {kept}, median, min and max"]))
    raise RuleError(f"unknown metric {name!r} in rule {text!r}", hint)


def _window(rule: Rule, raw: str) -> float:
    try:
        seconds = parse_duration(raw)
    except ValueError:
        raise RuleError(f"{raw!r} is not a window length", "write e.g. `over 10s`") from None
    if seconds <= 0:
        raise RuleError("a window needs a length above 0", "write e.g. `over 10s`")
    steps = seconds / WINDOW_STEP_S
    if steps < 1 or abs(steps - round(steps)) > 1e-9:
        whole = max(1, round(steps)) * WINDOW_STEP_S
        raise RuleError(f"a window of {raw} is not a whole number of the time series' {WINDOW_STEP_S:g} s "
                        "intervals, which windows are made of", f"write `over {whole:g}s`")
    if rule.kind in (MetricKind.GROWTH, MetricKind.COMPLEXITY, MetricKind.FORECAST):
        raise RuleError(f"{rule.metric if rule.kind is not MetricKind.FORECAST else 'a forecast'} is judged "
                        "across dataset sizes, not over windows of time", "drop `over ...` from the rule")
    if rule.kind is MetricKind.TIME and rule.metric not in WINDOW_TIME_METRICS:
        raise RuleError(f"{rule.metric} is not kept per interval, so no window can be judged on it",
                        "over windows use p50 (median), p95, p99 or max")
    return seconds


def _time_limit(raw: str) -> float:
    if re.fullmatch(r"[0-9.]+", raw):
        raise RuleError(f"the time {raw!r} has no unit", f"write {raw}ms or {raw}s")
    try:
        return parse_duration(raw)
    except ValueError:
        raise RuleError(f"{raw!r} is not a time", "write e.g. 300ms, 1.5s") from None


def _rate_limit(raw: str) -> float:
    if not raw.endswith("%"):
        raise RuleError(f"the rate {raw!r} needs a percent sign", f"write {raw}%")
    value = _number(raw[:-1], "")
    if not 0 <= value <= 100:
        raise RuleError(f"the rate {raw!r} is outside 0-100%")
    return value / 100


def _number(raw: str, suffix: str) -> float:
    text = raw.removesuffix(suffix).strip() if suffix else raw.strip()
    try:
        return float(text)
    except ValueError:
        raise RuleError(f"{raw!r} is not a number") from None


def _growth_limit(raw: str, op: str) -> float:
    name = raw.lower().replace("-", "").replace("_", "")
    if name not in GROWTH_CLASSES:
        raise RuleError(f"unknown growth class {raw!r}",
                        suggest(name, list(GROWTH_CLASSES)) or f"use one of: {', '.join(GROWTH_CLASSES)}")
    if op not in ("<", "<=", "=="):
        raise RuleError("a growth rule bounds growth from above",
                        "use `growth <= linear` or `growth < superlinear`")
    return float(GROWTH_CLASSES.index(name))


def _across_sizes(text: str, name: str, op: str, raw: str) -> Rule | None:
    """``growth <= linear``, ``complexity <= "O(n)"``, ``p95_at(10000) < 500ms``, or None."""
    if name == "growth":
        return Rule(text, "growth", MetricKind.GROWTH, op, _growth_limit(raw, op))
    if name == "complexity":
        return Rule(text, "complexity", MetricKind.COMPLEXITY, op, _complexity_limit(raw, op))
    forecast = FORECAST_SHAPE.match(name.replace(" ", ""))
    if forecast or "(" in name:
        return _forecast_rule(text, name, forecast, op, raw)
    return None


def _complexity_limit(raw: str, op: str) -> float:
    rank = parse_complexity(raw)
    if rank is None:
        names = ", ".join(f'"{n}"' for n in NAMED_CLASSES)
        raise RuleError(f"unknown complexity class {raw!r}", f"use one of: {names}")
    if op not in ("<", "<=", "=="):
        raise RuleError("a complexity rule bounds growth from above",
                        'use `complexity <= "O(n)"` or `complexity < "O(n^2)"`')
    return float(rank)


def _forecast_rule(text: str, name: str, shape: re.Match[str] | None, op: str, raw: str) -> Rule:
    """``p95_at(10000) < 500ms``: the figure the fitted growth gives at a dataset size."""
    example = "write e.g. `p95_at(10000) < 500ms`"
    if shape is None or shape.group(1) not in FORECAST_METRICS:
        raise RuleError(f"cannot read the forecast {name!r} in rule {text!r}",
                        f"{example}; the figure is one of {', '.join(FORECAST_METRICS)}")
    size = int(shape.group(2).replace("_", "").replace(",", ""))
    if size < 1:
        raise RuleError(f"the dataset size in {name!r} must be at least 1", example)
    if op not in ("<", "<="):
        raise RuleError("a forecast rule bounds a time from above", example)
    metric = FORECAST_METRICS[shape.group(1)]
    return Rule(text, metric, MetricKind.FORECAST, op, _time_limit(raw), at_size=size)
