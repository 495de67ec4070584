"""The console summary of a run: per dataset size, the table users of the seed's performance_test.py know.

Pure: ``RunResult`` in, text out; the command line prints it.
"""

from __future__ import annotations

from pathlib import Path

from ..redact import MASK
from ..results import CellStats, RunResult, SeedStep
from ..scenario import WRITE_METHODS
from ..textable import format_table
from ..units import format_ms
from .sampling import precision_notice

HEADER = ("Endpoint", "Requests", "Concurrency", "Success %", "Avg (ms)", "Median (ms)", "P95 (ms)",
          "Min (ms)", "Max (ms)")
NUMERIC_COLUMNS = frozenset(range(1, len(HEADER)))


def format_summary(result: RunResult) -> str:
    """One block per dataset size (ascending), then failures by category where there are any."""
    lines = [f"{result.name}: {result.target}"]
    if not result.complete:
        reason = result.stop_reason or "stopped"
        lines.append(f"incomplete run ({reason}): the cells below are what was measured")
    if not result.cells:
        lines.append("no cells were measured")
    writers = {(c.endpoint, c.method) for c in result.cells
               if c.size is not None and c.method in WRITE_METHODS}
    if writers:
        dataset = result.scenario.get("dataset")
        lines.append(drift_note(sorted(writers), isinstance(dataset, dict) and bool(dataset.get("count"))))
    for size in result.sizes:
        cells = [c for c in result.cells if c.size == size]
        lines += ["", _size_title(size, result.seeding)]
        lines.append(format_table(HEADER, [_row(c) for c in cells], right=NUMERIC_COLUMNS))
        lines += _failure_lines(cells)
    imprecise = precision_notice(result)
    if imprecise:
        lines += ["", f"precision: {imprecise}"]
    return "\n".join(lines)


def leftover_notice(result: RunResult) -> str:
    """Records the run created and left on the target, in sentences, or "": what the console ends
    with and the report opens with, since a later run against the same target meets them (as
    duplicates, or as a larger dataset than its sizes say)."""
    cleanup = result.cleanup
    if cleanup is None or not (cleanup.failed or cleanup.leftover_file):
        return ""
    listed = f" Their ids are in {cleanup.leftover_file}, one a line." if cleanup.leftover_file else ""
    later = (f" `yamlperf cleanup {Path(cleanup.leftover_file).parent}{_password_flag(result)}` deletes them."
             if cleanup.leftover_file and _deletes(result) else "")
    if not cleanup.failed and cleanup.kept_because.startswith(("--keep-data", "dataset.cleanup")):
        return (f"The {cleanup.kept} records this run created were kept on the target "
                f"({cleanup.kept_because}).{listed}{later}{_stopped_server_note(result)}")
    if not cleanup.failed:
        return (f"The {cleanup.kept} records this run created are still on the target: the dataset has "
                f"no `delete` request.{listed}")
    total = cleanup.deleted + cleanup.failed
    why = f" (first failure: {cleanup.first_failure})" if cleanup.first_failure else ""
    return (f"Cleanup failed: {cleanup.failed} of the {total} records this run created could not be deleted "
            f"and may still be on the target{why}.{listed} Check dataset.delete, then delete them "
            f"with{later.removesuffix(' deletes them.') or ' the API'}.")


def _password_flag(result: RunResult) -> str:
    """`` --password PASSWORD`` when results.json masks the plan's password, which cleanup needs again."""
    auth = result.scenario.get("auth")
    return " --password PASSWORD" if isinstance(auth, dict) and auth.get("password") == MASK else ""


def _stopped_server_note(result: RunResult) -> str:
    """The run started ``target.server`` (it refuses a port already taken unless told to reuse it) and
    stopped it at the end: the kept records outlive it only if it stores them."""
    target = result.scenario.get("target")
    server = target.get("server") if isinstance(target, dict) else None
    if not isinstance(server, dict) or server.get("reuse_existing"):
        return ""
    return (" The run stopped the server it started (target.server), so they are there only if it stores "
            "them: one that keeps them only while it runs (as `yamlperf demo-server` without --db) has "
            "lost them.")


def _deletes(result: RunResult) -> bool:
    dataset = result.scenario.get("dataset")
    return isinstance(dataset, dict) and bool(dataset.get("delete"))


def drift_note(writers: list[tuple[str, str]], counted: bool) -> str:
    """One line: endpoints measured with a write method change the dataset their size labels name."""
    names = ", ".join(f"{name} ({method})" for name, method in writers)
    count = ("dataset.count re-counts the records before each size" if counted
             else "add dataset.count to re-count the records before each size")
    return (f"note: {names} may add or remove records at each dataset size, and yamlperf does not "
            f"delete what they create: the dataset size may drift; {count}")


def _size_title(size: int | None, seeding: tuple[SeedStep, ...]) -> str:
    if size is None:
        return "Results"
    step = next((s for s in seeding if s.size == size), None)
    if step is None:
        return f"Dataset size: {size} records"
    create = f", create median {format_ms(step.latency.median)} ms" if step.latency else ""
    failed = f", {step.failed} failed" if step.failed else ""
    detail = f"{step.created} created in {step.wall_time:.2f}s{create}{failed}"
    if not step.counted:
        return _uncounted_title(size, step, detail)
    there = step.existing + step.created
    if there < size:
        return (f"Dataset size: {size} records requested, only {there} there "
                f"({step.existing} before, {detail})")
    if step.existing > size:
        return (f"Dataset size: {size} records requested, {step.existing} already there: "
                f"measured on {step.existing}")
    return f"Dataset size: {size} records ({step.existing} there, {detail})"


def _uncounted_title(size: int, step: SeedStep, detail: str) -> str:
    """Without ``dataset.count`` only the records this run made are known: "0 there" would be a guess."""
    unknown = "records already on the target are not known: the plan has no dataset.count"
    mine = step.existing + step.created
    if mine < size:
        return (f"Dataset size: {size} records requested, only {mine} created by this run "
                f"({detail}; {unknown})")
    return f"Dataset size: {size} records ({detail}; {unknown})"


def _row(cell: CellStats) -> tuple[str, ...]:
    latency = cell.latency
    values = (latency.mean, latency.median, latency.p95, latency.min, latency.max) if latency else (None,) * 5
    name = cell.endpoint + (" (truncated)" if cell.truncated else "")
    return (name, str(cell.requests), str(cell.concurrency), f"{cell.success_rate * 100:.1f}%",
            *(format_ms(v) for v in values))


def _failure_lines(cells: list[CellStats]) -> list[str]:
    lines = []
    for cell in cells:
        if not cell.failures:
            continue
        parts = ", ".join(f"{category} {count}" for category, count in cell.failures.items())
        lines.append(f"  failures in {cell.endpoint} x{cell.concurrency}: {parts}")
        lines += [f"    {error}" for error in cell.errors[:3]]
    return ["", *lines] if lines else []
