"""Where a run's files go and what is known about the run: folder, scenario hash, git, environment.

Every run gets a new folder (timestamp and scenario slug, a suffix if that exists already), so a
run never overwrites another.
"""

from __future__ import annotations

import hashlib
import logging
import platform
import re
import shlex
import socket
import subprocess
import sys
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import yaml

from .. import __version__
from ..compose import MAX_EXTENDS_DEPTH
from ..errors import UsageError, path_problem
from ..redact import is_secret_key
from ..results import RunMeta

logger = logging.getLogger(__name__)
GIT_TIMEOUT_S = 5.0


def slug(name: str) -> str:
    """Letters and digits of any script, lower case, other runs of characters as one ``-``
    ("ünïcode 测试" -> "ünïcode-测试"); "run" when nothing is left."""
    text = "".join(c if c.isalnum() else "-" for c in unicodedata.normalize("NFC", name.lower()))
    return re.sub(r"-+", "-", text).strip("-")[:60].strip("-") or "run"


def make_run_dir(parent: Path, name: str, now: datetime | None = None) -> Path:
    """A new folder ``<parent>/<YYYYmmdd-HHMMSS>-<slug>``, with ``-2``, ``-3``... when it exists."""
    stamp = (now or datetime.now()).strftime("%Y%m%d-%H%M%S")
    base = f"{stamp}-{slug(name)}"
    try:
        parent.mkdir(parents=True, exist_ok=True)
        for attempt in range(1, 1000):
            path = parent / (base if attempt == 1 else f"{base}-{attempt}")
            try:
                path.mkdir()
            except FileExistsError:
                continue
            return path
    except OSError as exc:
        raise UsageError(f"output directory {parent}: cannot create a run folder there "
                         f"({path_problem(exc, parent / base)}); nothing was sent to the target; choose "
                         "another folder with --output-dir or output.directory") from exc
    raise UsageError(f"output directory {parent}: 999 runs named {base} already; choose another "
                     "with --output-dir or output.directory")


def scenario_files(path: Path | None) -> list[Path]:
    """The scenario file, then the base it ``extends:``, its base, and so on (the files that make
    the scenario); a base that cannot be read ends the chain (loading has checked it already)."""
    files: list[Path] = []
    current = path.resolve() if path is not None else None
    while current is not None and current.is_file() and current not in files \
            and len(files) <= MAX_EXTENDS_DEPTH:
        files.append(current)
        try:
            data = yaml.safe_load(current.read_text("utf-8"))
        except (OSError, UnicodeDecodeError, yaml.YAMLError):
            break
        base = data.get("extends") if isinstance(data, dict) else None
        current = (current.parent / base).resolve() if isinstance(base, str) else None
    return files


def file_sha256(path: Path | None) -> str:
    """SHA-256 of the scenario: of the file's bytes; when it extends bases, of the lines
    ``<sha256 of a file>`` for the file and each base in turn (any change to any of them shows)."""
    files = scenario_files(path)
    if len(files) <= 1:
        return hashlib.sha256(files[0].read_bytes()).hexdigest() if files else ""
    digests = "".join(hashlib.sha256(f.read_bytes()).hexdigest() + "\n" for f in files)
    return hashlib.sha256(digests.encode("ascii")).hexdigest()


def git_state(folder: Path, files: list[Path] | None = None) -> tuple[str | None, bool | None]:
    """The commit checked out where the scenario lives, and whether the scenario's ``files`` (all
    the tree when not given) differ from it: modified, staged, untracked or ignored; ``None``
    outside git."""
    def git(*args: str) -> str | None:
        try:
            done = subprocess.run(["git", "-C", str(folder), *args], capture_output=True, text=True,
                                  timeout=GIT_TIMEOUT_S, check=False)
        except (OSError, subprocess.TimeoutExpired):
            return None
        return done.stdout.strip() if done.returncode == 0 else None

    commit = git("rev-parse", "HEAD")
    if commit is None:
        return None, None
    if files is None:
        status = git("status", "--porcelain", "--untracked-files=no")
        return commit, (bool(status) if status is not None else None)
    top = git("rev-parse", "--show-toplevel")
    root = Path(top).resolve() if top else None
    inside = [str(f) for f in files if root is not None and f.is_relative_to(root)]
    if len(inside) < len(files):
        return commit, True  # a base outside the repository is not in the commit either
    status = git("status", "--porcelain", "--ignored", "--untracked-files=all", "--", *inside)
    return commit, (bool(status) if status is not None else None)


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


@dataclass(frozen=True, slots=True)
class RunIdentity:
    """What is fixed from the start of a run: found once, not at every write of the results."""

    scenario_file: str
    scenario_sha256: str
    git_commit: str | None
    git_dirty: bool | None
    command: str
    started_at: str


def identify(scenario_file: Path | None, command: str) -> RunIdentity:
    files = scenario_files(scenario_file)
    commit, dirty = git_state(files[0].parent, files) if files else (None, None)
    return RunIdentity(str(scenario_file) if scenario_file else "", file_sha256(scenario_file), commit, dirty,
                       command, now_iso())


def run_meta(identity: RunIdentity, duration: float, transport: tuple[str, str] = ("", ""),
             run_id: str = "", executor: str = "threads", *, order_seed: int | None = None) -> RunMeta:
    """``transport``: the name of the client that measured and why the fast one was not used."""
    return RunMeta(
        yamlperf_version=__version__,
        python=platform.python_version(),
        platform=platform.platform(),
        started_at=identity.started_at,
        finished_at=now_iso(),
        duration_s=round(duration, 3),
        scenario_file=identity.scenario_file,
        scenario_sha256=identity.scenario_sha256,
        git_commit=identity.git_commit,
        git_dirty=identity.git_dirty,
        command=identity.command,
        hostname=socket.gethostname(),
        transport=transport[0],
        transport_note=transport[1],
        run_id=run_id,
        executor=executor,
        order_seed=order_seed,
    )


def command_line(argv: list[str] | None = None) -> str:
    """The command as typed, with secrets masked whatever their length: the value of ``--password``
    and of every ``--set`` whose key names a secret (``--set auth.token=...``)."""
    args = list(sys.argv if argv is None else argv)
    for index, (arg, value) in enumerate(_secret_arguments(args)):
        if value is not None:
            args[index] = arg[: len(arg) - len(value)] + "***"
    return shlex.join([Path(args[0]).name, *args[1:]]) if args else ""


def secret_arguments(argv: list[str] | None = None) -> list[str]:
    """The secret values given on the command line (see ``command_line``), to register and scrub."""
    args = list(sys.argv if argv is None else argv)
    return [value for _, value in _secret_arguments(args) if value]


def _secret_arguments(args: list[str]) -> list[tuple[str, str | None]]:
    """Each argument, with the secret value it ends with (or ``None``)."""
    found: list[tuple[str, str | None]] = []
    for index, arg in enumerate(args):
        option = args[index - 1] if index else ""
        value = None
        if arg.startswith("--password="):
            value = arg.removeprefix("--password=")
        elif option == "--password":
            value = arg
        elif arg.startswith("--set=") or option == "--set":
            key, sep, rest = arg.removeprefix("--set=").partition("=")
            if sep and is_secret_key(re.split(r"[.\[\]]+", key.strip().strip(".[]"))[-1]):
                value = rest
        found.append((arg, value))
    return found
