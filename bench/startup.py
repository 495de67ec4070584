"""Start-up: wall time from starting ``yamlperf run`` to the first request the target receives.

A small keep-alive server on a thread notes when the first request arrives; each round starts the
``yamlperf`` command of this Python (``python -m yamlperf run``) on a one-endpoint scenario without
dataset or login, so what is timed is the interpreter, the imports, loading and validating the
scenario, the run folder, the reachability check and the transports. Also prints the import of
``yamlperf.cli`` alone (``-X importtime``'s cumulative total) and the slowest imports of a run.

Measured twice: as the environment runs Python (with ``PYTHONDONTWRITEBYTECODE=1`` every module
without a ``.pyc`` is compiled from source at every start), and with a bytecode cache in a
temporary ``PYTHONPYCACHEPREFIX`` (what an installed yamlperf does), warmed by one run first.

    python bench/startup.py [--rounds 5]
"""

from __future__ import annotations

import argparse
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ANSWER = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}"


class FirstRequest:
    """Answers every request; ``arrived`` is set at the first one (time.time(): another process)."""

    def __init__(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.listener.settimeout(0.05)
        self.first: float | None = None
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.listener.getsockname()[1]}"

    def _accept(self) -> None:
        while not self.stop.is_set():
            try:
                sock, _ = self.listener.accept()
            except TimeoutError:
                continue
            threading.Thread(target=self._serve, args=(sock,), daemon=True).start()

    def _serve(self, sock: socket.socket) -> None:
        sock.settimeout(10)
        with sock:
            for _ in range(10_000):
                try:
                    data = sock.recv(65536)
                except OSError:
                    return
                if not data:
                    return
                if self.first is None:
                    self.first = time.time()
                    self.arrived()
                sock.sendall(ANSWER * data.count(b"\r\n\r\n"))

    def arrived(self) -> None:
        """Called once, when the first request arrives (a subclass reads the client's CPU then)."""

    def close(self) -> None:
        self.stop.set()
        self.thread.join(5)
        self.listener.close()


def _scenario(folder: Path, url: str) -> Path:
    path = folder / "startup.yaml"
    path.write_text(f"""\
name: startup
target: {{base_url: "{url}"}}
load: {{iterations: 5, concurrency: 1}}
endpoints: [{{name: root, path: /}}]
output: {{directory: "{folder / 'runs'}", formats: [json]}}
""", encoding="utf-8")
    return path


def to_first_request(folder: Path, env: dict[str, str]) -> tuple[float, float]:
    """(seconds from the command's start to the first request, seconds for the whole command)."""
    server = FirstRequest()
    try:
        path = _scenario(folder, server.url)
        started = time.time()
        subprocess.run([sys.executable, "-m", "yamlperf", "run", str(path)], check=True, cwd=folder,
                       capture_output=True, timeout=60, env=env)
        ended = time.time()
        assert server.first is not None, "the run sent no request"
        return server.first - started, ended - started
    finally:
        server.close()


def import_time(module: str, env: dict[str, str]) -> float:
    """Cumulative seconds of importing ``module`` in a fresh interpreter (``-X importtime``)."""
    done = subprocess.run([sys.executable, "-X", "importtime", "-c", f"import {module}"], check=True,
                          capture_output=True, text=True, timeout=60, env=env)
    line = next(li for li in done.stderr.splitlines() if li.rstrip().endswith(f"| {module}"))
    return int(line.split("|")[1]) / 1e6


def slowest_run_imports(folder: Path, env: dict[str, str], count: int = 12) -> list[tuple[float, str]]:
    """The top-level imports of a whole ``yamlperf run`` by cumulative time (nested ones folded)."""
    server = FirstRequest()
    try:
        done = subprocess.run([sys.executable, "-X", "importtime", "-m", "yamlperf", "run",
                               str(_scenario(folder, server.url))], capture_output=True, text=True,
                              cwd=folder, timeout=60, check=True, env=env)
    finally:
        server.close()
    found = []
    for line in done.stderr.splitlines():
        match = re.match(r"import time:\s+\d+ \|\s+(\d+) \| (\s*)(\S+)", line)
        if match and len(match.group(2)) <= 2:
            found.append((int(match.group(1)) / 1e6, match.group(3)))
    return sorted(found, reverse=True)[:count]


def measure(folder: Path, env: dict[str, str], rounds: int, label: str) -> None:
    times = [to_first_request(folder, env) for _ in range(rounds)]
    imports = [import_time("yamlperf.cli", env) for _ in range(rounds)]
    firsts = [f for f, _ in times]
    print(f"{label}:")
    print(f"  yamlperf run -> first request: median {statistics.median(firsts) * 1e3:.0f} ms "
          f"(rounds: {', '.join(f'{f * 1e3:.0f}' for f in firsts)}); whole command "
          f"{statistics.median(t for _, t in times) * 1e3:.0f} ms")
    print(f"  import yamlperf.cli: median {statistics.median(imports) * 1e3:.0f} ms (-X importtime)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as name, tempfile.TemporaryDirectory() as cache:
        folder = Path(name)
        as_is = dict(os.environ)
        cached = {**{k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"},
                  "PYTHONPYCACHEPREFIX": cache}
        measure(folder, as_is, args.rounds, f"as this environment runs Python (PYTHONDONTWRITEBYTECODE="
                                            f"{os.environ.get('PYTHONDONTWRITEBYTECODE', '')!r})")
        to_first_request(folder, cached)  # writes the bytecode cache
        measure(folder, cached, args.rounds, "with a bytecode cache")
        slowest = slowest_run_imports(folder, cached)
    print("slowest top-level imports of a run, bytecode cached (-X importtime inflates them):")
    for seconds, module in slowest:
        print(f"  {seconds * 1e3:6.1f} ms  {module}")


if __name__ == "__main__":
    main()
