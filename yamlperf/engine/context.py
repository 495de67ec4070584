"""The names a template sees during a run: fixed ones (env, vars, credentials) and per-request ones.

Captured values land in ``vars`` and under their own name, so ``{{ vars.token }}`` and
``{{ token }}`` both work, as the validator allows.
"""

from __future__ import annotations

import secrets
import string
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ..templating import Environ
from .feed import RowFeed

RUN_ID_LENGTH = 8


def new_run_id() -> str:
    """Eight lowercase letters and digits, the first a letter, drawn at random (36^7 * 26 values):
    short enough for a slug or an email's local part, a valid name in most identifier rules, and
    different on every run, so a create made unique with it does not meet a record a run before
    left behind (soft deletes, a cleanup that failed) as a 409 Conflict."""
    alphabet = string.ascii_lowercase + string.digits
    return secrets.choice(string.ascii_lowercase) + "".join(
        secrets.choice(alphabet) for _ in range(RUN_ID_LENGTH - 1))


@dataclass(frozen=True, slots=True)
class RunInfo:
    """``{{ run.id }}`` in templates: the same value for every request of a run, recorded in
    ``meta.run_id`` of results.json so the records of a run can be found on the target."""

    id: str


class RunContext:
    """Builds the template context of each request; shared by every worker of a run."""

    def __init__(self, variables: Mapping[str, Any], credentials: Mapping[str, str], run_id: str,
                 feed: RowFeed | None = None, environ: Mapping[str, str] | None = None) -> None:
        self.vars: dict[str, Any] = dict(variables)
        self.captured: dict[str, Any] = {}
        self._feed = feed
        self.base: dict[str, Any] = {"env": Environ(environ), "vars": self.vars, **credentials,
                                     "run": RunInfo(run_id)}

    def capture(self, values: Mapping[str, Any]) -> None:
        self.vars.update(values)
        self.captured.update(values)

    def request(self, *, i: int, ids: Sequence[Any], size: int | None, worker: int, concurrency: int,
                endpoint: str) -> dict[str, Any]:
        """The context of request ``i`` (0-based) of a cell; ``id`` walks ``ids`` one after another."""
        context = {**self.base, **self.captured, "i": i, "n": i + 1, "ids": ids, "size": size,
                   "worker": worker, "concurrency": concurrency, "endpoint": endpoint}
        if ids:
            context["id"] = ids[i % len(ids)]
        self._add_row(context)
        return context

    def record(self, *, n: int, ids: Sequence[Any], size: int | None, worker: int = 0,
               record_id: Any = None) -> dict[str, Any]:
        """The context of creating record ``n`` (1-based), or of deleting the record ``record_id``."""
        context = {**self.base, **self.captured, "i": n - 1, "n": n, "ids": ids, "size": size,
                   "worker": worker}
        if record_id is not None:
            context["id"] = record_id
        self._add_row(context)
        return context

    def _add_row(self, context: dict[str, Any]) -> None:
        if self._feed is not None:
            row = self._feed.next_row()
            if row is not None:
                context["row"] = row
