"""The measured transport against real sockets: answers timed, faults categorised, never raised."""

from __future__ import annotations

import socket
import threading

from servers import RecordsServer, free_port

from yamlperf.engine.http import Prepared, TransportOptions, Urllib3Transport
from yamlperf.engine.prepare import AuthHeaders, RequestTemplate
from yamlperf.scenario import BodyKind, RequestSpec


def _get(server_url: str, path: str) -> Prepared:
    return Prepared("GET", server_url, path, {"User-Agent": "test"})


def test_an_answer_is_timed_and_read_whole(records_server: RecordsServer) -> None:
    transport = Urllib3Transport(TransportOptions(timeout=5))
    exchange = transport.send(_get(records_server.url, "/records"))
    transport.close()
    assert exchange.status == 200
    assert exchange.fault == ""
    assert exchange.body.startswith(b'{"items"')
    assert 0 < exchange.duration < 5


def test_a_closed_port_is_refused() -> None:
    transport = Urllib3Transport(TransportOptions(timeout=2))
    exchange = transport.send(_get(f"http://127.0.0.1:{free_port()}", "/"))
    assert (exchange.status, exchange.fault) == (0, "refused")
    assert "Refused" in exchange.error


def test_a_slow_answer_is_a_timeout(records_server: RecordsServer) -> None:
    transport = Urllib3Transport(TransportOptions(timeout=0.1))
    exchange = transport.send(_get(records_server.url, "/slow?ms=600"))
    assert (exchange.status, exchange.fault) == (0, "timeout")
    assert 0.09 < exchange.duration < 0.5


def test_a_reset_connection_is_a_reset_and_the_next_request_reconnects(records_server: RecordsServer) -> None:
    transport = Urllib3Transport(TransportOptions(timeout=5))
    faults = [transport.send(_get(records_server.url, "/flaky")).fault for _ in range(10)]
    assert faults.count("reset") == 1
    assert faults.count("") == 9


def test_a_server_that_closes_without_answering_is_a_reset() -> None:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        url = f"http://127.0.0.1:{listener.getsockname()[1]}"
        transport = Urllib3Transport(TransportOptions(timeout=2))
        def close_one() -> None:
            connection, _ = listener.accept()
            connection.recv(1024)
            connection.close()

        thread = threading.Thread(target=close_one)
        thread.start()
        exchange = transport.send(_get(url, "/"))
        thread.join(5)
    assert exchange.fault == "reset"


def test_a_static_request_is_prepared_once_per_token() -> None:
    template = RequestTemplate(RequestSpec("GET", "/records", query=(("page", "1"),)), "http://h:1/api")
    first = template.prepare({}, AuthHeaders(1, {"Authorization": "Bearer a"}))
    assert template.static
    assert template.prepare({}, AuthHeaders(1, {"Authorization": "Bearer a"})) is first
    assert first.target == "/api/records?page=1"
    renewed = template.prepare({}, AuthHeaders(2, {"Authorization": "Bearer b"}))
    assert renewed is not first
    assert renewed.headers["Authorization"] == "Bearer b"


def test_a_templated_request_renders_path_query_headers_and_json_body() -> None:
    spec = RequestSpec("POST", "/records/{{ id }}", query=(("q", "{{ vars.word }}"),),
                       headers=(("X-N", "{{ n }}"),), body_kind=BodyKind.JSON,
                       body={"n": "{{ n }}", "title": "t{{ n }}"})
    template = RequestTemplate(spec, "http://h:1", (("X-Base", "yes"),))
    prepared = template.prepare({"id": 7, "n": 3, "vars": {"word": "a b"}})
    assert not template.static
    assert prepared.target == "/records/7?q=a+b"
    assert prepared.headers["X-N"] == "3"
    assert prepared.headers["X-Base"] == "yes"
    assert prepared.headers["Content-Type"] == "application/json"
    assert prepared.body == b'{"n":3,"title":"t3"}'


class _NoDecode(bytes):
    def decode(self, *args: object, **kwargs: object) -> str:  # type: ignore[override]
        raise AssertionError("the whole body was decoded to look for a text")


def test_contains_searches_the_body_bytes_without_decoding_it() -> None:
    from yamlperf.engine.checks import Checker
    from yamlperf.engine.http import Exchange
    from yamlperf.scenario import Expectation

    body = _NoDecode('{"title": "café"}'.encode() + b"x" * 100_000)
    answer = Exchange(200, {}, body, 0.001)
    assert Checker(Expectation(contains="café")).judge(answer, {}) == ("ok", "")
    assert Checker(Expectation(contains="{{ word }}")).judge(answer, {"word": "title"}) == ("ok", "")
    assert Checker(Expectation(contains="tea")).judge(answer, {}) == (
        "expectation_failed", "body does not contain 'tea'")
    assert Checker(Expectation(not_contains="café")).judge(answer, {}) == (
        "expectation_failed", "body contains 'café'")
    assert Checker(Expectation(not_contains="{{ word }}")).judge(answer, {"word": "tea"}) == ("ok", "")
