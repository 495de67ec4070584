"""Requests/s and latency overhead of yamlperf's engine with each transport, next to a bare urllib3
loop, against the same local endpoints, measured in one run.

Starts a minimal keep-alive HTTP/1.1 server (asyncio, tiny JSON body; ``/slow`` answers after
50 ms) in a separate process, then:

- throughput, alternating in each round: (a) 10 threads each looping over its own
  ``urllib3.HTTPConnectionPool``, (b) ``yamlperf run``'s engine at concurrency 10 with
  ``Urllib3Transport``, (c) the same with ``FastTransport``; requests/s and client CPU time per
  1000 requests (steadier than requests/s on a shared machine);
- latency overhead, one request at a time to ``/slow``: the median of each client minus the median
  of a raw socket loop (send the bytes, read the known answer length: the least a Python client
  can add), in the same run, the clients alternating in ``--rounds`` rounds.

With two or more CPUs the server is pinned to the first and the client to the second, as in
PERFORMANCE.md. Absolute figures drift on shared machines: read the ratios.

    python bench/http_throughput.py [--requests 20000] [--rounds 3] [--latency-requests 200]
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import socket
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from multiprocessing.connection import Connection
from pathlib import Path

import urllib3

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from yamlperf.engine.fast_http import FastTransport
from yamlperf.engine.http import TransportFactory, Urllib3Transport
from yamlperf.engine.runner import RunOptions, run_scenario
from yamlperf.loader import load_scenario
from yamlperf.results import CellStats

BODY = b'{"status":"ok","items":[1,2,3]}'
RESPONSE = (b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "
            + str(len(BODY)).encode() + b"\r\n\r\n" + BODY)
SLOW_S = 0.050
THREADS = 10
Measure = tuple[float, float]
"""(requests/s, client CPU seconds per 1000 requests)"""
TRANSPORTS: dict[str, TransportFactory] = {"urllib3": Urllib3Transport, "httptools": FastTransport}


class _Answer(asyncio.Protocol):
    """Answers every complete request head (GETs have no body), in order; ``/slow`` after 50 ms."""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport
        self.pending = b""

    def data_received(self, data: bytes) -> None:
        self.pending += data
        while b"\r\n\r\n" in self.pending:
            head, _, self.pending = self.pending.partition(b"\r\n\r\n")
            if head.startswith(b"GET /slow"):
                loop = asyncio.get_running_loop()
                loop.call_later(SLOW_S, self.transport.write, RESPONSE)  # type: ignore[attr-defined]
            else:
                self.transport.write(RESPONSE)  # type: ignore[attr-defined]


def _serve(port_out: Connection, cpu: int | None) -> None:
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


def _scenario(folder: Path, port: int, total: int, concurrency: int, path: str) -> Path:
    scenario = folder / "bench.yaml"
    scenario.write_text(f"""\
name: bench
target: {{base_url: "http://127.0.0.1:{port}"}}
load: {{iterations: {total}, concurrency: {concurrency}}}
endpoints: [{{name: fast, path: {path}}}]
output: {{directory: "{folder / 'runs'}", formats: [json]}}
""", encoding="utf-8")
    return scenario


def engine(port: int, total: int, folder: Path, transport: TransportFactory) -> Measure:
    """yamlperf's engine, one cell of ``total`` requests at concurrency 10 (requests/s over the cell;
    the CPU time covers the whole run: loading, the cell, the summary and results.json)."""
    path = _scenario(folder, port, total, THREADS, "/")
    cpu = time.process_time()
    cell = _run_cell(path, transport)
    return cell.throughput, (time.process_time() - cpu) / total * 1000


def _run_cell(path: Path, transport: TransportFactory) -> CellStats:
    outcome = run_scenario(load_scenario(path), RunOptions(scenario_file=path, transport=transport))
    cell = outcome.result.cells[0]
    assert cell.successes == cell.requests, cell.failures
    return cell


def raw_socket_latencies(port: int, count: int) -> list[float]:
    """The floor: the request's bytes on a socket, then read exactly the known answer's length."""
    request = f"GET /slow HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n".encode()
    times = []
    with socket.create_connection(("127.0.0.1", port)) as sock:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        for _ in range(count):
            start = time.perf_counter()
            sock.sendall(request)
            received = 0
            while received < len(RESPONSE):
                received += len(sock.recv(65536))
            times.append(time.perf_counter() - start)
    return times


def urllib3_latencies(port: int, count: int) -> list[float]:
    pool = urllib3.HTTPConnectionPool("127.0.0.1", port, maxsize=1, retries=False)
    times = []
    for _ in range(count):
        start = time.perf_counter()
        pool.urlopen("GET", "/slow", retries=False, redirect=False, preload_content=True)
        times.append(time.perf_counter() - start)
    pool.close()
    return times


def engine_latencies(port: int, count: int, folder: Path, transport: TransportFactory) -> list[float]:
    return list(_run_cell(_scenario(folder, port, count, 1, "/slow"), transport).samples)


def _pinned_server() -> tuple[multiprocessing.Process, int, str]:
    cpus = sorted(os.sched_getaffinity(0))
    server_cpu, client_cpu = (cpus[0], cpus[1]) if len(cpus) >= 2 else (None, None)
    receive, send = multiprocessing.Pipe(duplex=False)
    server = multiprocessing.Process(target=_serve, args=(send, server_cpu), daemon=True)
    server.start()
    port = receive.recv()
    if client_cpu is not None:
        os.sched_setaffinity(0, {client_cpu})
    pinning = f"server on CPU {server_cpu}, client on CPU {client_cpu}" if client_cpu is not None \
        else "unpinned"
    return server, port, pinning


def _report_throughput(runs: dict[str, list[Measure]]) -> None:
    bare = runs["bare urllib3 loop"]
    for label, measures in runs.items():
        rates = [r for r, _ in measures]
        rate_ratio = statistics.median(rates) / statistics.median(r for r, _ in bare)
        print(f"  {label:<30}: {statistics.median(rates):7.0f} requests/s ({rate_ratio:4.2f} x bare), "
              f"{statistics.median(c for _, c in measures) * 1e3:6.1f} ms CPU per 1000 requests  "
              f"(rounds: {', '.join(f'{r:.0f}' for r in rates)})")


def _report_latency(latencies: dict[str, list[float]]) -> None:
    floor = statistics.median(latencies["raw socket (floor)"])
    for label, times in latencies.items():
        median = statistics.median(times)
        print(f"  {label:<30}: median {median * 1e3:7.3f} ms, overhead {(median - floor) * 1e3:+6.3f} ms "
              f"over the raw socket ({len(times)} requests)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--latency-requests", type=int, default=200)
    args = parser.parse_args()
    server, port, pinning = _pinned_server()
    runs: dict[str, list[Measure]] = {"bare urllib3 loop": [], "yamlperf, urllib3 transport": [],
                                      "yamlperf, httptools transport": []}
    latencies: dict[str, list[float]] = {}
    try:
        with tempfile.TemporaryDirectory() as name:
            folder = Path(name)
            bare_urllib3(port, 2_000)
            for _ in range(args.rounds):
                runs["bare urllib3 loop"].append(bare_urllib3(port, args.requests))
                for transport_name, factory in TRANSPORTS.items():
                    runs[f"yamlperf, {transport_name} transport"].append(
                        engine(port, args.requests, folder, factory))
            count = max(1, args.latency_requests // args.rounds)
            latency_clients: dict[str, Callable[[], list[float]]] = {
                "raw socket (floor)": lambda: raw_socket_latencies(port, count),
                "bare urllib3 loop": lambda: urllib3_latencies(port, count),
                **{f"yamlperf, {n} transport": (lambda f=f: engine_latencies(port, count, folder, f))
                   for n, f in TRANSPORTS.items()},
            }
            for _ in range(args.rounds):  # alternating, so a drift of the machine hits every client
                for label, client in latency_clients.items():
                    latencies.setdefault(label, []).extend(client())
    finally:
        server.terminate()
    print(f"throughput: {args.requests} requests x {args.rounds} rounds, {THREADS} connections, {pinning}")
    _report_throughput(runs)
    print(f"latency: one request at a time to an answer sent {SLOW_S * 1e3:.0f} ms after the request")
    _report_latency(latencies)


if __name__ == "__main__":
    main()
