"""The local targets of the side-by-side benchmark: nginx serving a small JSON file, and a server
answering after 50 ms, both started here on 127.0.0.1 (optionally pinned to a CPU with taskset).

Used by ``bench/vs_hey.py``; not part of the package.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

JSON_BODY = (b'{"status":"ok","service":"bench","version":"1.0.0","items":[{"id":1,"name":"alpha",'
             b'"tags":["a","b"]},{"id":2,"name":"beta","tags":["c"]}],"total":2,"page":1,"more":false,'
             b'"generated":"2024-01-01T00:00:00Z"}')
"""203 bytes, the size of the issue's measurement."""
DELAY_S = 0.050
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"

NGINX_CONF = """\
worker_processes 1;
daemon off;
master_process off;
pid {root}/nginx.pid;
error_log {root}/error.log warn;
events {{ worker_connections 4096; }}
http {{
    access_log off;
    keepalive_requests 100000000;
    keepalive_timeout 75s;
    client_body_temp_path {root}/body;
    proxy_temp_path {root}/proxy;
    fastcgi_temp_path {root}/fastcgi;
    uwsgi_temp_path {root}/uwsgi;
    scgi_temp_path {root}/scgi;
    types {{ application/json json; }}
    server {{
        listen 127.0.0.1:{port} backlog=4096;
        root {root}/www;
        location / {{ }}
    }}
}}
"""

DELAY_SERVER = f"""\
import asyncio, sys
BODY = b'{{"ok":true}}'
ANSWER = b"HTTP/1.1 200 OK\\r\\nContent-Type: application/json\\r\\nContent-Length: %d\\r\\n\\r\\n%s" % (
    len(BODY), BODY)
class Answer(asyncio.Protocol):
    def connection_made(self, transport):
        self.transport, self.pending = transport, b""
    def data_received(self, data):
        self.pending += data
        while b"\\r\\n\\r\\n" in self.pending:
            _, _, self.pending = self.pending.partition(b"\\r\\n\\r\\n")
            asyncio.get_running_loop().call_later({DELAY_S}, self.transport.write, ANSWER)
async def main():
    loop = asyncio.get_running_loop()
    server = await loop.create_server(Answer, "127.0.0.1", int(sys.argv[1]), backlog=512)
    await server.serve_forever()
asyncio.run(main())
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_listening(port: int, process: subprocess.Popen[bytes], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server on port {port} exited with {process.returncode}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listens on port {port} after {timeout} s")


def pin(cpu: int | None) -> list[str]:
    return ["taskset", "-c", str(cpu)] if cpu is not None else []


class Targets:
    """nginx (``json_url``) and the 50 ms server (``slow_url``); a context manager that stops both."""

    def __init__(self, cpu: int | None) -> None:
        self._root = Path(tempfile.mkdtemp(prefix="yamlperf-bench-"))
        self._root.chmod(0o755)  # nginx's worker may run as another user
        (self._root / "www").mkdir()
        (self._root / "www" / "data.json").write_bytes(JSON_BODY)
        nginx_port, slow_port = free_port(), free_port()
        conf = self._root / "nginx.conf"
        conf.write_text(NGINX_CONF.format(root=self._root, port=nginx_port), encoding="utf-8")
        self._processes = [
            subprocess.Popen([*pin(cpu), NGINX, "-c", str(conf), "-p", str(self._root)],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL),
            subprocess.Popen([*pin(cpu), sys.executable, "-c", DELAY_SERVER, str(slow_port)],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL),
        ]
        for port, process in zip((nginx_port, slow_port), self._processes, strict=True):
            wait_listening(port, process)
        self.json_url = f"http://127.0.0.1:{nginx_port}/data.json"
        self.slow_url = f"http://127.0.0.1:{slow_port}/slow"

    def __enter__(self) -> Targets:
        return self

    def __exit__(self, *_: object) -> None:
        for process in self._processes:
            process.terminate()
        for process in self._processes:
            try:
                process.wait(5)
            except subprocess.TimeoutExpired:
                process.kill()
        shutil.rmtree(self._root, ignore_errors=True)


def cpus() -> tuple[int | None, int | None]:
    """(target CPU, client CPU): the first two this process may use, or none when there is one."""
    allowed = sorted(os.sched_getaffinity(0))
    return (allowed[0], allowed[1]) if len(allowed) >= 2 else (None, None)
