"""The README's time claims, measured on this machine: a fresh venv and `pip install .`, then
`yamlperf run scenarios/scale.yaml`, in a copy of the project's tracked files; with `--tests`, the
README's test command in this checkout too. Prints seconds and the load average they were taken at.

    python bench/readme_claims.py [--rounds 2] [--tests]

The run needs port 8765 (the shipped plan's): it takes the flock the test suites take
(/tmp/yamlperf-demo-8765.lock), so it waits for a suite that is using the port.
"""

from __future__ import annotations

import argparse
import fcntl
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LOCK = Path(tempfile.gettempdir()) / "yamlperf-demo-8765.lock"


def _copy(destination: Path) -> Path:
    files = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True).stdout
    for name in filter(None, files.decode().split("\0")):
        source, target = ROOT / name, destination / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if source.is_symlink():  # yamlperf/schema -> ../schema: the package data
            target.symlink_to(os.readlink(source))
        elif source.is_file():
            shutil.copy2(source, target)
    return destination


def _timed(command: str, cwd: Path, env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(["bash", "-c", command], cwd=cwd, env=env, check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL, timeout=900)
    return time.perf_counter() - start


def install_and_run(env: dict[str, str]) -> tuple[float, float]:
    with tempfile.TemporaryDirectory(prefix="yamlperf-readme-") as folder:
        project = _copy(Path(folder) / "yamlperf")
        command = f"{sys.executable} -m venv .venv && . .venv/bin/activate && pip install -q ."
        install = _timed(command, project, env)
        with LOCK.open("a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            run = _timed(". .venv/bin/activate && yamlperf run scenarios/scale.yaml", project, env)
    return install, run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--tests", action="store_true", help="also time the README's test command here")
    args = parser.parse_args()
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH")}
    env["PATH"] = os.pathsep.join(p for p in env["PATH"].split(os.pathsep) if ".venv" not in p)
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    print(f"{os.cpu_count()} CPUs; load average before: {os.getloadavg()[0]:.1f}")
    for number in range(1, args.rounds + 1):
        install, run = install_and_run(env)
        print(f"round {number}: venv + pip install . {install:.1f} s, yamlperf run scenarios/scale.yaml "
              f"{run:.1f} s, together {install + run:.1f} s (load average {os.getloadavg()[0]:.1f})")
    if args.tests:
        seconds = _timed("ruff check yamlperf tests bench && python -m pytest -q", ROOT, os.environ.copy())
        print(f"test command: {seconds / 60:.1f} min (load average {os.getloadavg()[0]:.1f})")


if __name__ == "__main__":
    main()
