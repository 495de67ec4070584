"""Running a scenario: start the target, authenticate, then per size seed and measure each cell.

The order is the plan's (sizes ascending, so seeding only grows). Input problems are found before
the run folder exists; target faults during the run are measurements, never fatal; a target that
cannot be reached or refuses the login stops the run before any load (``TargetError``). Cleanup
of the created records happens on every way out while the target is still up, and the results
are written after every cell.
"""

from __future__ import annotations

import logging
import os
import random
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import TargetError, UsageError, YamlperfError
from ..loader import RECORD_NAMES
from ..redact import SecretRegistry
from ..results import RunResult
from ..scenario import WRITE_METHODS, Endpoint, Scenario
from ..templating import names_in
from ..urls import is_http_url
from .auth import Authenticator
from .cell import CompiledEndpoint, RunShared, query_header
from .client import SessionClient
from .context import RunContext, new_run_id
from .credentials import Credentials, credential_context, resolve_credentials
from .executor import Executor, RunWork, check_available, make_executor
from .feed import RowFeed
from .http import TransportFactory, TransportOptions, TransportSet
from .journal import Journal
from .matrix import Plan, expand
from .patience import Patient
from .progress import NullObserver, Observer
from .rounds import SizeRounds
from .rundir import make_run_dir
from .seed import Seeder
from .target import check_reachable, running_target
from .transport_choice import TransportChoice, choose_transport, given_transport
from .watch import WindowWatch

logger = logging.getLogger(__name__)
INTERRUPTED = "interrupted"
ABORTED = "aborted: "
"""The stop reason's prefix when a window threshold with ``abort_on_fail`` broke."""
LEFTOVER_IDS = "leftover_ids.txt"
"""In the run folder: the ids of records the run created and could not delete, one a line."""


@dataclass(frozen=True, slots=True)
class RunOptions:
    """How to run, beyond the scenario: what the command line adds."""

    scenario_file: Path | None = None
    credentials: Credentials = field(default_factory=Credentials)
    keep_data: bool = False
    debug: bool = False
    command: str = ""
    transport: TransportFactory | None = None
    """``None``: the fast transport where it applies, else urllib3 (``choose_transport``)."""
    executor: Callable[[RunWork], Executor] | None = None
    """``None``: the plan's ``load.executor`` (``make_executor``); tests and benchmarks give their own."""
    environ: Mapping[str, str] | None = None
    stop: threading.Event = field(default_factory=threading.Event)
    secrets: SecretRegistry = field(default_factory=SecretRegistry)
    probe_target: bool = True
    """Refuse to start when nothing answers at ``base_url`` (exit 3). ``quick`` turns it off: as
    ``performance_test.py``, hey and ab do, it sends every request and counts the refusals, so
    ``--save`` has the results of what happened."""
    run_id: str = field(default_factory=new_run_id)
    """``{{ run.id }}``: unique per run, recorded as ``meta.run_id``."""


@dataclass(frozen=True, slots=True)
class RunOutcome:
    result: RunResult
    run_dir: Path

    @property
    def interrupted(self) -> bool:
        return self.result.stop_reason == INTERRUPTED


@dataclass(frozen=True, slots=True)
class _Prepared:
    plan: Plan
    endpoints: Mapping[str, CompiledEndpoint]
    context: RunContext
    credentials: Credentials
    transport: TransportChoice


def run_scenario(scenario: Scenario, options: RunOptions = RunOptions(),
                 observer: Observer | None = None) -> RunOutcome:
    """Run every cell; ``options.stop`` set (Ctrl-C) ends the run cleanly with partial results."""
    observer = observer or NullObserver()
    ready = _prepare(scenario, options)
    journal = Journal(scenario, make_run_dir(scenario.output.directory, scenario.name), options.secrets,
                      scenario_file=options.scenario_file, command=options.command, run_id=options.run_id,
                      transport=(ready.transport.name, ready.transport.note),
                      order_seed=order_seed(scenario))
    stop = options.stop
    watch = WindowWatch(scenario.thresholds)
    try:
        with running_target(scenario.target, journal.run_dir / "server.log", stop, options.environ,
                            options.secrets):
            if not stop.is_set():
                if options.probe_target:
                    check_reachable(scenario.target.base_url, scenario.target.timeout, scenario.target.verify)
                _measure(scenario, ready, options, journal, observer, watch=watch)
    except YamlperfError as exc:
        kind = "target error" if isinstance(exc, TargetError) else "error"
        if not journal.discard():
            journal.write(complete=False, stop_reason=f"{kind}: {str(exc).splitlines()[0]}")
        raise
    except KeyboardInterrupt:
        stop.set()
    if watch.reason:
        return RunOutcome(journal.write(complete=False, stop_reason=ABORTED + watch.reason), journal.run_dir)
    if stop.is_set():
        return RunOutcome(journal.write(complete=False, stop_reason=INTERRUPTED), journal.run_dir)
    return RunOutcome(journal.write(complete=True), journal.run_dir)


def order_seed(scenario: Scenario) -> int:
    """The plan's ``load.seed``, or a new one: recorded either way, so a run's order can be repeated."""
    return scenario.load.seed if scenario.load.seed is not None else random.SystemRandom().randrange(2 ** 31)


def _prepare(scenario: Scenario, options: RunOptions) -> _Prepared:
    """Everything that can fail on the user's input, done before anything is started or written."""
    if options.executor is None:
        check_available(scenario.load.executor)
    feed = RowFeed.load(scenario.feed) if scenario.feed else None
    base = RunContext(scenario.variables, {}, options.run_id, feed, options.environ).base
    credentials = resolve_credentials(scenario.auth, options.credentials, base,
                                      options.environ if options.environ is not None else os.environ,
                                      options.secrets)
    context = RunContext(scenario.variables, credential_context(credentials), options.run_id, feed,
                         options.environ)
    endpoints = {e.name: CompiledEndpoint(e, scenario.target, options.secrets, scenario.load.max_body)
                 for e in scenario.endpoints}
    return _Prepared(expand(scenario), endpoints, context, credentials, _transport(scenario, options))


def _transport(scenario: Scenario, options: RunOptions) -> TransportChoice:
    """The caller's transport, or the fast one unless an origin the scenario names needs urllib3."""
    if options.transport is not None:
        return given_transport(options.transport)
    urls = [scenario.target.base_url, *(e.request.path for e in scenario.endpoints
                                        if is_http_url(e.request.path))]
    choice = choose_transport(urls, options.environ if options.environ is not None else os.environ)
    logger.info("measuring with %s%s", choice.name, f" ({choice.note})" if choice.note else "")
    return choice


def _measure(scenario: Scenario, ready: _Prepared, options: RunOptions, journal: Journal,
             observer: Observer, *, watch: WindowWatch) -> None:
    target, load = scenario.target, scenario.load
    client = SessionClient(TransportOptions(target.timeout, target.verify, max_body=load.max_body))
    measured_options = TransportOptions(load.timeout or target.timeout, target.verify, ready.transport.proxy)
    transports = TransportSet(ready.transport.factory, measured_options)
    auth = Authenticator(scenario.auth, target, credentials=ready.credentials, context=ready.context.base,
                         secrets=options.secrets, send=Patient(client.send, options.stop))
    seeder = None
    executor: Executor | None = None
    try:
        observer.phase("authenticating", 0)
        auth.start()
        work = RunWork(scenario, options.run_id, credential_context(ready.credentials),
                       ready.transport.factory, measured_options, options.debug)
        executor = (options.executor(work) if options.executor is not None
                    else make_executor(load.executor, load.workers, load.cluster, work))
        journal.executor = executor.description
        shared = RunShared(transports, auth, ready.context, options.stop, options.secrets,
                           load.think_time, load.max_duration, options.debug, watch or None,
                           query_header=query_header(scenario))
        if scenario.dataset:
            seeder = Seeder(scenario.dataset, target, client=client, auth=auth, context=ready.context,
                            workers=load.max_workers, stop=options.stop, observer=observer,
                            secrets=options.secrets, endpoints_write=any(
                                e.request.method in WRITE_METHODS for e in scenario.endpoints),
                            leftovers=journal.run_dir / LEFTOVER_IDS)
        _run_sizes(scenario, ready, shared, seeder, journal=journal, observer=observer,
                   transports=transports, executor=executor)
    finally:
        try:
            _clean_up(scenario, seeder, options, observer, journal.run_dir / LEFTOVER_IDS)
        finally:
            if seeder is not None:
                journal.cleanup = seeder.outcome
            journal.auth = auth.stats()
            if executor is not None:
                executor.close()
            transports.close()
            client.close()


def _run_sizes(scenario: Scenario, ready: _Prepared, shared: RunShared, seeder: Seeder | None, *,
               journal: Journal, observer: Observer, transports: TransportSet, executor: Executor) -> None:
    stop = shared.stop
    rng = random.Random(journal.order_seed)
    reading_ids = {e.name for e in scenario.endpoints if RECORD_NAMES & names_in(_templated(e))}
    for size in scenario.sizes:
        if stop.is_set():
            return
        measured = None
        if seeder is not None and size is not None:
            step = seeder.grow(size, record=journal.add_seeding)
            seeder.check_reached(step)
            measured = step.existing + step.created if step.counted else None
        ids = seeder.measured_ids if seeder is not None else ()
        cells = [c for c in ready.plan.cells if c.size == size]
        needing = list(dict.fromkeys(c.endpoint.name for c in cells if c.endpoint.name in reading_ids))
        if seeder is not None and size is not None and not ids and needing and not stop.is_set():
            raise UsageError(seeder.no_ids(size, needing))

        def round_done() -> None:
            journal.executor = executor.description
            journal.transport = (transports.used(ready.transport.name), ready.transport.note)
            journal.write(complete=False)

        rounds = SizeRounds(cells, ready.endpoints, shared, ids, load=scenario.load, rng=rng,
                            observer=observer, measured=journal.set_cell, round_done=round_done,
                            measured_size=measured, executor=executor,
                            reference=scenario.analysis.reference)
        for stats in rounds.run():
            observer.cell_done(stats)


def _templated(endpoint: Endpoint) -> tuple[object, ...]:
    """Everything of an endpoint a template may be in: its request and what it expects."""
    request, expect = endpoint.request, endpoint.expect
    return (request.path, request.query, request.headers, request.body, expect.json, expect.contains,
            expect.not_contains)


def _clean_up(scenario: Scenario, seeder: Seeder | None, options: RunOptions, observer: Observer,
              leftovers: Path) -> None:
    if seeder is None or not seeder.ids:
        return
    if options.keep_data or (scenario.dataset is not None and not scenario.dataset.cleanup):
        kept = seeder.keep("--keep-data" if options.keep_data else "dataset.cleanup: false", leftovers)
        observer.note(f"keeping the {kept.kept} records this run created: their ids are in {leftovers}")
        return
    report = seeder.cleanup(leftovers)
    logger.info("cleanup: %d deleted, %d failed, %d kept", report.deleted, report.failed, report.kept)
