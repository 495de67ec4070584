"""``yamlperf run FILE``: the seed's options as overrides of the file, then the run, then the summary.

Every flag becomes an ``Override`` applied before validation, exactly like ``--set``, so a bad
value is reported as a located error that points at the flag. The engine is imported when the
command runs, which keeps ``yamlperf --help`` fast.
"""

from __future__ import annotations

import re
import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from ..compose import Override, read_value
from ..errors import ExitCode, UsageError
from .app import echo_error, handle_errors, main
from .scenario_commands import set_option

if TYPE_CHECKING:
    from ..results import RunResult
    from ..scenario import Scenario

_NUMBERS = re.compile(r"^[0-9][0-9,]*$")


class NumbersOption(click.Option):
    """An option that also takes the numbers after it: ``--sizes 25 75 150`` as in the seed's tool,
    as well as ``--sizes 25,75,150``. The values reach the command as one space-separated string."""

    def add_to_parser(self, parser: Any, ctx: click.Context) -> None:
        super().add_to_parser(parser, ctx)
        for name in self.opts:
            option = parser._long_opt.get(name) or parser._short_opt.get(name)
            if option is None:
                continue
            original = option.process

            def process(value: Any, state: Any, _original: Any = original) -> None:
                values = [value] if isinstance(value, str) else []
                while state.rargs and _NUMBERS.match(state.rargs[0]):
                    values.append(state.rargs.pop(0))
                _original(" ".join(values) if values else value, state)

            option.process = process


def parse_numbers(text: str) -> list[Any]:
    """``"25 75,150"`` -> ``[25, 75, 150]``; a word that is not a number stays text for the schema."""
    return [read_value(token) for token in re.split(r"[\s,]+", text.strip()) if token]


@dataclass(frozen=True, slots=True)
class RunFlags:
    sizes: str | None = None
    iterations: str | None = None
    concurrent: bool = False
    sequential: bool = False
    concurrency: tuple[str, ...] = ()
    max_workers: str | None = None
    output_dir: str | None = None
    formats: tuple[str, ...] = ()
    host: str | None = None
    assignments: tuple[str, ...] = ()


def flag_overrides(flags: RunFlags) -> list[Override]:
    """The flags as ``--set`` would write them; each keeps the flag as its origin for errors."""
    if flags.concurrent + flags.sequential + bool(flags.concurrency) > 1:
        raise UsageError("give only one of --concurrent, --sequential and --concurrency")
    found: list[Override] = []

    def add(path: str, value: Any, origin: str) -> None:
        found.append(Override(path, value, origin))

    if flags.sizes is not None:
        add("dataset.sizes", parse_numbers(flags.sizes), f"--sizes {flags.sizes}")
    if flags.iterations is not None:
        add("load.iterations", read_value(flags.iterations), f"--iterations {flags.iterations}")
    if flags.max_workers is not None:
        add("load.max_workers", read_value(flags.max_workers), f"--max-workers {flags.max_workers}")
    if flags.sequential:
        add("load.concurrency", 1, "--sequential")
    if flags.concurrency:
        values = [v for text in flags.concurrency for v in parse_numbers(text)]
        if not values:
            raise UsageError("--concurrency needs a number of workers, e.g. --concurrency 4 or 1,4,16")
        add("load.concurrency", values if len(values) > 1 else values[0],
            " ".join(f"--concurrency {c}" for c in flags.concurrency))
    if flags.output_dir is not None:
        add("output.directory", flags.output_dir, f"--output-dir {flags.output_dir}")
    if flags.formats:
        add("output.formats", cli_formats(flags.formats), " ".join(f"--format {f}" for f in flags.formats))
    if flags.host is not None:
        add("target.base_url", flags.host, f"--host {flags.host}")
    return found + [Override.parse(a) for a in flags.assignments]


def cli_formats(given: tuple[str, ...]) -> list[str]:
    """``--format`` as the seed's tool meant it: the chart image format (png, pdf, svg) or another
    output (csv, junit) next to results.json and the HTML report, which are always written;
    ``--format json`` alone writes results.json only. (``output.formats`` in a file is taken
    literally; ``--set output.formats=[...]`` sets it exactly.) The given formats come first, so
    an error about one points at the place it was typed."""
    formats = list(dict.fromkeys(f for text in given for f in re.split(r"[\s,]+", text.strip()) if f))
    return formats if formats == ["json"] else list(dict.fromkeys([*formats, "html"]))


def load_for_run(path: Path, flags: RunFlags, supplied: tuple[str, ...] = ()) -> Scenario:
    """The scenario with the flags applied; ``--concurrent`` needs the file's ``max_workers`` first.

    ``supplied`` names the credentials given as flags: the file's templates for them need not render.
    """
    from ..loader import load_scenario

    overrides = flag_overrides(flags)
    scenario = load_scenario(path, overrides, supplied=supplied)
    if flags.concurrent:
        workers = scenario.load.max_workers
        concurrent = Override("load.concurrency", workers, "--concurrent")
        scenario = load_scenario(path, [*overrides, concurrent], supplied=supplied)
    return scenario


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
    """After ``results.json`` is written: the threshold verdicts (kept in results.json, printed), the
    implicit check that every cell had a successful request (printed), and the other output formats
    (html, png, pdf, svg, csv, junit). ``THRESHOLD_FAILED`` when a rule or the check failed."""
    from .. import verdicts
    from ..render.outputs import write_outputs
    from ..results import save_results

    outcomes = verdicts.evaluate(scenario, result)
    if outcomes:
        result = result.with_thresholds(outcomes)
        save_results(result, run_dir / "results.json")
        click.echo("\n" + verdicts.format_verdicts(outcomes))
    unanswered = verdicts.unanswered(result)
    if unanswered:
        click.echo("\n" + verdicts.format_unanswered(unanswered))
    written = write_outputs(result, run_dir, scenario.output.formats)
    if written:
        names = dict.fromkeys(p.relative_to(run_dir).parts[0] + ("/" if p.parent != run_dir else "")
                              for p in written)
        click.echo(f"outputs in {run_dir}: " + ", ".join(names))
    return ExitCode.THRESHOLD_FAILED if verdicts.failed(outcomes) or unanswered else ExitCode.OK


@main.command()
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--sizes", cls=NumbersOption, metavar="N [N ...]",
              help="Dataset sizes: --sizes 25 75 150 or --sizes 25,75,150 (dataset.sizes).")
@click.option("--iterations", metavar="N", help="Measured requests per cell (load.iterations).")
@click.option("--concurrent", is_flag=True, help="Concurrency = --max-workers / load.max_workers.")
@click.option("--sequential", is_flag=True, help="Concurrency 1: one request after another.")
@click.option("--concurrency", multiple=True, metavar="N",
              help="Requests in flight; repeat (or 1,4,16) for a sweep (load.concurrency).")
@click.option("--max-workers", metavar="N", help="Threads for seeding and cleanup (load.max_workers).")
@click.option("--output-dir", metavar="DIR", help="Folder for the run folders (output.directory).")
@click.option("--format", "formats", multiple=True, metavar="FMT",
              help="Chart images (png, pdf, svg) or csv, junit, written with results.json and "
                   "report.html; repeat or comma-separate; 'json' alone: results.json only.")
@click.option("--host", metavar="URL", help="Base URL of the target (target.base_url).")
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
    3 target unreachable or login failed, 130 interrupted.
    """
    flags["concurrency"] = tuple(flags["concurrency"])
    supplied = tuple(key for key, value in (("auth.username", username), ("auth.password", password))
                     if value is not None)
    scenario = load_for_run(file, RunFlags(**flags), supplied)
    _, code = execute(scenario, file, username=username, password=password, keep_data=keep_data, debug=debug)
    if code:
        sys.exit(int(code))


def execute(scenario: Scenario, file: Path | None, *, username: str | None, password: str | None,
            keep_data: bool, debug: bool) -> tuple[Any, ExitCode]:
    """Run with a progress line and Ctrl-C handling; print the summary and the results path.

    Returns the engine's outcome and the exit code the command should end with (``INTERRUPTED``,
    ``THRESHOLD_FAILED`` or ``OK``), so a caller can write its own files before exiting.
    """
    from ..engine.credentials import Credentials
    from ..engine.matrix import expand
    from ..engine.rundir import command_line, secret_arguments
    from ..engine.runner import RunOptions, run_scenario
    from ..render.console import format_summary
    from .progress import ProgressLine, run_logging

    options = RunOptions(scenario_file=file, credentials=Credentials(username, password),
                         keep_data=keep_data, debug=debug, command=command_line())
    options.secrets.add(password)
    for value in secret_arguments():
        options.secrets.add(value)
    progress = ProgressLine(len(expand(scenario).cells))
    with run_logging(debug, options.secrets), stop_on_ctrl_c(options.stop):
        try:
            outcome = run_scenario(scenario, options, progress)
        finally:
            progress.finish()
    click.echo(format_summary(outcome.result))
    click.echo(f"\nresults: {outcome.run_dir / 'results.json'}")
    if not outcome.interrupted:
        return outcome, finish_run(outcome.result, outcome.run_dir, scenario)
    finish_partial(outcome.result, outcome.run_dir, scenario)
    return outcome, ExitCode.INTERRUPTED


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
    drawn = (f"; {', '.join(dict.fromkeys(p.relative_to(run_dir).parts[0] for p in written))} cover the "
             f"{count} cell{'s' if count != 1 else ''} measured" if written else "")
    echo_error(f"{where}{drawn}; `yamlperf report {run_dir}` draws the report again")
