"""Command line of the demo server (``python -m yamlperf.demo``).

Stdout gets exactly one line, ``yamlperf demo server listening on http://HOST:PORT``, flushed
as soon as the port is bound, so a parent process can read the URL; the rest goes to stderr.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from collections.abc import Sequence
from types import FrameType

from yamlperf.demo.server import DEFAULT_USERS, DemoServer


def _user(text: str) -> tuple[str, str]:
    name, sep, password = text.partition(":")
    if not sep or not name:
        raise argparse.ArgumentTypeError(f"expected NAME:PASSWORD, got {text!r}")
    return name, password


def _port(text: str) -> int:
    port = int(text) if text.strip().isdigit() else -1
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError("port must be between 0 and 65535")
    return port


def _ttl(text: str) -> float:
    try:
        ttl = float(text)
    except ValueError:
        ttl = 0.0
    if not ttl > 0:
        raise argparse.ArgumentTypeError("token ttl must be a positive number of seconds")
    return ttl


def build_parser(prog: str = "python -m yamlperf.demo") -> argparse.ArgumentParser:
    """The argument parser; ``prog`` is the command the user typed, which usage and errors name."""
    default_user = next(iter(DEFAULT_USERS.items()))
    parser = argparse.ArgumentParser(
        prog=prog,
        description="Serve the yamlperf demo API (prompts CRUD, search, related, stats, JWT).",
    )
    parser.add_argument("--host", default="127.0.0.1", help="interface (default 127.0.0.1)")
    parser.add_argument("--port", type=_port, default=8765, help="port; 0 picks a free one (default 8765)")
    parser.add_argument("--db", metavar="PATH", help="SQLite file (default: a temp file removed at exit)")
    parser.add_argument(
        "--log-file", metavar="PATH", help="log file (default: demo-server.log in a temp dir)"
    )
    parser.add_argument(
        "--token-ttl",
        type=_ttl,
        default=900.0,
        metavar="SECONDS",
        help="access token lifetime (default 900)",
    )
    parser.add_argument(
        "--user",
        type=_user,
        action="append",
        metavar="NAME:PASSWORD",
        help=f"a user who may log in; repeatable (default {default_user[0]}:{default_user[1]})",
    )
    parser.add_argument("--no-auth", action="store_true", help="serve the prompt endpoints without a token")
    return parser


def main(argv: Sequence[str] | None = None, prog: str = "python -m yamlperf.demo") -> int:
    """Serve until SIGINT or SIGTERM; 0 on a clean stop, 1 if the port cannot be bound."""
    args = build_parser(prog).parse_args(argv)
    stop = threading.Event()

    def request_stop(signum: int, frame: FrameType | None) -> None:
        stop.set()

    previous = {sig: signal.signal(sig, request_stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    server = DemoServer(
        host=args.host,
        port=args.port,
        token_ttl=args.token_ttl,
        users=dict(args.user) if args.user else None,
        require_auth=not args.no_auth,
        db_path=args.db,
        log_path=args.log_file,
    )
    try:
        server.start()
    except OSError as exc:
        print(f"yamlperf demo server: cannot start on {args.host}:{args.port}: {exc}", file=sys.stderr)
        return 1
    try:
        print(f"yamlperf demo server listening on {server.url}", flush=True)
        print(
            f"database: {server.db_path}\nlog: {server.log_path}\n"
            f"users: {', '.join(sorted(server.users))}"
            f"{' (auth disabled)' if args.no_auth else ''}",
            file=sys.stderr,
            flush=True,
        )
        while not stop.wait(0.5):
            pass
    finally:
        server.close()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return 0
