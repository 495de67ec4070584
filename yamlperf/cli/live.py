"""The live console on a terminal (rich): the current cell's rate, p95, errors and requests in
flight, updated while it runs, under the whole plan's progress bar with its ETA; each finished cell
stays on screen as a line coloured by how it went. Off a terminal (a pipe, CI) the plain
``ProgressLine`` prints one line per finished cell instead; rich itself honours ``NO_COLOR``.
"""

from __future__ import annotations

import os
import sys
from typing import TextIO

from ..engine.progress import LiveView, Observer
from ..results import CellStats
from ..units import format_ms
from .progress import ProgressLine, cell_line

REFRESH_PER_SECOND = 4


def make_progress(cells: int, stream: TextIO | None = None) -> ProgressLine | LiveConsole:
    """The live console on an interactive terminal, the plain progress line anywhere else."""
    stream = stream or sys.stderr
    if not stream.isatty() or os.environ.get("TERM") == "dumb":
        return ProgressLine(cells, stream)
    return LiveConsole(cells, stream)


class LiveConsole(Observer):
    """An ``Observer`` drawing with rich; ``finish`` (always called) stops the live display."""

    def __init__(self, cells: int, stream: TextIO) -> None:
        from rich.console import Console, Group
        from rich.live import Live
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
        from rich.text import Text

        self._console = Console(file=stream, highlight=False)
        self._cells = cells
        self._done = 0
        self._fraction = 0.0
        self._status = Text("")
        self._progress = Progress(TextColumn("[bold]plan"), BarColumn(), MofNCompleteColumn(),
                                  TextColumn("cells  ETA"), TimeRemainingColumn(), console=self._console)
        self._task = self._progress.add_task("plan", total=cells)
        self._live = Live(Group(self._status, self._progress), console=self._console,
                          refresh_per_second=REFRESH_PER_SECOND, transient=True)
        self._live.start()
        self._total = 0
        self._title = ""

    def phase(self, title: str, total: int) -> None:
        self._title, self._total, self._fraction = title, total, 0.0
        self._show([(title, "")])

    def advance(self, done: int) -> None:
        if self._total:
            self._fraction = min(1.0, done / self._total)
            self._show([(f"{self._title}  {done:,}/{self._total:,}", "")])

    def live(self, view: LiveView) -> None:
        if view.planned:
            self._fraction = min(1.0, view.elapsed / view.planned)
        asked = f" (asked {view.asked:,.0f})" if view.asked is not None else ""
        p95 = "-" if view.p95 is None else format_ms(view.p95)
        clock = f"{view.elapsed:,.0f}s" + (f"/{view.planned:,.0f}s" if view.planned else "")
        parts = [(view.label, "bold"), (f"  {clock}  {view.rate:,.0f}/s{asked}  p95 {p95} ms  ", ""),
                 (f"{view.errors:,} errors", "red" if view.errors else ""),
                 (f"  {view.in_flight:,} in flight", "")]
        if view.dropped:
            parts.append((f"  {view.dropped:,} dropped", "yellow"))
        self._show(parts)

    def cell_done(self, stats: CellStats) -> None:
        self._done += 1
        self._fraction = 0.0
        from rich.text import Text

        text, style = cell_line(stats, self._done, self._cells)
        self._console.print(Text(text, style=style))
        self._progress.update(self._task, completed=self._done)

    def note(self, text: str) -> None:
        from rich.text import Text

        self._console.print(Text(text))

    def finish(self) -> None:
        self._live.stop()

    def _show(self, parts: list[tuple[str, str]]) -> None:
        """The status line from (text, style) parts: names are never read as rich markup."""
        self._status.truncate(0)
        for text, style in parts:
            self._status.append(text, style=style or None)
        self._progress.update(self._task, completed=self._done + self._fraction)
