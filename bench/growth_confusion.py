"""The synthetic-shape confusion matrix of the growth analysis (issue #10), for the closing note.

Generates endpoints of known shape (fixed cost plus none, log n, n, n log n, n^2, or a step;
log-normal request noise, GC-pause outliers, jitter between cells; four size sets including
three sizes and 100..10,000), runs the analysis on their samples and prints which class it named,
per true shape, with the strict and honest accuracy per size set (tests/analysis/shapes.py says
how each is counted).

    python bench/growth_confusion.py [--per-kind 19] [--seed 0]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.analysis.shapes import score


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-kind", type=int, default=19, help="endpoints per shape and size set")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    started = time.perf_counter()
    found = score(args.per_kind, args.seed)
    print(found.table())
    print(f"\n{found.total} endpoints analysed in {time.perf_counter() - started:.1f} s "
          f"({(time.perf_counter() - started) / found.total * 1e3:.0f} ms each)")


if __name__ == "__main__":
    main()
