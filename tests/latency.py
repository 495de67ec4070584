"""Latency statistics of hand-made samples, computed by the engine's own recorder (no second formula)."""

from __future__ import annotations

from collections.abc import Iterable

from yamlperf.engine.stats import Recorder, latency_of
from yamlperf.results import Latency


def latency_from(samples: Iterable[float]) -> Latency:
    recorder = Recorder()
    for value in samples:
        recorder.record(value, "ok", 200)
    latency, _method = latency_of(recorder)
    if latency is None:
        raise ValueError("no samples")
    return latency
