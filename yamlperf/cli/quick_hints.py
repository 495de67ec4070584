"""What ``yamlperf quick`` suggests when the answers say the request was not what the server wants:
a ``401``/``403`` wants a login (``--auth``), a ``405`` another method (``--method``, with the ones the
server allows), a ``400``/``415``/``422`` a body (``--data``); each hint quotes the server's answer."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from http import HTTPStatus

from ..results import CellStats

_ALLOWS = re.compile(r"\(the server allows ([^)]+)\)")
_ANSWER = re.compile(r"^status \d{3}, expected [^:(]+(?:\([^)]*\))?: (.+)$")
_NOT_SUGGESTED = frozenset({"OPTIONS", "HEAD"})


@dataclass(frozen=True, slots=True)
class Asked:
    """The request ``quick`` sent, as the hints need it."""

    method: str
    path: str
    logged_in: bool
    has_body: bool


def quick_hints(cells: Sequence[CellStats], asked: Asked) -> list[str]:
    """One hint per client error the answers show, most frequent first."""
    codes: dict[int, int] = {}
    for cell in cells:
        for code, count in cell.status_codes.items():
            if code.startswith("4"):
                codes[int(code)] = codes.get(int(code), 0) + count
    errors = [e for c in cells for e in c.errors]
    hints = []
    for code, count in sorted(codes.items(), key=lambda item: -item[1]):
        hint = _hint(code, asked, errors)
        if hint:
            answer = _answer(code, errors)
            said = f" The server answered: {answer}" if answer else ""
            hints.append(f"hint: {count} answers were {code} {_phrase(code)}: {hint}.{said}")
    return hints


def _hint(code: int, asked: Asked, errors: list[str]) -> str:
    if code in (401, 403) and not asked.logged_in:
        return ("the endpoint wants a login: add --auth (with --username and --password; --login-path if "
                "the login is not at /api/auth/login, --token-path if its answer has the token elsewhere "
                "than access_token)")
    if code == 401:
        return ("logged in, the token was still refused: check --token-path (where the login answer has "
                "the token) and that this user may call the endpoint")
    if code == 405:
        return _method_hint(asked, errors)
    if code in (400, 415, 422) and not asked.has_body:
        return ("the endpoint wants a body it can read: pass --data '{...}' (JSON text is sent as JSON, "
                "with Content-Type: application/json)")
    if code in (400, 415, 422):
        return "the body was refused: its answer says which field or format it expects"
    return ""


def _method_hint(asked: Asked, errors: list[str]) -> str:
    found = (_ALLOWS.search(e) for e in errors if e.startswith("status 405"))
    allowed = next((m.group(1) for m in found if m), "")
    methods = [m.strip() for m in allowed.split(",") if m.strip()]
    other = next((m for m in methods if m != asked.method and m not in _NOT_SUGGESTED), "")
    which = f" (it allows {allowed})" if allowed else ""
    fix = f"--method {other}" if other else "--method with the one it takes"
    return (f"{asked.path} does not take {asked.method}{which}: try {fix}, and --data '{{...}}' if it needs "
            "a body (JSON text is sent as JSON)")


def _answer(code: int, errors: list[str]) -> str:
    for error in errors:
        if error.startswith(f"status {code},"):
            found = _ANSWER.match(error)
            if found:
                return found.group(1)
    return ""


def _phrase(code: int) -> str:
    try:
        return HTTPStatus(code).phrase
    except ValueError:
        return ""
