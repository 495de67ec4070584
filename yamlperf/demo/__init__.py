"""The embedded demo target: a small but real HTTP API that yamlperf's scenarios, tests and
benchmarks run against.

Stdlib only and independent of the rest of yamlperf. Start it with ``python -m yamlperf.demo``
or from Python::

    with DemoServer(port=0) as server:
        server.url  # "http://127.0.0.1:54321"
"""

from yamlperf.demo.server import DEFAULT_USERS, DemoServer

__all__ = ["DEFAULT_USERS", "DemoServer"]
