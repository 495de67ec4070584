"""How stable is the growth verdict? Run a scale plan N times and tabulate what each run named.

Runs ``yamlperf run SCENARIO`` (default ``scenarios/scale.yaml`` at its defaults) ``--runs`` times
in a row, reads each run's results.json, names every endpoint's growth with the same analysis the
report uses, and prints per endpoint: the class named in each run, how often the modal class was
named, the confidence levels, and the failures issue #10 names:

- a flat endpoint of the demo (list, filter, detail) called growing with medium or high confidence
  (or a growing coarse class named without a class: "linear (between O(n) and O(n log n))");
- related (the N+1 endpoint, about N^2) called linear or better (any confidence; a class or the
  coarse class);
- an endpoint whose headline differs in more than ``--min-agree`` of the runs (default 9 of 10).

The headline is what the report leads with (``Growth.headline``): the coarse class that 80% of the
resamples chose, the named class's when one is named (constant, sub-linear, linear, super-linear;
what ``growth <= linear`` gates on), else "undetermined". The table also shows the finer class each
run named (O(n), O(n^2)... or "undetermined" when none had 80% of the resamples) and how often it
was the same: the stricter reading, printed beside the headline and not flagged. Failures are
flagged on the headline.

The issue's failures came from a busy machine: ``--busy N`` keeps N busy-loop processes running
during the runs (``--busy 1`` takes one of two cores away), stopped at the end. Each run's wall time
is printed too. Extra arguments after ``--`` go to ``yamlperf run`` (``-- --set load.rounds=5``).
Each run starts the demo on a free port of its own, so other runs on the machine do not meet it.

``--keep DIR`` saves each run's results.json in DIR (``run-01.json``...); ``--reanalyse DIR`` runs
nothing: it names the growth of the results saved there (any ``*.json``, in name order) and prints
the same table, so a change to the analysis can be judged against real runs in seconds.

    python bench/stability.py [--runs 10] [--busy 1] [--scenario scenarios/scale.yaml] [-- --set k=v]
    python bench/stability.py --runs 10 --keep runs/quiet
    python bench/stability.py --reanalyse runs/quiet

Exit code 0 when no failure was flagged, 1 otherwise.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from yamlperf.analysis.classes import CONSTANT, LEGACY, NAMES
from yamlperf.results import RunResult, load_results

ROOT = Path(__file__).resolve().parents[1]

FLAT = ("list", "filter", "detail")
"""The demo's paginated or single-record endpoints: their cost does not depend on the dataset."""
N_PLUS_ONE = "related"
UNDETERMINED = "undetermined"
CONFIDENT = ("medium", "high")


@dataclass(frozen=True, slots=True)
class Verdict:
    """What one run named for one endpoint: its class (``O(n)``, or ``undetermined``) and rank."""

    growth: str
    confidence: str
    detail: str = ""
    rank: int | None = None
    family: str | None = None
    """The coarse class (constant, sublinear, linear, superlinear) named with or without a class."""
    headline: str = UNDETERMINED
    """What the report leads with (``Growth.headline``): the coarse class, else undetermined."""



def name_growth(result: RunResult) -> dict[str, Verdict]:
    """Every endpoint's growth class and confidence, as the report names it (base concurrency)."""
    from yamlperf.analysis.reading import read_run

    verdicts = {}
    for reading in read_run(result).endpoints:
        growth = reading.growth
        if growth is None:
            continue
        rank = growth.rank
        name = UNDETERMINED if rank is None else NAMES[rank]
        detail = f"{growth.verdict}"
        verdicts[reading.endpoint] = Verdict(name, growth.confidence, detail, rank, growth.family,
                                             growth.headline)
    return verdicts


def growing(verdict: Verdict) -> bool:
    """Called growing: a class above O(1) with medium or high confidence, or a growing coarse class."""
    if verdict.rank is not None:
        return verdict.rank > CONSTANT and verdict.confidence in CONFIDENT
    return verdict.family not in (None, "constant")


def linear_or_better(verdict: Verdict) -> bool:
    """Named linear or slower-growing, as a class or a coarse class (``growth <= linear`` would
    pass the class)."""
    if verdict.rank is not None:
        return verdict.rank <= LEGACY["linear"]
    return verdict.family in ("constant", "sublinear", "linear")


def short(headline: str) -> str:
    return headline.replace(UNDETERMINED, "undet.")


def load_average() -> str:
    """The 1, 5 and 15 minute load averages, as ``uptime`` prints them."""
    return ", ".join(f"{v:.2f}" for v in os.getloadavg())


def busy_loop() -> None:
    while True:
        pass


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def run_once(scenario: Path, out: Path, extra: Sequence[str]) -> tuple[RunResult, float, Path]:
    """One ``yamlperf run`` with the demo on a port of its own (8765 may be another run's); its
    results, wall time and results file."""
    port = free_port()
    command = [sys.executable, "-m", "yamlperf", "run", str(scenario), "--output-dir", str(out),
               "--format", "json", "--set", f"target.base_url=http://127.0.0.1:{port}",
               "--set", f"target.server.command={sys.executable} -m yamlperf demo-server --port {port}",
               *extra]
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, check=False)
    wall = time.perf_counter() - started
    found = [line.split(": ", 1)[1] for line in done.stdout.splitlines() if line.startswith("results: ")]
    if not found:
        raise SystemExit(f"run failed (exit {done.returncode}):\n{done.stdout[-2000:]}\n"
                         f"{done.stderr[-2000:]}")
    path = Path(found[-1])
    return load_results(path), wall, path


def failures(endpoint: str, verdicts: Sequence[Verdict], min_agree: int) -> list[str]:
    found = []
    modal, agree = Counter(v.headline for v in verdicts).most_common(1)[0]
    if agree < min_agree:
        found.append(f"headline '{modal}' in only {agree} of {len(verdicts)} runs")
    if endpoint in FLAT:
        wrong = sum(growing(v) for v in verdicts)
        if wrong:
            found.append(f"flat endpoint called growing {wrong}x")
    if endpoint == N_PLUS_ONE:
        wrong = sum(linear_or_better(v) for v in verdicts)
        if wrong:
            found.append(f"N+1 endpoint called linear or better {wrong}x")
    return found


def table(runs: Sequence[dict[str, Verdict]], min_agree: int) -> tuple[str, int]:
    """The table per endpoint, and how many failures it flags."""
    endpoints = list(dict.fromkeys(name for run in runs for name in run))
    lines = ["| endpoint | headline in each run | modal headline | runs agreeing | finer class in each run "
             "| same finer class | confidence | failures |", "|---|---|---|---|---|---|---|---|"]
    flagged = 0
    for endpoint in endpoints:
        verdicts = [run[endpoint] for run in runs if endpoint in run]
        modal, agree = Counter(v.headline for v in verdicts).most_common(1)[0]
        strict_modal, strict = Counter(v.growth for v in verdicts).most_common(1)[0]
        confidence = Counter(v.confidence for v in verdicts)
        shown = ", ".join(short(v.headline) for v in verdicts)
        finer = ", ".join(f"{short(v.growth)}/{v.confidence[:1]}" for v in verdicts)
        found = failures(endpoint, verdicts, min_agree)
        flagged += len(found)
        lines.append(f"| {endpoint} | {shown} | {modal} | {agree}/{len(verdicts)} | {finer} | "
                     f"{strict}/{len(verdicts)} {short(strict_modal)} | "
                     f"{', '.join(f'{k} {n}' for k, n in confidence.most_common())} | "
                     f"{'; '.join(found) or 'none'} |")
    return "\n".join(lines), flagged


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--scenario", type=Path, default=ROOT / "scenarios" / "scale.yaml")
    parser.add_argument("--busy", type=int, default=0, help="busy-loop processes during the runs")
    parser.add_argument("--min-agree", type=int, default=None, help="default: 90%% of --runs")
    parser.add_argument("--json", type=Path, help="write each run's verdicts and medians here")
    parser.add_argument("--details", action="store_true", help="print each run's verdicts as it ends")
    parser.add_argument("--keep", type=Path, help="save each run's results.json in this directory")
    parser.add_argument("--reanalyse", type=Path, help="run nothing: name the results saved here")
    parser.add_argument("--reference", help="with --reanalyse: name growth as if the plans named this "
                                            "analysis.reference endpoint ('' for none)")
    parser.add_argument("extra", nargs="*", help="after --: arguments for yamlperf run")
    args = parser.parse_args(argv)
    if args.reanalyse:
        return reanalyse(args.reanalyse, args.min_agree, args.reference)
    min_agree = args.min_agree if args.min_agree is not None else -(-args.runs * 9 // 10)
    if args.keep:
        args.keep.mkdir(parents=True, exist_ok=True)
    started_load = load_average()
    busy = [multiprocessing.Process(target=busy_loop, daemon=True) for _ in range(args.busy)]
    for process in busy:
        process.start()
    out = Path(tempfile.mkdtemp(prefix="yamlperf-stability-"))
    runs: list[dict[str, Verdict]] = []
    walls: list[float] = []
    evidence: list[dict[str, object]] = []
    try:
        for number in range(1, args.runs + 1):
            result, wall, path = run_once(args.scenario, out, args.extra)
            if args.keep:
                shutil.copyfile(path, args.keep / f"run-{number:02d}.json")
            verdicts = name_growth(result)
            runs.append(verdicts)
            evidence.append({"wall_s": round(wall, 2), "endpoints": {
                name: {"growth": v.growth, "confidence": v.confidence, "detail": v.detail,
                       "cells": cells_of(result, name)} for name, v in verdicts.items()}})
            walls.append(wall)
            line = "; ".join(f"{k}: {v.detail}" for k, v in verdicts.items())
            print(f"run {number}/{args.runs}: {wall:.1f} s" + (f": {line}" if args.details else ""),
                  flush=True)
    finally:
        for process in busy:
            process.terminate()
            process.join(5)
        shutil.rmtree(out, ignore_errors=True)
    text, flagged = table(runs, min_agree)
    print(f"\n{args.runs} runs of {args.scenario.name} {' '.join(args.extra)} with {args.busy} busy-loop "
          f"process(es); wall time per run {min(walls):.1f}-{max(walls):.1f} s, median "
          f"{sorted(walls)[len(walls) // 2]:.1f} s; {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, "
          f"load average {started_load} at the start, {load_average()} at the end\n")
    print(text)
    print(f"\n{flagged} failure(s) flagged")
    if args.json:
        args.json.write_text(json.dumps(evidence, indent=1))
    return 1 if flagged else 0


def reanalyse(directory: Path, min_agree: int | None, reference: str | None = None) -> int:
    """The table of the results saved in ``directory``, named by the analysis as it is now;
    ``reference`` names a reference endpoint as if the plan had (``""``: as if it named none)."""
    paths = sorted(directory.glob("*.json"))
    if not paths:
        raise SystemExit(f"{directory}: no saved results (*.json)")
    runs = [name_growth(with_reference(load_results(path), reference)) for path in paths]
    text, flagged = table(runs, min_agree if min_agree is not None else -(-len(runs) * 9 // 10))
    print(f"{len(runs)} saved runs in {directory}, named again\n")
    print(text)
    print(f"\n{flagged} failure(s) flagged")
    return 1 if flagged else 0


def with_reference(result: RunResult, reference: str | None) -> RunResult:
    """``result`` as if its plan named ``reference`` as ``analysis.reference`` (None: as saved)."""
    if reference is None:
        return result
    analysis = {k: v for k, v in (result.scenario.get("analysis") or {}).items() if k != "reference"}
    if reference:
        analysis["reference"] = reference
    return replace(result, scenario={**result.scenario, "analysis": analysis})


def cells_of(result: RunResult, endpoint: str) -> list[dict[str, object]]:
    """What the verdict was drawn from: per size, the median, its interval and the requests."""
    rows = []
    for cell in sorted((c for c in result.cells if c.endpoint == endpoint), key=lambda c: c.size or 0):
        precision = cell.precision
        rows.append({"size": cell.size, "requests": cell.requests,
                     "median_ms": round(cell.latency.median * 1e3, 4) if cell.latency else None,
                     "relative": precision.relative if precision else None,
                     "reached": precision.reached if precision else None,
                     "round_medians_ms": [round(r.median * 1e3, 4) for r in cell.rounds
                                          if r.median is not None]})
    return rows


if __name__ == "__main__":
    raise SystemExit(main())
