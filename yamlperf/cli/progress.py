"""What a run shows on stderr while it works: a progress line, notes, and (``--debug``) scrubbed logs."""

from __future__ import annotations

import contextlib
import logging
import sys
import time
from collections.abc import Iterator
from typing import TextIO

import click

from ..engine.progress import LiveView
from ..redact import SecretRegistry
from ..results import CellStats
from ..results_load import keeping_up_text
from ..units import format_ms

BAR_WIDTH = 24
REDRAW_INTERVAL_S = 0.1


class ScrubFilter(logging.Filter):
    """Masks every secret value the run knows of in every log line, whoever logs it (yamlperf,
    urllib3, requests...): it sits on the handler, which every propagated record reaches. The
    message, a traceback (even one another handler already formatted) and a stack are scrubbed."""

    def __init__(self, secrets: SecretRegistry) -> None:
        super().__init__()
        self._secrets = secrets

    def filter(self, record: logging.LogRecord) -> bool:
        scrub = self._secrets.scrub
        record.msg = scrub(record.getMessage())
        record.args = ()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = scrub(record.exc_text)
        if record.stack_info:
            record.stack_info = scrub(record.stack_info)
        return True


@contextlib.contextmanager
def run_logging(debug: bool, secrets: SecretRegistry) -> Iterator[None]:
    """Warnings (or, with ``--debug``, everything including each request) to stderr, scrubbed."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    handler.addFilter(ScrubFilter(secrets))
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG if debug else logging.WARNING)
    try:
        yield
    finally:
        root.removeHandler(handler)
        root.setLevel(level)


def cell_line(stats: CellStats, done: int, cells: int) -> tuple[str, str]:
    """A finished cell in words and its style: green when every request succeeded and the rate (if
    asked) was held, yellow when some failed or the client could not keep up, red when none
    succeeded or the target could not keep up."""
    median = format_ms(stats.latency.median) if stats.latency else "-"
    p95 = format_ms(stats.latency.p95) if stats.latency else "-"
    where = "" if stats.size is None else f" @ {stats.size}"
    text = (f"[{done}/{cells}] {stats.endpoint}{where} x{stats.concurrency}: {stats.requests} requests, "
            f"{stats.success_rate * 100:.1f}% ok, median {median} ms, p95 {p95} ms")
    load = stats.load
    if load is not None and load.model == "open":
        text += f", {load.achieved_rate:,.1f}/s of {load.rate or 0:,.1f}/s asked"
        if load.dropped or load.late:
            text += f" ({load.dropped:,} dropped, {load.late:,} late)"
    warning = keeping_up_text(load) if load is not None else ""
    if warning:
        text += f"\n    {warning}"
    if not stats.successes or (load is not None and load.limited_by == "target"):
        return text, "red"
    if stats.failed or warning:
        return text, "yellow"
    return text, "green"


class ProgressLine:
    """An ``Observer``: one redrawn line on a terminal; one line per finished cell otherwise."""

    def __init__(self, cells: int, stream: TextIO | None = None) -> None:
        self._stream = stream or sys.stderr
        self._tty = self._stream.isatty()
        self._cells = cells
        self._done_cells = 0
        self._title = ""
        self._total = 0
        self._drawn = 0.0

    def phase(self, title: str, total: int) -> None:
        self._title, self._total = title, total
        self._drawn = 0.0
        self.advance(0)

    def advance(self, done: int) -> None:
        if not self._tty:
            return
        now = time.monotonic()
        if now - self._drawn < REDRAW_INTERVAL_S and done < self._total:
            return
        self._drawn = now
        filled = int(BAR_WIDTH * done / self._total) if self._total else 0
        bar = "#" * filled + "." * (BAR_WIDTH - filled)
        count = f" {done}/{self._total}" if self._total else ""
        self._write(f"\r\x1b[2K[{self._done_cells}/{self._cells}] {bar}{count} {self._title}")

    def cell_done(self, stats: CellStats) -> None:
        self._done_cells += 1
        line, _style = cell_line(stats, self._done_cells, self._cells)
        self._write(("\r\x1b[2K" if self._tty else "") + line + "\n")

    def live(self, view: LiveView) -> None:
        """A timed cell's progress: its seconds, not its requests, are the unit."""
        if not self._tty or view.planned is None:
            return
        self._title = view.label
        self._total = max(1, round(view.planned))
        self.advance(min(self._total, int(view.elapsed)))

    def note(self, text: str) -> None:
        self._write(("\r\x1b[2K" if self._tty else "") + text + "\n")

    def finish(self) -> None:
        if self._tty:
            self._write("\r\x1b[2K")

    def _write(self, text: str) -> None:
        click.echo(text, file=self._stream, nl=False)
        self._stream.flush()
