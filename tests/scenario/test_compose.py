"""extends: a team's shared base, overridden in small diffs; errors still point at the right file."""

from __future__ import annotations

from pathlib import Path

import pytest

from yamlperf.compose import Override
from yamlperf.errors import ScenarioError
from yamlperf.loader import load_scenario
from yamlperf.redact import MASK, SecretRegistry, redact

BASE = """\
target:
  base_url: http://127.0.0.1:8000
  timeout: 5s
  headers: {Accept: application/json, X-Team: core}
auth:
  type: bearer
  token: "{{ env.TEAM_TOKEN }}"
load:
  iterations: 10
  concurrency: 2
endpoints:
  - name: health
    path: /health
"""


def test_child_overrides_merge_into_the_base(tmp_path: Path) -> None:
    (tmp_path / "base.yaml").write_text(BASE)
    child = tmp_path / "child.yaml"
    child.write_text("extends: base.yaml\ntarget:\n  timeout: 1s\nload:\n  concurrency: null\n"
                     "endpoints:\n  - name: list\n    path: /items\n")
    scenario = load_scenario(child, environ={"TEAM_TOKEN": "t0ken-value"})
    assert scenario.target.base_url == "http://127.0.0.1:8000"
    assert scenario.target.timeout == 1.0
    assert dict(scenario.target.headers) == {"Accept": "application/json", "X-Team": "core"}
    assert scenario.load.iterations == 10
    assert scenario.load.concurrency == (1,)
    assert [e.name for e in scenario.endpoints] == ["list"]
    assert "extends" not in scenario.raw


def test_an_error_in_the_base_points_into_the_base(tmp_path: Path) -> None:
    (tmp_path / "base.yaml").write_text(BASE.replace("timeout: 5s", "timeout: soon"))
    child = tmp_path / "child.yaml"
    child.write_text("extends: base.yaml\nname: child\n")
    with pytest.raises(ScenarioError) as caught:
        load_scenario(child, environ={"TEAM_TOKEN": "x"})
    (problem,) = caught.value.problems
    assert problem.location.file.endswith("base.yaml")
    assert (problem.location.line, problem.location.column) == (3, 12)


def test_an_error_in_the_child_points_into_the_child(tmp_path: Path) -> None:
    (tmp_path / "base.yaml").write_text(BASE)
    child = tmp_path / "child.yaml"
    child.write_text("extends: base.yaml\nload:\n  iterations: 0\n")
    with pytest.raises(ScenarioError) as caught:
        load_scenario(child, environ={"TEAM_TOKEN": "x"})
    (problem,) = caught.value.problems
    assert str(problem.location) == f"{child}:3:15"


def test_extends_cycles_are_refused(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text("extends: b.yaml\n")
    (tmp_path / "b.yaml").write_text("extends: a.yaml\n")
    with pytest.raises(ScenarioError, match="cycle"):
        load_scenario(tmp_path / "a.yaml", environ={})


def test_set_override_creates_nested_keys_and_wins(tmp_path: Path) -> None:
    (tmp_path / "base.yaml").write_text(BASE)
    scenario = load_scenario(tmp_path / "base.yaml", [Override.parse("load.iterations=3"),
                                                       Override.parse("load.concurrency=[1, 8]"),
                                                       Override.parse("output.formats=[json, csv]")],
                             environ={"TEAM_TOKEN": "x"})
    assert scenario.load.iterations == 3
    assert scenario.load.concurrency == (1, 8)
    assert scenario.output.formats == ("json", "csv")


def test_yaml_merge_keys_are_not_duplicates(tmp_path: Path) -> None:
    path = tmp_path / "merge.yaml"
    path.write_text("target:\n  base_url: http://x\nendpoints:\n  - &common {name: a, path: /a, method: GET}\n"
                    "  - <<: *common\n    name: b\n")
    scenario = load_scenario(path, environ={})
    assert [(e.name, e.request.path) for e in scenario.endpoints] == [("a", "/a"), ("b", "/a")]


def test_redaction_keeps_references_and_masks_literal_secrets() -> None:
    secrets = SecretRegistry()
    secrets.add("hunter2-password")
    data = {"auth": {"type": "basic", "username": "bob", "password": "hunter2-password",
                     "token": "{{ env.API_TOKEN }}"},
            "target": {"headers": {"Authorization": "Bearer abc", "Accept": "x"}},
            "endpoints": [{"name": "e", "path": "/login?pw=hunter2-password"}]}
    clean = redact(data, secrets)
    assert clean["auth"]["password"] == MASK
    assert clean["auth"]["token"] == "{{ env.API_TOKEN }}"
    assert clean["target"]["headers"] == {"Authorization": MASK, "Accept": "x"}
    assert "hunter2" not in str(clean)


@pytest.mark.parametrize(("assignment", "message"), [
    ("endpoints.5.path=/x", "--set endpoints.5.path=/x: endpoints has no item 5"),
    ("endpoints.first.path=/x", "--set endpoints.first.path=/x: endpoints is a list: 'first' is no index"),
    ("load.iterations.3=1", "--set load.iterations.3=1: load.iterations: expected a whole number, found a mapping"),
])
def test_set_paths_that_do_not_fit_the_file_are_located_at_the_flag(tmp_path: Path, assignment: str,
                                                                   message: str) -> None:
    (tmp_path / "base.yaml").write_text(BASE)
    with pytest.raises(ScenarioError) as caught:
        load_scenario(tmp_path / "base.yaml", [Override.parse(assignment)], environ={"TEAM_TOKEN": "x"})
    assert any(p.headline().startswith(message) for p in caught.value.problems), caught.value.render()


def test_removing_a_required_key_in_the_child_points_at_that_line(tmp_path: Path) -> None:
    (tmp_path / "base.yaml").write_text(BASE)
    child = tmp_path / "child.yaml"
    child.write_text("extends: base.yaml\nname: child\n\ntarget: null\n")
    with pytest.raises(ScenarioError) as caught:
        load_scenario(child, environ={"TEAM_TOKEN": "x"})
    (problem,) = caught.value.problems
    assert str(problem.location) == f"{child}:4:1"
    assert "required key 'target' is removed by `target: null`" in problem.message
