"""HTTP/1.1 on the wire for the fast transport: a ``Prepared`` as the bytes urllib3 would send, and
an answer's headers as urllib3 would give them.

Both mirror urllib3 and ``http.client`` on purpose, down to the header order and the refusals: the
server must see the same request and the checks the same answer whichever transport ran.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from functools import cache

from .http import Prepared

IDEMPOTENT = frozenset({"GET", "HEAD", "OPTIONS", "TRACE", "PUT", "DELETE"})
"""Methods a client may send again when the connection closed before any answer (RFC 9110 9.2.2)."""
_BODY_EXPECTED = frozenset({"POST", "PUT", "PATCH"})
# http.client's and urllib3's own checks: no request smuggling through a header or a method.
_LEGAL_NAME = re.compile(r"[^:\s][^:\r\n]*").fullmatch
_ILLEGAL_VALUE = re.compile(r"\n(?![ \t])|\r(?![ \t\n])").search
_ILLEGAL_METHOD = re.compile(r"[^-!#$%&'*+.^_`|~0-9a-zA-Z]").search
# urllib3 percent-encodes what may not appear in a path or a query, upper-cases the escapes there
# and drops a fragment; a target already in that form (nearly all) is sent as it is.
_PATH_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-~!$&'()*+,;=:@/")
_QUERY_CHARS = _PATH_CHARS | {"?"}
_SAFE = r"A-Za-z0-9._\-~!$&'()*+,;=:@/"
_CANONICAL_TARGET = re.compile(
    rf"/(?:[{_SAFE}]|%[0-9A-F]{{2}})*(?:\?(?:[{_SAFE}?]|%[0-9A-F]{{2}})*)?").fullmatch
_TARGET = re.compile(r"^(/[^?#]*)(?:\?([^#]*))?(?:#.*)?$")
_PERCENT = re.compile(r"%[a-fA-F0-9]{2}")


def host_header(host: str, port: int) -> bytes:
    """``Host`` as http.client writes it: IPv6 in brackets, IDNA for a non-ASCII name, the port
    left out when it is 80."""
    try:
        encoded = host.encode("ascii")
    except UnicodeEncodeError:
        encoded = host.encode("idna")
    shown = b"[%b]" % encoded if b":" in encoded else encoded
    return shown if port == 80 else b"%b:%d" % (shown, port)


def encode_request(request: Prepared, host: bytes) -> bytes:
    """The request head and body, as urllib3 2 sends them; ``ValueError``/``UnicodeError`` for a
    method, path or header http.client refuses."""
    method, target, body = request.method, request.target, request.body
    if _ILLEGAL_METHOD(method):
        raise ValueError(f"Method cannot contain non-token characters {method!r}")
    if not _CANONICAL_TARGET(target):
        target = encode_target(target)
    headers = request.headers
    keys = {name.lower() for name in headers}
    lines = [f"{method} {target} HTTP/1.1".encode("ascii")]
    if "host" not in keys:
        lines.append(b"Host: " + host)
    if "accept-encoding" not in keys:
        lines.append(b"Accept-Encoding: identity")
    chunked = "transfer-encoding" in keys and "content-length" not in keys
    if not keys & {"content-length", "transfer-encoding"}:
        length = len(body) if body is not None else 0 if method in _BODY_EXPECTED else None
        if length is not None:
            lines.append(b"Content-Length: %d" % length)
    if "user-agent" not in keys:
        lines.append(b"User-Agent: " + default_user_agent().encode("ascii"))
    for name, value in headers.items():
        if not _LEGAL_NAME(name) or _ILLEGAL_VALUE(value):
            raise ValueError(f"invalid header {name!r}")
        lines.append(name.encode("ascii") + b": " + value.encode("latin-1"))
    lines.append(b"")
    lines.append(b"")
    head = b"\r\n".join(lines)
    if chunked:
        return head + (b"%x\r\n%b\r\n" % (len(body), body) if body else b"") + b"0\r\n\r\n"
    return head + body if body else head


def encode_target(target: str) -> str:
    """The path and query as urllib3 2 sends them (``urllib3.util.url._encode_target``)."""
    match = _TARGET.match(target)
    if not match:
        raise ValueError(f"{target!r} is not a valid request URI")
    path, query = match.groups()
    encoded = _encode_invalid(path, _PATH_CHARS)
    return encoded if query is None else f"{encoded}?{_encode_invalid(query, _QUERY_CHARS)}"


def _encode_invalid(component: str, allowed: frozenset[str]) -> str:
    """Percent-encode the bytes not in ``allowed``; keep escapes already there (upper-cased) unless
    a ``%`` that starts none shows that the text was not encoded at all."""
    component, escapes = _PERCENT.subn(lambda m: m.group(0).upper(), component)
    raw = component.encode("utf-8", "surrogatepass")
    keep_percent = escapes == raw.count(b"%")
    encoded = bytearray()
    for byte in raw:
        if (keep_percent and byte == 0x25) or (byte < 128 and chr(byte) in allowed):
            encoded.append(byte)
        else:
            encoded.extend(b"%%%02X" % byte)
    return encoded.decode()


@cache
def default_user_agent() -> str:
    """urllib3's, for a request without one (yamlperf's requests always have one: urllib3 stays
    unloaded)."""
    import urllib3

    return f"python-urllib3/{urllib3.__version__}"


class ResponseHeaders(Mapping[str, str]):
    """An answer's headers as urllib3 gives them: case-insensitive, repeated fields joined by ", ".

    Kept as the parser's raw pairs and decoded on first use: most endpoints only check the status,
    and they should not pay for headers nobody reads.
    """

    __slots__ = ("_fields", "_raw")

    def __init__(self, raw: list[tuple[bytes, bytes]]) -> None:
        self._raw = raw
        self._fields: dict[str, tuple[str, str]] | None = None

    def _merged(self) -> dict[str, tuple[str, str]]:
        fields = self._fields
        if fields is None:
            fields = {}
            for raw_name, raw_value in self._raw:
                name, value = raw_name.decode("latin-1"), raw_value.decode("latin-1")
                key = name.lower()
                seen = fields.get(key)
                fields[key] = (name, value) if seen is None else (seen[0], f"{seen[1]}, {value}")
            self._fields = fields
        return fields

    def __getitem__(self, name: str) -> str:
        if self._fields is None:
            value = self._find(name)
            if value is None:
                raise KeyError(name)
            return value
        return self._fields[name.lower()][1]

    def get(self, name: str, default: str | None = None) -> str | None:  # type: ignore[override]
        """One field without decoding the others: the hot path asks every answer for
        ``Server-Timing``, which most answers do not have (decoding them all cost ~17% of CPU)."""
        if self._fields is None:
            value = self._find(name)
            return default if value is None else value
        found = self._fields.get(name.lower())
        return default if found is None else found[1]

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and self.get(name) is not None

    def _find(self, name: str) -> str | None:
        """The value of ``name`` (repeated fields joined by ", "), read from the raw pairs."""
        wanted = name.lower().encode("latin-1", "replace")
        size = len(wanted)
        values = [value for raw_name, value in self._raw
                  if len(raw_name) == size and raw_name.lower() == wanted]
        if not values:
            return None
        return values[0].decode("latin-1") if len(values) == 1 else b", ".join(values).decode("latin-1")

    def __iter__(self) -> Iterator[str]:
        return (name for name, _ in self._merged().values())

    def __len__(self) -> int:
        return len(self._merged())

    def __repr__(self) -> str:
        return f"ResponseHeaders({dict(self.items())!r})"


def _lengths(values: list[bytes]) -> int | None:
    """The one length that ``Content-Length`` fields state, as urllib3 reads them: repeated fields
    and comma-separated lists are fine when every value is the same (RFC 9110 8.6)."""
    try:
        lengths = {int(part) for value in values for part in value.split(b",")}
    except ValueError:
        return None
    return lengths.pop() if len(lengths) == 1 and min(lengths) >= 0 else None


def length_despite_transfer(headers: list[tuple[bytes, bytes]], transfer: bytes) -> int | None:
    """The ``Content-Length`` urllib3 frames an answer by when its ``Transfer-Encoding`` does not
    name chunked (``gzip`` alone): urllib3 reads that many bytes and keeps the connection."""
    if b"chunked" in (coding.strip().lower() for coding in transfer.split(b",")):
        return None
    values = [value for name, value in headers if len(name) == 14 and name.lower() == b"content-length"]
    return _lengths(values) if values else None


def keeps_alive(headers: list[tuple[bytes, bytes]], version: str) -> bool:
    """Whether the connection stays open after this answer, as http.client decides: HTTP/1.1 unless
    ``Connection: close``, HTTP/1.0 only with ``Connection: keep-alive``."""
    tokens = {token.strip().lower() for name, value in headers if name.lower() == b"connection"
              for token in value.split(b",")}
    if b"close" in tokens:
        return False
    return version == "1.1" or b"keep-alive" in tokens


_HEAD_END = re.compile(rb"\r?\n\r?\n")
_STATUS = re.compile(rb"HTTP/\d\.\d +(\d{3})")


def final_head_end(raw: bytes) -> int:
    """Where the head of the answer that is not interim (1xx but 101) ends in ``raw``, -1 if it has
    not all arrived."""
    start = 0
    while match := _HEAD_END.search(raw, start):
        status = _STATUS.match(raw, start)
        if status is None or not (100 <= int(status.group(1)) < 200 and status.group(1) != b"101"):
            return match.end()
        start = match.end()
    return -1


def one_length(head: bytes) -> tuple[bytes, list[bytes]] | None:
    """``head`` with its repeated ``Content-Length`` fields stating one length (``5`` twice, or
    ``5, 5``) as one field, and their values, so they can be shown as sent; None if they disagree.

    llhttp refuses such a head; urllib3 reads it (RFC 9110 8.6 allows identical values)."""
    lines = head.split(b"\n")
    values: list[bytes] = []
    kept: list[bytes] = []
    first = -1
    for line in lines:
        name, colon, value = line.partition(b":")
        if colon and name.lower() == b"content-length":
            values.append(value.strip())
            if first < 0:
                first = len(kept)
                kept.append(b"")
            continue
        kept.append(line)
    length = _lengths(values) if len(values) > 1 or b"," in b"".join(values) else None
    if length is None:
        return None
    kept[first] = b"Content-Length: %d\r" % length
    return b"\n".join(kept), values
