"""The target's own account of its time: the ``Server-Timing`` header (W3C), averaged per cell.

Set next to the client's measurement, it says how much of a response time the server spent in
its database or application and how much went to the network and the HTTP stack.
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping


def parse_server_timing(header: str) -> dict[str, float]:
    """``db;dur=1.2;desc="database", app;dur=3.4`` -> ``{"db": 1.2, "app": 3.4}`` (milliseconds).

    Metrics without a ``dur`` and malformed parts are skipped: a header is the server's claim,
    never a reason to fail a request.
    """
    found: dict[str, float] = {}
    for metric in header.split(","):
        name, *params = (part.strip() for part in metric.split(";"))
        if not name:
            continue
        for param in params:
            key, _, value = param.partition("=")
            if key.strip().lower() == "dur":
                with contextlib.suppress(ValueError):
                    found[name] = float(value.strip().strip('"'))
                break
    return found


class TimingTotals:
    """Sums and counts of each Server-Timing metric; mergeable like the recorder that holds it."""

    __slots__ = ("counts", "sums")

    def __init__(self) -> None:
        self.sums: dict[str, float] = {}
        self.counts: dict[str, int] = {}

    def add(self, header: str) -> None:
        for name, millis in parse_server_timing(header).items():
            self.sums[name] = self.sums.get(name, 0.0) + millis
            self.counts[name] = self.counts.get(name, 0) + 1

    def merge(self, other: TimingTotals) -> None:
        for name, total in other.sums.items():
            self.sums[name] = self.sums.get(name, 0.0) + total
            self.counts[name] = self.counts.get(name, 0) + other.counts[name]

    def means(self) -> Mapping[str, float]:
        """Mean milliseconds of each metric over the answers that reported it."""
        return {name: round(self.sums[name] / self.counts[name], 6) for name in sorted(self.sums)}
