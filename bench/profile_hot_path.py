"""Where a measured request's CPU goes: py-spy samples of ``yamlperf quick`` against nginx.

Starts nginx (as ``bench/vs_hey.py`` does) pinned to the first CPU, runs ``yamlperf quick`` pinned
to the second, and records it with ``py-spy record --gil`` (only the thread holding the GIL is
sampled: that is the CPU a Python client spends, whichever thread spends it) from the first CPU.
Prints the share of the worker threads' samples per function (self) and per stage of a request
(cumulative), so a change to the hot path starts from a profile. Needs ``pip install py-spy``.

    python bench/profile_hot_path.py [--requests 400000] [--concurrency 10] [--top 20]
"""

from __future__ import annotations

import argparse
import collections
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from targets import Targets, cpus, pin

YAMLPERF = str(Path(sys.executable).parent / "yamlperf")
STAGES = {
    "the transport: FastTransport.send (socket, llhttp, framing)": ("FastTransport.send",),
    "  of which the stale-connection check (poll)": ("_Connection.dropped",),
    "  of which llhttp's callbacks": ("_Answer.on_",),
    "recording: Recorder.record": ("Recorder.record",),
    "  of which the reservoir's skips (beyond the sample cap)": ("_Skips.",),
    "time series: Series.record": ("Series.record", "Series.end", "Series.start"),
    "checks: Checker.judge": ("Checker.judge",),
    "request preparation: RequestTemplate.prepare": ("RequestTemplate.prepare",),
    "Server-Timing: TimingTotals.add": ("TimingTotals.add",),
}


def record(base: str, requests: int, concurrency: int, client: list[str], *, profiler: list[str],
           out: Path) -> Path:
    folder = Path(tempfile.mkdtemp())
    run = subprocess.Popen([*client, YAMLPERF, "quick", base, "--endpoint", "/data.json", "--requests",
                            str(requests), "--concurrency", str(concurrency), "--output-dir", str(folder)],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(1.0)  # past the imports: the profile is of the requests
    spy = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    subprocess.run([*profiler, spy, "record", "--pid", str(run.pid), "--gil", "-r", "400", "-f", "raw",
                    "-o", str(out)], check=True, capture_output=True, timeout=600)
    run.wait(600)
    shutil.rmtree(folder, ignore_errors=True)
    return out


def summarize(raw: Path, top: int) -> None:
    own: collections.Counter[str] = collections.Counter()
    stages: collections.Counter[str] = collections.Counter()
    total = 0
    for line in raw.read_text(encoding="utf-8").splitlines():
        stack, _, count_text = line.rpartition(" ")
        frames = stack.split(";")
        if not any("CellRun._work" in f for f in frames):
            continue
        count = int(count_text)
        total += count
        own[frames[-1].split(" (")[0] + " " + frames[-1].rsplit("/", 1)[-1].rstrip(")")] += count
        for stage, names in STAGES.items():
            if any(any(n in f for n in names) for f in frames):
                stages[stage] += count
    if not total:
        print("no samples of the worker threads: is py-spy allowed to attach (ptrace)?")
        return
    print(f"{total} samples of the worker threads holding the GIL")
    print("per stage (cumulative, a stage's callees included):")
    for stage, count in stages.most_common():
        print(f"  {count / total * 100:5.1f}%  {stage}")
    print(f"top {top} functions (self):")
    for name, count in own.most_common(top):
        print(f"  {count / total * 100:5.1f}%  {name}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=400_000)
    parser.add_argument("--concurrency", type=int, default=10)
    parser.add_argument("--top", type=int, default=20)
    args = parser.parse_args()
    target_cpu, client_cpu = cpus()
    with Targets(target_cpu) as targets, tempfile.TemporaryDirectory() as name:
        base = targets.json_url.rsplit("/", 1)[0]
        raw = record(base, args.requests, args.concurrency, pin(client_cpu), profiler=pin(target_cpu),
                     out=Path(name) / "profile.txt")
        print(f"{time.strftime('%Y-%m-%d %H:%M')}, load average {os.getloadavg()[0]:.2f}: yamlperf quick, "
              f"{args.requests} requests, {args.concurrency} connections, client on CPU {client_cpu}")
        summarize(raw, args.top)


if __name__ == "__main__":
    main()
