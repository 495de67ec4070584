"""What a run records about where it came from: git state and hash of the scenario and its bases."""

from __future__ import annotations

import hashlib
import subprocess
from pathlib import Path

from yamlperf.engine.rundir import file_sha256, identify, scenario_files

BASE = "name: base\ntarget: {base_url: 'http://127.0.0.1:9'}\nendpoints: [{name: a, path: /}]\n"


def _git(folder: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(folder), "-c", "user.email=t@example.com", "-c", "user.name=t", *args],
                   check=True, capture_output=True)


def _repo(tmp_path: Path) -> Path:
    repo = tmp_path / "repo"
    (repo / "scenarios").mkdir(parents=True)
    _git(repo, "init", "-q")
    (repo / "README").write_text("x\n")
    (repo / "scenarios" / "base.yaml").write_text(BASE)
    _git(repo, "add", "README", "scenarios/base.yaml")
    _git(repo, "commit", "-q", "-m", "base")
    return repo


def test_an_untracked_scenario_is_dirty_and_a_committed_one_clean(tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    scenario = repo / "scenarios" / "api.yaml"
    scenario.write_text("extends: base.yaml\nname: api\n")
    identity = identify(scenario, "yamlperf run")
    assert identity.git_commit
    assert identity.git_dirty is True, "an untracked scenario is not in the commit"
    _git(repo, "add", "scenarios/api.yaml")
    _git(repo, "commit", "-q", "-m", "api")
    assert identify(scenario, "yamlperf run").git_dirty is False
    (repo / "README").write_text("changed elsewhere\n")
    assert identify(scenario, "yamlperf run").git_dirty is False, "other files do not make the scenario dirty"
    (repo / "scenarios" / "base.yaml").write_text(BASE + "description: changed\n")
    assert identify(scenario, "yamlperf run").git_dirty is True, "a modified base does"


def test_the_scenario_hash_covers_the_extends_chain(tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    scenario = repo / "scenarios" / "api.yaml"
    scenario.write_text("extends: base.yaml\nname: api\n")
    assert scenario_files(scenario) == [scenario.resolve(), (repo / "scenarios" / "base.yaml").resolve()]
    before = file_sha256(scenario)
    (repo / "scenarios" / "base.yaml").write_text(BASE + "description: changed\n")
    assert file_sha256(scenario) != before
    alone = repo / "scenarios" / "alone.yaml"
    alone.write_text(BASE)
    assert file_sha256(alone) == hashlib.sha256(BASE.encode()).hexdigest(), "a file without a base: its bytes"


def test_outside_git_there_is_no_git_state(tmp_path: Path) -> None:
    scenario = tmp_path / "s.yaml"
    scenario.write_text(BASE)
    identity = identify(scenario, "yamlperf run")
    assert (identity.git_commit, identity.git_dirty) == (None, None)
