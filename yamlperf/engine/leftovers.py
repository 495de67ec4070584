"""``yamlperf cleanup RUN_DIR``: delete the records a kept, failed or killed run left on the target.

The run folder says what to delete (``leftover_ids.txt``, written as records are created) and how
(the plan as run, in ``results.json``, secrets masked: a masked password is asked for again). The
deletes go through the run's own cleanup (``Seeder.cleanup``): the same rate-limit patience, the
same 404 rule, and the ids it could not delete are written back to the file. When nothing answers
on the port of the plan's ``target.server``, cleanup starts it; a 404 from that new process means the
record is gone (a server that keeps its data in memory lost it when the run stopped it), as when an
endpoint of the run deletes records.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml

from ..errors import UsageError
from ..loader import build_scenario, load_scenario
from ..redact import MASK, SecretRegistry
from ..results import CleanupOutcome, load_results
from ..scenario import WRITE_METHODS, Scenario, Target
from ..source import parse_document
from .auth import Authenticator
from .client import SessionClient
from .context import RunContext
from .credentials import Credentials, credential_context, resolve_credentials
from .http import TransportOptions
from .patience import Patient
from .progress import NullObserver, Observer
from .runner import LEFTOVER_IDS
from .seed import Seeder, read_id_lines
from .target import check_reachable, running_target

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class CleanupRequest:
    run_dir: Path
    credentials: Credentials = field(default_factory=Credentials)
    plan: Path | None = None
    """The plan to take the delete request and login from, instead of the one in results.json."""
    environ: Mapping[str, str] | None = None
    stop: threading.Event = field(default_factory=threading.Event)
    secrets: SecretRegistry = field(default_factory=SecretRegistry)


@dataclass(frozen=True, slots=True)
class CleanupReport:
    listed: int
    outcome: CleanupOutcome
    leftovers: Path
    gone: int = 0
    """Records the target answered 404 or 410 for: not there any more (counted in ``outcome.deleted``)."""
    started: str = ""
    """The plan's ``target.server`` command when cleanup had to start it (nothing answered on its
    port), else "": a server started anew holds only what it stores, so the records the run left
    on the one it stopped may have gone with that process."""


def clean_up_run(request: CleanupRequest, observer: Observer | None = None) -> CleanupReport | None:
    """Delete every record ``leftover_ids.txt`` lists; None when there is nothing to delete."""
    leftovers = request.run_dir / LEFTOVER_IDS
    if not request.run_dir.is_dir():
        raise UsageError(f"{request.run_dir}: not a run folder; give the folder a `yamlperf run` printed")
    if not leftovers.is_file():
        return None
    ids = read_id_lines(leftovers.read_text("utf-8"))
    if not ids:
        leftovers.unlink()
        return None
    environ = os.environ if request.environ is None else request.environ
    scenario = _scenario(request, environ)
    dataset = scenario.dataset
    if dataset is None or dataset.delete is None:
        raise UsageError(f"the plan has no dataset.delete, so yamlperf cannot delete the {len(ids)} "
                         f"records listed in {leftovers}: add the delete request to the plan and give it "
                         "with --plan, or delete them with the API")
    credentials = _credentials(scenario, request, environ)
    writes = any(e.request.method in WRITE_METHODS for e in scenario.endpoints)
    target = scenario.target
    client = SessionClient(TransportOptions(target.timeout, target.verify))
    try:
        with running_target(_reusing(scenario), request.run_dir / "cleanup-server.log", request.stop, environ,
                            request.secrets) as started:
            check_reachable(target.base_url, target.timeout, target.verify)
            context = RunContext(scenario.variables, credential_context(credentials),
                                 _run_id(request.run_dir), None, environ)
            auth = Authenticator(scenario.auth, target, credentials=credentials, context=context.base,
                                 secrets=request.secrets, send=Patient(client.send, request.stop))
            auth.start()
            seeder = Seeder(dataset, target, client=client, auth=auth, context=context,
                            workers=scenario.load.max_workers, stop=request.stop,
                            observer=observer or NullObserver(), secrets=request.secrets,
                            endpoints_write=writes or started)
            seeder.ids = list(ids)
            outcome = seeder.cleanup(leftovers)
    finally:
        client.close()
    command = " ".join(target.server.command) if started and target.server is not None else ""
    return CleanupReport(len(ids), outcome, leftovers, seeder.gone, command)


def _scenario(request: CleanupRequest, environ: Mapping[str, str]) -> Scenario:
    supplied = tuple(key for key, value in (("auth.username", request.credentials.username),
                                            ("auth.password", request.credentials.password)) if value)
    if request.plan is not None:
        return load_scenario(request.plan, environ=environ, supplied=supplied)
    if not (request.run_dir / "results.json").is_file():
        raise UsageError(f"{request.run_dir} has no results.json (the run stopped before it wrote one), so "
                         "the plan it ran is not known: give it with --plan FILE")
    result = load_results(request.run_dir)
    data = _unmasked(dict(result.scenario), supplied)
    name = f"{request.run_dir / 'results.json'} (the plan as run)"
    document = parse_document(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), name)
    base = Path(result.meta.scenario_file).parent if result.meta.scenario_file else request.run_dir
    return build_scenario(document, base, environ, supplied)


def _unmasked(data: dict[str, Any], supplied: tuple[str, ...]) -> dict[str, Any]:
    """The plan as run, where a masked credential stands: given again (``supplied``), it is dropped
    for the flag to fill; otherwise the user is told which one to give."""
    auth = data.get("auth")
    if isinstance(auth, dict):
        for name in ("username", "password", "token"):
            if auth.get(name) == MASK:
                if f"auth.{name}" not in supplied:
                    flag = f"--{name}" if name != "token" else "--plan FILE (the plan, with its token)"
                    raise UsageError(f"the plan's auth.{name} was written in the file, so results.json "
                                     f"keeps it masked: give it again with {flag}")
                auth = {k: v for k, v in auth.items() if k != name}
        data = {**data, "auth": auth}
    masked = [key for key, value in _flat(data) if value == MASK]
    if masked:
        raise UsageError(f"results.json masks {', '.join(masked[:3])}, which the deletes need: give the "
                         "plan with --plan FILE")
    return data


def _flat(value: Any, where: str = "") -> list[tuple[str, Any]]:
    if isinstance(value, dict):
        return [item for k, v in value.items() for item in _flat(v, f"{where}.{k}" if where else str(k))]
    if isinstance(value, list):
        return [item for i, v in enumerate(value) for item in _flat(v, f"{where}.{i}")]
    return [(where, value)]


def _credentials(scenario: Scenario, request: CleanupRequest, environ: Mapping[str, str]) -> Credentials:
    base = RunContext(scenario.variables, {}, "cleanup", None, environ).base
    request.secrets.add(request.credentials.password)
    return resolve_credentials(scenario.auth, request.credentials, base, environ, request.secrets)


def _reusing(scenario: Scenario) -> Target:
    """The target with its server reused when it answers: the records are on the API that runs."""
    target = scenario.target
    if target.server is None:
        return target
    return replace(target, server=replace(target.server, reuse_existing=True))


def _run_id(run_dir: Path) -> str:
    """``{{ run.id }}`` of the run, in case the delete request uses it."""
    try:
        return load_results(run_dir).meta.run_id
    except UsageError:
        return ""
