"""The growth classes engineers reason in, in increasing order of growth (pure, stdlib only).

``O(1) < O(log n) < O(n^k), k < 1 < O(n) < O(n log n) < O(n^k), 1 < k < 2 < O(n^2) < O(n^k), k > 2``:
the free power law takes the rank its exponent gives it, so a verdict, a range of plausible
classes and a threshold limit are all compared by rank. ``thresholds`` (layer 1) parses limits
with ``parse_complexity``; everything else reads ranks from here.
"""

from __future__ import annotations

import re

CONSTANT, LOG, SUBLINEAR_POWER, LINEAR, N_LOG_N, MIDDLE_POWER, QUADRATIC, STEEP_POWER = range(8)
NAMES = ("O(1)", "O(log n)", "O(n^k), k < 1", "O(n)", "O(n log n)", "O(n^k), 1 < k < 2", "O(n^2)",
         "O(n^k), k > 2")
WORDS = ("constant", "logarithmic", "sub-linear", "linear", "n log n", "super-linear", "quadratic",
         "faster than quadratic")
NAMED_CLASSES = {"O(1)": CONSTANT, "O(log n)": LOG, "O(n)": LINEAR, "O(n log n)": N_LOG_N,
                 "O(n^2)": QUADRATIC}
"""The classes a threshold limit can name."""
LEGACY = {"constant": CONSTANT, "sublinear": SUBLINEAR_POWER, "linear": N_LOG_N, "superlinear": STEEP_POWER}
"""``growth <= X``: the highest rank each legacy class allows. Linear allows O(n log n) (it
always did: N log N reads as N^1.1-1.2); anything steeper is super-linear."""
LEGACY_OF_RANK = ("constant", "sublinear", "sublinear", "linear", "linear", "superlinear", "superlinear",
                  "superlinear")
FAMILY_WORDS = {"constant": "constant", "sublinear": "sub-linear", "linear": "linear",
                "superlinear": "super-linear"}
"""The coarse classes as a verdict leads with them (``growth <= linear`` gates on these): linear
holds O(n) and O(n log n), super-linear everything steeper."""


def power_rank(exponent: float) -> int:
    """The rank of a free power law ``n^k``."""
    if exponent < 1:
        return SUBLINEAR_POWER
    return MIDDLE_POWER if exponent < 2 else STEEP_POWER


def label(rank: int, exponent: float | None = None) -> str:
    """``O(n)``, or ``O(n^1.52)`` for a power law whose exponent is known."""
    if exponent is not None and rank in (SUBLINEAR_POWER, MIDDLE_POWER, STEEP_POWER):
        return f"O(n^{exponent:.2f})"
    return NAMES[rank]


def describe(rank: int, exponent: float | None = None) -> str:
    """``linear (O(n))``: the word and the class."""
    return f"{WORDS[rank]} ({label(rank, exponent)})"


_SPACES = re.compile(r"\s+")


def parse_complexity(text: str) -> int | None:
    """The rank of ``O(n)``, ``"O(n log n)"``, ``O(N^2)``, ``O(n²)``, ``O(nlogn)``... or None."""
    cleaned = _SPACES.sub("", text.strip().strip("\"'")).lower()
    for written, meant in (("²", "^2"), ("**", "^"), ("*", ""), ("log(n)", "logn"), ("lg(n)", "lgn")):
        cleaned = cleaned.replace(written, meant)
    aliases = {"o(1)": CONSTANT, "o(logn)": LOG, "o(lgn)": LOG, "o(n)": LINEAR, "o(nlogn)": N_LOG_N,
               "o(nlgn)": N_LOG_N, "o(n^2)": QUADRATIC, "o(nn)": QUADRATIC}
    return aliases.get(cleaned)
