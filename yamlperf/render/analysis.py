"""RunResult -> what the seed asks a reader to look for, in words (pure).

Per endpoint (``analysis.reading``): how its response time grows with the data, at what cost
per record, when the plan's latency limits would be crossed, why it grows (queries, Server-Timing,
payload), whether it falls off a cliff; whether its success rate declines with size (at any
concurrency level: failures under load come first), and whether it is an outlier among the
endpoints at the largest size. For a sweep, where each endpoint saturates. The report prints the
headline, the findings, a scorecard and a row per endpoint.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from ..analysis import classes, sentences
from ..analysis.growth import Cliff, Growth
from ..analysis.reading import Reading, RunReading, read_run
from ..analysis.reference_words import ReferenceNote, not_a_reference, reference_note
from ..analysis.series import Outlier, SuccessDecline, find_outliers, success_decline
from ..analysis.usl import Saturation
from ..results import CellStats, RunResult
from . import select
from .style import ms, percent, records

ADVICE = {
    "decline": "check timeouts, connection pools and resource limits at the larger sizes",
    "outlier": "the first candidate for optimisation",
}
LEVELS = ("ok", "warning", "problem")
FAILING_SHARE = 0.01
"""An endpoint losing more than 1% of its requests is worth a look even when nothing trends."""


@dataclass(frozen=True, slots=True)
class EndpointFinding:
    """One endpoint's reading; ``growth`` is None when the plan seeds no data."""

    endpoint: str
    growth: Growth | None
    cliff: Cliff | None
    decline: SuccessDecline | None
    outlier: Outlier | None
    first: CellStats | None
    last: CellStats | None
    sentences: tuple[str, ...]
    decline_concurrency: int | None = None
    """The level the decline was seen at, when the run swept several: it is often not the base one."""
    failed_cell: CellStats | None = None
    """The cell at the largest size that lost the largest share of its requests, at any level."""
    swept: bool = False
    reading: Reading | None = None
    reference: bool = False
    """The plan's ``analysis.reference``: its figures time the machine and are left as measured."""

    @property
    def level(self) -> str:
        """"problem": grows faster than n log n (high confidence), a cliff, declining success;
        "warning": an outlier, failing requests, growth that is or may be faster than n log n, or a
        reference that grows with the data."""
        growth = self.growth
        steep = growth is not None and sentences.steep(growth)
        if (steep and growth.confidence == "high") or self.cliff or self.decline:  # type: ignore[union-attr]
            return "problem"
        maybe = growth is not None and (steep or sentences.may_be_steep(growth))
        odd = self.reference and not_a_reference(growth)
        return "warning" if self.outlier or maybe or self.failing or odd else "ok"

    @property
    def failing(self) -> bool:
        """More than ``FAILING_SHARE`` of the requests failed where the endpoint was last measured."""
        worst = self.worst
        return worst is not None and worst.requests > 0 and worst.error_rate > FAILING_SHARE

    @property
    def worst(self) -> CellStats | None:
        """Where failures are read: the largest size's worst level, else where last measured."""
        return self.failed_cell or self.last

    @property
    def finding(self) -> str:
        return " ".join(self.sentences)


@dataclass(frozen=True, slots=True)
class Analysis:
    concurrency: int
    sizes: tuple[int, ...]
    endpoints: tuple[EndpointFinding, ...]
    headline: str
    findings: tuple[str, ...]
    reading: RunReading | None = None
    reference: ReferenceNote | None = None
    """What the plan's reference endpoint says about the machine's speed, or the hint to add one."""

    @property
    def levels_read(self) -> str:
        """Where growth was read: "concurrency 1", or each endpoint's own lowest level when they
        differ (an open model is measured at its max_in_flight)."""
        levels = {e.first.concurrency for e in self.endpoints if e.first is not None}
        if len(levels) > 1:
            return "each endpoint's lowest concurrency (an open model's: its max in flight)"
        return f"concurrency {next(iter(levels), self.concurrency)}"

    def by_level(self, level: str) -> tuple[EndpointFinding, ...]:
        return tuple(e for e in self.endpoints if e.level == level)

    @property
    def saturations(self) -> tuple[Saturation, ...]:
        return self.reading.saturations if self.reading is not None else ()

    def scorecard(self) -> tuple[EndpointFinding, ...]:
        """Endpoints with a growth verdict from the worst growth to the best: by the class (the
        steepest plausible one when undetermined), then by how much slower the largest size is."""
        graded = [e for e in self.endpoints if e.growth is not None and not e.growth.note]
        return tuple(sorted(graded, key=lambda e: (-_worst_rank(e.growth), -_rise(e.growth))))  # type: ignore[arg-type]


def _worst_rank(growth: Growth) -> int:
    return growth.rank if growth.rank is not None else growth.high


def _rise(growth: Growth) -> float:
    values = growth.values
    return values[-1] / values[0] if len(values) >= 2 and values[0] > 0 else 1.0


def analyze(result: RunResult) -> Analysis:
    level = select.base_concurrency(result)
    reading = read_run(result)
    timings = {c.endpoint: select.timing(c) for c in select.reference_cells(result)}
    outliers = {o.name: o for o in find_outliers({e: t.median for e, t in timings.items() if t is not None})}
    reference = reading.reference.endpoint if reading.reference is not None else None
    endpoints = tuple(_endpoint(result, r, outliers.get(r.endpoint), reference) for r in reading.endpoints)
    sized = select.has_sizes(result)
    return Analysis(level, select.sizes(result), endpoints, _headline(endpoints, sized, reading.saturations),
                    _findings(endpoints, reading), reading, reference_note(result))


def _endpoint(result: RunResult, reading: Reading, outlier: Outlier | None,
              reference: str | None = None) -> EndpointFinding:
    endpoint = reading.endpoint
    cells = [c for c in select.series(result, endpoint) if c.size is not None]
    growth = reading.growth
    decline = level = None
    if growth is not None:
        decline, level = _steepest_decline(result, endpoint)
    first, last = (cells[0], cells[-1]) if cells else (None, select.reference_cell(result, endpoint))
    cliff = growth.cliff if growth else None
    swept = result.swept
    finding = EndpointFinding(endpoint, growth, cliff, decline, outlier, first, last, (), level,
                              _worst_at_largest(result, endpoint, last), swept, reading,
                              reference=endpoint == reference)
    return replace(finding, sentences=_sentences(finding))


def _worst_at_largest(result: RunResult, endpoint: str, last: CellStats | None) -> CellStats | None:
    """The cell of the largest size (that of ``last``) with the largest share of failed requests:
    in a sweep, requests fail under load first, where the base level shows none."""
    if last is None:
        return None
    cells = [c for c in result.cells if c.endpoint == endpoint and c.size == last.size and c.requests]
    return max(cells, key=lambda c: (c.error_rate, -c.concurrency), default=last)


def _steepest_decline(result: RunResult, endpoint: str) -> tuple[SuccessDecline | None, int | None]:
    """The success decline with size at the level where it is steepest, and that level when the run
    swept several. Growth is read at the base level only (queueing distorts it), but requests that
    start failing as the data grows do so first under load, so every level is looked at."""
    levels = result.endpoint_levels(endpoint) or (select.base_concurrency(result, endpoint),)
    found = []
    for level in levels:
        points = [(c.size, c.success_rate) for c in select.series(result, endpoint, level)
                  if c.size is not None and c.requests]
        decline = success_decline(points)  # type: ignore[arg-type]
        if decline is not None:
            found.append((decline, level))
    if not found:
        return None, None
    decline, level = max(found, key=lambda pair: (pair[0].drop, -pair[1]))
    return decline, (level if len(levels) > 1 else None)


def _sentences(f: EndpointFinding) -> tuple[str, ...]:
    said: list[str] = sentences.endpoint_sentences(f.reading) if f.reading is not None else []
    if f.reference:
        said.insert(0, "The reference (analysis.reference): the machine's speed at each size is read from "
                       "it, and its own figures are as measured.")
    if f.decline:
        d = f.decline
        said.append(f"Success rate declines with size{_at_level(f.decline_concurrency)}, from "
                    f"{percent(d.first_rate)} at {d.first_size:,} "
                    f"records to {percent(d.last_rate)} at {d.last_size:,}; {ADVICE['decline']}.")
    if f.outlier:
        o = f.outlier
        said.append(f"Outlier{_where(f.last)}: median {ms(o.value)} ms, {o.ratio:.1f}x the other endpoints' "
                    f"typical {ms(o.typical)} ms; {ADVICE['outlier']}.")
    worst = f.worst
    if worst is not None and worst.requests and worst.failed and not f.decline:
        where = _where(worst)
        level = ("" if not f.swept else f", concurrency {worst.concurrency}" if where
                 else _at_level(worst.concurrency))
        said.append(f"{worst.failed} of {worst.requests} requests failed{where}{level}.")
    return tuple(said)


def _at_level(level: int | None) -> str:
    return "" if level is None else f" at concurrency {level}"


def _where(cell: CellStats | None) -> str:
    return f" at {records(cell.size)}" if cell is not None and cell.size is not None else ""


def _headline(endpoints: tuple[EndpointFinding, ...], sized: bool,
              saturations: tuple[Saturation, ...]) -> str:
    flagged = [e for e in endpoints if e.level == "problem"] + [e for e in endpoints if e.level == "warning"]
    total = len(endpoints)
    plural = "s" if total != 1 else ""
    saturated = [s for s in saturations if s.saturates]
    tail = "".join(f" {s.endpoint} saturates at about {s.saturated_at} request"
                   f"{'s' if s.saturated_at != 1 else ''} in flight." for s in saturated)
    growth_read = any(e.growth is not None and len(e.growth.data) >= 3 for e in endpoints)
    if not flagged:
        if not sized or not growth_read:
            head = ("No outlier and no failing endpoint." if total == 1
                    else f"No outlier and no failing endpoint among the {total} endpoints.")
            return f"{tail.strip()} {head}" if tail else head
        return (f"All {total} endpoint{plural} scale well with the data: none grows faster than n log n, "
                f"no cliff, no declining success rate.{tail}")
    verb = "needs" if len(flagged) == 1 else "need"
    reasons = "; ".join(_reasons(e) for e in flagged)
    return f"{len(flagged)} of {total} endpoint{plural} {verb} attention: {reasons}.{tail}"


def _reasons(e: EndpointFinding) -> str:
    reasons = []
    growth = e.growth
    if growth is not None and sentences.steep(growth):
        may = "grows" if growth.confidence == "high" else "likely grows"
        reasons.append(f"{may} as {growth.label()}, {classes.WORDS[growth.top]}")
    elif growth is not None and sentences.may_be_steep(growth):
        reasons.append(f"may grow as fast as {growth.label(growth.high)}: {growth.verdict}")
    if e.reading is not None and e.reading.causes is not None and e.reading.causes.n_plus_one \
            and growth is not None and growth.grows:
        reasons.append("an N+1 query")
    if e.reference and not_a_reference(growth):
        reasons.append("the reference grows with the data")
    if e.cliff:
        reasons.append(f"cliff between {e.cliff.size_before:,} and {e.cliff.size_after:,} records")
    if e.decline:
        reasons.append(f"success falls to {percent(e.decline.last_rate)}{_at_level(e.decline_concurrency)}")
    if e.outlier:
        reasons.append(f"{e.outlier.ratio:.0f}x slower than the others")
    if e.failing and not e.decline and e.worst is not None:
        level = _at_level(e.worst.concurrency) if e.swept else ""
        reasons.append(f"{e.worst.failed} of {e.worst.requests} requests failed{level}")
    return f"{e.endpoint} {', '.join(reasons)}"


def _findings(endpoints: tuple[EndpointFinding, ...], reading: RunReading) -> tuple[str, ...]:
    """The seed's four questions, answered in its order, one sentence each; then saturation and
    the write path."""
    sized = any(e.growth is not None and len(e.growth.data) >= 3 for e in endpoints)
    faster = [e.endpoint + _hedge(e) for e in endpoints if e.growth is not None and sentences.steep(e.growth)]
    maybe = [e.endpoint for e in endpoints if e.growth is not None and sentences.may_be_steep(e.growth)]
    declines = [e.endpoint + _at_level(e.decline_concurrency) for e in endpoints if e.decline]
    outliers = [e.endpoint for e in endpoints if e.outlier]
    cliffs = [f"{e.endpoint} between {e.cliff.size_before:,} and {e.cliff.size_after:,} records "
              f"({e.cliff.jump:.1f}x beyond the trend)" for e in endpoints if e.cliff]
    said = []
    if sized:
        grows = (f"Response time grows super-linearly (faster than n log n) for {_names(faster)}." if faster
                 else "No endpoint's response time is shown to grow super-linearly (faster than n log n).")
        if maybe:
            grows += f" The data cannot rule it out for {_names(maybe)}."
        said.append(grows)
        said.append(f"Success rates decline with size for {_names(declines)}." if declines
                    else "No success rate declines as the data grows.")
    said.append(f"Outliers: {_names(outliers)}." if outliers else "No endpoint is an outlier.")
    if sized:
        said.append(f"Performance cliffs: {'; '.join(cliffs)}." if cliffs
                    else "No performance cliff between neighbouring sizes.")
    said += [sentences.saturation_sentence(s) for s in reading.saturations]
    if reading.writes is not None:
        said.append(sentences.writes_sentence(reading.writes))
    return tuple(said)


def _hedge(e: EndpointFinding) -> str:
    confidence = e.growth.confidence if e.growth else "high"
    return "" if confidence == "high" else f" ({confidence} confidence)"


def _names(names: list[str]) -> str:
    return ", ".join(names[:-1]) + f" and {names[-1]}" if len(names) > 1 else names[0]
