"""The system under test: start it when the scenario says how, wait until it is ready, stop it.

The server runs in its own process group, so Ctrl-C in the terminal reaches yamlperf only and
yamlperf stops the server (and whatever it spawned) itself: SIGTERM, then SIGKILL after
``stop_timeout``. Its output goes to ``server.log`` in the run folder; when it dies early or never
gets ready, the error shows the log's last lines.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import socket
import ssl
import subprocess
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from ..errors import TargetError, UsageError
from ..redact import SecretRegistry, is_secret_key
from ..scenario import Server, Target
from ..templating import TemplateError, compile_text
from ..urls import canonical_url, is_http_url
from .http import tls_arguments

logger = logging.getLogger(__name__)
POLL_INTERVAL_S = 0.1
LOG_TAIL_LINES = 20
CONNECT_TIMEOUT_S = 5.0
_SWITCHES = frozenset({"true", "false", "yes", "no", "on", "off"})


def ready_url(target: Target, server: Server) -> str:
    if is_http_url(server.ready_url):
        return canonical_url(server.ready_url)
    path = server.ready_url if server.ready_url.startswith("/") else f"/{server.ready_url}"
    return target.base_url + path


@dataclass(frozen=True, slots=True)
class PortHolder:
    """What already listens where the plan's server would: its answer to ``ready_url``, if any."""

    status: int
    server: str = ""

    def refusal(self, url: str) -> str:
        parts = urlsplit(url)
        what = (f"it answers {self.status} to GET {parts.path or '/'}"
                + (f" (Server: {self.server})" if self.server else " (no Server header)")
                if self.status else "it accepts connections but gives no HTTP answer")
        return (f"port {parts.port} on {parts.hostname} is taken by another server: {what}; this run "
                "would log in, seed, measure and delete records there instead of the server "
                "target.server.command starts\n  stop that server or give the plan a free port; to test the "
                "server that is running, set target.server.reuse_existing: true (or pass --host URL, which "
                "starts no server)")


def port_holder(url: str, verify_tls: bool | str = True) -> PortHolder | None:
    """Who holds the port of ``url``: None when nothing accepts a connection there."""
    import urllib3

    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        with socket.create_connection((parts.hostname or "localhost", port), CONNECT_TIMEOUT_S):
            pass
    except OSError:
        return None
    with urllib3.PoolManager(**tls_arguments(verify_tls)) as pool:
        try:
            response = pool.request("GET", url, retries=False, redirect=False, timeout=CONNECT_TIMEOUT_S)
        except urllib3.exceptions.HTTPError:
            return PortHolder(0)
        return PortHolder(response.status, str(response.headers.get("Server", "")).strip()[:80])


def answers(url: str, verify_tls: bool | str = True, timeout: float = 1.0) -> bool:
    """Whether ``url`` answers with a status below 500 (an error page still means it is up)."""
    import urllib3  # here, not at the top: a run without a server to start never loads it

    with urllib3.PoolManager(**tls_arguments(verify_tls)) as pool:
        try:
            response = pool.request("GET", url, retries=False, redirect=False, timeout=timeout)
        except urllib3.exceptions.HTTPError:
            return False
        return response.status < 500


def check_reachable(base_url: str, timeout: float, verify_tls: bool | str = True) -> None:
    """A TCP connection to the target, so a target that is down stops the run before any load; for
    https, a first request too, so a certificate that does not verify stops it as well (rather than
    turning every request into an "other" failure)."""
    url = urlsplit(base_url)
    port = url.port or (443 if url.scheme == "https" else 80)
    try:
        with socket.create_connection((url.hostname or "localhost", port), min(timeout, CONNECT_TIMEOUT_S)):
            pass
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise TargetError(f"nothing answers at {base_url}: {reason}\n"
                          "  is the server running? start it, check target.base_url (or --host), "
                          "or let yamlperf start it with target.server") from None
    if url.scheme == "https":
        _check_tls(base_url, timeout, verify_tls)


def _check_tls(base_url: str, timeout: float, verify_tls: bool | str) -> None:
    """One GET of ``base_url``: any answer will do; a TLS failure is a ``TargetError``."""
    import urllib3

    if not verify_tls:
        urllib3.disable_warnings(urllib3.exceptions.InsecureRequestWarning)
    with urllib3.PoolManager(**tls_arguments(verify_tls)) as pool:
        try:
            pool.request("GET", base_url, retries=False, redirect=False, timeout=timeout)
        except urllib3.exceptions.HTTPError as exc:
            failure = _tls_failure(exc)
            if failure is None:
                return  # not about TLS: the measurement will show what it is
            hint = ("  if the target uses a certificate from a private CA, set target.verify_tls: ca.pem "
                    "(the CA bundle that signed it); for a self-signed test server, target.verify_tls: false "
                    "(or --set target.verify_tls=false)" if verify_tls else "  check the target's TLS setup")
            raise TargetError(f"TLS failed at {base_url}: {failure}\n{hint}") from None


def _tls_failure(exc: BaseException) -> str | None:
    seen: set[int] = set()
    pending: list[object] = [exc]
    while pending:
        item = pending.pop()
        if not isinstance(item, BaseException) or id(item) in seen:
            continue
        seen.add(id(item))
        if isinstance(item, ssl.SSLCertVerificationError):
            return f"certificate verify failed: {item.verify_message}"
        if isinstance(item, ssl.SSLError):
            return str(item)
        pending.extend([getattr(item, "reason", None), item.__cause__, item.__context__, *item.args])
    return None


@contextlib.contextmanager
def running_target(target: Target, log_path: Path, stop: threading.Event,
                   environ: Mapping[str, str] | None = None,
                   secrets: SecretRegistry | None = None) -> Iterator[bool]:
    """The target is up inside the block, which is given whether ``target.server`` was started here
    (not reused, nor absent); a server started here is stopped on the way out, always.

    ``secrets`` receives the secret values of ``server.env`` and scrubs the log lines an error shows.
    """
    server = target.server
    if server is None:
        yield False
        return
    url = ready_url(target, server)
    holder = port_holder(url, target.verify)
    if holder is not None and server.reuse_existing and holder.status:
        logger.info("reusing the server that already answers at %s (%d)", url, holder.status)
        yield False
        return
    if holder is not None:
        raise TargetError(holder.refusal(url))
    secrets = secrets if secrets is not None else SecretRegistry()
    process = _start(server, log_path, os.environ if environ is None else environ, secrets)
    try:
        _wait_ready(process, server, url, verify_tls=target.verify, log_path=log_path, stop=stop,
                    scrub=secrets.scrub)
        yield True
    finally:
        stop_process(process, server.stop_timeout)


def _start(server: Server, log_path: Path, environ: Mapping[str, str],
           secrets: SecretRegistry) -> subprocess.Popen[bytes]:
    context: dict[str, Any] = {"env": environ}
    extra: dict[str, str] = {}
    try:
        for key, text in server.env:
            compiled = compile_text(text)
            extra[key] = value = str(compiled.render(context))
            if is_secret_key(key) or (not compiled.static and not _plain(value)):
                secrets.add(value)
    except TemplateError as exc:
        raise UsageError(f"target.server.env: {exc}") from None
    log_path.parent.mkdir(parents=True, exist_ok=True)
    logger.info("starting the target: %s", " ".join(server.command))
    with log_path.open("ab") as log:
        try:
            return subprocess.Popen(server.command, cwd=server.cwd, env={**environ, **extra}, stdout=log,
                                    stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                    start_new_session=True)
        except OSError as exc:
            raise TargetError(f"cannot start the target {server.command[0]!r}: {exc.strerror or exc}\n"
                              "  check target.server.command and target.server.cwd") from None


def _plain(value: str) -> bool:
    """A value rendered from the environment that is no secret: a number (a port) or a switch."""
    return value.isdigit() or value.lower() in _SWITCHES


def _wait_ready(process: subprocess.Popen[bytes], server: Server, url: str, *, verify_tls: bool | str,
                log_path: Path, stop: threading.Event, scrub: Callable[[str], str] = str) -> None:
    deadline = time.monotonic() + server.start_timeout
    while not stop.is_set():
        code = process.poll()
        if code is not None:
            raise TargetError(f"the target exited with code {code} before it was ready\n"
                              f"{log_tail(log_path, scrub=scrub)}")
        if answers(url, verify_tls, timeout=POLL_INTERVAL_S * 5):
            logger.info("the target is ready at %s", url)
            return
        if time.monotonic() >= deadline:
            raise TargetError(f"the target did not answer at {url} within {server.start_timeout:g}s\n"
                              f"{log_tail(log_path, scrub=scrub)}\n"
                              "  raise target.server.start_timeout or check ready_url")
        stop.wait(POLL_INTERVAL_S)


def stop_process(process: subprocess.Popen[bytes], stop_timeout: float) -> None:
    """SIGTERM to the process group (children too, even if the leader is gone), then SIGKILL."""
    for sig, wait in ((signal.SIGTERM, stop_timeout), (signal.SIGKILL, 5.0)):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, sig)
        try:
            process.wait(wait)
            logger.info("the target stopped (%s)", sig.name)
            return
        except subprocess.TimeoutExpired:
            continue


def log_tail(log_path: Path, lines: int = LOG_TAIL_LINES, scrub: Callable[[str], str] = str) -> str:
    """The log's last lines, indented, each passed through ``scrub`` (the run's secrets masked)."""
    try:
        tail = log_path.read_text("utf-8", "replace").splitlines()[-lines:]
    except OSError:
        return f"  (no log at {log_path})"
    if not tail:
        return f"  ({log_path} is empty)"
    return f"  last lines of {log_path}:\n" + "\n".join(f"    {scrub(line)}" for line in tail)
