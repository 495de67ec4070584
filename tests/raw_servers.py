"""A scripted TCP server on 127.0.0.1 for HTTP edge cases no well-behaved server produces: chunked
answers split across packets, garbage, resets mid-answer, silence, idle connections closed.

    def script(peer: Peer) -> None:
        peer.read_request()
        peer.send(b"HTTP/1.1 200 OK\\r\\nContent-Length: 2\\r\\n\\r\\nok")

    with ScriptedServer(script) as server:
        server.url, server.connections, server.requests

``script`` runs once per accepted connection, on its own thread; everything is bounded in time
(socket timeouts, a bounded number of connections) so a broken client cannot hang a test.
"""

from __future__ import annotations

import socket
import struct
import threading
from collections.abc import Callable

IO_TIMEOUT_S = 5.0
MAX_CONNECTIONS = 200
MAX_REQUEST_BYTES = 2**20


class Peer:
    """One accepted connection, as the script sees it."""

    def __init__(self, sock: socket.socket, server: ScriptedServer, index: int) -> None:
        self.sock = sock
        self.server = server
        self.index = index
        self._pending = b""

    def read_request(self) -> bytes:
        """One whole request (head and Content-Length body); b"" when the client closed first."""
        while b"\r\n\r\n" not in self._pending:
            chunk = self.sock.recv(65536)
            if not chunk or len(self._pending) > MAX_REQUEST_BYTES:
                return b""
            self._pending += chunk
        head, _, rest = self._pending.partition(b"\r\n\r\n")
        lines = [line.lower() for line in head.split(b"\r\n")]
        length = next((int(line.split(b":", 1)[1]) for line in lines if line.startswith(b"content-length:")), 0)
        if b"transfer-encoding: chunked" in lines:  # enough for the tests: the body ends at the last chunk
            while b"0\r\n\r\n" not in rest:
                chunk = self.sock.recv(65536)
                if not chunk:
                    return b""
                rest += chunk
            length = rest.index(b"0\r\n\r\n") + 5
        while len(rest) < length:
            chunk = self.sock.recv(65536)
            if not chunk:
                return b""
            rest += chunk
        request, self._pending = head + b"\r\n\r\n" + rest[:length], rest[length:]
        self.server.record(request)
        return request

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)

    def reset(self) -> None:
        """Abort with a TCP RST, as a crashing server would."""
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.sock.close()


class ScriptedServer:
    def __init__(self, script: Callable[[Peer], None]) -> None:
        self._script = script
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.05)
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._threads: list[threading.Thread] = []
        self.connections = 0
        self.requests: list[bytes] = []
        self._acceptor = threading.Thread(target=self._accept, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._listener.getsockname()[1]}"

    def record(self, request: bytes) -> None:
        with self._lock:
            self.requests.append(request)

    def __enter__(self) -> ScriptedServer:
        self._acceptor.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._acceptor.join(IO_TIMEOUT_S)
        for thread in self._threads:
            thread.join(IO_TIMEOUT_S)
        self._listener.close()

    def _accept(self) -> None:
        while not self._stop.is_set() and self.connections < MAX_CONNECTIONS:
            try:
                sock, _ = self._listener.accept()
            except TimeoutError:
                continue
            sock.settimeout(IO_TIMEOUT_S)
            with self._lock:
                self.connections += 1
                index = self.connections
            thread = threading.Thread(target=self._run, args=(Peer(sock, self, index),), daemon=True)
            self._threads.append(thread)
            thread.start()

    def _run(self, peer: Peer) -> None:
        try:
            self._script(peer)
        except OSError:
            pass  # the client hung up: expected in several tests
        finally:
            peer.sock.close()


def answer(body: bytes = b"ok", status: str = "200 OK", headers: str = "") -> bytes:
    """A complete keep-alive answer with a Content-Length."""
    return (f"HTTP/1.1 {status}\r\nContent-Type: text/plain\r\nContent-Length: {len(body)}\r\n{headers}\r\n"
            .encode() + body)


def serve_forever(reply: Callable[[bytes], bytes], limit: int = 1000) -> Callable[[Peer], None]:
    """A script answering every request on the connection with ``reply(request)``, up to ``limit``."""
    def script(peer: Peer) -> None:
        for _ in range(limit):
            request = peer.read_request()
            if not request:
                return
            peer.send(reply(request))

    return script
