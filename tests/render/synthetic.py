"""Synthetic RunResults with known shapes for the rendering tests: real dataclasses, no HTTP.

Each endpoint is a function of the dataset size giving its median response time in seconds;
samples scatter log-normally around it, so percentiles, histograms and tails look like real ones.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Sequence
from dataclasses import replace

from hdrh.histogram import HdrHistogram

from tests.latency import latency_from
from yamlperf.results import CellStats, RunMeta, RunResult, SeedStep, ThresholdOutcome

Shape = Callable[[int], float]
SIZES = (10, 50, 100, 200, 500)
OVERHEAD = 0.0008
META = RunMeta(
    yamlperf_version="0.1.0", python="3.11.7", platform="Linux-6.1-x86_64", started_at="2026-03-02T10:00:00Z",
    finished_at="2026-03-02T10:04:12Z", duration_s=252.4, scenario_file="scenarios/prompts.yaml",
    scenario_sha256="ab" * 32, git_commit="0123456789abcdef0123456789abcdef01234567", git_dirty=False,
    command="yamlperf run scenarios/prompts.yaml", hostname="bench-01",
)
SHAPES: dict[str, Shape] = {
    "list_prompts": lambda n: OVERHEAD + 4e-6 * n,
    "get_prompt": lambda n: OVERHEAD * 1.2,
    "search_prompts": lambda n: OVERHEAD + 4e-8 * n * n,
    "export_report": lambda n: (OVERHEAD + 2e-6 * n) * (4.0 if n >= 200 else 1.0),
    "health": lambda n: OVERHEAD * 0.6,
}
SCRIPT_NAME = "<script>window.__pwned = 1</script>"


def histogram_of(samples: Sequence[float]) -> str:
    """The engine's encoding: an HDR histogram of whole microseconds, base64 text."""
    histogram = HdrHistogram(1, 3_600_000_000, 3)
    for value in samples:
        histogram.record_value(max(1, round(value * 1e6)))
    return histogram.encode().decode("ascii")


def make_cell(endpoint: str, size: int | None, median: float, *, concurrency: int = 1, n: int = 40,
              failures: int = 0, seed: int = 0, spread: float = 0.25, histogram: bool = False) -> CellStats:
    """A cell whose ``n - failures`` answered requests scatter around ``median`` seconds."""
    rng = random.Random(f"{endpoint}/{size}/{concurrency}/{seed}")
    ok = n - failures
    samples = tuple(median * math.exp(rng.gauss(0, spread)) for _ in range(ok))
    wall = sum(samples) / concurrency if samples else 0.5
    return CellStats(
        endpoint=endpoint, method="GET", path=f"/api/{endpoint}", size=size, concurrency=concurrency,
        requests=n, successes=ok, latency=latency_from(samples) if samples else None,
        throughput=n / wall if wall else 0.0, wall_time=wall, bytes_received=900 * n,
        failures={"http_5xx": failures - failures // 3, "timeout": failures // 3} if failures else {},
        status_codes={"200": ok, **({"503": failures - failures // 3} if failures else {})},
        histogram=histogram_of(samples) if histogram and samples else "",
        samples=samples, errors=("503 Service Unavailable: database is busy",) if failures else (),
    )


def make_run(shapes: dict[str, Shape] | None = None, sizes: Sequence[int | None] = SIZES, *,
             concurrency: Sequence[int] = (1,), failures: dict[tuple[str, int | None], int] | None = None,
             seed: int = 0, noise: float = 0.03, name: str = "prompts-scale") -> RunResult:
    """A complete run: every endpoint at every size and concurrency, medians from ``shapes``."""
    shapes = SHAPES if shapes is None else shapes
    failures = failures or {}
    rng = random.Random(seed)
    cells = []
    for size in sizes:
        for level in concurrency:
            for index, (endpoint, shape) in enumerate(shapes.items()):
                median = shape(size or 100) * math.exp(rng.gauss(0, noise)) * (1 + 0.08 * (level - 1))
                cells.append(make_cell(endpoint, size, median, concurrency=level, seed=seed,
                                       failures=failures.get((endpoint, size), 0), histogram=index % 2 == 0))
    seeding = tuple(_seed_step(size, previous) for previous, size in zip((0, *sizes), sizes, strict=False)
                    if size is not None)
    return RunResult(name=name, meta=META, scenario=_scenario(list(shapes), sizes, concurrency),
                     cells=tuple(cells), seeding=seeding, description="Prompt API as the library grows",
                     target="http://127.0.0.1:8000")


def _seed_step(size: int, previous: int | None) -> SeedStep:
    existing = previous or 0
    created = size - existing
    writes = [0.002 + existing * 2e-6] * 8 + [0.003 + existing * 3e-6] * 2
    return SeedStep(size=size, existing=existing, created=created, failed=0, wall_time=created * 0.0025,
                    latency=latency_from(writes))


def _scenario(endpoints: list[str], sizes: Sequence[int | None], concurrency: Sequence[int]) -> dict:
    data: dict = {
        "name": "prompts-scale",
        "target": {"base_url": "http://127.0.0.1:8000", "headers": {"Authorization": "***"}},
        "auth": {"type": "login", "username": "admin", "password": "***"},
        "load": {"iterations": 40, "concurrency": list(concurrency)},
        "endpoints": [{"name": e, "path": f"/api/{e}"} for e in endpoints],
        "output": {"formats": ["json", "html", "png"], "log_scale": False},
    }
    if sizes and sizes[0] is not None:
        data["dataset"] = {"sizes": list(sizes), "create": {"method": "POST", "path": "/api/prompts"}}
    return data


def with_thresholds(result: RunResult) -> RunResult:
    outcomes = (
        ThresholdOutcome("p95 < 5ms", "list_prompts", 500, 1, 0.0041, 0.005, True, "p95 4.10ms < 5.00ms"),
        ThresholdOutcome("p95 < 5ms", "search_prompts", 500, 1, 0.0125, 0.005, False,
                         "p95 12.50ms is not < 5.00ms"),
        ThresholdOutcome("growth <= linear", "search_prompts", None, None, 3.0, 2.0, False,
                         "growth superlinear is not <= linear"),
        ThresholdOutcome("success_rate >= 99%", "export_report", 500, 1, 0.95, 0.99, False,
                         "success rate 95.00% is not >= 99.00%"),
    )
    return result.with_thresholds(outcomes)


def scale_run() -> RunResult:
    """The seed's scale test: five endpoints of known shapes, a cliff, a failing cell, thresholds."""
    run = make_run(failures={("export_report", 500): 2, ("export_report", 200): 1})
    return with_thresholds(run)


def long_names() -> list[str]:
    base = [f"GET /api/v2/organisations/{{org}}/projects/{{project}}/prompts/search?page={i}" for i in range(3)]
    return [*base, SCRIPT_NAME, *(f"endpoint_{i:02d}" for i in range(16))]


def many_endpoints_run() -> RunResult:
    """Twenty endpoints with long names, a ``<script>`` name, a failed cell without latency."""
    names = long_names()
    shapes = {name: (lambda n, i=i: OVERHEAD * (1 + i / 4) + 1e-6 * i * n) for i, name in enumerate(names)}
    run = make_run(shapes, failures={(names[5], 500): 40, (names[6], 200): 10}, name="many endpoints")
    return replace(run, description=f"names like {SCRIPT_NAME} must stay text")


def single_size_run() -> RunResult:
    return make_run(sizes=(1000,), name="one size")


def no_dataset_run() -> RunResult:
    """performance_test.py: no seeding, one endpoint per bar, a concurrency sweep."""
    shapes = {"/api/health": lambda n: 0.0006, "/api/dataset/summary": lambda n: 0.004,
              "/api/dataset/transform": lambda n: 0.012}
    run = make_run(shapes, sizes=(None,), concurrency=(1, 4, 16), failures={("/api/dataset/transform", None): 3},
                   name="biztel api")
    return replace(run, seeding=())


def one_endpoint_run() -> RunResult:
    return make_run({"list_prompts": SHAPES["list_prompts"]}, name="one endpoint")


def incomplete_run() -> RunResult:
    run = make_run()
    kept = tuple(c for c in run.cells if c.size is None or c.size <= 100)
    return replace(run, cells=kept, complete=False, stop_reason="interrupted by the user (Ctrl-C)")


def load_run() -> RunResult:
    """An open-model ramp (0 -> 40 -> 40 -> 0/s over 12 s) with a 2 s warm-up and a stall at 6-7 s
    (latency climbs, errors appear), plus a closed duration cell: the time-series charts' run."""
    from yamlperf.results_load import CellLoad, IntervalLatency, IntervalStats

    rng = random.Random(11)
    rows = []
    for t in range(-2, 12):
        asked = 20.0 if t < 0 else min(40.0, 10.0 * (t + 0.5)) if t < 4 else 40.0 if t < 8 else 40.0 - 10 * (t - 7.5)
        stall = t == 6
        started = round(asked)
        failed = 3 if stall else 0
        base = 0.004 * (12 if stall else 1) * math.exp(rng.gauss(0, 0.05))
        latency = IntervalLatency(base, base * 1.8, base * 2.6, base * 3.1)
        rows.append(IntervalStats(
            t=float(t), started=started, answered=started - failed, ok=started - failed, in_flight=4 if stall else 0,
            failures={"timeout": failed} if failed else {}, dropped=2 if stall else 0, late=1 if stall else 0,
            latency=latency, target=None if t < 0 else asked, client_cpu=0.12, warmup=t < 0,
            histogram=((round(base * 1e6), started - failed),)))
    measured = [r for r in rows if not r.warmup]
    total = sum(r.started for r in measured)
    ramp = replace(make_cell("search", None, 0.004, concurrency=50, n=total, failures=3, histogram=True),
                   load=CellLoad("open", 50, 12.0, total / 12, ((4.0, 40.0), (4.0, 40.0), (4.0, 0.0)), total,
                                 dropped=2, late=1, achieved_rate=total / 12, client_cpu=0.12,
                                 max_start_lag=0.03, interval=1.0), series=tuple(rows))
    closed_rows = tuple(replace(r, target=4.0, warmup=False, dropped=0, late=0) for r in measured[:6])
    steady = replace(make_cell("detail", None, 0.002, concurrency=4, n=sum(r.started for r in closed_rows)),
                     load=CellLoad("closed", 4, 6.0, achieved_rate=20.0, client_cpu=0.1, interval=1.0),
                     series=closed_rows)
    return RunResult(name="prompts-load", meta=META, scenario={"name": "prompts-load", "load": {"rate": "40/s"}},
                     cells=(ramp, steady))


ALL_RUNS: dict[str, Callable[[], RunResult]] = {
    "scale": scale_run, "many": many_endpoints_run, "single_size": single_size_run,
    "no_dataset": no_dataset_run, "one_endpoint": one_endpoint_run, "incomplete": incomplete_run,
    "load": load_run,
}
