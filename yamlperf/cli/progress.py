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
        median = format_ms(stats.latency.median) if stats.latency else "-"
        line = (f"[{self._done_cells}/{self._cells}] {stats.endpoint}"
                f"{'' if stats.size is None else f' @ {stats.size}'} x{stats.concurrency}: "
                f"{stats.requests} requests, {stats.success_rate * 100:.1f}% ok, median {median} ms")
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
