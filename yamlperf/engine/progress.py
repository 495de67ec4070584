"""How the core reports progress without printing: an observer the command line implements."""

from __future__ import annotations

from typing import Protocol

from ..results import CellStats


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
