"""A scenario file as it was at a git revision, copied into a folder with the files it refers to.

``plan FILE --against REV`` needs the old version to load exactly like the new one: its relative
``extends:`` bases (recursively) and its ``feed:`` file must sit at the same relative places, as
they were at REV, or the comparison would mix two revisions.
"""

from __future__ import annotations

import posixpath
import subprocess
from pathlib import Path, PurePosixPath

import yaml

from .compose import MAX_EXTENDS_DEPTH
from .errors import UsageError

GIT_TIMEOUT_S = 30.0


def materialize(path: Path, rev: str, dest: Path) -> tuple[Path, str]:
    """Write ``path`` at ``rev`` (and what it refers to) under ``dest``; return the copy and the
    file's name in the repository (``scenarios/api.yaml``)."""
    root = Path(_git(path.resolve().parent, "rev-parse", "--show-toplevel",
                     not_a_repo=f"{path} is not in a git repository; --against needs one").strip())
    try:
        relative = PurePosixPath(path.resolve().relative_to(root).as_posix())
    except ValueError:
        raise UsageError(f"{path} is not inside the git repository at {root}") from None
    pending = [relative]
    seen: set[PurePosixPath] = set()
    while pending and len(seen) <= MAX_EXTENDS_DEPTH + 1:
        current = pending.pop()
        if current in seen:
            continue
        seen.add(current)
        try:
            text = _git(root, "show", f"{rev}:{current}", what=f"{current} at {rev}")
        except UsageError:
            if current == relative:
                raise
            continue  # a base or feed missing at REV: the loader reports it where it is named
        target = dest / current
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
        pending.extend(_references(text, current))
    return dest / relative, str(relative)


def _references(text: str, where: PurePosixPath) -> list[PurePosixPath]:
    """Relative ``extends`` and ``feed.file`` paths that stay inside the repository."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError:
        return []  # the loader reports it, located
    if not isinstance(data, dict):
        return []
    feed = data.get("feed")
    names = [data.get("extends"), feed.get("file") if isinstance(feed, dict) else None]
    found = []
    for name in names:
        if not isinstance(name, str) or posixpath.isabs(name):
            continue
        joined = posixpath.normpath(posixpath.join(str(where.parent), name))
        if not joined.startswith("../") and joined != "..":
            found.append(PurePosixPath(joined))
    return found


def _git(cwd: Path, *args: str, what: str = "", not_a_repo: str = "") -> str:
    try:
        done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True,
                              timeout=GIT_TIMEOUT_S, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise UsageError(f"cannot run git: {exc}") from None
    if done.returncode != 0:
        if not_a_repo and "not a git repository" in done.stderr:
            raise UsageError(not_a_repo)
        detail = done.stderr.strip().splitlines()[-1] if done.stderr.strip() else "git failed"
        subject = what or f"git {' '.join(args)}"
        raise UsageError(f"cannot read {subject}: {detail}")
    return done.stdout
