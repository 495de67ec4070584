"""The output model: what a run measured, and its versioned JSON form written atomically.

Times are seconds in memory and milliseconds in JSON (``*_ms``), where people read them.
Rendering, comparison and thresholds work from this model only, so a saved run can be
re-rendered without running it again.
"""

from __future__ import annotations

import io
import json
import os
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, BinaryIO

from .errors import UsageError
from .results_load import (
    CellLoad,
    IntervalStats,
    interval_from_json,
    interval_to_json,
    load_from_json,
    load_to_json,
)
from .results_sampling import (
    Precision,
    RoundStats,
    precision_from_json,
    precision_to_json,
    round_from_json,
    round_to_json,
)
from .results_types import ResultsTypeError, check_model, unreadable_json

FORMAT_VERSION = 1
LATENCY_FIELDS = ("min", "mean", "median", "p90", "p95", "p99", "max", "stdev")
FAILURE_CATEGORIES = (
    "http_4xx", "http_5xx", "timeout", "refused", "reset", "bad_body", "body_too_large", "expectation_failed",
    "other",
)
"""Why a request failed. A status outside the expectation is ``http_4xx``/``http_5xx`` (or
``expectation_failed`` for a 1xx-3xx); the exact codes are in ``status_codes``. ``body_too_large``:
a check reads the body and it is longer than ``load.max_body`` (reading stopped there)."""
ANSWERED = frozenset({"ok", "http_4xx", "http_5xx", "bad_body", "expectation_failed"})
"""Categories with an answer from the target: only these have a response time worth reporting."""


@dataclass(frozen=True, slots=True)
class Latency:
    """Response-time statistics of one cell, in seconds."""

    min: float
    mean: float
    median: float
    p90: float
    p95: float
    p99: float
    max: float
    stdev: float

    def get(self, name: str) -> float:
        return float(getattr(self, name))


@dataclass(frozen=True, slots=True)
class CellStats:
    """Everything measured for one cell: one endpoint at one dataset size and concurrency."""

    endpoint: str
    method: str
    path: str
    size: int | None
    concurrency: int
    requests: int
    successes: int
    latency: Latency | None
    throughput: float
    wall_time: float
    bytes_received: int = 0
    """Of the answers' bodies as the checks read them: after Content-Encoding is undone, and none
    for HEAD; headers and chunk framing not counted. Both transports count the same way."""
    failures: Mapping[str, int] = field(default_factory=dict)
    status_codes: Mapping[str, int] = field(default_factory=dict)
    percentile_method: str = "exact"
    histogram: str = ""
    samples: tuple[float, ...] = ()
    truncated: bool = False
    server_timing: Mapping[str, float] = field(default_factory=dict)
    errors: tuple[str, ...] = ()
    measured_size: int | None = None
    """The records on the target when the cell was measured (counted before seeding, plus those
    created), which may be more than ``size`` asked for; None when not counted (no ``dataset.count``)."""

    load: CellLoad | None = None
    """How the cell was driven (closed or open, rate, duration, stages) and whether it kept up;
    None in runs saved before it existed (a count of requests, closed)."""
    series: tuple[IntervalStats, ...] = ()
    """Per-interval statistics (1 s by default), warm-up first; empty in older runs."""
    partial: str = ""
    """Why the cell is incomplete although it ran whole: workers (``executor: processes`` or
    ``dask``) lost mid-cell and what the others sent back; empty when every worker answered."""
    query_count: float | None = None
    """Mean of the plan's ``analysis.query_count_header`` over the answers that sent it."""
    rounds: tuple[RoundStats, ...] = ()
    """The cell's rounds in the order they ran; the statistics above merge them all."""
    outliers: Mapping[str, int] = field(default_factory=dict)
    """Tukey's fences on the latencies: ``low_severe``, ``low_mild``, ``high_mild``, ``high_severe``."""
    precision: Precision | None = None

    @property
    def records(self) -> int | None:
        """The dataset size the cell measured: the one counted when known, else the one asked for."""
        return self.measured_size if self.measured_size is not None else self.size

    @property
    def key(self) -> tuple[str, int | None, int]:
        return (self.endpoint, self.size, self.concurrency)

    @property
    def answered(self) -> int:
        """Requests the target answered (whatever the status): those with a response time."""
        return self.requests - sum(n for k, n in self.failures.items() if k not in ANSWERED)

    @property
    def bytes_per_answer(self) -> float | None:
        """Mean body bytes of an answer (the payload); ``None`` without any answer."""
        return self.bytes_received / self.answered if self.answered else None

    @property
    def failed(self) -> int:
        return self.requests - self.successes

    @property
    def success_rate(self) -> float:
        return self.successes / self.requests if self.requests else 0.0

    @property
    def error_rate(self) -> float:
        return 1.0 - self.success_rate if self.requests else 0.0


@dataclass(frozen=True, slots=True)
class SeedStep:
    """Growing the dataset to ``size``: how many records were there, created, failed, and how fast."""

    size: int
    existing: int
    created: int
    failed: int
    wall_time: float
    latency: Latency | None = None
    counted: bool = True
    """Whether ``existing`` was counted on the target (``dataset.count``) or is only what this run
    created before: without a count, records already there are not known."""


@dataclass(frozen=True, slots=True)
class CleanupOutcome:
    """What happened to the records the run created: a run that leaves records on the target says
    so in results.json and the report, not only in a log line that scrolled by."""

    deleted: int
    failed: int
    """Records whose delete failed (an error answer, a fault, a template that failed): still there."""
    kept: int
    """Records kept on purpose (``--keep-data``, ``cleanup: false``) or for want of a ``delete``."""
    first_failure: str = ""
    leftover_file: str = ""
    """The file listing the ids left on the target, one a line; empty when none are listed."""
    kept_because: str = ""
    """Why ``kept`` records were left on purpose: ``--keep-data``, ``cleanup: false``, or no ``delete``."""
    wall_time: float = 0.0
    """Seconds the deletes took (0 when nothing was deleted)."""


@dataclass(frozen=True, slots=True)
class AuthStats:
    """The logins of a run: the first, and each renewal (a ``relogin_on`` answer, an expired JWT)."""

    logins: int
    time: float
    """Seconds the logins took, all together."""
    slowest: float
    failed_renewals: int = 0
    """Renewals that failed (the requests went on with the old token)."""

    @property
    def renewals(self) -> int:
        return max(0, self.logins - 1)


@dataclass(frozen=True, slots=True)
class ThresholdOutcome:
    """One rule checked against one cell (or one endpoint, for growth rules)."""

    rule: str
    endpoint: str
    size: int | None
    concurrency: int | None
    value: float | None
    limit: float
    passed: bool
    message: str


@dataclass(frozen=True, slots=True)
class RunMeta:
    yamlperf_version: str
    python: str
    platform: str
    started_at: str
    finished_at: str
    duration_s: float
    scenario_file: str = ""
    scenario_sha256: str = ""
    git_commit: str | None = None
    git_dirty: bool | None = None
    command: str = ""
    hostname: str = ""
    transport: str = "urllib3"
    """The client that sent the measured requests: ``httptools`` (plain sockets and llhttp) or
    ``urllib3``; runs saved before this field existed were all measured with urllib3."""
    transport_note: str = ""
    """Why urllib3 measured rather than the fast transport (https, a proxy...); empty otherwise."""
    run_id: str = ""
    """``{{ run.id }}`` of the run: what made its records unique; empty in runs saved before it."""
    executor: str = "threads"
    """Who sent the measured requests: ``threads``, or ``processes xN`` / ``dask xN`` (N workers)."""
    order_seed: int | None = None
    """The seed of the rounds' shuffled order (``load.seed`` repeats it); none in older runs."""


@dataclass(frozen=True, slots=True)
class RunResult:
    """One run: the scenario as run (secrets redacted), its cells and seeding, and whether it finished."""

    name: str
    meta: RunMeta
    scenario: Mapping[str, Any]
    cells: tuple[CellStats, ...]
    seeding: tuple[SeedStep, ...] = ()
    thresholds: tuple[ThresholdOutcome, ...] = ()
    complete: bool = True
    stop_reason: str | None = None
    description: str = ""
    target: str = ""
    cleanup: CleanupOutcome | None = None
    auth: AuthStats | None = None
    """None when the plan logs in with no login request (none, basic, bearer) or in older files."""
    format_version: int = FORMAT_VERSION

    @property
    def endpoints(self) -> tuple[str, ...]:
        """Endpoint names in the order the scenario lists them."""
        return tuple(dict.fromkeys(c.endpoint for c in self.cells))

    @property
    def sizes(self) -> tuple[int | None, ...]:
        return tuple(sorted({c.size for c in self.cells}, key=lambda s: -1 if s is None else s))

    @property
    def concurrency_levels(self) -> tuple[int, ...]:
        return tuple(sorted({c.concurrency for c in self.cells}))

    def endpoint_levels(self, endpoint: str) -> tuple[int, ...]:
        """The concurrency levels one endpoint was measured at (an open model's: its max in flight)."""
        return tuple(sorted({c.concurrency for c in self.cells if c.endpoint == endpoint}))

    @property
    def swept(self) -> bool:
        """Some endpoint was measured at two or more concurrency levels: a sweep. Endpoints that
        differ in their one level (an open model's max_in_flight beside closed workers, an
        endpoint's own max_in_flight) are not one."""
        return any(len(self.endpoint_levels(e)) > 1 for e in self.endpoints)

    def cell(self, endpoint: str, size: int | None, concurrency: int) -> CellStats | None:
        return next((c for c in self.cells if c.key == (endpoint, size, concurrency)), None)

    @property
    def thresholds_passed(self) -> bool:
        return all(t.passed for t in self.thresholds)

    def with_thresholds(self, outcomes: tuple[ThresholdOutcome, ...]) -> RunResult:
        return replace(self, thresholds=outcomes)


def _ms(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds * 1e3, 6)


def _s(millis: float | None) -> float | None:
    return None if millis is None else millis / 1e3


def latency_to_json(latency: Latency | None) -> dict[str, float] | None:
    if latency is None:
        return None
    return {name: _ms(getattr(latency, name)) for name in LATENCY_FIELDS}  # type: ignore[misc]


def latency_from_json(data: Mapping[str, float] | None) -> Latency | None:
    if data is None:
        return None
    return Latency(**{name: float(data[name]) / 1e3 for name in LATENCY_FIELDS})


def cell_to_json(cell: CellStats) -> dict[str, Any]:
    return {
        "endpoint": cell.endpoint, "method": cell.method, "path": cell.path, "size": cell.size,
        "concurrency": cell.concurrency, "requests": cell.requests, "successes": cell.successes,
        "success_rate": round(cell.success_rate, 6), "latency_ms": latency_to_json(cell.latency),
        "throughput_rps": round(cell.throughput, 3), "wall_time_s": round(cell.wall_time, 6),
        "bytes_received": cell.bytes_received, "failures": dict(cell.failures),
        "status_codes": dict(cell.status_codes), "percentile_method": cell.percentile_method,
        "histogram": cell.histogram, "samples_ms": [_ms(s) for s in cell.samples],
        "truncated": cell.truncated, "server_timing_ms": dict(cell.server_timing),
        "errors": list(cell.errors), "measured_size": cell.measured_size, "load": load_to_json(cell.load),
        "series": [interval_to_json(i) for i in cell.series], "partial": cell.partial,
        "query_count": cell.query_count,
        "rounds": [round_to_json(r) for r in cell.rounds], "outliers": dict(cell.outliers),
        "precision": precision_to_json(cell.precision),
    }


def cell_from_json(data: Mapping[str, Any]) -> CellStats:
    return CellStats(
        endpoint=data["endpoint"], method=data["method"], path=data["path"], size=data["size"],
        concurrency=data["concurrency"], requests=data["requests"], successes=data["successes"],
        latency=latency_from_json(data.get("latency_ms")), throughput=data["throughput_rps"],
        wall_time=data["wall_time_s"], bytes_received=data.get("bytes_received", 0),
        failures=dict(data.get("failures", {})), status_codes=dict(data.get("status_codes", {})),
        percentile_method=data.get("percentile_method", "exact"), histogram=data.get("histogram", ""),
        samples=tuple(v / 1e3 for v in data.get("samples_ms", ())), truncated=data.get("truncated", False),
        server_timing=dict(data.get("server_timing_ms", {})), errors=tuple(data.get("errors", ())),
        measured_size=data.get("measured_size"),
        load=load_from_json(data.get("load")),
        series=tuple(interval_from_json(i) for i in data.get("series", ())),
        partial=data.get("partial", ""),
        query_count=data.get("query_count"), rounds=tuple(round_from_json(r) for r in data.get("rounds", ())),
        outliers=dict(data.get("outliers", {})), precision=precision_from_json(data.get("precision")),
    )


def to_json(result: RunResult) -> dict[str, Any]:
    meta = result.meta
    return {
        "format_version": result.format_version,
        "name": result.name,
        "description": result.description,
        "target": result.target,
        "complete": result.complete,
        "stop_reason": result.stop_reason,
        "meta": {name: getattr(meta, name) for name in RunMeta.__dataclass_fields__},
        "scenario": result.scenario,
        "seeding": [
            {"size": s.size, "existing": s.existing, "created": s.created, "failed": s.failed,
             "wall_time_s": round(s.wall_time, 6), "latency_ms": latency_to_json(s.latency),
             "counted": s.counted}
            for s in result.seeding
        ],
        "cleanup": None if result.cleanup is None else {
            **{name: getattr(result.cleanup, name) for name in CleanupOutcome.__dataclass_fields__
               if name != "wall_time"}, "wall_time_s": round(result.cleanup.wall_time, 6)},
        "auth": None if result.auth is None else {
            "logins": result.auth.logins, "time_s": round(result.auth.time, 6),
            "slowest_s": round(result.auth.slowest, 6), "failed_renewals": result.auth.failed_renewals},
        "cells": [cell_to_json(c) for c in result.cells],
        "thresholds": [
            {"rule": t.rule, "endpoint": t.endpoint, "size": t.size, "concurrency": t.concurrency,
             "value": t.value, "limit": t.limit, "passed": t.passed, "message": t.message}
            for t in result.thresholds
        ],
    }


def from_json(data: Mapping[str, Any]) -> RunResult:
    version = data.get("format_version")
    if version != FORMAT_VERSION:
        raise ValueError(f"results format version {version!r} is not supported (expected {FORMAT_VERSION})")
    result = RunResult(
        name=data["name"],
        description=data.get("description", ""),
        target=data.get("target", ""),
        complete=data.get("complete", True),
        stop_reason=data.get("stop_reason"),
        meta=RunMeta(**data["meta"]),
        scenario=data.get("scenario", {}),
        seeding=tuple(
            SeedStep(s["size"], s["existing"], s["created"], s["failed"], s["wall_time_s"],
                     latency_from_json(s.get("latency_ms")), s.get("counted", True))
            for s in data.get("seeding", ())
        ),
        cells=tuple(cell_from_json(c) for c in data["cells"]),
        thresholds=tuple(ThresholdOutcome(**t) for t in data.get("thresholds", ())),
        cleanup=_cleanup_from_json(data.get("cleanup")),
        auth=AuthStats(data["auth"]["logins"], data["auth"]["time_s"], data["auth"]["slowest_s"],
                       data["auth"].get("failed_renewals", 0)) if data.get("auth") is not None else None,
    )
    check_model(result, "")
    return result


def _cleanup_from_json(data: Mapping[str, Any] | None) -> CleanupOutcome | None:
    if data is None:
        return None
    fields = {k: v for k, v in data.items() if k != "wall_time_s"}
    return CleanupOutcome(**fields, wall_time=data.get("wall_time_s", 0.0))


def write_atomic(path: Path, content: str | bytes | Callable[[BinaryIO], None]) -> None:
    """Write to a temporary file in the same folder, then rename: a reader never sees half a file.
    ``content`` may be a function that writes to the open file, so that a large file is written
    as it is made, never held whole in memory."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.fchmod(fd, 0o666 & ~_UMASK)
        with os.fdopen(fd, "wb") as handle:
            if callable(content):
                content(handle)
            else:
                handle.write(content.encode("utf-8") if isinstance(content, str) else content)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _umask() -> int:
    """The process umask (reading it means setting it; restored at once): mkstemp's files are 0600,
    and results are meant to be read by whoever may read the folder, like any file the user writes.
    Read once, at import (``_UMASK``): setting it while other threads create files is not safe."""
    current = os.umask(0o022)
    os.umask(current)
    return current


_UMASK = _umask()


def save_results(result: RunResult, path: Path) -> Path:
    """``results.json``, encoded piece by piece into the file: a long cell's series (a histogram an
    interval) is several times its own size as one string of JSON, written after every cell."""
    def write(handle: BinaryIO) -> None:
        text = io.TextIOWrapper(handle, encoding="utf-8", write_through=False)
        json.dump(to_json(result), text, indent=2, ensure_ascii=False)
        text.write("\n")
        text.flush()
        text.detach()

    write_atomic(path, write)
    return path


def load_results(path: Path) -> RunResult:
    """Read ``results.json`` (or the run folder holding it); a bad file is a located error."""
    if path.is_dir():
        path = path / "results.json"
    try:
        text = path.read_text("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"{path}: cannot read the results file: {exc}") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise UsageError(f"{path}:{exc.lineno}:{exc.colno}: not valid JSON: {exc.msg}; "
                         "is this a results.json written by `yamlperf run`?") from None
    except (ValueError, RecursionError) as exc:
        raise UsageError(f"{unreadable_json(path, text, exc)}: this is not a results file yamlperf "
                         "wrote (or it was changed after); give the results.json or run folder a "
                         "`yamlperf run` wrote, or run the scenario again") from None
    version = data.get("format_version") if isinstance(data, dict) else None
    if isinstance(version, int) and not isinstance(version, bool) and version > FORMAT_VERSION:
        raise UsageError(f"{path}: written by a newer yamlperf (results format {version}; this one reads "
                         f"format {FORMAT_VERSION}): upgrade yamlperf to read it")
    try:
        return from_json(data)
    except ResultsTypeError as exc:
        raise UsageError(f"{path}: {exc}; the file was changed after `yamlperf run` wrote it: "
                         "restore it, or run the scenario again") from None
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise UsageError(f"{path}: not a yamlperf results file ({exc}); "
                         "give a results.json or a run folder written by `yamlperf run`") from None
