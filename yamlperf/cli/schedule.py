"""What ``plan`` says about each cell's workload: its schedule (count, duration, rate, ramp) and
what it costs in requests and time."""

from __future__ import annotations

from ..engine.matrix import Cell, Plan
from ..scenario import Load, Scenario
from ..units import format_rate, format_span


def cell_requests(cell: Cell) -> str:
    """The plan table's requests column: ``200``, ``600 at 300/s for 2s``, ``as answered in 30s x4``,
    ``30-300 in 3 rounds (+2 warm-up each)`` (a count sampled for precision, in rounds)."""
    spec = cell.spec
    warm = (f" (+{cell.warmup} warm-up)" if cell.warmup else
            f" (+{format_span(cell.warmup_time)} warm-up)" if cell.warmup_time else "")
    if spec.open:
        return f"{cell.iterations:,} {spec.describe()}{warm}"
    if spec.timed:
        return f"as answered, {spec.describe()}{warm}"
    text = str(cell.iterations)
    if cell.budget > cell.iterations:
        text += f"-{cell.budget}"
    if len(cell.rounds) > 1:
        text += f" in {len(cell.rounds)} rounds"
        warm = warm.replace(" warm-up)", " warm-up each)") if cell.warmup else warm
    return text + warm


def sampling_line(load: Load) -> str:
    """How the count-based cells are sampled: rounds, and the precision target with its budget."""
    rounds = f"{load.rounds} round{'s' if load.rounds != 1 else ''}"
    text = f"{rounds} per size, cells interleaved in a shuffled order"
    if load.seed is not None:
        text += f" (seed {load.seed})"
    if load.min_stage_time > 0:
        text += f", spread over at least {format_span(load.min_stage_time)}"
    if load.samples_to_precision:
        targets = [f"{load.precision * 100:g}%" if load.precision is not None else "",
                   format_span(load.precision_floor) if load.precision_floor is not None else ""]
        most = f"{load.max_iterations} requests" if load.max_iterations is not None else "10x the iterations"
        text += (f"; sampling on until the median is known within {' or '.join(t for t in targets if t)},"
                 f" at most {most} or {format_span(load.max_sampling_time)} a cell")
    return text


def schedule_lines(matrix: Plan) -> list[str]:
    """The ramps, stage by stage, once per distinct ramp (``search: 0->50/s in 30s, ...``)."""
    lines, seen = [], set()
    for cell in matrix.cells:
        spec = cell.spec
        if not spec.stages or (cell.endpoint.name, spec.stages) in seen:
            continue
        seen.add((cell.endpoint.name, spec.stages))
        unit = "/s" if spec.open else " workers"
        steps, previous = [], 0.0
        for stage in spec.stages:
            verb = "hold" if stage.target == previous else f"{previous:g}->{stage.target:g}"
            target = f"{verb}{unit}" if verb != "hold" else f"hold {stage.target:g}{unit}"
            steps.append(f"{target} for {format_span(stage.duration)}")
            previous = stage.target
        lines.append(f"  {cell.endpoint.name}: " + ", ".join(steps))
    if not lines:
        return []
    return ["schedule (each stage ramps in a straight line from the previous target):", *lines]


def cost_lines(matrix: Plan) -> list[str]:
    """The measured time of the timed cells, and the closed timed cells' open-ended request count."""
    seconds = matrix.planned_seconds
    if not seconds:
        return []
    closed = sum(1 for c in matrix.cells if c.spec.timed and not c.spec.open)
    text = f"measured time: {format_span(seconds)} (timed cells, warm-ups included)"
    if closed:
        text += (f"; {closed} closed timed cell{'s' if closed != 1 else ''} send as many requests as the "
                 "target answers, not counted above")
    return [text]


def load_line(scenario: Scenario) -> str:
    """``load:`` in the plan's header."""
    load, work = scenario.load, scenario.load.workload
    warm = format_span(load.warmup_time) if load.warmup_time else str(load.warmup)
    if work.open and not work.stages:
        length = (f"for {format_span(work.duration)}" if work.duration is not None
                  else f"{work.iterations} arrivals")
        how = f"open model at {format_rate(work.rate or 0)} {length}, at most {work.max_in_flight} in flight"
    elif work.stages:
        stages = f"{len(work.stages)} stage{'s' if len(work.stages) != 1 else ''}"
        how = (f"{'open' if work.open else 'closed'} model, a ramp of {stages} over "
               f"{format_span(work.length or 0)}" + (f", at most {work.max_in_flight} in flight"
                                                          if work.open else ""))
    elif work.duration is not None:
        how = (f"closed model for {format_span(work.duration)} per cell, concurrency "
               f"{', '.join(map(str, load.concurrency))}")
    else:
        how = f"{load.iterations} iterations per cell, concurrency {', '.join(map(str, load.concurrency))}"
    return f"load: {how}, warm-up {warm}, think time {format_span(load.think_time)}"


def cell_workload_json(cell: Cell) -> dict[str, object]:
    spec = cell.spec
    return {"model": spec.model, "duration_s": spec.length if spec.timed else None, "rate": spec.rate,
            "stages": [{"duration_s": s.duration, "target": s.target} for s in spec.stages],
            "workers": spec.workers, "warmup_s": cell.warmup_time or None}
