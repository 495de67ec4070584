"""The command line: parse, call one core function, map errors to exit codes.

The ``cli`` package is the only importer of click and the only place that prints for the user.
Each command lives in its own module and registers itself on ``main``.
"""

from __future__ import annotations

from . import cleanup, compare, demo, quick, report, run, scenario_commands  # noqa: F401  (importing registers the commands on main)
from .app import main

__all__ = ["main"]
