"""How the core reports progress without printing: an observer the command line implements."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from ..results import CellStats


@dataclass(frozen=True, slots=True)
class LiveView:
    """A running cell as the console shows it, about once a second: counts so far, and the rate,
    p95 and errors of the last whole interval."""

    label: str
    elapsed: float
    planned: float | None
    """The cell's planned seconds (a timed cell), else None."""
    started: int
    ended: int
    errors: int
    in_flight: int
    rate: float
    asked: float | None = None
    """The rate (open) or workers (closed ramp) asked for now."""
    p95: float | None = None
    dropped: int = 0


class Observer(Protocol):
    """Called from the thread that runs the scenario (never from a worker thread)."""

    def phase(self, title: str, total: int) -> None:
        """A new stage begins, e.g. "seeding 40 records to reach 50"; ``total`` units of work."""

    def advance(self, done: int) -> None:
        """``done`` units of the current stage are finished."""

    def cell_done(self, stats: CellStats) -> None:
        """A cell has been measured."""

    def note(self, text: str) -> None:
        """Something worth telling the user, e.g. that a running server is reused."""

    def live(self, view: LiveView) -> None:
        """The measured cell as it runs (about once a second)."""


class NullObserver:
    """Reports nothing: for library use, tests and benchmarks."""

    def phase(self, title: str, total: int) -> None:
        pass

    def advance(self, done: int) -> None:
        pass

    def cell_done(self, stats: CellStats) -> None:
        pass

    def note(self, text: str) -> None:
        pass

    def live(self, view: LiveView) -> None:
        pass
