"""Why an endpoint grows: the figures besides latency that the target and the run report, fitted
against the dataset size with the same model selection as latency.

* queries per request (the plan's query-count header, ``cell.query_count``): a count that grows
  with the data while the response size stays flat is the signature of an N+1 query;
* every ``Server-Timing`` metric (``db``, ``app``...): the smallest metric that accounts for most of
  the latency's growth is where the growth is;
* the response size (bytes per answered request): latency that grows with the payload is an
  unpaginated endpoint; latency that grows at a constant payload is server work;
* the write path: the seeding requests' latency against the records already there.

These figures are means over a cell's requests without samples, so their noise is stated
(``NOISE``): a count or a size is nearly exact, a server-side time a little less.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ..results import CellStats, SeedStep
from ..units import ms_figure
from . import classes
from .growth import Growth, name_growth
from .points import JITTER_S, plain_series

NOISE = {"queries": (0.02, 0.1), "bytes": (0.02, 16.0), "timing": (0.05, 1e-5), "writes": (0.10, JITTER_S)}
"""Stated noise (share of the figure, floor in its unit) of figures that come without samples."""
FLAT_RATIO = 1.5
"""A figure less than 1.5x apart between the smallest and the largest size counts as flat."""
EXPLAINS = 0.5
"""A Server-Timing metric that grew by half the latency's growth or more is where the growth is."""
DATABASE_NAMES = frozenset({"db", "database", "sql", "query", "queries", "postgres", "mysql", "sqlite"})


@dataclass(frozen=True, slots=True, eq=False)
class Trend:
    """A per-request figure across sizes: what it is, its unit, and its growth."""

    name: str
    unit: str
    growth: Growth
    span: tuple[int, int] | None = None
    """For the write path: the records before the first seeding step and after the last."""

    @property
    def first(self) -> float:
        return self.growth.values[0]

    @property
    def last(self) -> float:
        return self.growth.values[-1]

    @property
    def ratio(self) -> float:
        return self.last / self.first if self.first > 0 else float("inf")

    @property
    def grows(self) -> bool:
        """Named (or plausibly only) above O(log n), and at least 1.5x over the sizes."""
        steep = self.growth.rank if self.growth.rank is not None else self.growth.low
        return steep > classes.LOG and self.ratio >= FLAT_RATIO

    @property
    def flat(self) -> bool:
        return self.ratio < FLAT_RATIO

    def figure(self, value: float) -> str:
        if self.unit == "bytes":
            return _bytes(value)
        if self.unit == "s":
            return f"{ms_figure(value)} ms"
        return f"{value:,.3g}"


def _bytes(value: float) -> str:
    for unit, size in (("MB", 1e6), ("kB", 1e3)):
        if value >= size:
            return f"{value / size:.3g} {unit}"
    return f"{value:.0f} B"


def _trend(name: str, unit: str, kind: str, cells: Sequence[CellStats],
           values: Sequence[float | None]) -> Trend | None:
    """The figure ``values`` of ``cells`` as a trend, seeded by the endpoint and the figure's name."""
    pairs = [(c.records, v, c.requests) for c, v in zip(cells, values, strict=True)
             if c.records is not None and v is not None and v > 0]
    if len(pairs) < 3:
        return None
    share, floor = NOISE[kind]
    data = plain_series([p[0] for p in pairs], [p[1] for p in pairs], share, floor, [p[2] for p in pairs])
    return Trend(name, unit, name_growth(data, key=f"{cells[0].endpoint}/{name}"))


def query_trend(cells: Sequence[CellStats]) -> Trend | None:
    """Queries per request across sizes, when the run collected a query-count header."""
    values = [getattr(c, "query_count", None) for c in cells]
    return _trend("queries per request", "queries", "queries", cells, values)


def payload_trend(cells: Sequence[CellStats]) -> Trend | None:
    """Response body bytes per answered request across sizes."""
    values = [getattr(c, "bytes_per_answer", None) or (c.bytes_received / c.requests if c.requests and
              c.bytes_received else None) for c in cells]
    return _trend("response size", "bytes", "bytes", cells, values)


def timing_trends(cells: Sequence[CellStats]) -> list[Trend]:
    """Each Server-Timing metric (mean per answer) across sizes, in seconds."""
    names = list(dict.fromkeys(name for c in cells for name in c.server_timing))
    found = []
    for name in names:
        values = [c.server_timing[name] / 1e3 if name in c.server_timing else None for c in cells]
        trend = _trend(name, "s", "timing", cells, values)
        if trend is not None:
            found.append(trend)
    return found


def write_trend(seeding: Sequence[SeedStep]) -> Trend | None:
    """The seeding requests' median latency against the records there while they ran (the records
    before the step plus half of those it created)."""
    steps = [s for s in seeding if s.latency is not None and s.created > 0]
    if len(steps) < 3:
        return None
    sizes = [max(1, round(s.existing + s.created / 2)) for s in steps]
    share, floor = NOISE["writes"]
    data = plain_series(sizes, [s.latency.median for s in steps if s.latency], share, floor,  # type: ignore[misc]
                        [s.created for s in steps])
    return Trend("write latency", "s", name_growth(data, key="seeding"), (steps[0].existing, steps[-1].size))


@dataclass(frozen=True, slots=True, eq=False)
class Causes:
    """What the other figures say about one endpoint's growth."""

    queries: Trend | None
    payload: Trend | None
    timings: tuple[Trend, ...]
    mean_added: float = 0.0
    """Seconds the cells' mean response time added from the smallest size to the largest: what a
    Server-Timing mean is compared with (a mean beside a median would not add up)."""

    @property
    def n_plus_one(self) -> bool:
        """Queries grow with the data while the response size stays flat."""
        return (self.queries is not None and self.queries.grows
                and (self.payload is None or self.payload.flat))

    def where(self) -> Trend | None:
        """The smallest Server-Timing metric that grew by ``EXPLAINS`` of the mean's growth."""
        added = self.mean_added
        if added <= 0:
            return None
        explaining = [t for t in self.timings if (t.last - t.first) >= EXPLAINS * added]
        return min(explaining, key=lambda t: t.last - t.first, default=None)


def causes(cells: Sequence[CellStats]) -> Causes:
    """The figures of one endpoint's cells (one concurrency level, any order)."""
    ordered = sorted((c for c in cells if c.size is not None), key=lambda c: c.size or 0)
    means = [c.latency.mean for c in ordered if c.latency is not None and c.successes]
    added = means[-1] - means[0] if len(means) >= 2 else 0.0
    return Causes(query_trend(ordered), payload_trend(ordered), tuple(timing_trends(ordered)), added)
