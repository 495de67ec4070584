"""The workload keys of ``load:`` and of an endpoint (iterations, duration, rate, stages,
max_in_flight) -> a ``Workload``, and the mistakes the schema cannot see in them.

An endpoint that names none of iterations, duration, rate and stages uses the plan's workload;
one that names some keeps the plan's others unless they contradict: its ``rate`` runs for the
plan's duration, its ``duration`` at the plan's rate, its ``iterations`` replace the plan's
duration (and the other way round), and its ``stages`` replace everything.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import Any

from .errors import Problem
from .scenario import DEFAULT_MAX_IN_FLIGHT, Stage, Workload
from .source import Document, KeyPath
from .units import parse_duration, parse_percent, parse_rate

MODEL_KEYS = ("iterations", "duration", "rate", "stages")
DEFAULT_ITERATIONS = 10


def _given(data: Mapping[str, Any], key: str) -> bool:
    return data.get(key) is not None


def build_workload(data: Mapping[str, Any], plan: Workload | None) -> Workload:
    """The workload ``data`` (schema-valid, without problems) describes; ``plan`` lends
    ``max_in_flight`` to an endpoint that does not set it."""
    cap = int(data["max_in_flight"]) if _given(data, "max_in_flight") else (
        plan.max_in_flight if plan is not None else DEFAULT_MAX_IN_FLIGHT)
    if _given(data, "stages"):
        steps = data["stages"]
        is_open = any(_given(step, "rate") for step in steps)
        stages = tuple(Stage(parse_duration(step["duration"]),
                             parse_rate(step["rate"]) if is_open else float(step["workers"]))
                       for step in steps)
        return Workload(iterations=None, stages=stages, open=is_open, max_in_flight=cap)
    duration = parse_duration(data["duration"]) if _given(data, "duration") else None
    iterations = int(data["iterations"]) if _given(data, "iterations") else None
    if duration is None and iterations is None:
        iterations = DEFAULT_ITERATIONS
    if _given(data, "rate"):
        return Workload(iterations=iterations, duration=duration, rate=parse_rate(data["rate"]), open=True,
                        max_in_flight=cap)
    return Workload(iterations=iterations, duration=duration, max_in_flight=cap)


def merged_model(data: Mapping[str, Any], plan: Mapping[str, Any]) -> dict[str, Any]:
    """The endpoint's model keys over the plan's, less the plan's keys they contradict."""
    merged = {k: plan[k] for k in MODEL_KEYS if _given(plan, k)}
    given = {k: data[k] for k in (*MODEL_KEYS, "max_in_flight") if _given(data, k)}
    if "stages" in given:
        merged = {}
    if given.keys() & {"iterations", "duration", "rate"}:
        merged.pop("stages", None)
    if "iterations" in given:
        merged.pop("duration", None)
    if "duration" in given:
        merged.pop("iterations", None)
    return {**merged, **given}


def endpoint_workload(data: Mapping[str, Any], plan: Workload,
                      plan_data: Mapping[str, Any] | None = None) -> Workload | None:
    """The endpoint's own workload, or None when it follows the plan's."""
    if any(_given(data, key) for key in MODEL_KEYS):
        return build_workload(merged_model(data, plan_data or {}), plan)
    if _given(data, "max_in_flight"):
        return replace(plan, max_in_flight=int(data["max_in_flight"]))
    return None


def workload_problems(document: Document, endpoints: list[dict[str, Any]]) -> list[Problem]:
    """Keys that contradict each other at one level, rates without a length, mixed stages."""
    load = document.data.get("load")
    plan = load if isinstance(load, dict) else {}
    problems: list[Problem] = list(_level_problems(document, ("load",), plan, plan)) if plan else []
    for index, endpoint in enumerate(endpoints):
        if any(_given(endpoint, key) for key in MODEL_KEYS):
            problems.extend(_level_problems(document, ("endpoints", index), endpoint,
                                            merged_model(endpoint, plan)))
    if isinstance(load, dict) and isinstance(load.get("concurrency"), list) and len(load["concurrency"]) > 1 \
            and (_given(load, "rate") or _open_stages(load)):
        problems.append(document.problem(
            ("load", "concurrency"), "a list of concurrency levels sweeps closed-model workers, and this "
            "plan's load is an arrival rate (an open model)",
            hint="bound the requests in flight with load.max_in_flight, and give one concurrency or none"))
    problems.extend(_precision_problems(document, plan))
    problems.extend(_executor_problems(document, plan))
    problems.extend(_think_time_problems(document, plan, endpoints))
    return problems


def _think_time_problems(document: Document, load: Mapping[str, Any],
                         endpoints: list[dict[str, Any]]) -> list[Problem]:
    """A pause between a worker's requests means nothing to an open model, whose requests start on
    the schedule: with every cell open it would be shown in the plan and quietly never applied."""
    think = _parsed(parse_duration, load.get("think_time"))
    if not think or not (_given(load, "rate") or _open_stages(load)):
        return []
    closed = [e for e in endpoints if _given(e, "stages") and not _open_stages(e)]
    if closed:
        return []
    return [document.problem(
        ("load", "think_time"), "think_time pauses closed-model workers between their requests, and this "
        "plan's cells are an arrival rate (an open model), whose requests start on the schedule",
        hint="drop think_time (lower the rate for fewer requests), or give workers with `concurrency` and "
             "`iterations` or `duration` instead of a rate")]


def _executor_problems(document: Document, load: Mapping[str, Any]) -> list[Problem]:
    """``workers`` or ``cluster`` on an executor that has no use for them: the run would quietly go on
    threads, one process, which is not what the user asked for."""
    executor = load.get("executor")
    if _given(load, "cluster") and executor in ("threads", "processes"):
        return [document.problem(
            ("load", "cluster"), f"a Dask scheduler is named, and the executor is {executor}",
            hint="write executor: dask (or drop `executor`: a cluster implies dask), or drop `cluster`")]
    if _given(load, "workers") and not _given(load, "cluster") and executor in (None, "threads"):
        return [document.problem(
            ("load", "workers"), "workers are processes of `executor: processes` or `dask`, and this plan "
            "runs on threads (the default), one process", hint="add executor: processes (or --executor "
            "processes) to split each cell across processes, or raise `concurrency` for more threads")]
    return []


def _precision_problems(document: Document, load: Mapping[str, Any]) -> list[Problem]:
    """A precision target of 0 (``0%`` with no floor above 0, or a floor of 0 alone) is never
    reached: every cell would sample on to its budget and be named as short of it."""
    share = _parsed(parse_percent, load.get("precision"))
    floor = _parsed(parse_duration, load.get("precision_floor"))
    if share == 0 and not floor:
        key = "precision"
    elif floor == 0 and not share:
        key = "precision_floor"
    else:
        return []
    return [document.problem(
        ("load", key), "a precision target of 0 is never reached: every cell would sample on to its budget "
        "(max_iterations, max_sampling_time)", hint="give a share above 0 (e.g. precision: 5%) or a floor "
        "above 0 (e.g. precision_floor: 0.05ms), or drop the key to measure each cell's iterations once")]


def _open_stages(data: Mapping[str, Any]) -> bool:
    stages = data.get("stages")
    return isinstance(stages, list) and any(isinstance(s, dict) and _given(s, "rate") for s in stages)


def _level_problems(document: Document, where: KeyPath, data: Mapping[str, Any],
                    merged: Mapping[str, Any]) -> list[Problem]:
    """``data`` as written at ``where``; ``merged`` what it means once the plan's keys are added."""
    problems = _nothing_to_send(document, where, data)
    if _given(data, "stages"):
        for key in ("iterations", "duration", "rate"):
            if _given(data, key):
                problems.append(document.problem(
                    (*where, key), f"`{key}` and `stages` both describe the workload",
                    hint="the stages give every step its duration and its rate or workers: drop "
                         f"`{key}`, or drop `stages`"))
        problems.extend(_stage_problems(document, where, data["stages"]))
        return problems
    if _given(data, "iterations") and _given(data, "duration"):
        problems.append(document.problem(
            (*where, "duration"), "`iterations` and `duration` both say how long the cell runs",
            hint="give a count of requests (iterations) or a time (duration), not both"))
    elif _given(merged, "rate") and not (_given(merged, "duration") or _given(merged, "iterations")):
        key = "rate" if _given(data, "rate") else next(k for k in MODEL_KEYS if _given(data, k))
        problems.append(document.problem(
            (*where, key), "an arrival rate needs a length",
            hint="add `duration:` (e.g. duration: 1m), or `iterations:` for a number of arrivals"))
    return problems


def _nothing_to_send(document: Document, where: KeyPath, data: Mapping[str, Any]) -> list[Problem]:
    """A rate of 0/s, a duration of 0 or stages that last 0 s in all: a cell that would send no
    request and then pass (a 0/s target belongs in a stage, where the ramp moves to or from it)."""
    problems = []
    if _parsed(parse_rate, data.get("rate")) == 0:
        problems.append(document.problem(
            (*where, "rate"), "an arrival rate of 0/s sends no request",
            hint="give a rate above 0 (e.g. rate: 10/s); to ramp down to 0 or up from it, write `stages:`"))
    if _parsed(parse_duration, data.get("duration")) == 0:
        problems.append(document.problem(
            (*where, "duration"), "a duration of 0 runs no request",
            hint="give a length above 0 (e.g. duration: 30s), or `iterations:` for a count of requests"))
    stages = data.get("stages")
    if isinstance(stages, list) and stages and all(isinstance(s, dict) for s in stages):
        lengths = [_parsed(parse_duration, s.get("duration")) for s in stages]
        targets = [_parsed(parse_rate, s.get("rate", s.get("workers"))) for s in stages]
        if all(length == 0 for length in lengths):
            problems.append(document.problem(
                (*where, "stages"), "the stages last 0 s in all: the ramp would send no request",
                hint="give a stage a duration above 0 (e.g. {duration: 30s, rate: 50/s})"))
        elif None not in lengths and None not in targets and any(targets) and _area(lengths, targets) == 0:
            problems.append(document.problem(
                (*where, "stages"), "the stages are at 0 whenever they last: the ramp would send no request",
                hint="give a stage that lasts (a duration above 0) a rate or workers above 0"))
    return problems


def _area(lengths: list[float | None], targets: list[float | None]) -> float:
    """The ramp's integral: arrivals (open) or worker-seconds (closed) it asks for."""
    area, previous = 0.0, 0.0
    for length, target in zip(lengths, targets, strict=True):
        area += (previous + (target or 0.0)) / 2 * (length or 0.0)
        previous = target or 0.0
    return area


def _parsed(parse: Callable[[Any], float], value: Any) -> float | None:
    """``value`` parsed, or None when it is absent or malformed (the schema reports those)."""
    if value is None:
        return None
    try:
        return parse(value)
    except (ValueError, TypeError):
        return None


def _stage_problems(document: Document, where: KeyPath, stages: Any) -> list[Problem]:
    if not isinstance(stages, list):
        return []
    kinds = {k for s in stages if isinstance(s, dict) for k in ("rate", "workers") if _given(s, k)}
    problems = []
    if len(kinds) > 1:
        problems.append(document.problem(
            (*where, "stages"), "the stages mix `rate` (an open model) and `workers` (a closed one)",
            hint="ramp arrivals with `rate:` in every stage, or workers with `workers:` in every stage"))
    targets = [s.get("rate") or s.get("workers") for s in stages if isinstance(s, dict)]
    if targets and all(_zero(t) for t in targets):
        problems.append(document.problem(
            (*where, "stages"), "every stage ends at 0: the ramp would send no request",
            hint="give a stage a rate above 0/s (or workers above 0)"))
    return problems


def _zero(value: Any) -> bool:
    try:
        return value is None or parse_rate(value) == 0
    except ValueError:
        return False
