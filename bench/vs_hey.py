"""yamlperf next to hey and wrk, against nginx and a 50 ms server, ratios measured in one run.

Starts nginx serving a 203-byte JSON file and a server answering after 50 ms on 127.0.0.1, pinned
to the first CPU; every client is pinned to the second (``taskset``). In each round, in a shuffled
order: hey, wrk, ``yamlperf quick`` and ``yamlperf run`` on a one-endpoint plan, so a drift of the
shared machine hits every client alike. Prints, as ratios to hey:

- requests/s against nginx (each tool's own figure: hey's and wrk's summary, yamlperf's cell) and
  client CPU per 1,000 requests (the whole command, start-up included, from ``wait4``);
- the median against the 50 ms server minus wrk's median in the same round;
- CPU seconds of ``yamlperf run`` from the command to the first request the target receives
  (``/proc/PID/task/*/schedstat`` read when it arrives);
- RSS growth per million requests (peak RSS of ``yamlperf quick`` at two request counts, 100
  connections, so the samples kept per cell show, not per worker thread);
- requests/s of one plan with each executor (threads, processes, a 2-worker Dask LocalCluster).

    python bench/vs_hey.py [--requests 30000] [--rounds 5] [--concurrency 10]
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from startup import FirstRequest
from targets import Targets, cpus, pin

YAMLPERF = str(Path(sys.executable).parent / "yamlperf")


@dataclass(frozen=True)
class Outcome:
    rate: float
    """Requests/s as the tool reports it."""
    cpu_per_1000: float
    """Client CPU seconds (user + system) per 1,000 requests, the whole command."""
    median: float = 0.0
    """Median latency in seconds (latency runs only)."""
    peak_rss_mb: float = 0.0
    cell_cpu_per_1000: float = 0.0
    """yamlperf: the client CPU seconds per 1,000 requests while the cell ran (every worker's)."""


def measured(command: list[str], cwd: Path | None = None) -> tuple[str, float, float]:
    """(stdout, CPU seconds, peak RSS MB) of one command, read with ``wait4`` (no other children)."""
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=cwd)
    chunks: list[bytes] = []
    errors: list[bytes] = []
    readers = [threading.Thread(target=lambda s=s, k=k: k.append(s.read()), daemon=True)
               for s, k in ((process.stdout, chunks), (process.stderr, errors))]
    for reader in readers:
        reader.start()
    _, status, usage = os.wait4(process.pid, 0)
    for reader in readers:
        reader.join()
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode:
        raise RuntimeError(f"{' '.join(command)} exited {process.returncode}: "
                           f"{b''.join(errors).decode()[-2000:]}")
    return b"".join(chunks).decode(), usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def hey(url: str, requests: int, concurrency: int, client: list[str], latency: bool = False) -> Outcome:
    command = [*client, "hey", "-n", str(requests), "-c", str(concurrency), "-cpus", "1",
               "-disable-compression"]
    out, cpu, rss = measured([*command, *(["-o", "csv"] if latency else []), url])
    if latency:
        rows = list(csv.DictReader(io.StringIO(out)))
        return Outcome(0.0, cpu / requests * 1000, statistics.median(float(r["response-time"]) for r in rows))
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    return Outcome(rate, cpu / requests * 1000, peak_rss_mb=rss)


def wrk(url: str, seconds: float, concurrency: int, client: list[str]) -> Outcome:
    out, cpu, rss = measured([*client, "wrk", "-t1", f"-c{concurrency}", f"-d{seconds:.0f}s", "--latency",
                              url])
    done = int(re.search(r"(\d+) requests in", out).group(1))  # type: ignore[union-attr]
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    match = re.search(r"50%\s+([\d.]+)(us|ms|s)", out)
    unit = {"us": 1e-6, "ms": 1e-3, "s": 1.0}[match.group(2)]  # type: ignore[union-attr]
    return Outcome(rate, cpu / done * 1000, float(match.group(1)) * unit, rss)  # type: ignore[union-attr]


def _cell(folder: Path) -> dict:
    found = sorted(folder.rglob("results.json"), key=lambda p: p.stat().st_mtime)
    return json.loads(found[-1].read_text(encoding="utf-8"))["cells"][0]


def quick(url: str, requests: int, concurrency: int, client: list[str], folder: Path, *,
          extra: tuple[str, ...] = ()) -> Outcome:
    split = url.split("/", 3)
    base, endpoint = "/".join(split[:3]), "/" + split[3]
    out_dir = Path(tempfile.mkdtemp(dir=folder))
    _, cpu, rss = measured([*client, YAMLPERF, "quick", base, "--endpoint", endpoint, "--requests",
                            str(requests), "--concurrency", str(concurrency), "--output-dir", str(out_dir),
                            *extra])
    cell = _cell(out_dir)
    assert cell["successes"] == requests, cell["failures"]
    return Outcome(cell["throughput_rps"], cpu / requests * 1000, cell["latency_ms"]["median"] / 1e3, rss)


def plan_file(folder: Path, url: str, requests: int, concurrency: int, extra: str = "") -> Path:
    split = url.split("/", 3)
    origin, path = "/".join(split[:3]), "/" + split[3]
    plan = folder / f"plan-{random.randrange(1 << 30)}.yaml"
    plan.write_text(f"""\
name: bench
target: {{base_url: "{origin}"}}
load: {{iterations: {requests}, concurrency: {concurrency}}}
endpoints: [{{name: json, path: {path}}}]
output: {{directory: "{folder / 'runs' / plan.stem}", formats: [json]}}
{extra}""", encoding="utf-8")
    return plan


def run_plan(url: str, requests: int, concurrency: int, client: list[str], folder: Path, *,
             extra: tuple[str, ...] = ()) -> Outcome:
    plan = plan_file(folder, url, requests, concurrency)
    _, cpu, rss = measured([*client, YAMLPERF, "run", str(plan), *extra])
    cell = _cell(folder / "runs" / plan.stem)
    assert cell["successes"] == requests, cell["failures"]
    in_cell = (cell["load"]["client_cpu"] or 0.0) * cell["wall_time_s"] / requests * 1000
    return Outcome(cell["throughput_rps"], cpu / requests * 1000, cell["latency_ms"]["median"] / 1e3, rss,
                   in_cell)


class FirstRequestCPU(FirstRequest):
    """``startup.py``'s server, reading the CPU time the client process has used so far (all its
    threads, nanoseconds, from /proc) when the first request arrives."""

    def __init__(self) -> None:
        self.pid = 0
        self.cpu: float | None = None
        super().__init__()

    def arrived(self) -> None:
        if self.pid:
            self.cpu = process_cpu(self.pid)


def process_cpu(pid: int) -> float:
    total = 0
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            total += int((task / "schedstat").read_text().split()[0])
        except (OSError, IndexError):
            continue
    return total / 1e9


def startup_cpu(folder: Path, client: list[str]) -> float:
    """CPU seconds of ``yamlperf run`` (a one-endpoint plan, results.json only) up to its first request."""
    server = FirstRequestCPU()
    try:
        plan = plan_file(folder, server.url + "/", 5, 1)
        process = subprocess.Popen([*client, YAMLPERF, "run", str(plan)], stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL)
        server.pid = process.pid
        process.wait(60)
        assert server.cpu is not None, "the run sent no request"
        return server.cpu
    finally:
        server.close()


def interleaved(clients: dict[str, Callable[[], Outcome]], rounds: int) -> dict[str, list[Outcome]]:
    found: dict[str, list[Outcome]] = {name: [] for name in clients}
    for _ in range(rounds):
        order = list(clients)
        random.shuffle(order)
        for name in order:
            found[name].append(clients[name]())
    return found


def verdict(met: bool) -> str:
    return "MET" if met else "NOT MET"


@dataclass(frozen=True)
class Bench:
    """What every part of the benchmark measures against, and how."""

    json_url: str
    slow_url: str
    client: list[str]
    folder: Path
    requests: int
    rounds: int
    concurrency: int
    args: argparse.Namespace


def rate_part(bench: Bench) -> list[str]:
    n, c, client, folder, url = bench.requests, bench.concurrency, bench.client, bench.folder, bench.json_url
    hey(url, 2000, c, client)  # warms nginx and the page cache
    rates = interleaved({
        "hey": lambda: hey(url, n, c, client),
        "wrk": lambda: wrk(url, max(1.0, n / 40_000), c, client),
        "yamlperf quick": lambda: quick(url, n, c, client, folder),
        "yamlperf run (plan)": lambda: run_plan(url, n, c, client, folder),
    }, bench.rounds)
    base_rate = statistics.median(o.rate for o in rates["hey"])
    base_cpu = statistics.median(o.cpu_per_1000 for o in rates["hey"])
    print(f"\nrequests/s against nginx (203-byte JSON), median of {bench.rounds} rounds; CPU: the whole "
          "command, start-up included")
    print(f"  {'client':<22} {'requests/s':>10} {'x hey':>6} {'CPU ms/1000 req':>16} {'x hey':>6}")
    for label, outcomes in rates.items():
        rate = statistics.median(o.rate for o in outcomes)
        cpu = statistics.median(o.cpu_per_1000 for o in outcomes)
        print(f"  {label:<22} {rate:10.0f} {rate / base_rate:6.2f} {cpu * 1e3:16.1f} "
              f"{cpu / base_cpu:6.2f}   rounds: {', '.join(f'{o.rate:.0f}' for o in outcomes)}")
    ratio = min(statistics.median(o.rate for o in rates[k]) for k in
                ("yamlperf quick", "yamlperf run (plan)")) / base_rate
    return [f"requests/s per client core >= 1.0x hey: {ratio:.2f}x  {verdict(ratio >= 1.0)}"]


def latency_part(bench: Bench) -> list[str]:
    c, client, folder, url, seconds = bench.concurrency, bench.client, bench.folder, bench.slow_url, \
        bench.args.latency_seconds
    count = max(c, int(c / 0.0505 * seconds))
    lat = interleaved({
        "wrk": lambda: wrk(url, seconds, c, client),
        "hey": lambda: hey(url, count, c, client, latency=True),
        "yamlperf quick": lambda: quick(url, count, c, client, folder),
        "yamlperf run (plan)": lambda: run_plan(url, count, c, client, folder),
    }, bench.rounds)
    print(f"\nmedian against the 50 ms server minus wrk's in the same round, {c} connections")
    worst = 0.0
    for label, outcomes in lat.items():
        deltas = [(o.median - w.median) * 1e3 for o, w in zip(outcomes, lat["wrk"], strict=True)]
        delta = statistics.median(deltas)
        if label.startswith("yamlperf"):
            worst = max(worst, delta)
        print(f"  {label:<22} median {statistics.median(o.median for o in outcomes) * 1e3:8.3f} ms "
              f"{delta:+7.3f} ms   rounds: {', '.join(f'{d:+.3f}' for d in deltas)}")
    return [f"median on the 50 ms server within +0.2 ms of wrk's: {worst:+.3f} ms  {verdict(worst <= 0.2)}"]


def startup_part(bench: Bench) -> list[str]:
    startup_cpu(bench.folder, bench.client)
    cpu_times = [startup_cpu(bench.folder, bench.client) for _ in range(bench.rounds)]
    best = statistics.median(cpu_times)
    print(f"\nCPU from `yamlperf run` to the first request: median {best:.3f} s   "
          f"rounds: {', '.join(f'{t:.3f}' for t in cpu_times)}")
    return [f"CPU from the command to the first request < 0.5 s: {best:.3f} s  {verdict(best < 0.5)}"]


def rss_part(bench: Bench) -> list[str]:
    small, large = (int(x) for x in bench.args.rss_requests.split(","))
    peaks = {count: quick(bench.json_url, count, 100, bench.client, bench.folder).peak_rss_mb
             for count in (small, large)}
    growth = (peaks[large] - peaks[small]) / (large - small) * 1e6
    print(f"\npeak RSS of `yamlperf quick`, 100 connections: {peaks[small]:.1f} MB at {small:,} "
          f"requests, {peaks[large]:.1f} MB at {large:,}: {growth:+.1f} MB per million requests")
    return [f"RSS growth < 5 MB per million requests: {growth:+.1f} MB  {verdict(growth < 5)}"]


def executors_part(bench: Bench) -> list[str]:
    """Requests/s of one plan with each executor, against the same nginx, in interleaved rounds.

    threads and processes x1 on the client's CPU; processes x2 and a 2-worker Dask LocalCluster on
    both CPUs (the target's too: this is what a run on this machine gets). How processes scale is
    read from the client CPU per request, x2 against x1: on 2 cores the target takes one, so the
    rate itself cannot show a second client core."""
    n, c, folder, url, client = bench.requests, bench.concurrency, bench.folder, bench.json_url, bench.client
    both: list[str] = []
    clients = {
        "threads (client CPU)": lambda: run_plan(url, n, c, client, folder),
        "processes x1 (client CPU)": lambda: run_plan(url, n, c, client, folder,
                                                      extra=("--executor", "processes", "--workers", "1")),
        "processes x2 (both CPUs)": lambda: run_plan(url, n, c, both, folder,
                                                     extra=("--executor", "processes", "--workers", "2")),
        "dask LocalCluster x2 (both CPUs)": lambda: run_plan(url, n, c, both, folder,
                                                             extra=("--executor", "dask", "--workers", "2")),
    }
    runs = interleaved(clients, bench.rounds)
    print(f"\nexecutors: one plan, {n} requests, {c} connections, against the same nginx; client CPU per "
          "1,000 requests in the cell (every worker) and for the whole command (start-up, workers' too)")
    for label, outcomes in runs.items():
        print(f"  {label:<34} {statistics.median(o.rate for o in outcomes):8.0f} requests/s "
              f"{statistics.median(o.cell_cpu_per_1000 for o in outcomes) * 1e3:6.1f} ms in the cell "
              f"{statistics.median(o.cpu_per_1000 for o in outcomes) * 1e3:6.1f} ms whole   "
              f"rounds: {', '.join(f'{o.rate:.0f}' for o in outcomes)}")
    one = statistics.median(o.cell_cpu_per_1000 for o in runs["processes x1 (client CPU)"])
    two = statistics.median(o.cell_cpu_per_1000 for o in runs["processes x2 (both CPUs)"])
    efficiency = one / two
    return [f"processes scale >= 0.8x linearly (requests per client CPU-second in the cell, x2 / x1): "
            f"{efficiency:.2f}  {verdict(efficiency >= 0.8)}"]


PARTS: dict[str, Callable[[Bench], list[str]]] = {
    "rate": rate_part, "latency": latency_part, "startup": startup_part, "rss": rss_part,
    "executors": executors_part,
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=30_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--concurrency", type=int, default=10)
    parser.add_argument("--latency-seconds", type=float, default=3.0)
    parser.add_argument("--rss-requests", default="200000,1000000",
                        help="two request counts for the RSS growth (100 connections)")
    parser.add_argument("--skip", default="", help=f"comma-separated parts to skip: {','.join(PARTS)}")
    args = parser.parse_args()
    skip = set(filter(None, args.skip.split(",")))
    target_cpu, client_cpu = cpus()
    print(f"{time.strftime('%Y-%m-%d %H:%M')}, {os.cpu_count()} CPUs ({platform_line()}), "
          f"load average before: {os.getloadavg()[0]:.2f}")
    print(f"target on CPU {target_cpu}, client on CPU {client_cpu}; {args.requests} requests x "
          f"{args.rounds} rounds, {args.concurrency} connections")
    lines: list[str] = []
    with Targets(target_cpu) as targets, tempfile.TemporaryDirectory() as name:
        bench = Bench(targets.json_url, targets.slow_url, pin(client_cpu), Path(name), args.requests,
                      args.rounds, args.concurrency, args)
        for part, measure in PARTS.items():
            if part not in skip:
                lines.extend(measure(bench))
    print(f"\ntargets (load average after: {os.getloadavg()[0]:.2f}):")
    for line in lines:
        print("  " + line)


def platform_line() -> str:
    try:
        model = next(line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                     if line.startswith("model name"))
    except (OSError, StopIteration):
        model = "unknown CPU"
    return f"{model}, Python {sys.version.split()[0]}"


if __name__ == "__main__":
    main()
