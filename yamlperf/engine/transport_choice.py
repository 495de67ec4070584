"""Which transport measures a run: the fast one where it applies, urllib3 for what it does not do.

Decided once, before the first request, from the origins the scenario names and the environment's
proxy settings, and written in the results (``meta.transport``): two runs that differ only by the
client that measured them must be told apart, since the fast one adds ~0.8 ms less to every time.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from urllib.parse import SplitResult, urlsplit
from urllib.request import proxy_bypass_environment

from .fast_http import IMPORT_ERROR, FastTransport, httptools
from .http import TransportFactory, Urllib3Transport

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class TransportChoice:
    """The factory for the run's transports, its name, why the fast one was not picked (``note``,
    empty when it was) and the proxy urllib3 must go through."""

    factory: TransportFactory
    name: str
    note: str = ""
    proxy: str = ""


def given_transport(factory: TransportFactory) -> TransportChoice:
    """A transport chosen by the caller (tests, benchmarks), named by its ``name`` attribute."""
    return TransportChoice(factory, str(getattr(factory, "name", getattr(factory, "__name__", "custom"))))


def choose_transport(urls: Iterable[str], environ: Mapping[str, str]) -> TransportChoice:
    """``FastTransport`` when every URL is plain http without a proxy, else ``Urllib3Transport``."""
    parsed = [urlsplit(url) for url in urls]
    for url in parsed:
        proxy, variable = proxy_for(url, environ)
        if proxy:
            return TransportChoice(Urllib3Transport, Urllib3Transport.name,
                                   f"{variable} applies to {url.hostname}: the fast transport has no proxy "
                                   "support", proxy)
    for url in parsed:
        if url.scheme != "http":
            return TransportChoice(Urllib3Transport, Urllib3Transport.name,
                                   f"{url.scheme} target: the fast transport speaks plain http only")
    if httptools is None:
        logger.debug("httptools does not import (%s): urllib3 measures this run", IMPORT_ERROR)
        return TransportChoice(Urllib3Transport, Urllib3Transport.name, "httptools does not import")
    return TransportChoice(FastTransport, FastTransport.name)


def proxy_for(url: SplitResult, environ: Mapping[str, str]) -> tuple[str, str]:
    """The proxy URL the environment sets for ``url`` and the variable that set it, or ``("", "")``.
    As urllib reads them: lower case before upper case, ``<scheme>_proxy`` before ``all_proxy``,
    and ``no_proxy`` (hosts, domain suffixes, ``*``) exempting the host."""
    for name in (f"{url.scheme}_proxy", "all_proxy"):
        for variable in (name, name.upper()):
            proxy = environ.get(variable, "")
            if proxy:
                no_proxy = environ.get("no_proxy") or environ.get("NO_PROXY") or ""
                host = url.netloc.rsplit("@", 1)[-1]
                if no_proxy and proxy_bypass_environment(host, {"no": no_proxy}):
                    return "", ""
                return proxy, variable
    return "", ""
