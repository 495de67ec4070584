"""A measured time ends when the answer arrived, not when the client's thread got round to it: a
thread that waits for the GIL (other workers, the recorder) does not add that wait to the target's
latency. Linux only (the kernel's receive timestamps)."""

from __future__ import annotations

import socket
import struct
import subprocess
import sys
import threading
import time
from collections.abc import Iterator

import pytest

from yamlperf.engine.fast_http import SO_TIMESTAMPNS, FastTransport
from yamlperf.engine.http import Exchange, Prepared, TransportOptions

ANSWER_AFTER_S = 0.05
SERVER = f"""
import socket, sys, time
close = sys.argv[1] == "close"
listener = socket.create_server(("127.0.0.1", 0))
print(listener.getsockname()[1], flush=True)
while True:
    peer, _ = listener.accept()
    while True:
        request = b""
        while b"\\r\\n\\r\\n" not in request:
            more = peer.recv(65536)
            if not more:
                break
            request += more
        if not request:
            break
        time.sleep({ANSWER_AFTER_S})
        if close:  # a body that ends where the connection does
            peer.sendall(b"HTTP/1.1 200 OK\\r\\nConnection: close\\r\\n\\r\\nok")
            break
        peer.sendall(b"HTTP/1.1 200 OK\\r\\nContent-Length: 2\\r\\n\\r\\nok")
    peer.close()
"""

pytestmark = pytest.mark.skipif(not SO_TIMESTAMPNS, reason="receive timestamps are Linux's")


@pytest.fixture(params=["length", "close"])
def slow_origin(request: pytest.FixtureRequest) -> Iterator[str]:
    """A server in another process (this one's GIL must not hold it up) answering after 50 ms, its
    body framed by a Content-Length or ended by closing the connection."""
    process = subprocess.Popen([sys.executable, "-c", SERVER, request.param], stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        yield f"http://127.0.0.1:{process.stdout.readline().strip()}"
    finally:
        process.kill()
        process.wait(10)


def _gil_holder(seconds: float) -> int:
    """A count whose ``sum(range(count))`` takes about ``seconds``: one C call that keeps the GIL
    throughout (no bytecode runs, so no thread switch)."""
    count = 1_000_000
    while True:
        begun = time.perf_counter()
        sum(range(count))
        spent = time.perf_counter() - begun
        if spent > 0.05:
            return int(count * seconds / spent)
        count *= 4


def test_a_thread_held_up_after_the_answer_arrived_does_not_time_the_hold(slow_origin: str) -> None:
    transport = FastTransport(TransportOptions(timeout=10))
    request = Prepared("GET", slow_origin, "/", {"User-Agent": "test"}, None)
    try:
        assert transport.send(request).status == 200  # connected: the next one is one exchange
        count = _gil_holder(0.6)
        found: list[Exchange] = []
        sender = threading.Thread(target=lambda: found.append(transport.send(request)))
        begun = time.perf_counter()
        sender.start()
        time.sleep(ANSWER_AFTER_S / 5)  # the request is out; the answer comes while the GIL is held
        holding = time.perf_counter()
        sum(range(count))
        held = time.perf_counter() - holding
        sender.join(10)
        took = time.perf_counter() - begun
    finally:
        transport.close()
    assert held >= 0.3, f"the GIL was held {held:.3f} s only"
    exchange = found[0]
    assert exchange.status == 200
    assert ANSWER_AFTER_S <= exchange.duration < 0.3, (
        f"{exchange.duration:.3f} s measured for an answer sent after {ANSWER_AFTER_S} s; the thread "
        f"could read it only after {took:.3f} s")


@pytest.mark.parametrize("slow_origin", ["length"], indirect=True)
def test_a_connection_times_out_in_the_kernel_so_a_read_is_one_system_call(slow_origin: str) -> None:
    transport = FastTransport(TransportOptions(timeout=2.5))
    try:
        assert transport.send(Prepared("GET", slow_origin, "/", {"User-Agent": "test"}, None)).status == 200
        sock = transport._connections[slow_origin].sock
        assert sock.gettimeout() is None
        seconds, micros = struct.unpack("@ql", sock.getsockopt(socket.SOL_SOCKET, socket.SO_RCVTIMEO, 16))
        assert (seconds, micros) == (2, 500_000)
    finally:
        transport.close()
