"""The seed's ``scale_test`` options, shared by ``yamlperf run`` and ``yamlperf plan``.

Every flag becomes an ``Override`` applied before validation, exactly like ``--set``, so a bad
value is reported as a located error that points at the flag; ``plan`` takes the same flags so
the matrix it prints is the one ``run`` with those flags executes.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from ..compose import REMOVE, Override, compose_document, read_value
from ..errors import UsageError

if TYPE_CHECKING:
    from ..scenario import Scenario

F = TypeVar("F", bound=Callable[..., Any])

set_option = click.option(
    "--set", "assignments", multiple=True, metavar="KEY.PATH=VALUE",
    help="Override a value of the scenario, e.g. --set load.iterations=20 (repeatable).",
)

_NUMBERS = re.compile(r"^[0-9][0-9,]*$")
PIPELINE_FORMATS = ("csv", "junit")
"""Outputs for pipelines rather than people: kept from the file when ``--format`` picks the charts."""


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
    duration: str | None = None
    rate: str | None = None
    concurrent: bool = False
    sequential: bool = False
    concurrency: tuple[str, ...] = ()
    max_workers: str | None = None
    output_dir: str | None = None
    formats: tuple[str, ...] = ()
    host: str | None = None
    executor: str | None = None
    workers: str | None = None
    cluster: str | None = None
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
    found.extend(workload_overrides(flags))
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
    if flags.host is not None:  # "test this host": the plan's own server is not started
        add("target.base_url", flags.host, f"--host {flags.host}")
        add("target.server", None, f"--host {flags.host}")
    found.extend(_executor_overrides(flags))
    return found + [Override.parse(a) for a in flags.assignments]


def workload_overrides(flags: RunFlags) -> list[Override]:
    """``--iterations``, ``--duration`` and ``--rate``: each replaces the plan's workload keys it
    contradicts (``--duration`` removes ``load.iterations``; any of them removes ``load.stages``)."""
    if flags.iterations is not None and flags.duration is not None and flags.rate is None:
        raise UsageError("give --iterations (a count of requests) or --duration (a time), not both")
    found: list[Override] = []
    for key, value, other in (("iterations", flags.iterations, flags.duration),
                              ("duration", flags.duration, flags.iterations), ("rate", flags.rate, None)):
        if value is None:
            continue
        origin = f"--{key} {value}"
        found.append(Override(f"load.{key}", read_value(value), origin))
        removed = ["stages"] + (["iterations" if key == "duration" else "duration"]
                                if key != "rate" and other is None else [])
        found.extend(Override(f"load.{name}", REMOVE, origin) for name in removed)
    return found


def host_note(flags: RunFlags, path: Path) -> str:
    """What ``--host`` changes in a plan that starts its own server, or ""."""
    if flags.host is None:
        return ""
    target = compose_document(Path(path), str(path)).data.get("target")
    if not (isinstance(target, dict) and isinstance(target.get("server"), dict)):
        return ""
    return f"--host {flags.host}: testing that host; the plan's target.server is not started"


def _executor_overrides(flags: RunFlags) -> list[Override]:
    """``--executor``, ``--workers`` and ``--cluster`` (which means dask unless said otherwise)."""
    found = []
    if flags.executor is not None:
        found.append(Override("load.executor", flags.executor, f"--executor {flags.executor}"))
    if flags.workers is not None:
        found.append(Override("load.workers", read_value(flags.workers), f"--workers {flags.workers}"))
    if flags.cluster is not None:
        found.append(Override("load.cluster", flags.cluster, f"--cluster {flags.cluster}"))
        if flags.executor is None:
            found.append(Override("load.executor", "dask", f"--cluster {flags.cluster}"))
    return found


def cli_formats(given: tuple[str, ...]) -> list[str]:
    """``--format`` as the seed's tool meant it: the chart image format (png, pdf, svg) or another
    output (csv, junit) next to results.json and the HTML report, which are always written (the
    file's csv and junit are kept too: ``load_for_run``); ``--format json`` alone writes
    results.json only. (``output.formats`` in a file is taken literally; ``--set
    output.formats=[...]`` sets it exactly.) The given formats come first, so an error about one
    points at the place it was typed."""
    formats = list(dict.fromkeys(f for text in given for f in re.split(r"[\s,]+", text.strip()) if f))
    return formats if formats == ["json"] else list(dict.fromkeys([*formats, "html"]))


def load_for_run(path: Path, flags: RunFlags, supplied: tuple[str, ...] = ()) -> Scenario:
    """The scenario with the flags applied; ``--concurrent`` needs the file's ``max_workers`` first.

    ``supplied`` names the credentials given as flags: the file's templates for them need not render.
    """
    from ..loader import load_scenario

    overrides = flag_overrides(flags)
    scenario = load_scenario(path, overrides, supplied=supplied)
    chosen = next((o for o in overrides if o.origin.startswith("--format ")), None)
    kept = kept_pipeline_formats(flags, _file_formats(path)) if chosen is not None else []
    if chosen is not None and kept:
        merged = Override(chosen.path, [*chosen.value, *kept], chosen.origin)
        overrides = [merged if o is chosen else o for o in overrides]
    if flags.concurrent:
        overrides.append(Override("load.concurrency", scenario.load.max_workers, "--concurrent"))
    return load_scenario(path, overrides, supplied=supplied) if kept or flags.concurrent else scenario


def _file_formats(path: Path) -> list[str]:
    """``output.formats`` as the file (and its bases) say; the file has loaded without problems."""
    output = compose_document(Path(path), str(path)).data.get("output")
    formats = output.get("formats") if isinstance(output, dict) else None
    return [f for f in formats if isinstance(f, str)] if isinstance(formats, list) else []


def kept_pipeline_formats(flags: RunFlags, file_formats: list[str]) -> list[str]:
    """The file's csv and junit outputs, which ``--format pdf`` (a chart format, as in the seed)
    must not drop: a pipeline that reads junit.xml would lose it to a change of picture format.
    Not when ``--format json`` asks for results.json alone, nor when ``--set`` sets the formats."""
    given = cli_formats(flags.formats)
    if given == ["json"] or any(_sets_formats(Override.parse(a).path) for a in flags.assignments):
        return []
    return [f for f in file_formats if f in PIPELINE_FORMATS and f not in given]


def _sets_formats(path: str) -> bool:
    return path in {"output", "output.formats"} or path.startswith("output.formats.")


_RUN_OPTIONS = (
    click.option("--sizes", cls=NumbersOption, metavar="N [N ...]",
                 help="Dataset sizes: --sizes 25 75 150 or --sizes 25,75,150 (dataset.sizes)."),
    click.option("--iterations", metavar="N", help="Measured requests per cell (load.iterations)."),
    click.option("--duration", metavar="TIME",
                 help="Run each cell this long instead of a count: 30s, 2m (load.duration)."),
    click.option("--rate", metavar="R",
                 help="Open model: start requests at this rate whatever the answers do, e.g. 300/s "
                      "(load.rate; with --duration or --iterations arrivals)."),
    click.option("--concurrent", is_flag=True, help="Concurrency = --max-workers / load.max_workers."),
    click.option("--sequential", is_flag=True, help="Concurrency 1: one request after another."),
    click.option("--concurrency", multiple=True, metavar="N",
                 help="Requests in flight; repeat (or 1,4,16) for a sweep (load.concurrency)."),
    click.option("--max-workers", metavar="N",
                 help="Concurrent workers: the requests in flight with --concurrent, and the threads "
                      "that seed and clean up (load.max_workers, default 5)."),
    click.option("--output-dir", metavar="DIR", help="Folder for the run folders (output.directory)."),
    click.option("--format", "formats", multiple=True, metavar="FMT",
                 help="Chart images (png, pdf, svg) or csv, junit, written with results.json and "
                      "report.html; repeat or comma-separate; 'json' alone: results.json only."),
    click.option("--host", metavar="URL",
                 help="Test the API at this base URL (target.base_url); the plan's target.server "
                      "is not started."),
    click.option("--executor", type=click.Choice(["threads", "processes", "dask"]),
                 help="Who sends the requests: threads (default), processes (one per core) or dask "
                      "(load.executor)."),
    click.option("--workers", metavar="N",
                 help="Worker processes or Dask workers a cell is split across (load.workers)."),
    click.option("--cluster", metavar="ADDRESS",
                 help="Dask scheduler, e.g. tcp://scheduler:8786; implies --executor dask (load.cluster)."),
)


def run_flag_options(command: F) -> F:
    """The seed's flags (``--sizes`` ... ``--host``) on a command, in ``--help`` order."""
    for option in reversed(_RUN_OPTIONS):
        command = option(command)
    return command


def run_flags(assignments: tuple[str, ...], flags: dict[str, Any]) -> RunFlags:
    """The flags a command received (``run_flag_options``'s keyword arguments) as ``RunFlags``."""
    return RunFlags(**{**flags, "concurrency": tuple(flags["concurrency"]),
                       "formats": tuple(flags["formats"]), "assignments": assignments})
