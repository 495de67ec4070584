"""``yamlperf run FILE``: the seed's options as overrides of the file, then the run, then the summary.

Every flag becomes an ``Override`` applied before validation, exactly like ``--set``, so a bad
value is reported as a located error that points at the flag. The engine is imported when the
command runs, which keeps ``yamlperf --help`` fast.
"""

from __future__ import annotations

import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from ..errors import ExitCode
from .app import echo_error, handle_errors, main
from .flags import (  # noqa: F401  (re-exported: the run command's flag handling, tested there)
    NumbersOption,
    RunFlags,
    cli_formats,
    flag_overrides,
    host_note,
    load_for_run,
    parse_numbers,
    run_flag_options,
    run_flags,
    set_option,
)

if TYPE_CHECKING:
    from ..results import RunResult
    from ..scenario import Scenario

@contextmanager
def stop_on_ctrl_c(stop: threading.Event) -> Iterator[None]:
    """The first Ctrl-C (or SIGTERM, as CI sends on cancel) asks the run to stop cleanly: cleanup and
    partial results; a second one forces it."""
    def on_signal(_signum: int, _frame: Any) -> None:
        if stop.is_set():
            raise KeyboardInterrupt
        stop.set()
        echo_error("\nstopping: finishing the requests in flight and cleaning up (Ctrl-C again to force)")

    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def finish_run(result: RunResult, run_dir: Path, scenario: Scenario) -> ExitCode:
    """After ``results.json`` is written: the threshold verdicts (kept in results.json), the other
    output formats (html, png, pdf, svg, csv, junit), then the answers printed (``print_finished``).
    ``THRESHOLD_FAILED`` when a rule failed or a cell had no successful request."""
    from .. import verdicts
    from ..render.outputs import REPORT_FILE, write_outputs
    from ..results import save_results

    outcomes = verdicts.evaluate(scenario, result)
    if outcomes:
        result = result.with_thresholds(outcomes)
        save_results(result, run_dir / "results.json")
    notes: list[str] = []
    written = write_outputs(result, run_dir, scenario.output.formats, notes=notes)
    if written:
        names = dict.fromkeys(p.relative_to(run_dir).parts[0] + ("/" if p.parent != run_dir else "")
                              for p in written)
        click.echo(f"outputs in {run_dir.resolve()}: " + ", ".join(names))
    for note in notes:
        echo_error(f"note: {note}")
    report = run_dir / REPORT_FILE
    print_finished(result, report if report in written else None)
    failed = verdicts.failed(outcomes) or verdicts.unanswered(result)
    return ExitCode.THRESHOLD_FAILED if failed else ExitCode.OK


def print_finished(result: RunResult, report: Path | None) -> None:
    """The answers of a finished run: thresholds, growth, logins, cleanup, the report, PASS or FAIL."""
    from ..render.summary import finished_lines, growth_verdicts
    from .summary import print_lines

    print_lines(finished_lines(result, report, growth_verdicts(result)))


@main.command()
@click.argument("file", type=click.Path(path_type=Path))
@run_flag_options
@click.option("--username", help="User for basic or login auth (else auth.username, $YAMLPERF_USERNAME).")
@click.option("--password", help="Password for basic or login auth (else auth.password, $YAMLPERF_PASSWORD).")
@click.option("--keep-data", is_flag=True, help="Keep the records the run created.")
@click.option("--debug", is_flag=True, help="Log every request and answer (secrets masked); tracebacks.")
@set_option
@handle_errors
def run(file: Path, username: str | None, password: str | None, keep_data: bool, debug: bool,
        **flags: Any) -> None:
    """Run a scenario: seed the data, measure every cell, write results.json, print a summary.

    Exit codes: 0 ok, 1 a threshold failed or a cell had no successful request, 2 invalid input,
    3 target (or Dask scheduler) unreachable or login failed, 130 interrupted.
    """
    supplied = tuple(key for key, value in (("auth.username", username), ("auth.password", password))
                     if value is not None)
    given = run_flags(flags.pop("assignments"), flags)
    scenario = load_for_run(file, given, supplied)
    note = host_note(given, file)
    if note:
        echo_error(note)
    _, code = execute(scenario, file, username=username, password=password, keep_data=keep_data, debug=debug)
    if code:
        sys.exit(int(code))


def execute(scenario: Scenario, file: Path | None, *, username: str | None, password: str | None,
            keep_data: bool, debug: bool, probe_target: bool = True) -> tuple[Any, ExitCode]:
    """Run with a progress line and Ctrl-C handling; print the summary and the results path.

    Returns the engine's outcome and the exit code the command should end with (``INTERRUPTED``,
    ``THRESHOLD_FAILED`` or ``OK``), so a caller can write its own files before exiting.
    """
    from ..engine.credentials import Credentials
    from ..engine.matrix import expand
    from ..engine.rundir import command_line, secret_arguments
    from ..engine.runner import RunOptions, run_scenario
    from ..render.console import format_summary, leftover_notice
    from ..render.summary import kept_on_purpose
    from .live import make_progress
    from .progress import run_logging

    options = RunOptions(scenario_file=file, credentials=Credentials(username, password),
                         keep_data=keep_data, debug=debug, command=command_line(),
                         probe_target=probe_target)
    options.secrets.add(password)
    for value in secret_arguments():
        options.secrets.add(value)
    progress = make_progress(len(expand(scenario).cells))
    with run_logging(debug, options.secrets), stop_on_ctrl_c(options.stop):
        try:
            outcome = run_scenario(scenario, options, progress)
        finally:
            progress.finish()
    click.echo(format_summary(outcome.result))
    click.echo(f"\nresults: {outcome.run_dir / 'results.json'}")
    finished = False
    try:
        if not outcome.interrupted:
            code = finish_run(outcome.result, outcome.run_dir, scenario)
            finished = True
            return outcome, code
        finish_partial(outcome.result, outcome.run_dir, scenario)
        return outcome, ExitCode.INTERRUPTED
    finally:
        left = leftover_notice(outcome.result)
        cleanup = outcome.result.cleanup
        if left and not (finished and cleanup is not None and kept_on_purpose(cleanup)):
            echo_error(f"\nwarning: {left}")  # a kept dataset is not a warning: the cleanup line said it


def finish_partial(result: RunResult, run_dir: Path, scenario: Scenario) -> None:
    """After Ctrl-C: the outputs of what was measured (the report says the run is incomplete, JUnit
    has an error case), no threshold verdicts (cells that were never run would fail them). A
    drawing error is reported, never raised: the measurements are safe in results.json."""
    from ..render.outputs import write_outputs

    where = f"interrupted: partial results in {run_dir}"
    if not result.cells:
        echo_error(f"{where} (no cell was measured)")
        return
    try:
        written = write_outputs(result, run_dir, scenario.output.formats)
    except Exception as exc:
        echo_error(f"{where}; the outputs could not be written ({type(exc).__name__}: {exc}); "
                   f"`yamlperf report {run_dir}` tries again")
        return
    count = len(result.cells)
    names = list(dict.fromkeys(p.relative_to(run_dir).parts[0] for p in written))
    drawn = (f"; {', '.join(names)} cover{'s' if len(names) == 1 else ''} the "
             f"{count} cell{'s' if count != 1 else ''} measured" if written else "")
    echo_error(f"{where}{drawn}; `yamlperf report {run_dir}` draws the report again")
