"""The synthetic-shape confusion matrix of the growth analysis (issue #10), for the closing note.

Generates endpoints of known shape (fixed cost plus none, log n, n, n log n, n^2, or a step;
log-normal request noise, GC-pause outliers, jitter between cells; four size sets including
three sizes and 100..10,000), runs the analysis on their samples and prints which class it named,
per true shape, with the strict and honest accuracy per size set (tests/analysis/shapes.py says
how each is counted).

With ``--drift S`` the machine's speed also moves between sizes (log-normal, S its spread; 0.13
is what a data-free endpoint of the demo moved on a shared 2-core host), and the matrix is printed
twice: as measured, and corrected by the data-free reference measured beside each endpoint
(``analysis.reference``).

    python bench/growth_confusion.py [--per-kind 19] [--seed 0] [--drift 0.13]
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
    parser.add_argument("--drift", type=float, default=0.0, help="the machine's speed drift between sizes")
    args = parser.parse_args()
    for corrected in (False, True) if args.drift else (False,):
        started = time.perf_counter()
        found = score(args.per_kind, args.seed, args.drift, corrected)
        if args.drift:
            said = "corrected by the reference" if corrected else "as measured, no reference"
            print(f"\nmachine drift {args.drift:.0%} between sizes, {said}:")
        print(found.table())
        print(f"\n{found.total} endpoints analysed in {time.perf_counter() - started:.1f} s "
              f"({(time.perf_counter() - started) / found.total * 1e3:.0f} ms each)")


if __name__ == "__main__":
    main()
