"""A cell's precision (the confidence interval of its median against the plan's target), and how
many more requests a cell that has not reached its target should send next."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from ..results import Precision
from ..scenario import Load
from .sampling import MedianInterval, median_interval, precise_enough, rounds_spread
from .stats import Recorder

MIN_BATCH = 3
BATCH_PER_WORKER = 2
SAFETY = 1.2
"""Ask for this much more than the square-root law predicts, so that one more round usually does."""


def precision_of(ordered: Sequence[float], load: Load, rounds: Sequence[float] = ()) -> Precision:
    """How well the median of ``ordered`` (sorted latencies) is known, against ``load``'s target:
    its order-statistic interval, and the scatter of the cell's ``rounds`` medians."""
    interval = median_interval(ordered)
    spread = rounds_spread(rounds)
    wanted = load.samples_to_precision
    reached = _reached(interval, spread, load) if wanted else None
    if interval is None:
        return Precision(load.precision, load.precision_floor, None, None, None, None, reached, spread)
    relative = interval.relative if math.isfinite(interval.relative) else None
    return Precision(load.precision, load.precision_floor, interval.half_width, relative,
                     interval.low, interval.high, reached, spread)


def _reached(interval: MedianInterval | None, spread: float | None, load: Load) -> bool:
    if not precise_enough(interval, load.precision, load.precision_floor):
        return False
    return spread is None or _rounds_agree(interval, spread, load)


def _rounds_agree(interval: MedianInterval | None, spread: float, load: Load) -> bool:
    if interval is None:
        return False
    allowed = max((load.precision or 0.0) * interval.median, load.precision_floor or 0.0)
    return spread * interval.median <= allowed


@dataclass(frozen=True, slots=True)
class Spent:
    """What a cell has used of its budget so far."""

    requests: int
    wall: float
    max_requests: int


def next_batch(recorder: Recorder, spent: Spent, load: Load, concurrency: int,
               max_duration: float | None, *, rounds: Sequence[float] = ()) -> int:
    """Requests for the cell's next precision round: 0 when its median is precise enough, its
    budget of requests or time is spent, or it has no successful request to make precise.

    The half-width of the interval shrinks with the square root of the sample, so the batch aims at
    ``n * (half-width / target)^2`` in all, at most doubling the sample per round (a noisy start
    would otherwise ask for the whole budget at once) and at least a few requests per worker. When
    the interval is tight but the ``rounds`` medians disagree (a busy machine), one more round of
    the cell's usual size is asked for: more rounds, not more requests in one, is what helps then.
    A cell measured in rounds never gets a round larger than its usual one: on a shared machine
    the speed moves from round to round (1.5-2x on a 2-core box with other jobs) and stays within
    one, so one large round would outweigh all the others in the cell's median, and the figure
    would be one moment's instead of the rounds'. More requests come as more rounds, each
    interleaved with the other cells again.
    """
    if not load.samples_to_precision or not recorder.categories.get("ok"):
        return 0
    interval = median_interval(sorted(recorder.samples))
    spread = rounds_spread(rounds)
    if _reached(interval, spread, load):
        return 0
    left = spent.max_requests - spent.requests
    time_left = load.max_sampling_time - spent.wall
    if max_duration is not None:
        time_left = min(time_left, max_duration - spent.wall)
    if left <= 0 or time_left <= 0:
        return 0
    answered = max(recorder.count, 1)
    smallest = max(MIN_BATCH, BATCH_PER_WORKER * concurrency)
    usual = max(smallest, math.ceil(spent.requests / max(1, len(rounds))))
    if precise_enough(interval, load.precision, load.precision_floor):  # the rounds disagree
        wanted = usual
    else:
        wanted = min(max(_wanted(interval, load, answered), smallest, answered // 4),
                     max(spent.requests, smallest))
        if rounds:
            wanted = min(wanted, usual)
    if spent.requests and spent.wall > 0:
        wanted = min(wanted, max(1, math.floor(time_left * spent.requests / spent.wall)))
    return max(0, min(wanted, left))


def _wanted(interval: MedianInterval | None, load: Load, answered: int) -> int:
    if interval is None:
        return answered
    allowed = max((load.precision or 0.0) * interval.median, load.precision_floor or 0.0)
    if allowed <= 0:
        return answered
    ratio = interval.half_width / allowed
    return math.ceil(answered * (ratio * ratio * SAFETY - 1))
