"""Seeding, counting and cleanup follow redirects as measured requests do (never), with one message."""

from __future__ import annotations

import itertools
import json
from http import HTTPStatus
from http.server import ThreadingHTTPServer
from urllib.parse import urlsplit

import pytest
from background import Background, JsonHandler
from servers import ScenarioFactory, run_plan

NOTE = "(a redirect to /api/prompts/, not followed: yamlperf never follows redirects; use that path)"


class _Handler(JsonHandler):
    def dispatch(self) -> None:
        api: SlashApi = self.server.api  # type: ignore[attr-defined]
        path = urlsplit(self.path).path
        self.body()
        if not path.endswith("/"):  # Django's APPEND_SLASH (301), Flask's strict_slashes (308)
            self.send_json(api.status, None, {"Location": path + "/"})
        elif path == "/api/prompts/" and self.command == "POST":
            record = {"id": next(api.ids)}
            api.records.append(record)
            self.send_json(201, record)
        elif path == "/api/prompts/":
            self.send_json(200, {"count": len(api.records), "results": api.records[:20]})
        else:
            self.send_json(404, {"detail": "Not found."})


class SlashApi(Background):
    def __init__(self, status: int) -> None:
        self.status = status
        self.records: list[dict[str, int]] = []
        self.ids = itertools.count(1)
        httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        httpd.daemon_threads = True
        httpd.api = self  # type: ignore[attr-defined]
        self._serve_in_background(httpd)


@pytest.mark.parametrize("status", [301, 308])
def test_a_create_without_its_trailing_slash_is_refused_with_the_redirect_as_measured_requests_are(
        status: int, write_scenario: ScenarioFactory) -> None:
    """A 308 keeps the method and the body where a 301 may turn a POST into a GET: neither is followed,
    and both say where to send it, in the same words for seeding, counting and a measured request."""
    phrase = f"{status} {HTTPStatus(status).phrase}"
    with SlashApi(status) as api:
        seeding = write_scenario({
            "name": "slash", "target": {"base_url": api.url},
            "dataset": {"sizes": [3], "create": {"path": "/api/prompts", "json": {"title": "p{{ n }}"}},
                        "count": {"path": "/api/prompts", "count_path": "count"}},
            "endpoints": [{"name": "list", "path": "/api/prompts/"}]}, "seeding.yaml")
        code, output, _ = run_plan(seeding)
        measured = write_scenario({"name": "slash", "target": {"base_url": api.url}, "load": {"iterations": 2},
                                   "endpoints": [{"name": "list", "path": "/api/prompts"}]}, "measured.yaml")
        measured_code, _, run_dir = run_plan(measured)
        assert api.records == [], "no create was turned into a GET of the list, nor sent twice"
    assert code == 3, output
    assert f"first failure: {phrase} from POST /api/prompts {NOTE}" in output
    assert f"counting the records failed (status {status} {NOTE})" in output
    assert "without an id" not in output
    assert measured_code == 1
    (cell,) = json.loads((run_dir / "results.json").read_text())["cells"]
    assert cell["errors"] == [f"status {status}, expected 2xx {NOTE}"]
