"""The recorder and its summary: exact percentiles for small samples, merging equals recording once."""

from __future__ import annotations

import random
import statistics

import pytest

from yamlperf.engine.stats import (
    EXACT_METHOD,
    HDR_METHOD,
    CellInfo,
    Recorder,
    decode_histogram,
    latency_of,
    merge_all,
    percentile,
    summarize,
    worker_sample_cap,
)

INFO = CellInfo("list", "GET", "/records", 10, 2)


def test_percentiles_of_ten_samples_are_exact_by_hand() -> None:
    samples_ms = [12, 3, 7, 15, 9, 4, 11, 6, 8, 20]
    recorder = Recorder()
    for ms in samples_ms:
        recorder.record(ms / 1e3, "ok", 200)
    latency, method = latency_of(recorder)
    assert method == EXACT_METHOD
    # sorted: 3 4 6 7 8 9 11 12 15 20; rank (n-1)*q, interpolated
    assert latency is not None
    assert latency.median * 1e3 == pytest.approx(8.5)          # between 8 and 9
    assert latency.p90 * 1e3 == pytest.approx(15.5)            # 8.1 -> 15 + 0.1 * 5
    assert latency.p95 * 1e3 == pytest.approx(17.75)           # 8.55 -> 15 + 0.55 * 5
    assert latency.p99 * 1e3 == pytest.approx(19.55)           # 8.91 -> 15 + 0.91 * 5
    assert latency.min * 1e3 == pytest.approx(3)
    assert latency.max * 1e3 == pytest.approx(20)
    assert latency.mean * 1e3 == pytest.approx(9.5)
    assert latency.stdev * 1e3 == pytest.approx(statistics.pstdev(samples_ms))


def test_percentile_matches_linear_interpolation_on_edges() -> None:
    assert percentile([5.0], 0.99) == 5.0
    assert percentile([1.0, 2.0], 0.5) == 1.5


def _record_many(recorder: Recorder, values: list[float]) -> None:
    for k, value in enumerate(values):
        category = "ok" if k % 7 else "http_5xx"
        recorder.record(value, category, 200 if category == "ok" else 500, 100)


def test_merge_equals_recording_everything_in_one() -> None:
    rng = random.Random(3)
    values = [rng.lognormvariate(-5, 0.5) for _ in range(3000)]
    single = Recorder()
    _record_many(single, values)
    parts = [Recorder(seed=k) for k in range(3)]
    for k, part in enumerate(parts):
        _record_many(part, values[k * 1000:(k + 1) * 1000])
    merged = merge_all(parts)
    one, many = summarize(single, INFO, 1.0), summarize(merged, INFO, 1.0)
    assert many.requests == one.requests == 3000
    assert many.successes == one.successes
    assert many.failures == one.failures
    assert many.status_codes == one.status_codes
    assert many.bytes_received == one.bytes_received
    assert many.latency is not None
    assert one.latency is not None
    for name in ("min", "median", "p90", "p95", "p99", "max"):
        assert many.latency.get(name) == one.latency.get(name), name
    assert many.latency.mean == pytest.approx(one.latency.mean)
    assert many.latency.stdev == pytest.approx(one.latency.stdev)
    assert sorted(merged.samples) == sorted(single.samples)
    assert decode_histogram(many.histogram).get_total_count() == single.count
    assert decode_histogram(many.histogram).get_value_at_percentile(99) == \
        decode_histogram(one.histogram).get_value_at_percentile(99)


def test_beyond_the_cap_percentiles_come_from_the_histogram() -> None:
    rng = random.Random(5)
    values = [rng.uniform(0.001, 0.1) for _ in range(5000)]
    recorder = Recorder(sample_cap=500)
    for value in values:
        recorder.record(value, "ok", 200)
    stats = summarize(recorder, INFO, 2.0)
    assert stats.percentile_method == HDR_METHOD
    assert len(recorder.samples) == 500
    assert len(stats.samples) == 500
    exact = sorted(values)
    assert stats.latency is not None
    assert stats.latency.p95 == pytest.approx(percentile(exact, 0.95), rel=0.01)
    assert stats.latency.mean == pytest.approx(statistics.fmean(values))
    assert stats.throughput == pytest.approx(2500)


def test_samples_in_results_are_bounded() -> None:
    recorder = Recorder()
    for k in range(2500):
        recorder.record(0.001 + k * 1e-6, "ok", 200)
    stats = summarize(recorder, INFO, 1.0)
    assert len(stats.samples) == 1000
    assert stats.percentile_method == EXACT_METHOD


def test_failures_without_an_answer_count_but_have_no_latency() -> None:
    recorder = Recorder()
    recorder.record(0.5, "timeout", error="ReadTimeoutError")
    recorder.record(0.0001, "refused", error="ConnectionRefusedError")
    stats = summarize(recorder, INFO, 1.0)
    assert stats.requests == 2
    assert stats.successes == 0
    assert stats.latency is None
    assert stats.failures == {"refused": 1, "timeout": 1}
    assert stats.errors == ("ReadTimeoutError", "ConnectionRefusedError")


def test_results_files_are_written_whole_and_readable_like_any_user_file(tmp_path) -> None:
    import os
    import stat

    from yamlperf.results import write_atomic

    target = tmp_path / "deep" / "results.json"
    write_atomic(target, "{}\n")
    write_atomic(target, '{"again": true}\n')
    assert target.read_text() == '{"again": true}\n'
    assert [p.name for p in target.parent.iterdir()] == ["results.json"]
    mode = stat.S_IMODE(target.stat().st_mode)
    umask = os.umask(0)
    os.umask(umask)
    assert mode == 0o666 & ~umask


def test_writing_results_never_touches_the_process_umask(tmp_path, monkeypatch) -> None:
    import os

    from yamlperf.results import write_atomic

    def no_umask(_mask: int) -> int:
        raise AssertionError("os.umask changes the whole process's umask, under other threads' feet")

    monkeypatch.setattr(os, "umask", no_umask)
    write_atomic(tmp_path / "results.json", "{}\n")
    assert (tmp_path / "results.json").read_text() == "{}\n"


def test_a_cell_keeps_its_sample_cap_whatever_its_number_of_workers() -> None:
    """100 workers share the cell's cap (the issue: 100,000 per worker thread grew RSS without bound)."""
    cap, workers, per_worker = 1000, 100, 50
    share = worker_sample_cap(workers * per_worker, workers, cap)
    assert share == 10
    rng = random.Random(9)
    parts = [Recorder(share, seed=k) for k in range(workers)]
    for part in parts:
        for _ in range(per_worker):
            part.record(rng.uniform(0.001, 0.002), "ok", 200)
    merged = merge_all(parts, cap)
    assert merged.count == workers * per_worker
    assert len(merged.samples) == cap
    assert not merged.exact
    assert max(len(p.samples) for p in parts) == share


def test_a_cell_that_fits_its_cap_stays_exact_however_its_workers_share_it() -> None:
    assert worker_sample_cap(900, 100, 1000) == 1000
    assert worker_sample_cap(None, 4, 1000) == 250
    parts = [Recorder(worker_sample_cap(900, 3, 1000), seed=k) for k in range(3)]
    for k, count in enumerate((800, 99, 1)):
        for j in range(count):
            parts[k].record((j + 1) / 1e4, "ok", 200)
    merged = merge_all(parts, 1000)
    assert merged.exact
    assert len(merged.samples) == 900


def test_merged_samples_weigh_each_worker_by_the_requests_it_stands_for() -> None:
    """A worker that sent 9 times as many requests has 9 times as many of the merged samples."""
    busy, idle = Recorder(100, seed=1), Recorder(100, seed=2)
    for _ in range(9000):
        busy.record(0.002, "ok", 200)
    for _ in range(1000):
        idle.record(0.001, "ok", 200)
    merged = merge_all([busy, idle], 100)
    assert merged.samples.count(0.002) == 9 * merged.samples.count(0.001)
    assert merged.count == 10_000


def test_the_reservoir_beyond_the_cap_is_uniform_over_the_whole_stream() -> None:
    """Kept samples beyond the cap (drawn by skips, not a random number per latency) stand for the
    whole stream: each tenth of it has a tenth of them, within a generous binomial bound."""
    cap, total = 2000, 200_000
    recorder = Recorder(cap, seed=4)
    for k in range(total):
        recorder.record((k + 1) / 1e6, "ok", 200)
    assert len(recorder.samples) == cap
    tenths = [0] * 10
    for sample in recorder.samples:
        tenths[min(9, int(sample * 1e6 - 1) * 10 // total)] += 1
    assert all(130 <= n <= 270 for n in tenths), tenths  # expected 200, sd ~13.4: 5 sd either way
    assert statistics.fmean(recorder.samples) == pytest.approx(total / 2e6, rel=0.05)


def test_a_recorder_without_samples_still_counts_and_histograms() -> None:
    recorder = Recorder(0)
    for k in range(100):
        recorder.record(0.001 * (k + 1), "ok", 200)
    assert (recorder.count, recorder.samples) == (100, [])
    assert recorder.histogram.get_total_count() == 100
