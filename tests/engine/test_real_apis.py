"""Runs against APIs shaped like real ones (``real_api.RealApiServer``): string ids nested in an
envelope, ids only in ``Location``, rate limits, session cookies, ``410 Gone``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from click.testing import CliRunner
from real_api import RealApiServer
from servers import ScenarioFactory

from yamlperf.cli import main
from yamlperf.engine.http import Exchange
from yamlperf.engine.patience import MAX_WAIT_S, retry_delay
from yamlperf.results import load_results


def _scenario(url: str, **sections: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "name": "real api",
        "target": {"base_url": url, "timeout": "5s"},
        "dataset": {
            "sizes": [6, 12],
            "create": {"path": "/items", "json": {"email": "user{{ n }}@example.com"}},
            "id_path": "data.id",
            "delete": {"method": "DELETE", "path": "/items/{{ id }}"},
        },
        "load": {"iterations": 6, "max_workers": 3},
        "endpoints": [{"name": "detail", "path": "/items/{{ id }}"}],
    }
    for key, value in sections.items():
        data[key] = {**data.get(key, {}), **value}
    return data


def _run(path: Path, *args: str) -> tuple[int, str, Path]:
    result = CliRunner().invoke(main, ["run", str(path), *args])
    out = result.output
    run_dir = Path(out.split("results: ", 1)[1].split()[0]).parent if "results: " in out else Path()
    return result.exit_code, out, run_dir


def test_a_rate_limited_create_and_delete_wait_for_retry_after_and_every_record_is_made_and_removed(
        write_scenario: ScenarioFactory) -> None:
    with RealApiServer(rate_limit_every=4) as api:
        code, out, run_dir = _run(write_scenario(_scenario(api.url)))
        records_left = dict(api.records)
    assert code == 0, out
    assert api.limited >= 4, "the rate limit was met while seeding and cleaning up"
    seeding = load_results(run_dir / "results.json").seeding
    assert [(s.size, s.created, s.failed) for s in seeding] == [(6, 6, 0), (12, 6, 0)]
    assert records_left == {}, "rate-limited deletes are sent again"
    assert "only" not in out


def test_retry_after_is_read_as_seconds_or_a_date_and_bounded() -> None:
    def answer(status: int, **headers: str) -> Exchange:
        return Exchange(status, headers, b"", 0.001)

    assert retry_delay(answer(429, **{"Retry-After": "2"}), 0) == 2.0
    assert retry_delay(answer(429, **{"Retry-After": "86400"}), 0) == MAX_WAIT_S
    assert retry_delay(answer(429, **{"Retry-After": "Wed, 21 Oct 2015 07:28:00 GMT"}), 0) == 0.0
    assert retry_delay(answer(429), 0) == 0.5
    assert retry_delay(answer(429), 2) == 2.0
    assert retry_delay(answer(503, **{"Retry-After": "1"}), 0) == 1.0
    assert retry_delay(answer(503), 0) is None, "a 503 that does not ask to wait is a failure"
    assert retry_delay(answer(500, **{"Retry-After": "1"}), 0) is None
    assert retry_delay(Exchange(0, {}, b"", 0.0, "timeout", "timed out"), 0) is None
