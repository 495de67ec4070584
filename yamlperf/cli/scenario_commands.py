"""Commands that read scenarios without running them: validate, plan, schema, init."""

from __future__ import annotations

import json
import os
import tempfile
from importlib import resources
from pathlib import Path
from typing import Any

import click

from ..compose import Override, apply_overrides, compose_document
from ..engine.matrix import Plan, expand
from ..errors import ScenarioError, UsageError
from ..gitrev import materialize
from ..loader import build_scenario, load_scenario
from ..plandiff import diff_plans, format_plan_diff, plan_diff_json
from ..render.console import drift_note
from ..scenario import WRITE_METHODS, Scenario
from ..textable import format_table
from ..validation import load_schema
from .app import echo_error, handle_errors, main
from .flags import flag_overrides, host_note, load_for_run, run_flag_options, run_flags, set_option
from .schedule import cell_requests, cell_workload_json, cost_lines, load_line, sampling_line, schedule_lines


@main.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=True, path_type=Path))
@set_option
@handle_errors
def validate(files: tuple[Path, ...], assignments: tuple[str, ...]) -> None:
    """Check scenario files; print every problem with file:line:column. Exit 0 or 2."""
    overrides = [Override.parse(a) for a in assignments]
    failed = 0
    for path in files:
        try:
            scenario = load_scenario(path, overrides)
        except ScenarioError as exc:
            failed += 1
            echo_error(exc.render())
            continue
        counts = _counted(len(scenario.endpoints), "endpoint"), _counted(len(expand(scenario).cells), "cell")
        click.echo(f"{path}: ok ({', '.join(counts)})")
        for warning in plan_warnings(scenario):
            echo_error(f"{path}: warning: {warning}")
    if failed:
        noun = "file has" if failed == 1 else "files have"
        echo_error(f"{failed} {noun} problems")
        raise SystemExit(2)


@main.command()
@click.argument("file", required=False, type=click.Path(path_type=Path))
@run_flag_options
@set_option
@click.option("--json", "as_json", is_flag=True, help="Print the matrix (or the diff) as JSON.")
@click.option("--diff", "diff_files", nargs=2, type=click.Path(path_type=Path), metavar="OLD NEW",
              help="Show what changing OLD into NEW does to the matrix, instead of one plan.")
@click.option("--against", metavar="REV",
              help="Show what FILE changes compared with FILE at git revision REV (e.g. main, HEAD~1).")
@handle_errors
def plan(*, file: Path | None, assignments: tuple[str, ...], as_json: bool,
         diff_files: tuple[Path, Path] | None, against: str | None, **flags: Any) -> None:
    """Print the test matrix a run would execute and what it will cost.

    \b
    The run's flags preview that run: yamlperf plan FILE --sizes 25 75 150 --concurrent
    For review: yamlperf plan --diff OLD.yaml NEW.yaml
                yamlperf plan FILE --against main
    show cells added and removed, requests and records before and after, changed thresholds
    and settings.
    """
    given = run_flags(assignments, flags)
    overrides = flag_overrides(given)
    if given.concurrent and (diff_files or against):
        raise UsageError("--concurrent previews one plan; with --diff or --against give --concurrency N")
    if diff_files and (file or against):
        raise UsageError("give either --diff OLD NEW or FILE [--against REV], not both")
    if diff_files:
        old_path, new_path = diff_files
        _echo_diff(load_scenario(old_path, overrides), load_scenario(new_path, overrides),
                   str(old_path), str(new_path), as_json)
        return
    if file is None:
        raise UsageError("give a scenario FILE, or --diff OLD NEW")
    scenario = load_for_run(file, given)
    if against:
        with tempfile.TemporaryDirectory(prefix="yamlperf-plan-") as folder:
            copy, name = materialize(file, against, Path(folder))
            document = apply_overrides(compose_document(copy, f"{against}:{name}"), overrides)
            old = build_scenario(document, copy.parent, os.environ)
        _echo_diff(old, scenario, f"{file} at {against}", str(file), as_json)
        return
    matrix = expand(scenario)
    note = host_note(given, file)
    if as_json:
        click.echo(json.dumps({**plan_json(scenario, matrix), "notes": [note] if note else []}, indent=2))
    else:
        click.echo(format_plan(scenario, matrix, [note] if note else []))


def plan_warnings(scenario: Scenario) -> list[str]:
    """What a valid plan still needs before ``run`` can go through: credentials it reads from nowhere."""
    from ..engine.context import RunContext
    from ..engine.credentials import credentials_warning

    context = RunContext(scenario.variables, {}, "validate", None, os.environ).base
    warning = credentials_warning(scenario.auth, context, os.environ)
    return [warning] if warning else []


def _counted(number: int, noun: str) -> str:
    return f"{number} {noun}" + ("" if number == 1 else "s")


def _echo_diff(old: Scenario, new: Scenario, old_label: str, new_label: str, as_json: bool) -> None:
    diff = diff_plans(old, expand(old), new, expand(new), old_label=old_label, new_label=new_label)
    click.echo(json.dumps(plan_diff_json(diff), indent=2) if as_json else format_plan_diff(diff))


def plan_json(scenario: Scenario, matrix: Plan) -> dict[str, object]:
    return {
        "scenario": scenario.source, "name": scenario.name,
        "cells": [{"size": c.size, "concurrency": c.concurrency, "endpoint": c.endpoint.name,
                   "method": c.endpoint.request.method, "path": c.endpoint.request.path,
                   "iterations": c.iterations, "warmup": c.warmup, "rounds": list(c.rounds),
                   "max_iterations": max(c.budget, c.iterations), **cell_workload_json(c)}
                  for c in matrix.cells],
        "planned_seconds": matrix.planned_seconds,
        "measured_requests": matrix.measured_requests, "warmup_requests": matrix.warmup_requests,
        "max_measured_requests": matrix.max_measured_requests,
        "records_to_create": matrix.records_to_create, "records_to_delete": matrix.records_to_delete,
        "count_requests": matrix.count_requests, "total_requests": matrix.total_requests,
        "thresholds": [r.text for t in scenario.thresholds for r in t.rules],
    }


def format_plan(scenario: Scenario, matrix: Plan, notes: list[str] | None = None) -> str:
    counted = any(not c.spec.timed and not c.spec.open for c in matrix.cells)
    target, *described = _describe(scenario, counted)
    lines = [f"{scenario.source}: {scenario.name}", target, *(notes or []), *described, ""]
    header = ("#", "size", "conc", "endpoint", "method", "path", "requests")
    rows = [(str(c.index + 1), "-" if c.size is None else str(c.size), str(c.concurrency), c.endpoint.name,
             c.endpoint.request.method, c.endpoint.request.path, cell_requests(c)) for c in matrix.cells]
    lines.append(format_table(header, rows, right={0, 1, 2}))
    measured = f"measured requests: {matrix.measured_requests:,}"
    if matrix.max_measured_requests > matrix.measured_requests:
        measured += f" (up to {matrix.max_measured_requests:,} sampling for precision)"
    costs = [f"cells: {len(matrix.cells):,}", measured, f"warm-up requests: {matrix.warmup_requests:,}",
             f"records to create: {matrix.records_to_create:,}"]
    if matrix.records_to_delete:
        costs.append(f"cleanup deletes: {matrix.records_to_delete:,}")
    if matrix.count_requests:
        costs.append(f"count requests: {matrix.count_requests:,}")
    costs.append(f"total requests: {matrix.total_requests:,}")
    lines += ["", "   ".join(costs),
              "  (the total counts every request above, logins not"
              + ("; --keep-data skips the deletes)" if matrix.records_to_delete else ")"),
              *cost_lines(matrix), *schedule_lines(matrix)]
    writers = sorted({(c.endpoint.name, c.endpoint.request.method) for c in matrix.cells
                      if c.size is not None and c.endpoint.request.method in WRITE_METHODS})
    if writers:
        lines.append(drift_note(writers, scenario.dataset is not None and scenario.dataset.count is not None))
    rules = [(r.text, t) for t in scenario.thresholds for r in t.rules]
    if rules:
        lines.append("thresholds:")
        for text, threshold in rules:
            scoped = threshold.endpoints or threshold.sizes or threshold.concurrency
            lines.append(f"  {text}" + (f"   ({threshold.scope()})" if scoped else ""))
    return "\n".join(lines)


def _describe(scenario: Scenario, counted: bool) -> list[str]:
    """The plan's settings, a line each; ``counted``: some cell is count-based, so rounds apply."""
    target = scenario.target
    lines = [f"target: {target.base_url}"
             + (f" (started by yamlperf: {' '.join(target.server.command)})" if target.server else "")]
    auth = scenario.auth
    login = f" ({auth.login.request.method} {auth.login.request.path})" if auth.login else ""
    lines.append(f"auth: {auth.type.value}{login}")
    if scenario.dataset:
        dataset = scenario.dataset
        cleanup = "deleted after the run" if dataset.cleanup and dataset.delete else "kept"
        lines.append(f"dataset: sizes {', '.join(map(str, dataset.sizes))}; created with "
                     f"{dataset.create.method} {dataset.create.path}; {cleanup}")
    lines.append(load_line(scenario))
    load = scenario.load
    if load.executor != "threads":
        workers = f" x{load.workers}" if load.workers else ""
        local = ", a local cluster" if load.executor == "dask" else ""
        where = f" on {load.cluster}" if load.cluster else local
        lines.append(f"executor: {load.executor}{workers}{where}")
    if not counted:
        lines.append("sampling: every cell is timed, measured once in one continuous pass (rounds and "
                     "precision sample count-based cells)")
    elif load.executor != "threads":
        lines.append(f"sampling: each cell measured once, in one pass split across the {load.executor} "
                     "workers (rounds and precision sample on threads only)")
    else:
        lines.append(f"sampling: {sampling_line(load)}")
    if scenario.analysis.reference:
        lines.append(f"reference: {scenario.analysis.reference}, timed at every size beside the others; "
                     "the machine's speed it measures is taken off the other endpoints' request path")
    lines.append(f"output: {scenario.output.directory} ({', '.join(scenario.output.formats)})")
    return lines


@main.command()
@handle_errors
def schema() -> None:
    """Print the scenario JSON Schema (for editors and the YAML language server)."""
    click.echo(json.dumps(load_schema(), indent=2))


@main.command()
@click.argument("path", required=False, default="yamlperf.yaml", type=click.Path(path_type=Path))
@click.option("--force", is_flag=True, help="Overwrite an existing file.")
@handle_errors
def init(path: Path, force: bool) -> None:
    """Write a commented starter scenario that validates (default: yamlperf.yaml)."""
    if path.exists() and not force:
        raise UsageError(f"{path} already exists; choose another name or pass --force to overwrite it")
    text = resources.files("yamlperf").joinpath("starter.yaml").read_text("utf-8")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    click.echo(f"wrote {path}; next: yamlperf validate {path} && yamlperf plan {path}")
