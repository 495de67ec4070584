"""The run's record: cells and seeding steps as they are measured, written as ``results.json``.

Written after every cell (``complete: false``) so an interrupted or crashed run keeps what it
measured; every write goes through ``redact`` so no secret reaches the file.
"""

from __future__ import annotations

import time
from dataclasses import replace
from pathlib import Path

from ..redact import SecretRegistry, redact
from ..results import AuthStats, CellStats, CleanupOutcome, RunResult, SeedStep, save_results
from ..scenario import Scenario
from .rundir import identify, run_meta

RESULTS_FILE = "results.json"
SERVER_LOG = "server.log"


class Journal:
    def __init__(self, scenario: Scenario, run_dir: Path, secrets: SecretRegistry, *,
                 scenario_file: Path | None, command: str, run_id: str = "",
                 transport: tuple[str, str] = ("", ""), order_seed: int | None = None) -> None:
        self.run_dir = run_dir
        self.order_seed = order_seed
        """The seed of the rounds' shuffled order: ``meta.order_seed``."""
        self.transport = transport
        self.executor = "threads"
        """``meta.executor``: who sent the measured requests."""
        """(name, why the fast transport was not used): ``meta.transport`` and ``meta.transport_note``"""
        self.cells: list[CellStats] = []
        self._ranks: dict[tuple[str, int | None, int], int] = {}
        self.seeding: list[SeedStep] = []
        self.cleanup: CleanupOutcome | None = None
        self.auth: AuthStats | None = None
        self._scenario = scenario
        self._secrets = secrets
        self._identity = identify(scenario_file, secrets.scrub(command))
        self._started = time.monotonic()
        self._run_id = run_id

    @property
    def path(self) -> Path:
        return self.run_dir / RESULTS_FILE

    def add_cell(self, stats: CellStats) -> None:
        self.cells.append(stats)
        self.write(complete=False)

    def set_cell(self, stats: CellStats, rank: int) -> None:
        """Add a cell, or replace the one with its key (a cell measured in rounds grows), unwritten.
        Cells are kept in the order of their ``rank`` (the plan's), whatever order they ran in."""
        self._ranks[stats.key] = rank
        for index, cell in enumerate(self.cells):
            if cell.key == stats.key:
                self.cells[index] = stats
                return
        place = sum(self._ranks.get(c.key, -1) < rank for c in self.cells)
        self.cells.insert(place, stats)

    def add_seeding(self, step: SeedStep) -> None:
        self.seeding.append(step)

    def write(self, *, complete: bool, stop_reason: str | None = None) -> RunResult:
        scenario = self._scenario
        meta = run_meta(self._identity, time.monotonic() - self._started, transport=self.transport,
                        run_id=self._run_id, executor=self.executor, order_seed=self.order_seed)
        cells = tuple(self.cells)
        result = RunResult(
            name=scenario.name, meta=meta, scenario=redact(dict(scenario.raw), self._secrets),
            cells=cells, seeding=tuple(self.seeding), complete=complete,
            stop_reason=self._secrets.scrub(stop_reason) if stop_reason else None,
            description=scenario.description, target=self._secrets.scrub(scenario.target.base_url),
            cleanup=self._scrubbed(self.cleanup), auth=self.auth,
        )
        save_results(result, self.path)
        return result

    def _scrubbed(self, cleanup: CleanupOutcome | None) -> CleanupOutcome | None:
        if cleanup is None or not cleanup.first_failure:
            return cleanup
        return replace(cleanup, first_failure=self._secrets.scrub(cleanup.first_failure))

    def discard(self) -> bool:
        """Remove the run folder when the run stopped before measuring anything (the target is down,
        the login failed): no cell, no seeding step, and no server log worth reading in it."""
        if self.cells or self.seeding:
            return False
        log = self.run_dir / SERVER_LOG
        if log.is_file() and log.stat().st_size:
            return False
        log.unlink(missing_ok=True)
        self.path.unlink(missing_ok=True)
        try:
            self.run_dir.rmdir()
        except OSError:
            return False
        return True
