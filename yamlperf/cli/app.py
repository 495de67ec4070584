"""The click group, error handling and output helpers shared by every command."""

from __future__ import annotations

import errno
import functools
import logging
import sys
from collections.abc import Callable
from typing import Any, TypeVar

import click

from .. import __version__
from ..errors import ExitCode, YamlperfError, path_problem
from ..redact import mask_url_passwords

F = TypeVar("F", bound=Callable[..., Any])
INTERNAL_ERROR = 4


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, "--version", "-V", prog_name="yamlperf")
def main() -> None:
    """yamlperf: declarative YAML scenarios for HTTP API performance and scale testing.

    \b
    Start here:
      yamlperf init my-api.yaml           write a commented starter scenario
      yamlperf validate my-api.yaml       check it (errors point at file:line:column)
      yamlperf plan my-api.yaml           see the test matrix a run would execute
      yamlperf run my-api.yaml            run it, write results, charts and a report

    Exit codes: 0 ok, 1 thresholds failed or regression found, 2 invalid input,
    3 target unreachable or login failed, 4 internal error, 130 interrupted.
    """


def echo_error(text: str) -> None:
    """Every message to stderr; a URL's password is masked here, as messages quote the user's
    lines and flags back (a ``base_url`` with ``user:pw@``, refused, is one of them)."""
    click.echo(mask_url_passwords(text), err=True)


def handle_errors(command: F) -> F:
    """Turn yamlperf's errors into a message and an exit code; no traceback unless --debug."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        debug = bool(kwargs.get("debug"))
        try:
            return command(*args, **kwargs)
        except YamlperfError as exc:
            if debug:
                logging.getLogger("yamlperf").exception("error")
            echo_error(_colour_error(exc.render()))
            sys.exit(int(exc.exit_code))
        except KeyboardInterrupt:
            echo_error("interrupted")
            sys.exit(int(ExitCode.INTERRUPTED))
        except click.exceptions.Exit:
            raise
        except (click.ClickException, click.Abort, SystemExit):
            raise
        except OSError as exc:
            if exc.filename is None or debug:
                raise
            echo_error(path_error(exc))
            sys.exit(int(ExitCode.BAD_INPUT))
        except Exception as exc:
            if debug:
                raise
            echo_error(f"internal error: {type(exc).__name__}: {exc}\n"
                       "  this is a bug in yamlperf; run again with --debug for the traceback and report it")
            sys.exit(INTERNAL_ERROR)

    return wrapper  # type: ignore[return-value]


def path_error(exc: OSError) -> str:
    """A file or folder the user named (an output folder that is a file, a path without write
    permission) is their input to fix, not a bug: one line naming the path and what to change."""
    reason = path_problem(exc, exc.filename)
    if exc.errno in (errno.ENOTDIR, errno.EEXIST):
        hint = "choose another output folder or file name"
    elif exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        hint = "choose a folder you can write to, e.g. with --output-dir"
    elif exc.errno == errno.ENOSPC:
        hint = "free some space, or choose a folder on another disk"
    else:
        hint = "check the path given on the command line or in output.directory"
    named = str(exc.filename)
    return f"{reason} ({hint})" if reason.startswith(named) else f"{named}: {reason} ({hint})"


def _colour_error(text: str) -> str:
    if not sys.stderr.isatty():
        return text
    lines = text.split("\n")
    return "\n".join(click.style(line, fg="red", bold=True) if line and not line.startswith(" ") else line
                     for line in lines)
