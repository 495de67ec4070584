"""The reference endpoint (``analysis.reference``) in words, for the report and the console (pure).

What the reference measured at each size, how far the machine's speed drifted between sizes, what
the analysis did with it (``reference.Reference.corrected``), and two warnings: a reference that
itself grows with the data is no reference, and a plan of three or more sizes without one cannot
tell the machine's drift from growth.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..results import RunResult
from ..textable import join_words
from ..units import ms_figure
from .growth import Growth
from .reading import read_run
from .reference import NOTICEABLE_DRIFT, Reference, declared_reference

HINT_FROM_SIZES = 3
"""A plan measured at this many sizes or more is fitted, and the machine's drift can bend the fit."""


@dataclass(frozen=True, slots=True)
class ReferenceNote:
    """The report's paragraph about the reference; ``level`` is "warning" when the reference itself
    grows, "hint" when the plan names none, else ""."""

    text: str
    level: str = ""


def share(value: float) -> str:
    """``9%``, ``2.4%``: a relative change, one decimal below 10%."""
    return f"{value:.1%}" if abs(value) < 0.1 else f"{value:.0%}"


def not_a_reference(growth: Growth | None) -> bool:
    """The reference's own figures are called growing (``Growth.grows``): a class above O(1) named
    with medium or high confidence, or every class the resamples hold above it ("linear (between O(n)
    and O(n log n))"); a doubt that includes O(1) is not enough."""
    return growth is not None and growth.grows


def distrusted(reference: Reference, growth: Growth | None) -> bool:
    """The reference corrected nothing (its growth on the raw figures) or is read as growing."""
    return not reference.trusted or not_a_reference(growth)


def reference_note(result: RunResult) -> ReferenceNote | None:
    """The paragraph for the report's analysis, or None when there is nothing to say."""
    name = declared_reference(result.scenario)
    sizes = sorted({s for c in result.cells if (s := c.records or c.size) is not None})
    if name is None:
        if len(sizes) < HINT_FROM_SIZES:
            return None
        return ReferenceNote(
            "No reference endpoint: the machine slowing down or speeding up between sizes (CPU steal on "
            "a shared host moves a whole size's figures by 10-20%) reads as growth, or hides it. Add an "
            "endpoint whose cost does not depend on the data (a health or version URL) and name it as "
            "analysis.reference: yamlperf then corrects every other endpoint's figures for the "
            "machine's drift.", "hint")
    reading = read_run(result)
    reference = reading.reference
    if reference is None:
        return ReferenceNote(f"The reference {name} (analysis.reference) has no median at two sizes or "
                             "more: no figure was corrected for the machine's speed.", "warning")
    own = reading.endpoint(reference.endpoint)
    growth = own.growth if own is not None else None
    if distrusted(reference, growth):
        said = [_measured(reference), _grows(reference.endpoint, growth)]
        return ReferenceNote(" ".join(said), "warning")
    return ReferenceNote(" ".join([_measured(reference), _drift(reference), _done(reference)]))


def drift_line(result: RunResult) -> str | None:
    """The console's line when the reference drifted by more than ``NOTICEABLE_DRIFT``, else None (and
    None when the reference itself grows: ``not_a_reference_line`` says that instead)."""
    reading = read_run(result)
    reference = reading.reference
    if reference is None or reference.drift <= NOTICEABLE_DRIFT:
        return None
    own = reading.endpoint(reference.endpoint)
    if distrusted(reference, own.growth if own is not None else None):
        return None
    medians = [s.reference for s in reference.speeds.values()]
    return (f"reference {reference.endpoint}: the machine's speed moved {share(reference.drift)} between "
            f"sizes (its median {ms_figure(min(medians))} to {ms_figure(max(medians))} ms); the other "
            f"endpoints' request path was brought to its usual {ms_figure(reference.usual)} ms before their "
            "growth was read")


def not_a_reference_line(result: RunResult) -> str | None:
    """The console's warning when the reference itself grows with the data, else None."""
    reading = read_run(result)
    reference = reading.reference
    own = reading.endpoint(reference.endpoint) if reference is not None else None
    if reference is None or own is None or not distrusted(reference, own.growth):
        return None
    text = _grows(reference.endpoint, own.growth)
    return f"warning: {text[:1].lower()}{text[1:]}"


def _measured(reference: Reference) -> str:
    sizes = sorted(reference.speeds)
    medians = join_words([ms_figure(reference.speeds[s].reference) for s in sizes])
    return (f"Reference: {reference.endpoint} (analysis.reference) timed the machine's speed at each size: "
            f"median {medians} ms at "
            f"{join_words([f'{s:,}' for s in sizes])} records.")


def _drift(reference: Reference) -> str:
    drift = share(reference.drift)
    if reference.drift > NOTICEABLE_DRIFT:
        error = float(np.median([s.error for s in reference.speeds.values()]))
        return (f"The machine's speed moved {drift} between sizes (the spread of {reference.endpoint}'s "
                f"medians on a log scale; each median's own sampling error is about {share(error)}): enough "
                "to read as growth, or to hide it.")
    return (f"The machine's speed held steady: {reference.endpoint}'s medians spread {drift} across sizes, "
            f"under the {share(NOTICEABLE_DRIFT)} worth noting.")


def _done(reference: Reference) -> str:
    size, speed = max(reference.speeds.items(), key=lambda item: abs(math.log(item[1].factor)))
    moved = 1 / speed.factor - 1
    how = f"{share(moved)} longer" if moved > 0 else f"{share(-moved)} less time"
    where = (f": the most at {size:,} records, where {reference.endpoint} took {how} than usual"
             if moved else "")
    return (f"The request-path part of every other endpoint's figures is brought to the usual speed, "
            f"{reference.endpoint}'s {ms_figure(reference.usual)} ms{where}. The rest of their time is left "
            f"as measured and counted as doubt. {reference.endpoint}'s own figures, and every table, show "
            "what was measured.")


def _grows(endpoint: str, growth: Growth | None) -> str:
    said = f": {growth.verdict}" if growth is not None else ""
    return (f"The reference {endpoint} itself grows with the data{said}. It seems to depend on the data "
            "and is no reference, so no figure was corrected by it; name an endpoint that reads none (a "
            "health or version URL) as analysis.reference.")
