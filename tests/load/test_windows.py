"""Window thresholds: judged per window after the run, and with abort_on_fail while it runs."""

from __future__ import annotations

import json
import random
import re
from dataclasses import replace
from pathlib import Path

import pytest
from servers import RecordsServer, run_plan
from stall_server import StallServer

from tests.ci.builders import cell
from yamlperf.engine.series import bucket
from yamlperf.results_load import IntervalLatency, IntervalStats
from yamlperf.results_sampling import RoundStats
from yamlperf.thresholds import RuleError, parse_rule
from yamlperf.verdicts import window_outcome
from yamlperf.windows import judge_windows, percentile_of

from .conftest import plan


def test_window_rules_parse_with_their_length() -> None:
    rule = parse_rule("p99 < 200ms over every 10s window")
    assert (rule.metric, rule.limit, rule.window) == ("p99", 0.2, 10.0)
    assert parse_rule("error_rate < 1% over 5s").window == 5.0
    with pytest.raises(RuleError, match="not kept per interval"):
        parse_rule("mean < 2ms over 10s")


def _write(tmp_path: Path, data: dict) -> Path:
    import yaml

    path = tmp_path / "plan.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def test_a_stalled_window_fails_its_rule_and_names_the_window(tmp_path: Path) -> None:
    with StallServer(stall_after=2.0, stall_for=0.8) as server:
        data = plan(server.url, {"rate": "50/s", "duration": "4s", "max_in_flight": 100}, tmp_path / "out",
                    thresholds=["p99 < 300ms over 2s", "error_rate < 1% over 2s"])
        code, output, run_dir = run_plan(_write(tmp_path, data))
    assert code == 1, output
    # Windows slide by the 1 s interval: 0-2, 1-3, 2-4; the held answers end at about 2.75 s.
    assert re.search(r"p99 < 300ms over 2s failed for probe x100: 2 of 3 windows broke it; the worst, "
                     r"[12]-[34] s, measured", output), output
    assert "PASS  error_rate < 1% over 2s" in output
    results = json.loads((run_dir / "results.json").read_text())
    failed = [t for t in results["thresholds"] if not t["passed"]]
    assert [t["rule"] for t in failed] == ["p99 < 300ms over 2s"]
    assert failed[0]["value"] > 0.3


def test_abort_on_fail_stops_the_run_at_the_broken_window(tmp_path: Path) -> None:
    # The stall is timed from the server's first request, the run's reachability probe, a moment
    # before the cell starts: ending 1.0 s after it, the held answers fell in the window 1-2 s or
    # 2-3 s by that moment; ending 2.5 s after it, they fall in 2-3 s.
    with StallServer(stall_after=1.5, stall_for=1.0) as server:
        data = plan(server.url, {"rate": "50/s", "duration": "20s", "max_in_flight": 100}, tmp_path / "out",
                    thresholds=[{"rules": ["p95 < 300ms over 1s"], "abort_on_fail": True}])
        data["endpoints"].append({"name": "never", "path": "/health"})
        code, output, run_dir = run_plan(_write(tmp_path, data))
    assert code == 1, output
    results = json.loads((run_dir / "results.json").read_text())
    assert results["complete"] is False
    assert results["stop_reason"].startswith("aborted: p95 < 300ms over 1s broke for probe x100 in the window 2-3 s")
    (cell,) = results["cells"]
    assert cell["truncated"] is True
    assert cell["wall_time_s"] < 6
    assert cell["load"]["limited_by"] == ""  # judged on the time it ran, not on the 20 s it was cut from


def test_the_last_window_of_a_cell_that_ends_mid_interval_counts_its_rate_over_what_was_measured(
        records_server: RecordsServer, tmp_path: Path) -> None:
    """A steady 20/s for 2.5 s: the last 1-second window holds half a second of arrivals. Judged as a
    whole second it read 10 req/s and failed `rps > 12 over 1s` (margin for a busy machine)."""
    data = plan(records_server.url, {"rate": "20/s", "duration": "2.5s"}, tmp_path / "out",
                thresholds=["rps > 12 over 1s"])
    code, output, _ = run_plan(_write(tmp_path, data))
    assert code == 0, output
    assert "PASS  rps > 12 over 1s" in output


def _interval(t: float, latencies: list[float]) -> IntervalStats:
    histogram: dict[int, int] = {}
    for seconds in latencies:
        key = bucket(round(seconds * 1e6))
        histogram[key] = histogram.get(key, 0) + 1
    latency = IntervalLatency(0.0, 0.0, 0.0, max(latencies)) if latencies else None
    return IntervalStats(t=t, started=len(latencies), answered=len(latencies), ok=len(latencies), in_flight=0,
                         latency=latency, histogram=tuple(sorted(histogram.items())))


def _steady(seconds: int, slow: dict[int, list[float]] | None = None) -> list[IntervalStats]:
    """100 answers a second at 10 ms; ``slow`` replaces some of a second's answers by these latencies."""
    slow = slow or {}
    return [_interval(float(t), slow.get(t, []) + [0.01] * (100 - len(slow.get(t, [])))) for t in range(seconds)]


def test_a_slow_spell_straddling_a_multiple_of_the_window_is_seen_whole_in_the_window_across_it() -> None:
    """Slow answers half a second each side of 10 s: 8 of the 1,000 answers of 0-10 s and of 10-20 s
    (under 1%, so each tumbling window's p99 is 10 ms), but 16 of the 1,000 of 1-11 s to 9-19 s."""
    rule = parse_rule("p99 < 200ms over 10s")
    verdict = judge_windows(rule, _steady(20, {9: [0.5] * 8, 10: [0.5] * 8}), 1.0, 20.0)
    assert verdict.judged == 11  # 0-10, 1-11, ..., 10-20
    assert verdict.broken == 9
    assert verdict.worst is not None
    assert verdict.worst.text() == "1-11 s"  # the first of the equally bad ones
    assert verdict.worst_value == pytest.approx(0.5, rel=0.01)


def test_a_steady_cell_passes_and_names_its_closest_window() -> None:
    verdict = judge_windows(parse_rule("p99 < 200ms over 10s"), _steady(30, {17: [0.15] * 20}), 1.0, 30.0)
    assert (verdict.judged, verdict.broken) == (21, 0)
    assert verdict.worst is not None
    assert verdict.worst.text() == "8-18 s"
    assert verdict.worst_value == pytest.approx(0.15, rel=0.01)


def test_the_worst_window_named_is_the_one_its_metric_is_worst_in() -> None:
    """p95 over 3 s (rank 285 of 300): 21-24 s holds 20 answers of 600 ms, its neighbours 10 (their
    p95 is 300 ms); the 900 ms answers of 8 s and the 500 ms ones of 4-5 s are too few to count."""
    slow = {4: [0.5] * 3, 5: [0.5] * 3, 8: [0.9] * 5, 21: [0.6] * 10, 22: [0.3] * 10, 23: [0.6] * 10}
    verdict = judge_windows(parse_rule("p95 < 100ms over 3s"), _steady(30, slow), 1.0, 30.0)
    assert verdict.worst is not None
    assert verdict.worst.text() == "21-24 s"
    assert verdict.worst_value == pytest.approx(0.6, rel=0.01)
    assert verdict.broken == 3  # 20-23, 21-24, 22-25
    gap = _steady(30)
    gap[21:24] = [_interval(21.0, [0.01] * 50), _interval(22.0, []), _interval(23.0, [0.01] * 50)]
    rps = judge_windows(parse_rule("rps > 90 over 3s"), gap, 1.0, 30.0)
    assert rps.worst is not None
    assert (rps.worst.text(), rps.worst_value, rps.broken) == ("21-24 s", 100 / 3, 5)


def test_a_cell_shorter_than_the_window_is_judged_once_over_what_it_measured() -> None:
    verdict = judge_windows(parse_rule("rps > 90 over 10s"), [*_steady(3), _interval(3.0, [0.01] * 50)], 1.0, 3.5)
    assert verdict.judged == 1
    assert verdict.worst is not None
    assert verdict.worst.text() == "0-3.5 s"
    assert verdict.worst_value == pytest.approx(350 / 3.5)
    # Longer than the window: 0-2, 1-3 and 2-3.5 s, the last counted over its 1.5 s (100/s, not 75/s).
    longer = judge_windows(parse_rule("rps > 90 over 2s"), [*_steady(3), _interval(3.0, [0.01] * 50)], 1.0, 3.5)
    assert (longer.judged, longer.broken, longer.worst_value) == (3, 0, 100.0)


def test_sliding_windows_give_what_merging_each_window_afresh_gives() -> None:
    """The running window (one interval in, one out per step) against the definition: every span of
    ``per`` whole intervals merged from scratch."""
    rng = random.Random(11)
    series = [_interval(float(t), [rng.lognormvariate(-4, 1.2) for _ in range(rng.randrange(0, 40))])
              for t in range(60)]
    for text, quantile in (("p99 < 90ms over 7s", 0.99), ("median < 30ms over 4s", 0.5), ("max < 1s over 9s", None)):
        rule = parse_rule(text)
        per = round(rule.window or 1)
        values = []
        for first in range(len(series) - per + 1):
            group = series[first:first + per]
            histogram: dict[int, int] = {}
            for item in group:
                for micros, count in item.histogram:
                    histogram[micros] = histogram.get(micros, 0) + count
            top = max((i.latency.max for i in group if i.latency is not None), default=0.0)
            value = top if quantile is None else percentile_of(histogram, quantile, top)
            values.append((value, first))
        verdict = judge_windows(rule, series, 1.0, 60.0)
        assert verdict.judged == len(values)
        assert verdict.broken == sum(not rule.passes(v) for v, _ in values)
        worst = max(values, key=lambda pair: (pair[0], -pair[1]))
        assert verdict.worst is not None
        assert (verdict.worst.start, verdict.worst_value) == (worst[1], worst[0])


def _slow_spell_plan(url: str, out: Path, seconds: int, threshold: object) -> dict:
    return plan(url, {"rate": "100/s", "duration": f"{seconds}s", "max_in_flight": 200}, out,
                thresholds=[threshold])


def test_a_slow_spell_across_a_window_boundary_fails_the_rule_in_a_real_run(tmp_path: Path) -> None:
    """Arrivals 2.3-5.3 s after the server's first request (the run's probe, a moment before the
    cell) are answered 0.4 s late, 2.7-5.7 s into the cell: 130 of the 360 answers of 0-4 s and 170
    of the 440 of 4-8 s (under half: each tumbling window's median is fast), but 230 of 360 in 1-5 s,
    300 of 400 in 2-6 s and 270 of 440 in 3-7 s. Each window's median is 50 answers from flipping, so
    the verdict holds for a client late for 49 of the spell's 300 arrivals or a spell 0.45 s off."""
    with StallServer(stall_after=2.3, stall_for=3.0, delay=0.4) as server:
        data = _slow_spell_plan(server.url, tmp_path / "out", 8, "median < 200ms over 4s")
        code, output, _ = run_plan(_write(tmp_path, data))
    assert code == 1, (server.held, output)
    assert re.search(r"median < 200ms over 4s failed for probe x200: 3 of 5 windows broke it; the worst, "
                     r"[123]-[567] s, measured (39[5-9]|4\d\d)\.", output), (server.held, output)  # 400 ms


def test_a_steady_run_passes_every_window(records_server: RecordsServer, tmp_path: Path) -> None:
    data = plan(records_server.url, {"rate": "50/s", "duration": "4s"}, tmp_path / "out",
                thresholds=["p99 < 200ms over 2s", "error_rate < 1% over 2s"])
    code, output, run_dir = run_plan(_write(tmp_path, data))
    assert code == 0, output
    messages = [t["message"] for t in json.loads((run_dir / "results.json").read_text())["thresholds"]]
    assert messages[0].startswith("p99 < 200ms over 2s passed for probe x100: every one of 3 windows held it"), messages
    assert messages[1].startswith("error_rate < 1% over 2s passed for probe x100: every one of 3 windows held it")


def test_abort_on_fail_stops_at_the_first_sliding_window_that_breaks(tmp_path: Path) -> None:
    """Arrivals 2.2-4.6 s after the probe are answered 0.4 s late, 2.6-5.0 s into the cell: 140 of
    the 360 answers of the tumbling window 0-4 s (its median is fast), 240 of the 400 of 1-5 s, the
    first sliding window to break, judged when the interval 4-5 s ends; nothing is held by then, so
    the 20 s cell stops within a second of 5 s. Both windows are 40 answers from flipping: the client
    may be late for 39 of the spell's 240 arrivals, or the spell 0.4 s off."""
    with StallServer(stall_after=2.2, stall_for=2.4, delay=0.4) as server:
        data = _slow_spell_plan(server.url, tmp_path / "out", 20,
                                {"rules": ["median < 200ms over 4s"], "abort_on_fail": True})
        code, output, run_dir = run_plan(_write(tmp_path, data))
    assert code == 1, (server.held, output)
    results = json.loads((run_dir / "results.json").read_text())
    assert results["stop_reason"].startswith(
        "aborted: median < 200ms over 4s broke for probe x200 in the window 1-5 s"), (server.held, output)
    (cell,) = results["cells"]
    assert cell["truncated"] is True
    assert 5.0 <= cell["wall_time_s"] < 6.0


def test_abort_on_fail_does_not_judge_the_warm_up(tmp_path: Path) -> None:
    """A stall in the warm-up (not measured, not judged after the run) stopped the run when the live
    watch judged the warm-up's intervals as if they were the measurement's."""
    with StallServer(stall_after=0.5, stall_for=0.8) as server:
        data = plan(server.url, {"rate": "50/s", "duration": "2s", "warmup": "3s", "max_in_flight": 100},
                    tmp_path / "out", thresholds=[{"rules": ["p95 < 300ms over 1s"], "abort_on_fail": True}])
        code, output, run_dir = run_plan(_write(tmp_path, data))
    assert code == 0, output
    results = json.loads((run_dir / "results.json").read_text())
    assert results["complete"] is True
    assert any(row["warmup"] and row["latency_ms"]["max"] > 300 for row in results["cells"][0]["series"])


def test_the_end_of_the_measurement_cuts_only_the_last_window_short() -> None:
    """Only the last window holds the interval the measurement stopped in. An end said to lie inside
    earlier windows (2.5 s of a 5 s series) cut 1-3 s and 2-4 s to 1.5 s and 0.5 s, counting their
    200 answers as 133/s and 400/s, and broke a rule a steady 100/s holds."""
    verdict = judge_windows(parse_rule("rps < 120 over 2s"), _steady(5), 1.0, 2.5)
    assert (verdict.judged, verdict.broken) == (4, 0)  # 0-2, 1-3, 2-4, 3-5 s, each at 100/s
    assert verdict.worst_value == pytest.approx(100.0)
    cut = judge_windows(parse_rule("rps < 120 over 2s"), _steady(5), 1.0, 4.5)
    assert cut.worst is not None
    assert (cut.broken, cut.worst.text()) == (1, "3-4.5 s")  # its 200 answers over 1.5 s


def test_a_cell_measured_in_rounds_is_judged_over_its_series_not_its_added_up_wall_time() -> None:
    """Rounds of a count-based cell add up to a wall time shorter than the stage its series spans:
    that sum is no place on the series' timeline, so no window is cut at it."""
    rounds = tuple(RoundStats(number, 0, 100, 100, 0.01, 0.01, 0.6) for number in (1, 2, 3))
    measured = replace(cell("list"), series=tuple(_steady(5)), rounds=rounds, wall_time=1.8)
    outcome = window_outcome(parse_rule("rps < 120 over 2s"), measured)
    assert outcome.passed, outcome.message
    assert "every one of 4 windows held it" in outcome.message
