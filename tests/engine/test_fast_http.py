"""The fast transport against real sockets: the same ``Exchange`` as urllib3 for the same requests,
and the edge cases a load generator meets (chunks, idle closes, resets, silence, garbage).

Every server is on 127.0.0.1; every loop is bounded in count, every wait in time.
"""

from __future__ import annotations

import gzip
import re
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest
from raw_servers import Peer, ScriptedServer, answer, serve_forever
from servers import RecordsServer, free_port

from yamlperf.engine import fast_http
from yamlperf.engine.client import SessionClient
from yamlperf.engine.fast_http import FastTransport
from yamlperf.engine.http import Exchange, Prepared, TransportOptions, Urllib3Transport

VOLATILE = {"date", "x-request-number"}
MEGABYTE = bytes(range(256)) * 4096


def _request(url: str, target: str = "/", method: str = "GET", body: bytes | None = None,
             **headers: str) -> Prepared:
    return Prepared(method, url, target, {"User-Agent": "test", **headers}, body)


def _send_all(transport_type: type, requests: list[Prepared], timeout: float = 5) -> list[Exchange]:
    transport = transport_type(TransportOptions(timeout=timeout))
    try:
        return [transport.send(r) for r in requests]
    finally:
        transport.close()


def _comparable(exchange: Exchange) -> tuple[object, ...]:
    """Folded header lines are unfolded (RFC 9112 5.2): urllib3 2.8 does, 2.7 keeps the CRLF."""
    headers = {k.lower(): re.sub(r"\r?\n[ \t]+", " ", exchange.headers[k])
               for k in exchange.headers if k.lower() not in VOLATILE}
    return exchange.status, headers, exchange.body, len(exchange.body), exchange.fault


def _both(requests: Callable[[], list[Prepared]], timeout: float = 5) -> tuple[list[Exchange], list[Exchange]]:
    return _send_all(Urllib3Transport, requests(), timeout), _send_all(FastTransport, requests(), timeout)


def test_the_same_requests_give_the_same_exchanges_as_urllib3() -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    requests = [_request(url, "/static"), _request(url, "/echo?q=a+b&n=1", **{"X-Trace": "t1"}),
                _request(url, "/records", "POST", b'{"title":"x"}', **{"Content-Type": "application/json"}),
                _request(url, "/records/1"), _request(url, "/records/1", "DELETE"), _request(url, "/records/1"),
                _request(url, "/echo", "POST", b"raw body"), _request(url, "/echo", "PUT"),
                _request(url, "/static", "HEAD"), _request(url, "/static")]
    results = []
    for transport_type in (Urllib3Transport, FastTransport):  # a fresh server each, on the same port
        with RecordsServer(port=port):
            results.append(_send_all(transport_type, requests))
    slow, fast = results
    assert [_comparable(e) for e in fast] == [_comparable(e) for e in slow]
    assert [e.status for e in fast] == [200, 200, 201, 200, 204, 404, 200, 501, 501, 200]
    assert fast[0].headers["CONTENT-TYPE"] == "application/json", "headers are case-insensitive"
    assert all(e.fault == "" and 0 < e.duration < 5 for e in fast)


def test_the_server_receives_the_same_bytes_from_both_transports() -> None:
    with ScriptedServer(serve_forever(lambda _: answer())) as server:
        def requests() -> list[Prepared]:
            return [_request(server.url, "/a?b=c"), _request(server.url, "/p", "POST", b'{"a":1}'),
                    _request(server.url, "/p", "POST"), _request(server.url, "/h", "GET", **{"Host": "x.test"}),
                    _request(server.url, "/t", "POST", b"abc", **{"Transfer-Encoding": "chunked"}),
                    Prepared("GET", server.url, "/no-agent", {"Accept-Encoding": "gzip"}),
                    *(_request(server.url, target) for target in (
                        "/a b", "/é?q=ü&r=a b", "/x\r\nInjected: 1", "/p%2fq?x=%41", "/p%zz%41?y=%2f%",
                        "/frag#part", "/a?b?c", "/~user/(x)*;=,@:!$'"))]

        slow, fast = _both(requests)
        assert all(e.status == 200 for e in slow + fast)
        half = len(server.requests) // 2
        assert server.requests[half:] == server.requests[:half]


def test_a_request_header_with_a_line_break_is_refused_like_urllib3_refuses_it() -> None:
    with ScriptedServer(serve_forever(lambda _: answer())) as server:
        slow, fast = _both(lambda: [_request(server.url, "/", **{"X-Evil": "a\r\nInjected: yes"})])
        assert (fast[0].fault, slow[0].fault) == ("other", "other")
        assert server.requests == []


def _chunked(peer: Peer) -> None:
    for _ in range(3):
        if not peer.read_request():
            return
        peer.send(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nX-Part: a\r\nX-Part: b\r\n\r\n5\r\nhel")
        time.sleep(0.01)
        peer.send(b"lo\r\n6\r\n world\r\n")
        time.sleep(0.01)
        peer.send(b"0\r\n\r\n")


def test_a_chunked_answer_split_across_packets_is_read_whole_on_a_kept_connection() -> None:
    with ScriptedServer(_chunked) as server:
        slow, fast = _both(lambda: [_request(server.url)] * 3)
        assert [_comparable(e) for e in fast] == [_comparable(e) for e in slow]
        assert fast[0].body == b"hello world"
        assert fast[0].headers["x-part"] == "a, b", "repeated fields are joined as urllib3 joins them"
        assert server.connections == 2, "one kept-alive connection per transport"


def test_a_megabyte_body_arrives_whole_with_a_length_or_chunked() -> None:
    chunked = b"".join(b"%x\r\n%b\r\n" % (65536, MEGABYTE[i:i + 65536]) for i in range(0, len(MEGABYTE), 65536))
    replies = {b"/length": answer(MEGABYTE),
               b"/chunked": b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + chunked + b"0\r\n\r\n"}
    with ScriptedServer(serve_forever(lambda request: replies[request.split(b" ")[1]])) as server:
        slow, fast = _both(lambda: [_request(server.url, "/length"), _request(server.url, "/chunked")])
        assert [e.body == MEGABYTE for e in fast] == [True, True]
        assert [_comparable(e) for e in fast] == [_comparable(e) for e in slow]


def test_head_204_and_304_have_no_body_and_keep_the_connection() -> None:
    def reply(request: bytes) -> bytes:
        if request.startswith(b"HEAD"):
            return b"HTTP/1.1 200 OK\r\nContent-Length: 1234\r\nContent-Type: text/plain\r\n\r\n"
        if b"/204" in request:
            return b"HTTP/1.1 204 No Content\r\n\r\n"
        if b"/304" in request:
            return b"HTTP/1.1 304 Not Modified\r\nETag: \"x\"\r\n\r\n"
        return answer(b"after")

    with ScriptedServer(serve_forever(reply)) as server:
        def requests() -> list[Prepared]:
            return [_request(server.url, "/", "HEAD"), _request(server.url, "/"), _request(server.url, "/204"),
                    _request(server.url, "/"), _request(server.url, "/304"), _request(server.url, "/")]

        slow, fast = _both(requests)
        assert [(e.status, e.body) for e in fast] == [(200, b""), (200, b"after"), (204, b""), (200, b"after"),
                                                      (304, b""), (200, b"after")]
        assert fast[0].headers["content-length"] == "1234"
        assert [_comparable(e) for e in fast] == [_comparable(e) for e in slow]
        assert server.connections == 2


def test_connection_close_answers_and_bodies_ending_at_close_are_complete() -> None:
    def script(peer: Peer) -> None:
        request = peer.read_request()
        if b"/eof" in request:
            peer.send(b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nuntil the end")
        else:
            peer.send(answer(b"closing", headers="Connection: close\r\n"))

    with ScriptedServer(script) as server:
        slow, fast = _both(lambda: [_request(server.url, "/eof"), _request(server.url, "/"), _request(server.url)])
        assert [(e.status, e.body, e.fault) for e in fast] == [(200, b"until the end", ""), (200, b"closing", ""),
                                                               (200, b"closing", "")]
        assert [_comparable(e) for e in fast] == [_comparable(e) for e in slow]
        assert server.connections == 6


@pytest.mark.parametrize(("idle_close_s", "methods"), [(0.02, ("GET", "POST")), (0.0, ("GET", "HEAD"))])
def test_a_server_closing_idle_connections_causes_no_failure(idle_close_s: float, methods: tuple[str, ...],
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """Closed after 20 ms idle: noticed before sending. Closed at once after the answer (a race with the
    next request, the way a keep-alive timeout meets a request): a GET or HEAD that meets the closed
    connection goes again on a new one. The idle threshold is set to 0 so the race counts as idle."""
    monkeypatch.setattr(fast_http, "RETRY_AFTER_IDLE_S", 0.0)
    def script(peer: Peer) -> None:  # answers as keep-alive, then closes the connection anyway
        if peer.read_request():
            peer.send(answer())
            time.sleep(idle_close_s)

    with ScriptedServer(script) as server:
        transport = FastTransport(TransportOptions(timeout=2))
        exchanges = []
        for index in range(20):
            method = methods[index % 2]
            exchanges.append(transport.send(_request(server.url, "/", method, b"x" if method == "POST" else None)))
            time.sleep(idle_close_s * 2)
        transport.close()
    assert [e.fault for e in exchanges] == [""] * 20
    assert len(server.requests) == server.connections == 20, "every request answered once, one per connection"
    assert transport.retries <= 19, "at most once per request after the first"


def test_an_idle_connection_is_looked_at_before_a_get_goes_on_it() -> None:
    """Right after an answer a GET goes without a look (a closed connection is met at the read and
    the GET sent again); once idle, bytes the server sent meanwhile (a 408 before it closes) are
    noticed before sending, never taken for the GET's answer."""
    def script(peer: Peer) -> None:
        if peer.read_request():
            peer.send(answer(b"first"))
            time.sleep(fast_http.FRESH_S * 1.5)
            peer.send(b"HTTP/1.1 408 Request Timeout\r\nContent-Length: 0\r\n\r\n")
            peer.read_request()

    with ScriptedServer(script) as server:
        transport = FastTransport(TransportOptions(timeout=2))
        first = transport.send(_request(server.url))
        time.sleep(fast_http.FRESH_S * 3)
        second = transport.send(_request(server.url))
        transport.close()
    assert [(e.status, e.body) for e in (first, second)] == [(200, b"first"), (200, b"first")]
    assert server.connections == 2


def _second_request_reset(peer: Peer) -> None:
    """Every connection answers its first request and resets on the second, unanswered."""
    peer.read_request()
    peer.send(answer())
    peer.read_request()
    peer.reset()


def test_a_reset_of_a_busy_connection_is_counted_not_sent_again() -> None:
    with ScriptedServer(_second_request_reset) as server:
        transport = FastTransport(TransportOptions(timeout=2))
        get = [transport.send(_request(server.url, "/")) for _ in range(2)]
        transport.close()
    assert [e.fault for e in get] == ["", "reset"], "a target resetting under load is failing"
    assert transport.retries == 0


def test_a_reset_after_idling_is_sent_again_once_if_idempotent(monkeypatch: pytest.MonkeyPatch) -> None:
    """Idle long enough for a keep-alive timeout: the server closed it as we sent, not failed."""
    monkeypatch.setattr(fast_http, "RETRY_AFTER_IDLE_S", 0.05)
    with ScriptedServer(_second_request_reset) as server:
        transport = FastTransport(TransportOptions(timeout=2))
        exchanges = []
        for method in ("GET", "GET", "POST", "POST"):
            exchanges.append(transport.send(_request(server.url, "/", method, b"x" if method == "POST" else None)))
            time.sleep(0.1)
        transport.close()
    get, post = exchanges[:2], exchanges[2:]
    assert [e.fault for e in get] == ["", ""], "the second GET went again on a new connection"
    assert [e.fault for e in post] == ["reset", ""], "a POST that may have run is not sent twice"
    assert transport.retries == 1


def test_a_reset_mid_answer_is_a_reset_and_is_not_sent_again() -> None:
    def script(peer: Peer) -> None:
        peer.read_request()
        peer.send(answer())
        peer.read_request()
        peer.send(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\npartial")
        time.sleep(0.05)
        peer.reset()

    with ScriptedServer(script) as server:
        slow, fast = _both(lambda: [_request(server.url), _request(server.url), _request(server.url)])
        assert [e.fault for e in fast] == ["", "reset", ""]
        assert [e.fault for e in slow] == ["", "reset", ""]
        assert len(server.requests) == 6, "no request was sent twice"


def test_a_closed_port_is_refused() -> None:
    exchange = _send_all(FastTransport, [_request(f"http://127.0.0.1:{free_port()}")])[0]
    assert (exchange.status, exchange.fault) == (0, "refused")
    assert "Refused" in exchange.error


def test_a_silent_server_is_a_timeout_within_the_timeout() -> None:
    def script(peer: Peer) -> None:
        peer.read_request()
        time.sleep(1.0)

    with ScriptedServer(script) as server:
        exchange = _send_all(FastTransport, [_request(server.url)], timeout=0.2)[0]
    assert (exchange.status, exchange.fault) == (0, "timeout")
    assert 0.19 < exchange.duration < 0.6


@pytest.mark.parametrize("garbage", [
    b"hello, this is not HTTP\r\n\r\n",
    b"\x00\xff\xfe binary \x01\x02\r\n\r\n",
    b"HTTP/1.1 abc Nope\r\nContent-Length: 2\r\n\r\nok",
    b"HTTP/1.1 200 OK\r\nContent-Length: -5\r\n\r\n",
    b"HTTP/1.1 200 OK\r\nBad Header Line\r\n\r\n",
    b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nnot a chunk\r\n",
])
def test_garbage_instead_of_http_is_a_failure_never_a_crash(garbage: bytes) -> None:
    def script(peer: Peer) -> None:
        request = peer.read_request()
        peer.send(answer() if b"/fine" in request else garbage)
        time.sleep(0.05)

    with ScriptedServer(script) as server:
        bad, fine = _send_all(FastTransport, [_request(server.url), _request(server.url, "/fine")], timeout=1)
    assert bad.status == 0
    assert bad.fault in ("bad_body", "other")
    assert bad.error
    assert (fine.status, fine.fault) == (200, ""), "the next request gets a clean connection"


@pytest.mark.parametrize("extra", [b"junk after the answer\r\n\r\n", answer(b"a second answer")])
def test_bytes_after_a_complete_answer_leave_it_whole_and_the_connection_is_not_reused(extra: bytes) -> None:
    with ScriptedServer(serve_forever(lambda _: answer(b"first") + extra)) as server:
        exchanges = _send_all(FastTransport, [_request(server.url)] * 3)
        assert [(e.status, e.body, e.fault) for e in exchanges] == [(200, b"first", "")] * 3
        assert len(exchanges[0].headers) == 2
        assert server.connections == 3


INTERIM = (b"HTTP/1.1 102 Processing\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a.css>\r\n\r\n"
           b"HTTP/1.1 100 Continue\r\n\r\n")


@pytest.mark.parametrize("transport_type", [FastTransport, Urllib3Transport, SessionClient])
def test_interim_answers_are_skipped(transport_type: type) -> None:
    """http.client skips 100 only: urllib3 took a 103 Early Hints for the answer, and the real
    answer, left on the connection, for the next request's."""
    with ScriptedServer(serve_forever(lambda _: INTERIM + answer(b"final"))) as server:
        exchanges = _send_all(transport_type, [_request(server.url)] * 3)
        assert server.connections == 1
    assert [(e.status, e.body, e.fault) for e in exchanges] == [(200, b"final", "")] * 3
    assert "link" not in exchanges[0].headers


def test_an_encoded_body_is_decoded_as_urllib3_decodes_it() -> None:
    def reply(request: bytes) -> bytes:
        body = gzip.compress(b'{"zipped": true}') if b"/good" in request else b"not gzip at all"
        return answer(body, headers="Content-Encoding: gzip\r\n")

    with ScriptedServer(serve_forever(reply)) as server:
        slow, fast = _both(lambda: [_request(server.url, "/good"), _request(server.url, "/bad")])
    assert fast[0].body == b'{"zipped": true}'
    assert [_comparable(e) for e in fast] == [_comparable(e) for e in slow]
    assert fast[1].fault == "bad_body"


def test_a_timeout_on_a_reused_connection_is_not_sent_again() -> None:
    def script(peer: Peer) -> None:
        peer.read_request()
        peer.send(answer())
        peer.read_request()
        time.sleep(0.6)

    with ScriptedServer(script) as server:
        exchanges = _send_all(FastTransport, [_request(server.url)] * 2, timeout=0.2)
        assert [e.fault for e in exchanges] == ["", "timeout"]
        assert server.connections == 1


def test_https_origins_go_through_urllib3() -> None:
    transport = FastTransport(TransportOptions(timeout=1))
    exchange = transport.send(_request(f"https://127.0.0.1:{free_port()}"))
    transport.close()
    assert exchange.fault == "refused"
    assert transport.used == "httptools+urllib3"


def _trickle(peer: Peer) -> None:
    """The head at once, then a body byte every 0.15 s: 1.5 s in all, no single wait near 0.6 s."""
    peer.read_request()
    peer.send(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n")
    for _ in range(10):
        time.sleep(0.15)
        peer.send(b"x")


def _event_stream(peer: Peer) -> None:
    """Server-sent events: a chunk every 0.05 s, for 3 s at most (the test's bound, not the client's)."""
    peer.read_request()
    peer.send(b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n")
    for _ in range(60):
        time.sleep(0.05)
        peer.send(b"9\r\ndata: 1\n\n\r\n")


@pytest.mark.parametrize("transport_type", [FastTransport, Urllib3Transport])
@pytest.mark.parametrize("script", [_trickle, _event_stream], ids=["trickle", "event-stream"])
def test_the_timeout_bounds_the_whole_request_not_each_wait(transport_type: type,
                                                             script: Callable[[Peer], None]) -> None:
    with ScriptedServer(script) as server:
        exchanges = _send_all(transport_type, [_request(server.url)] * 2, timeout=0.6)
    assert [(e.status, e.fault, e.error) for e in exchanges] == [(0, "timeout", "TimeoutError: timed out")] * 2
    assert all(0.55 < e.duration < 0.9 for e in exchanges), "no longer than the timeout, give or take"


def test_a_timeout_cut_short_for_one_answer_is_whole_again_for_the_next() -> None:
    def script(peer: Peer) -> None:
        peer.read_request()
        peer.send(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\no")
        time.sleep(0.6)
        peer.send(b"k")
        peer.read_request()
        time.sleep(0.6)
        peer.send(answer())

    with ScriptedServer(script) as server:
        exchanges = _send_all(FastTransport, [_request(server.url)] * 2, timeout=1.0)
        assert [(e.status, e.body, e.fault) for e in exchanges] == [(200, b"ok", "")] * 2
        assert server.connections == 1


@pytest.mark.parametrize("reply", [
    b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
    b"HTTP/1.1 200 OK\r\nX-Folded: a\r\n b\r\nContent-Length: 5\r\n\r\nhello",
    b"HTTP/1.1 200 OK\nContent-Length: 5\n\nhello",
    b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTrailer: X-Sum\r\n\r\n5\r\nhello\r\n0\r\nX-Sum: 1\r\n"
    b"Content-Type: text/html\r\n\r\n",
    b"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\nContent-Length: 5\r\n\r\nhello",
    b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\ncontent-length: 5\r\n\r\nhello",
], ids=["chunked-and-length", "folded-header", "bare-lf", "trailers", "other-transfer-and-length", "length-twice"])
def test_framing_urllib3_reads_is_read_the_same_way(reply: bytes) -> None:
    with ScriptedServer(serve_forever(lambda _: reply)) as server:
        slow, fast = _both(lambda: [_request(server.url)] * 2)
        assert server.connections == 2, "each transport kept its connection"
    assert [_comparable(e) for e in fast] == [_comparable(e) for e in slow]
    assert [(e.status, e.body, e.fault) for e in fast] == [(200, b"hello", "")] * 2
    assert "content-type" not in fast[0].headers, "trailer fields are not headers"


def test_a_body_encoded_twice_in_two_header_fields_is_decoded_twice() -> None:
    body = gzip.compress(gzip.compress(b'{"twice": true}'))
    with ScriptedServer(serve_forever(lambda _: answer(body, headers="Content-Encoding: gzip\r\n" * 2))) as server:
        slow, fast = _both(lambda: [_request(server.url)])
    assert fast[0].body == slow[0].body == b'{"twice": true}'


@pytest.mark.parametrize("status", ["301 Moved Permanently", "302 Found", "307 Temporary Redirect",
                                    "308 Permanent Redirect"])
def test_a_redirect_is_not_followed_by_either_transport_and_the_failure_says_so(status: str) -> None:
    from yamlperf.engine.checks import Checker
    from yamlperf.scenario import Expectation

    def reply(request: bytes) -> bytes:
        if request.startswith(b"GET /old"):
            return answer(b"moved", status, "Location: /new/place?code=one-time-secret\r\n")
        return answer(b"arrived")

    with ScriptedServer(serve_forever(reply)) as server:
        slow, fast = _both(lambda: [_request(server.url, "/old")])
        assert len(server.requests) == 2, "one request each: nothing followed the Location"
    assert _comparable(fast[0]) == _comparable(slow[0])
    assert fast[0].body == b"moved"
    category, reason = Checker(Expectation()).judge(fast[0], {})
    assert category == "expectation_failed"
    assert reason.startswith(f"status {status[:3]}, expected 2xx")
    assert "redirect to /new/place, not followed" in reason
    assert "one-time-secret" not in reason
    assert Checker(Expectation()).judge(Exchange(302, {}, b"", 0.001), {})[1] == "status 302, expected 2xx"


def _head_answered_with_a_body(delay: float, other: bytes, rounds: int) -> Callable[[Peer], None]:
    """A server that, like waitress, sends a HEAD the body a GET would get (``delay`` seconds after
    its head, or with it) and answers every other request with ``other``."""
    def script(peer: Peer) -> None:
        for _ in range(rounds):
            request = peer.read_request()
            if not request:
                return
            if not request.startswith(b"HEAD"):
                peer.send(answer(other))
                continue
            peer.send(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n" + (b"" if delay else b"hello"))
            if delay:
                time.sleep(delay)
                peer.send(b"hello")

    return script


@pytest.mark.parametrize("delay", [0.0, 0.05], ids=["with-the-head", "after-the-head"])
def test_a_body_sent_to_head_is_not_taken_for_the_next_answer(delay: float) -> None:
    """waitress sends a HEAD the body a GET would get; the answers after it must stay whole."""
    with ScriptedServer(_head_answered_with_a_body(delay, b"get", rounds=20)) as server:
        requests = [_request(server.url, method=method) for method in ("HEAD", "GET") * 4]
        exchanges = _send_all(FastTransport, requests, timeout=2)
    assert [(e.status, e.body, e.fault) for e in exchanges] == [(200, b"", ""), (200, b"get", "")] * 4


def test_a_connection_closed_after_a_head_is_not_taken_for_a_body_sent_to_it() -> None:
    head = b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n"

    def script(peer: Peer) -> None:
        for _ in range(1 if peer.index == 1 else 10):  # the first connection is closed once idle
            if not peer.read_request():
                return
            peer.send(head)

    with ScriptedServer(script) as server:
        transport = FastTransport(TransportOptions(timeout=2))
        try:
            exchanges = [transport.send(_request(server.url, method="HEAD"))]
            time.sleep(0.1)
            exchanges += [transport.send(_request(server.url, method="HEAD")) for _ in range(3)]
        finally:
            transport.close()
        assert [(e.status, e.fault) for e in exchanges] == [(200, "")] * 4
        assert server.connections == 2, "after the idle close, HEADs share one connection again"


def test_an_httptools_without_leniencies_still_measures(monkeypatch: pytest.MonkeyPatch) -> None:
    """``set_dangerous_leniencies`` is newer than the oldest httptools the project accepts (0.6)."""
    real = fast_http.httptools.HttpResponseParser

    class OldParser:
        """The real parser, without the setter httptools 0.6 did not have."""

        def __init__(self, protocol: object) -> None:
            self._parser = real(protocol)

        def __getattr__(self, name: str) -> object:
            if name == "set_dangerous_leniencies":
                raise AttributeError(name)
            return getattr(self._parser, name)

    monkeypatch.setattr(fast_http.httptools, "HttpResponseParser", OldParser)
    assert fast_http._leniencies("lenient_headers") == {}
    monkeypatch.setattr(fast_http, "LENIENCIES", {})
    with ScriptedServer(serve_forever(lambda _: answer())) as server:
        assert [e.status for e in _send_all(FastTransport, [_request(server.url)] * 2)] == [200, 200]


@pytest.mark.skipif(not hasattr(fast_http.httptools.HttpResponseParser(object()), "set_dangerous_leniencies"),
                    reason="this httptools has no leniencies to set")
def test_the_leniencies_this_httptools_knows_are_set() -> None:
    assert fast_http._leniencies("lenient_headers", "lenient_from_the_future") == {"lenient_headers": True}


@pytest.mark.parametrize("pieces", [
    [b"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\nContent-Length: 10\r\n\r\nhello", b"world"],
    [b"HTTP/1.1 103 Early Hints\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 10\r\nContent-Length: 10\r\n",
     b"X-After: 1\r\n\r\nhello", b"world"],
    [b"HTTP/1.1 200 OK\r\nContent-Length: 10, 10\r\n\r\nhelloworld"],
], ids=["other-transfer-in-pieces", "length-twice-in-pieces", "length-listed-twice"])
def test_a_length_urllib3_reads_is_read_the_same_way_and_the_connection_kept(pieces: list[bytes]) -> None:
    """llhttp waited for the close (a timeout on keep-alive) after a Transfer-Encoding without
    chunked, and refused identical Content-Length values, which RFC 9110 8.6 allows."""
    def script(peer: Peer) -> None:
        for _ in range(3):
            if not peer.read_request():
                return
            for piece in pieces:
                peer.send(piece)
                time.sleep(0.02)

    with ScriptedServer(script) as server:
        slow = _send_all(Urllib3Transport, [_request(server.url)] * 3, timeout=2)
    with ScriptedServer(script) as server:
        fast = _send_all(FastTransport, [_request(server.url)] * 3, timeout=2)
        assert server.connections == 1
    assert [_comparable(e) for e in fast] == [_comparable(e) for e in slow]
    assert [(e.status, e.body, e.fault) for e in fast] == [(200, b"helloworld", "")] * 3
    assert all(e.duration < 1 for e in fast)


def test_content_lengths_that_disagree_fail_with_both_transports() -> None:
    reply = b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!"
    with ScriptedServer(serve_forever(lambda _: reply)) as server:
        slow, fast = _both(lambda: [_request(server.url)])
    assert [(e.status, e.fault) for e in fast + slow] == [(0, "other")] * 2


@pytest.mark.parametrize("transport_type", [FastTransport, Urllib3Transport])
def test_switching_protocols_is_the_answer_and_the_connection_is_not_reused(transport_type: type) -> None:
    """A websocket upgrade endpoint is measured as status 101 and the time to it; the connection
    then speaks another protocol, so the next request goes on a new one."""
    def script(peer: Peer) -> None:
        for _ in range(10):
            request = peer.read_request()
            if not request:
                return
            if b"/ws" not in request:
                peer.send(answer())
                continue
            peer.send(b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n"
                      b"\x81\x02hi")
            time.sleep(0.5)
            return

    with ScriptedServer(script) as server:
        exchanges = _send_all(transport_type, [_request(server.url, path) for path in ("/ws", "/", "/ws", "/")],
                              timeout=2)
        assert server.connections == 3, "one for each upgrade and one after the last"
    assert [(e.status, e.body, e.fault) for e in exchanges] == [(101, b"", ""), (200, b"ok", "")] * 2
    assert exchanges[0].headers["upgrade"] == "websocket"
    assert all(e.duration < 0.4 for e in exchanges), "nothing waited for the upgraded connection"


def test_a_post_after_a_head_that_announced_a_body_goes_on_a_new_connection() -> None:
    """A body sent late to a HEAD would land before the POST's answer, and a POST is never sent twice."""
    with ScriptedServer(_head_answered_with_a_body(0.05, b"posted", rounds=10)) as server:
        requests = [_request(server.url, method=method, body=b"x" if method == "POST" else None)
                    for method in ("HEAD", "POST") * 3]
        exchanges = _send_all(FastTransport, requests, timeout=2)
    assert [(e.status, e.body, e.fault) for e in exchanges] == [(200, b"", ""), (200, b"posted", "")] * 3
    assert sum(r.startswith(b"POST") for r in server.requests) == 3, "no POST was sent twice"


@contextmanager
def _slow_to_connect() -> Iterator[str]:
    """A listener whose accept queue is full: the kernel drops the SYN and the client sends it again
    after ~1 s; it then accepts and never answers."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(0)
    address = listener.getsockname()
    fillers = [socket.socket() for _ in range(2)]
    for filler in fillers:
        filler.setblocking(False)
        filler.connect_ex(address)
    done = threading.Event()

    def accept() -> None:
        time.sleep(0.3)
        listener.settimeout(0.1)
        accepted = []
        while not done.is_set():
            try:
                accepted.append(listener.accept()[0])
            except TimeoutError:
                continue
        for sock in accepted:
            sock.close()

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{address[1]}"
    finally:
        done.set()
        thread.join(5)
        for sock in [*fillers, listener]:
            sock.close()


@pytest.mark.parametrize("transport_type", [FastTransport, Urllib3Transport])
def test_the_timeout_bounds_connecting_and_reading_together(transport_type: type) -> None:
    with _slow_to_connect() as url:
        exchange = _send_all(transport_type, [_request(url)], timeout=1.5)[0]
    assert exchange.fault == "timeout"
    assert 1.4 < exchange.duration < 2.0, "the read after a slow connect gets only what is left"
