"""Printing the finished run's answers (``render.summary``), coloured on a terminal with ``rich``.

PASS is green, FAIL red, warnings yellow, on a terminal only: piped output, a CI log and
``NO_COLOR`` get plain text (standard output not a TTY means no colour, ``FORCE_COLOR`` forces it,
as rich decides; ``NO_COLOR`` drops bold too). Lines are never wrapped: they are read and grepped.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rich.console import Console

    from ..render.summary import Line

STYLES = {"pass": "bold green", "fail": "bold red", "warn": "yellow", "": ""}


def console() -> Console:
    """A console on the current standard output (the test runner's, under one)."""
    from rich.console import Console

    plain = bool(os.environ.get("NO_COLOR"))  # rich keeps bold under NO_COLOR; plain text means plain
    return Console(file=sys.stdout, highlight=False, emoji=False, soft_wrap=True,
                   color_system=None if plain else "auto")


def print_lines(lines: Sequence[Line], target: Console | None = None) -> None:
    from rich.text import Text

    out = target or console()
    for line in lines:
        out.print(Text(line.text, style=STYLES.get(line.tone, "")))
