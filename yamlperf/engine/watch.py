"""Window thresholds watched while a cell runs: ``abort_on_fail`` stops the run when one is broken."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .cell import CellRun
    from .series import Interval


class WindowWatch:
    """Placeholder until window rules exist: judges nothing."""

    def interval(self, run: CellRun, index: int, interval: Interval) -> None:
        pass
