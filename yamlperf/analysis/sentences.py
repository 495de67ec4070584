"""A reading in sentences: growth, cost per record, forecasts, causes, saturation (pure).

Every time quoted is a table figure (``words``) or says it is the fit's: "+0.41 ms per 100
records" is the model's slope at the largest size, with its 90% interval.
"""

from __future__ import annotations

import math

from ..results import RunResult
from ..units import ms_figure
from . import classes
from .causes import DATABASE_NAMES, Causes, Trend
from .forecast import CostPerRecord, Crossing, describe_size
from .growth import Cliff, Growth
from .reading import Reading, read_run
from .usl import Saturation
from .words import ms_text, ratio_text, shares_text, span_text

ADVICE = {
    "superlinear": "look for a query without an index, an N+1 pattern or work repeated per record",
    "cliff": "typical of memory running out, a cache no longer fitting or a query plan changing",
    "settle": "more requests per size (load.iterations, load.rounds) or more sizes would settle it",
}


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def steep(growth: Growth) -> bool:
    """Named faster than n log n (a power law above it, n^2 or faster)."""
    return growth.rank is not None and growth.rank >= classes.MIDDLE_POWER


STEEP_DOUBT = 0.3
"""An undetermined endpoint "may grow faster than n log n" when this share of resamples says so."""


def may_be_steep(growth: Growth) -> bool:
    """Undetermined, and ``STEEP_DOUBT`` of the resamples chose faster than n log n."""
    steep_share = sum(share for rank, share in growth.shares.items() if rank >= classes.MIDDLE_POWER)
    return growth.rank is None and not growth.note and steep_share >= STEEP_DOUBT


def growth_sentence(growth: Growth, cost: CostPerRecord | None) -> str:
    span = _capital(span_text(growth.data))
    if growth.note:
        return f"{span}: {growth.note}."
    if growth.rank is None:
        return f"{span}: {growth.verdict}; {shares_text(growth)} of resamples; {ADVICE['settle']}."
    text = f"{span}: {growth.verdict}"
    if growth.rank != classes.CONSTANT and cost is not None:
        text += f"; {cost_text(cost)}"
        fixed = growth.curve.fixed_cost if growth.curve is not None else 0.0
        if 0 < fixed <= min(growth.values):
            text += f", on top of a fixed cost of about {ms_text(fixed)} (the fit at 0 records)"
    if steep(growth):
        text += f"; {ADVICE['superlinear']}"
    return text + "."


def cost_text(cost: CostPerRecord) -> str:
    """``+0.41 ms per 100 records at 500 records (90% interval 0.35-0.47)``."""
    e = cost.estimate
    return (f"+{ms_figure(e.value)} ms per {cost.unit:,} records at {cost.at:,} records "
            f"(90% interval {ms_figure(e.low)}-{ms_figure(e.high)}, from the fit)")


def crossing_sentence(found: Crossing) -> str:
    rule = f"{found.statistic} < {ms_text(found.limit).replace(' ', '')}"
    if found.measured_at is not None:
        return f"{rule} is crossed at the measured {found.measured_at:,} records."
    e = found.estimate
    if e is None or not math.isfinite(e.value):
        return f"{rule} is not crossed before 10^9 records at this growth."
    interval = f"90% interval {describe_size(e.low)}-{describe_size(e.high)}"
    where = (f", extrapolated beyond the measured {found.largest:,}" if found.extrapolated else "")
    return f"{rule} would be crossed at about {describe_size(e.value)} records ({interval}{where})."


def cliff_sentence(cliff: Cliff) -> str:
    return (f"Performance cliff between {cliff.size_before:,} and {cliff.size_after:,} records: median "
            f"{ms_figure(cliff.value_before)} \u2192 {ms_text(cliff.value_after)} "
            f"({ratio_text(cliff.observed_ratio)}), {ratio_text(cliff.jump)} beyond the trend, in "
            f"{cliff.support:.0%} of resamples; {ADVICE['cliff']}.")


def _trend_span(trend: Trend) -> str:
    growth = trend.growth
    return (f"{trend.figure(trend.first)} \u2192 {trend.figure(trend.last)} from {growth.sizes[0]:,} to "
            f"{growth.sizes[-1]:,} records, {growth.verdict}")


def cause_sentences(found: Causes, latency: Growth) -> list[str]:
    """What the other figures say, when latency grows (a flat endpoint needs no explaining)."""
    if not latency.grows and not may_be_steep(latency):
        return []
    said = []
    queries, payload = found.queries, found.payload
    if found.n_plus_one and queries is not None:
        size = f" while the response size stays at {payload.figure(payload.last)}" if payload else ""
        said.append(f"N+1 query: queries per request grow ({_trend_span(queries)}){size}; the endpoint "
                    "runs a query per record: load them in one query or a join.")
    elif queries is not None and queries.grows:
        said.append(f"Queries per request grow with the response ({_trend_span(queries)}): one query per "
                    "row returned.")
    elif queries is not None and queries.flat:
        said.append(f"Queries per request stay at {queries.figure(queries.last)}: the growth is inside "
                    "the queries or outside the database.")
    where = found.where()
    if where is not None:
        place = "the database" if where.name.lower() in DATABASE_NAMES else where.name
        said.append(f"Server-Timing: {where.name} grew by {ms_text(where.last - where.first)} of the "
                    f"{ms_text(found.mean_added)} the mean response time added ({_trend_span(where)}): the "
                    f"growth is in {place}.")
    if payload is not None and payload.grows:
        said.append(f"The response grows with the data ({_trend_span(payload)}): latency follows the "
                    "payload, an unpaginated response; paginate it.")
    elif payload is not None and payload.flat:
        said.append(f"The response size stays at {payload.figure(payload.last)}: the growth is server work, "
                    "not payload.")
    return said


def endpoint_sentences(reading: Reading) -> list[str]:
    growth = reading.growth
    if growth is None:
        return []
    said = [growth_sentence(growth, reading.cost)]
    if growth.cliff is not None:
        said.append(cliff_sentence(growth.cliff))
    elif growth.possible_cliff is not None:
        step = growth.possible_cliff
        said.append(f"A step between {step.size_before:,} and {step.size_after:,} records (median "
                    f"{ms_figure(step.value_before)} \u2192 {ms_text(step.value_after)}) is what "
                    f"{step.support:.0%} of the resamples chose: a cliff, or cells disturbed by other load; "
                    "more rounds would tell.")
    if growth.grows or may_be_steep(growth):
        said += [crossing_sentence(c) for c in reading.crossings]
    if reading.causes is not None:
        said += cause_sentences(reading.causes, growth)
    return said


def verdict_line(reading: Reading) -> str:
    """One line for the console: ``related: super-linear (O(n^2), 100% of resamples); ...``."""
    growth = reading.growth
    if growth is None:
        return f"{reading.endpoint}: no dataset sizes, growth not measured"
    parts = [growth.verdict]
    if growth.rank not in (None, classes.CONSTANT) and reading.cost is not None:
        parts.append(cost_text(reading.cost))
    if growth.cliff is not None:
        parts.append(f"cliff between {growth.cliff.size_before:,} and {growth.cliff.size_after:,} records")
    if growth.grows or may_be_steep(growth):
        parts += [crossing_sentence(c).rstrip(".") for c in reading.crossings]
    if reading.causes is not None and reading.causes.n_plus_one and growth.grows:
        queries = reading.causes.queries
        if queries is not None:
            parts.append(f"N+1 query (queries per request {queries.figure(queries.first)} \u2192 "
                         f"{queries.figure(queries.last)})")
    return f"{reading.endpoint}: " + "; ".join(parts)


def saturation_sentence(found: Saturation) -> str:
    at = found.saturated_at
    throughput = found.throughput[found.levels.index(at)]
    text = (f"{found.endpoint} saturates at about {_in_flight(at)} ({throughput:,.0f} req/s "
            "measured there")
    best = max(found.throughput)
    if found.best_level != at:
        text += f"; the best measured, {best:,.0f} req/s, at {found.best_level}"
    text += ")"
    top = found.levels[-1]
    p95_at, p95_top = found.p95_at(at), found.p95_at(top)
    if found.saturates and p95_at and p95_top:
        text += (f"; beyond it requests queue: p95 {ms_figure(p95_at)} ms at {at} \u2192 "
                 f"{ms_text(p95_top)} at {top} ({ratio_text(p95_top / p95_at)})")
    elif not found.saturates:
        text = (f"{found.endpoint}'s throughput still rises at the highest level measured, {top} in flight "
                f"({throughput:,.0f} req/s); measure higher levels to find where it saturates")
    fit = found.fit
    if fit is not None:
        if fit.peak_concurrency <= SERIAL_PEAK:
            peak = (f"the work is serialised: throughput does not grow with more in flight (at most "
                    f"{fit.peak_throughput:,.0f} req/s)")
        elif math.isfinite(fit.peak_concurrency):
            peak = (f"a peak at {fit.peak_concurrency:.1f} in flight and a predicted maximum of "
                    f"{fit.peak_throughput:,.0f} req/s")
        else:
            peak = f"no peak (no coherency cost), throughput approaching {fit.peak_throughput:,.0f} req/s"
        text += (f". Universal Scalability Law: contention \u03c3 = {_small(fit.sigma)}, coherency "
                 f"\u03ba = {_small(fit.kappa)}, {peak} (R\u00b2 {fit.r_squared:.2f})")
        if fit.r_squared < LOOSE_FIT:
            text += "; the levels scatter around the fit, so these are rough: measure more requests per level"
    return text + "."


def writes_sentence(trend: Trend) -> str:
    growth = trend.growth
    low, high = trend.span or (growth.sizes[0], growth.sizes[-1])
    head = (f"Writes while seeding: median {trend.figure(trend.first)} \u2192 {trend.figure(trend.last)} "
            f"from the first seeding step to the last ({low:,} to {high:,} records), {growth.verdict}")
    if growth.grows:
        return head + "; writes that slow down as the table grows point at indexes or constraints to check."
    return head + "."


SERIAL_PEAK = 1.5
"""A USL peak below 1.5 in flight: one request at a time is as fast as it gets."""
LOOSE_FIT = 0.8
"""A USL fit explaining less of the throughput's variation than this is said to be rough."""


def _in_flight(level: int) -> str:
    return f"{level} request{'s' if level != 1 else ''} in flight"


def _small(value: float) -> str:
    return "0" if value < 1e-6 else f"{value:.2g}"


def verdict_lines(result: RunResult) -> tuple[str, ...]:
    """The console's growth verdicts: one line per endpoint measured at three or more sizes
    (``verdict_line``), then one per swept endpoint's saturation point. Empty for a run without
    sizes or sweep. The report reads the same analysis (``reading.read_run``)."""
    reading = read_run(result)
    lines = [verdict_line(r) for r in reading.endpoints if r.growth is not None and len(r.growth.data) >= 3]
    lines += [saturation_sentence(s) for s in reading.saturations]
    return tuple(lines)
