"""Time window thresholds on a day-long cell: 86,400 intervals of 1 s, a window of 60 s.

A sliding window judges one window per interval, so the judgement must cost one interval's work
per step, not a window's. This builds a synthetic series (100 answers a second, log-normal around
5 ms, with a slow spell every hour), times ``judge_windows`` for each kind of metric, and, for a
ratio, merging every window afresh (the definition, O(window) per step) over the first hour.

    python bench/window_day.py [--hours 24] [--window 60]
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from yamlperf.engine.series import bucket
from yamlperf.results_load import IntervalLatency, IntervalStats
from yamlperf.thresholds import parse_rule
from yamlperf.windows import judge_windows, percentile_of

TEMPLATES = 600


def day_series(seconds: int, seed: int = 7) -> list[IntervalStats]:
    rng = random.Random(seed)
    templates = []
    for _ in range(TEMPLATES):
        histogram: dict[int, int] = {}
        top = 0.0
        for _ in range(100):
            latency = rng.lognormvariate(-5.3, 0.6)
            top = max(top, latency)
            key = bucket(round(latency * 1e6))
            histogram[key] = histogram.get(key, 0) + 1
        templates.append((tuple(sorted(histogram.items())), top))
    rows = []
    for t in range(seconds):
        buckets, top = templates[t % TEMPLATES]
        if t % 3600 in range(1800, 1803):
            buckets, top = ((bucket(400_000), 30), *buckets), max(top, 0.4)
        answered, failed = sum(n for _, n in buckets), int(t % 97 == 0)
        rows.append(IntervalStats(t=float(t), started=answered, answered=answered, ok=answered - failed,
                                  in_flight=0, failures={"http_5xx": failed} if failed else {},
                                  latency=IntervalLatency(0.0, 0.0, 0.0, top), histogram=buckets))
    return rows


def afresh(series: list[IntervalStats], per: int) -> float:
    """p99 of every window merged from scratch: the seconds it took."""
    began = time.perf_counter()
    for first in range(len(series) - per + 1):
        merged: dict[int, int] = {}
        for item in series[first:first + per]:
            for micros, count in item.histogram:
                merged[micros] = merged.get(micros, 0) + count
        percentile_of(merged, 0.99, 1.0)
    return time.perf_counter() - began


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hours", type=float, default=24.0)
    parser.add_argument("--window", type=int, default=60)
    args = parser.parse_args()
    seconds = round(args.hours * 3600)
    series = day_series(seconds)
    print(f"{seconds:,} intervals of 1 s, windows of {args.window} s "
          f"({len({k for row in series[:args.window] for k, _ in row.histogram})} buckets in one window)")
    for metric in ("p99 < 100ms", "median < 20ms", "max < 1s", "error_rate < 1%", "rps > 90"):
        rule = parse_rule(f"{metric} over {args.window}s")
        began = time.perf_counter()
        verdict = judge_windows(rule, series, 1.0, float(seconds))
        took = time.perf_counter() - began
        worst = verdict.worst.text() if verdict.worst else "-"
        print(f"  {rule.text:<28} {took:6.2f} s  ({took / seconds * 1e6:5.1f} us a step), "
              f"{verdict.broken:,} of {verdict.judged:,} broken, worst {worst}")
    hour = series[:3600]
    began = time.perf_counter()
    judge_windows(parse_rule(f"p99 < 100ms over {args.window}s"), hour, 1.0, 3600.0)
    sliding = time.perf_counter() - began
    fresh = afresh(hour, args.window)
    print(f"first hour, p99: sliding {sliding:.3f} s, every window merged afresh {fresh:.3f} s "
          f"({fresh / sliding:.1f}x)")


if __name__ == "__main__":
    main()
