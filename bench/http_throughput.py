"""Requests/s of yamlperf's engine next to a bare urllib3 loop, against the same fast local endpoint.

Starts a minimal keep-alive HTTP/1.1 server (asyncio, tiny JSON body) in a separate process, then,
alternating, measures (a) 10 threads each looping over its own ``urllib3.HTTPConnectionPool`` and
(b) ``yamlperf run``'s engine at concurrency 10, for the same number of requests, and prints both
and their ratio, and the client CPU time per 1000 requests (steadier than requests/s on a shared
machine). With two or more CPUs the server is pinned to the first and the client to the second,
as in PERFORMANCE.md. Absolute figures drift on shared machines: read the ratios.

    python bench/http_throughput.py [--requests 20000] [--rounds 3]
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

import urllib3

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from yamlperf.engine.runner import RunOptions, run_scenario
from yamlperf.loader import load_scenario

BODY = b'{"status":"ok","items":[1,2,3]}'
RESPONSE = (b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "
            + str(len(BODY)).encode() + b"\r\n\r\n" + BODY)
THREADS = 10
Measure = tuple[float, float]
"""(requests/s, client CPU seconds per 1000 requests)"""


class _Answer(asyncio.Protocol):
    """Answers every complete request head with the same response (GETs have no body)."""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport
        self.pending = b""

    def data_received(self, data: bytes) -> None:
        self.pending += data
        complete = self.pending.count(b"\r\n\r\n")
        if complete:
            self.transport.write(RESPONSE * complete)  # type: ignore[attr-defined]
            self.pending = self.pending[self.pending.rfind(b"\r\n\r\n") + 4:]


def _serve(port_out: multiprocessing.connection.Connection, cpu: int | None) -> None:
    if cpu is not None:
        os.sched_setaffinity(0, {cpu})

    async def main() -> None:
        server = await asyncio.get_running_loop().create_server(_Answer, "127.0.0.1", 0, backlog=256)
        port_out.send(server.sockets[0].getsockname()[1])
        await server.serve_forever()

    asyncio.run(main())


def bare_urllib3(port: int, total: int) -> Measure:
    """10 threads, one pool of one connection each, ``total`` requests in all."""
    per_thread = total // THREADS
    barrier = threading.Barrier(THREADS + 1)

    def loop() -> None:
        pool = urllib3.HTTPConnectionPool("127.0.0.1", port, maxsize=1, retries=False)
        barrier.wait()
        for _ in range(per_thread):
            response = pool.urlopen("GET", "/", retries=False, redirect=False, preload_content=True)
            assert response.status == 200
        pool.close()

    threads = [threading.Thread(target=loop) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    barrier.wait()
    started, cpu = time.perf_counter(), time.process_time()
    for thread in threads:
        thread.join()
    done = per_thread * THREADS
    return done / (time.perf_counter() - started), (time.process_time() - cpu) / done * 1000


def engine(port: int, total: int, folder: Path) -> Measure:
    """yamlperf's engine, one cell of ``total`` requests at concurrency 10 (requests/s over the cell;
    the CPU time covers the whole run: loading, the cell, the summary and results.json)."""
    path = folder / "bench.yaml"
    path.write_text(f"""\
name: bench
target: {{base_url: "http://127.0.0.1:{port}"}}
load: {{iterations: {total}, concurrency: {THREADS}}}
endpoints: [{{name: fast, path: /}}]
output: {{directory: "{folder / 'runs'}", formats: [json]}}
""", encoding="utf-8")
    cpu = time.process_time()
    cell = run_scenario(load_scenario(path), RunOptions(scenario_file=path)).result.cells[0]
    assert cell.successes == total, cell.failures
    return cell.throughput, (time.process_time() - cpu) / total * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    cpus = sorted(os.sched_getaffinity(0))
    server_cpu, client_cpu = (cpus[0], cpus[1]) if len(cpus) >= 2 else (None, None)
    receive, send = multiprocessing.Pipe(duplex=False)
    server = multiprocessing.Process(target=_serve, args=(send, server_cpu), daemon=True)
    server.start()
    port = receive.recv()
    if client_cpu is not None:
        os.sched_setaffinity(0, {client_cpu})
    bare, ours = [], []
    try:
        with tempfile.TemporaryDirectory() as folder:
            bare_urllib3(port, 2_000)
            for _ in range(args.rounds):
                bare.append(bare_urllib3(port, args.requests))
                ours.append(engine(port, args.requests, Path(folder)))
    finally:
        server.terminate()
    pinning = f"server on CPU {server_cpu}, client on CPU {client_cpu}" if client_cpu is not None \
        else "unpinned"
    print(f"{args.requests} requests x {args.rounds} rounds, {THREADS} connections, {pinning}")
    for label, runs in (("bare urllib3 loop", bare), ("yamlperf engine  ", ours)):
        rates = [r for r, _ in runs]
        print(f"  {label}: {statistics.median(rates):7.0f} requests/s, "
              f"{statistics.median(c for _, c in runs) * 1e3:6.1f} ms CPU per 1000 requests  "
              f"(rounds: {', '.join(f'{r:.0f}' for r in rates)})")
    rate_ratio = statistics.median(r for r, _ in ours) / statistics.median(r for r, _ in bare)
    cpu_ratio = statistics.median(c for _, c in ours) / statistics.median(c for _, c in bare)
    print(f"  engine / bare    : {rate_ratio:.2f} x the requests/s, {cpu_ratio:.2f} x the CPU per request")

if __name__ == "__main__":
    main()
