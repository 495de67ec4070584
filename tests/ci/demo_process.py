"""The demo API in a process of its own, as a user's API would be: in the test's process its threads
would share the GIL with the load generator, which made run-to-run noise of ±40% on sub-millisecond
cells. Prints its URL; each line read from stdin, ``SUFFIX FACTOR``, makes the endpoints whose path
ends with SUFFIX take FACTOR times their time from then on; end of input stops it.

    python demo_process.py
"""

from __future__ import annotations

import sys
import threading
import time

from yamlperf.demo import DemoServer
from yamlperf.demo.app import DemoApp
from yamlperf.demo.messages import Request, Response

slowed: dict[str, float] = {}
_handle = DemoApp.handle


def _handle_slowed(app: DemoApp, request: Request) -> Response:
    started = time.perf_counter()
    response = _handle(app, request)
    for suffix, factor in slowed.items():
        if request.path.endswith(suffix):
            time.sleep((factor - 1) * (time.perf_counter() - started))
    return response


def main() -> None:
    DemoApp.handle = _handle_slowed  # type: ignore[method-assign]
    stopped = threading.Event()

    def listen() -> None:
        for line in sys.stdin:
            suffix, factor = line.split()
            slowed[suffix] = float(factor)
            print("ok", flush=True)
        stopped.set()

    with DemoServer(port=0, require_auth=False) as server:
        print(server.url, flush=True)
        threading.Thread(target=listen, daemon=True).start()
        stopped.wait(timeout=600)


if __name__ == "__main__":
    main()
