"""The exception root, located errors and the exit codes the CLI maps them to.

The core raises; only ``cli.py`` prints and exits. Every error a user can cause carries a
``Location`` so the message names ``file:line:column`` and offers a fix.
"""

from __future__ import annotations

import difflib
import errno
import os
from collections.abc import Iterable
from dataclasses import dataclass
from enum import IntEnum
from pathlib import Path


class ExitCode(IntEnum):
    OK = 0
    THRESHOLD_FAILED = 1
    BAD_INPUT = 2
    TARGET_DOWN = 3
    INTERRUPTED = 130


@dataclass(frozen=True, slots=True)
class Location:
    """A place in a user's file; line and column are 1-based, as editors show them."""

    file: str
    line: int = 0
    column: int = 0

    def __str__(self) -> str:
        if self.line <= 0:
            return self.file
        return f"{self.file}:{self.line}:{self.column}"


@dataclass(frozen=True, slots=True)
class Problem:
    """One located mistake in a scenario: where, which key, what is wrong and how to fix it."""

    location: Location
    message: str
    key_path: str = ""
    hint: str = ""
    source_line: str = ""

    def headline(self) -> str:
        where = f"{self.key_path}: " if self.key_path else ""
        fix = f" ({self.hint})" if self.hint else ""
        return f"{self.location}: {where}{self.message}{fix}"

    def render(self) -> str:
        """The headline, then the offending source line with a caret under the column."""
        lines = [self.headline()]
        if self.source_line and self.location.column > 0:
            text = self.source_line.rstrip("\n").replace("\t", " ")
            lines.append(f"    {text}")
            lines.append("    " + " " * (self.location.column - 1) + "^")
        return "\n".join(lines)

    def sort_key(self) -> tuple[str, int, int, str]:
        loc = self.location
        return (loc.file, loc.line, loc.column, self.message)


class YamlperfError(Exception):
    """Root of every error yamlperf raises on purpose; carries the exit code it maps to."""

    exit_code: ExitCode = ExitCode.BAD_INPUT

    def render(self) -> str:
        return str(self)


class ScenarioError(YamlperfError):
    """One or more located problems in a scenario file; all of a file's problems at once."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems: tuple[Problem, ...] = tuple(sorted(set(problems), key=Problem.sort_key))
        super().__init__("\n".join(p.headline() for p in self.problems))

    @classmethod
    def single(
        cls, location: Location, message: str, *, key_path: str = "", hint: str = ""
    ) -> ScenarioError:
        return cls([Problem(location, message, key_path=key_path, hint=hint)])

    def render(self) -> str:
        return "\n".join(p.render() for p in self.problems)


class UsageError(YamlperfError):
    """A bad command-line value (not located in a file)."""


class TargetError(YamlperfError):
    """The target cannot be reached, did not start, or refused the login: nothing was measured."""

    exit_code = ExitCode.TARGET_DOWN


class RunInterrupted(YamlperfError):
    """The user pressed Ctrl-C; what was measured so far has been kept."""

    exit_code = ExitCode.INTERRUPTED


def suggest(word: str, choices: list[str]) -> str:
    """A "did you mean" for a misspelt or shortened name, or "" when nothing is close."""
    match = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    if not match:
        lowered = word.lower()
        match = [c for c in choices if lowered and (c.startswith(lowered) or lowered.startswith(c))][:1]
    return f"did you mean {match[0]!r}?" if match else ""


def path_problem(exc: OSError, path: str | os.PathLike[str]) -> str:
    """Why ``path`` could not be written, in words: a file where a folder is needed makes ``mkdir``
    say "File exists" or "Not a directory", which names neither the file nor the fix."""
    places = Path(path).parents
    if exc.errno in (errno.EEXIST, errno.ENOTDIR):
        places = (Path(path), *places)
    for ancestor in places:
        if ancestor.exists() and not ancestor.is_dir() and str(ancestor) not in ("", "."):
            return f"{ancestor} is a file, not a folder"
    return exc.strerror or str(exc)
