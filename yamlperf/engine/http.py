"""The measured hot path: send one prepared request, time it, read the whole answer, classify faults.

A ``Transport`` belongs to one worker thread and holds one connection per origin. It never raises
for a target fault: a refused connection, a timeout or a reset is an ``Exchange`` with a
``fault``. The interface is small on purpose, so a leaner transport (plain sockets and the
``httptools`` parser) can replace the urllib3 one without touching the runner.
"""

from __future__ import annotations

import logging
import socket
import ssl
import sys
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from http.client import IncompleteRead, RemoteDisconnected
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from urllib3.connectionpool import HTTPConnectionPool

# urllib3 is imported where it is used, not here: ~60 ms of start-up that a run measured by the
# fast transport, without a login or a dataset, never needs.
logger = logging.getLogger(__name__)
FAULTS = ("timeout", "refused", "reset", "bad_body", "body_too_large", "other")
EXCERPT_BYTES = 64 * 1024
"""Of an answer no check reads, what is kept (the rest is counted, not kept): all of a typical
API answer, so small answers are handled exactly as before, and the start of an error page for
the messages; a 1 GB download costs a worker 64 KiB of memory, not 1 GB."""


class BodyTooLarge(Exception):
    """An answer a check reads is longer than ``max_body``: reading stopped there."""

    def __init__(self, status: int, limit: int) -> None:
        super().__init__(f"the body of a {status} answer is longer than max_body ({limit:,} bytes); "
                         "raise load.max_body, or drop the check that reads it")


@dataclass(frozen=True, slots=True)
class Prepared:
    """A request ready to send: ``origin`` is ``scheme://host:port``, ``target`` the path and query."""

    method: str
    origin: str
    target: str
    headers: Mapping[str, str]
    body: bytes | None = None
    keep_body: bool = True
    """Whether a check reads the answer's body: if not, it is counted and dropped as it arrives
    (only its first ``EXCERPT_BYTES`` kept)."""
    max_body: int = 0
    """Of an answer kept whole, the most bytes read (``load.max_body``); more is ``body_too_large``.
    0: no limit."""

    @property
    def url(self) -> str:
        return self.origin + self.target


@dataclass(slots=True)
class Exchange:
    """One request and its answer. Built once per request on the hot path, so it is not frozen
    (a frozen dataclass costs a microsecond more to build); treat it as immutable.

    ``status`` is 0 and ``fault`` names the category when there was no complete answer.
    """

    status: int
    headers: Mapping[str, str]
    body: bytes
    duration: float
    fault: str = ""
    error: str = ""
    server_timing: str = ""
    """The ``Server-Timing`` field(s), read by the transport as the answer arrives: the one header
    the engine reads from every answer (looking it up in the mapping decoded every field, ~17% of
    the fast transport's CPU)."""
    discarded: int = 0
    """Body bytes received and not kept (an answer no check reads, beyond its excerpt)."""

    @property
    def size(self) -> int:
        """The body's length: kept, plus received and dropped."""
        return len(self.body) + self.discarded


@dataclass(frozen=True, slots=True)
class TransportOptions:
    """``proxy`` is the forward proxy's URL when the environment sets one for the target, else empty."""

    timeout: float
    verify: bool | str = True
    """Whether to verify https certificates, or the CA bundle (PEM) to verify them against:
    ``Target.verify``, as requests takes it."""
    proxy: str = ""
    max_body: int = 0
    """The longest body the client for logins, seeding, counting and cleanup reads (0: no limit)."""


class Transport(Protocol):
    """What the runner needs from an HTTP client: one per worker thread, never shared."""

    def send(self, request: Prepared) -> Exchange: ...

    def close(self) -> None: ...


TransportFactory = Callable[[TransportOptions], Transport]


class Urllib3Transport:
    """One ``urllib3`` pool of size 1 per origin: a single keep-alive connection, no retries or
    redirects, so what is timed is exactly one exchange. The fallback of the fast transport, so it
    does what that one does not: https, and a forward proxy (``options.proxy``)."""

    name = "urllib3"

    def __init__(self, options: TransportOptions) -> None:
        import urllib3

        from .urllib3_io import POOLS, read_within

        self._options = options
        self._pool_classes = POOLS
        self._read_within = read_within
        self._timeout = urllib3.Timeout(total=options.timeout, connect=options.timeout, read=options.timeout)
        self._pools: dict[str, HTTPConnectionPool] = {}
        if not options.verify:
            urllib3.disable_warnings(urllib3.exceptions.InsecureRequestWarning)
        self._tls = tls_arguments(options.verify)
        self._proxy = urllib3.ProxyManager(
            options.proxy, maxsize=1, block=False, retries=False, timeout=self._timeout,
            **self._tls) if options.proxy else None
        if self._proxy is not None:
            self._proxy.pool_classes_by_scheme = POOLS

    def _pool(self, origin: str) -> HTTPConnectionPool:
        from urllib3.util import parse_url

        pool = self._pools.get(origin)
        if pool is None:
            url = parse_url(origin)
            scheme = url.scheme or "http"
            extra = {} if scheme == "http" else self._tls
            pool = self._pool_classes[scheme](url.host, port=url.port, maxsize=1, block=False, retries=False,
                                              timeout=self._timeout, **extra)
            self._pools[origin] = pool
        return pool

    def send(self, request: Prepared) -> Exchange:
        proxy = self._proxy
        pool = None if proxy is not None else self._pools.get(request.origin) or self._pool(request.origin)
        start = time.perf_counter()
        try:
            if pool is not None:
                response = pool.urlopen(request.method, request.target, body=request.body,
                                        headers=request.headers, retries=False, redirect=False,
                                        assert_same_host=False, preload_content=False)
            else:  # the proxy manager writes the absolute form (or the CONNECT) and the proxy headers
                response = proxy.urlopen(request.method, request.url, body=request.body,  # type: ignore[union-attr]
                                         headers=request.headers, retries=False, redirect=False,
                                         preload_content=False)
            body, dropped = self._read_within(response, start + self._options.timeout, self._options.timeout,
                                              request.keep_body, request.max_body)
        except Exception as exc:  # a target fault is a measurement, never an error
            duration = time.perf_counter() - start
            fault = classify_fault(exc)
            return Exchange(0, {}, b"", duration, fault, describe_fault(exc))
        return Exchange(response.status, response.headers, body, time.perf_counter() - start,
                        server_timing=response.headers.get("server-timing", ""), discarded=dropped)

    def close(self) -> None:
        for pool in self._pools.values():
            pool.close()
        self._pools.clear()
        if self._proxy is not None:
            self._proxy.clear()


def decode_body(body: bytes, encoding: str) -> bytes:
    """The body as urllib3 decodes it (gzip, deflate, and br/zstd when their packages are there):
    urllib3's own decoder on the bytes read, so both transports agree, errors included."""
    import io

    from urllib3.response import HTTPResponse

    response = HTTPResponse(body=io.BytesIO(body), headers={"Content-Encoding": encoding},
                            preload_content=True, decode_content=True)
    return response.data


def raw_excerpt(body: bytes, dropped: int, encoding: str) -> tuple[bytes, int]:
    """An answer read raw for want of a check that reads it: when it was read whole, decoded as a
    kept one would be (small answers count and show the same either way); when its end was
    dropped, what was kept if it is plain, nothing if it is compressed (half a gzip stream reads as
    nothing), the bytes counted as they arrived."""
    if not encoding or not body:
        return body, dropped
    if dropped:
        return b"", len(body) + dropped
    return decode_body(body, encoding), 0


def tls_arguments(verify: bool | str) -> dict[str, Any]:
    """urllib3's certificate arguments for ``verify``: a bool, or a CA bundle's path (as requests)."""
    if not verify:
        return {"cert_reqs": "CERT_NONE"}
    return {"cert_reqs": "CERT_REQUIRED", **({"ca_certs": verify} if isinstance(verify, str) else {})}


def classify_fault(exc: BaseException) -> str:
    """The failure category of an exception raised while sending or reading (see FAILURE_CATEGORIES)."""
    chain = list(_causes(exc))
    u3 = _urllib3_exceptions()
    if any(isinstance(e, ConnectionRefusedError) for e in chain):
        return "refused"
    if any(isinstance(e, BodyTooLarge) for e in chain):
        return "body_too_large"
    if any(isinstance(e, u3.DecodeError) for e in chain):
        return "bad_body"
    if any(isinstance(e, TimeoutError | socket.timeout | u3.TimeoutError)
           and not isinstance(e, u3.NewConnectionError) for e in chain):
        return "timeout"
    if any(isinstance(e, ConnectionResetError | BrokenPipeError | ConnectionAbortedError
                      | RemoteDisconnected | IncompleteRead | u3.ProtocolError)
           for e in chain) and not any(isinstance(e, ssl.SSLError) for e in chain):
        return "reset"
    return "other"


class _NoSuchError(Exception):
    """Stands for urllib3's exception classes while urllib3 is not loaded: nothing is one."""


class _NoUrllib3:
    DecodeError = TimeoutError = NewConnectionError = ProtocolError = _NoSuchError


def _urllib3_exceptions() -> Any:
    """``urllib3.exceptions`` if something loaded urllib3, else stand-ins: an exception cannot come
    from a library that was never imported, and importing it here would cost every fault ~60 ms."""
    return sys.modules.get("urllib3.exceptions") or _NoUrllib3


def _causes(exc: BaseException) -> list[BaseException]:
    """The exception, what it wraps (``reason``, args, cause, context), and so on, without cycles."""
    seen: list[BaseException] = []
    pending: list[object] = [exc]
    while pending and len(seen) < 16:
        item = pending.pop()
        if not isinstance(item, BaseException) or any(item is s for s in seen):
            continue
        seen.append(item)
        pending.extend([getattr(item, "reason", None), item.__cause__, item.__context__, *item.args])
    return seen


def describe_fault(exc: BaseException) -> str:
    """A short, stable description (no object addresses), so identical faults group together."""
    root = _causes(exc)[-1]
    text = f"{type(root).__name__}: {root}" if str(root) else type(root).__name__
    return text.split(" object at 0x")[0][:200]


class TransportSet:
    """One transport per worker number, created on first use and kept across cells, so a worker's
    connection is opened once per run rather than once per cell."""

    def __init__(self, factory: TransportFactory, options: TransportOptions) -> None:
        self._factory = factory
        self._options = options
        self._transports: dict[int, Transport] = {}
        self._lock = threading.Lock()

    def __call__(self, worker: int) -> Transport:
        transport = self._transports.get(worker)
        if transport is None:
            with self._lock:
                transport = self._transports.get(worker)
                if transport is None:
                    transport = self._factory(self._options)
                    self._transports[worker] = transport
        return transport

    def used(self, default: str) -> str:
        """What sent the requests so far: ``default``, or e.g. ``httptools+urllib3`` when the fast
        transport had to hand an https origin met during the run to urllib3."""
        with self._lock:
            used = {part for t in self._transports.values()
                    for part in str(getattr(t, "used", default)).split("+")}
        return "+".join([default, *sorted(used - {default})])

    def close(self) -> None:
        with self._lock:
            for transport in self._transports.values():
                transport.close()
            self._transports.clear()
