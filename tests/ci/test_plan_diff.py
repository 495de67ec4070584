"""plan --diff and plan --against: the effect of a YAML change on the matrix, for review."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from click.testing import CliRunner

from yamlperf.cli import main

OLD = """\
target: {base_url: 'http://127.0.0.1:1'}
dataset: {sizes: [10, 50], create: {path: /api/items}}
load: {iterations: 10}
endpoints:
  - {name: list, path: /api/items}
  - {name: search, path: /api/search, query: {q: a}}
  - {name: detail, path: /api/items/1}
thresholds:
  - {rules: 'p95 < 300ms', endpoints: search}
"""
NEW = """\
target: {base_url: 'http://127.0.0.1:1'}
dataset: {sizes: [10, 50, 500], create: {path: /api/items}}
load: {iterations: 10, concurrency: [1, 4]}
endpoints:
  - {name: list, path: /api/items}
  - {name: search, path: /api/search, query: {q: b}, iterations: 20}
thresholds:
  - {rules: 'p95 < 200ms', endpoints: search}
"""


def _write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def test_diff_shows_cells_added_removed_costs_thresholds_and_settings(tmp_path: Path) -> None:
    old, new = _write(tmp_path, "old.yaml", OLD), _write(tmp_path, "new.yaml", NEW)
    out = CliRunner().invoke(main, ["plan", "--diff", str(old), str(new)])
    assert out.exit_code == 0, out.output
    text = out.output
    assert "  cells: 6 -> 12 (+6)" in text
    assert "  measured requests: 60 -> 180 (+120)" in text
    assert "  records to create: 50 -> 500 (+450)" in text
    assert "  + list @ 500 records x4  (10 requests)" in text
    assert "  + search @ 10 records x4  (20 requests)" in text
    assert "cells removed (2):\n  - detail @ 10 records x1  (10 requests)\n  - detail @ 50 records x1" in text
    assert "  ~ search @ 10 records x1: 10 -> 20 requests" in text
    assert "  + p95 < 200ms   (endpoints search)" in text
    assert "  - p95 < 300ms   (endpoints search)" in text
    assert "  ~ load.concurrency: 1 -> 1, 4" in text
    assert "  ~ dataset.sizes: 10, 50 -> 10, 50, 500" in text
    assert "  ~ endpoints.search: GET /api/search ?q=a expect 2xx -> GET /api/search ?q=b expect 2xx" in text
    assert "  ~ endpoints.detail: GET /api/items/1 expect 2xx -> (none)" in text
    assert "load.iterations" not in text


def test_diff_as_json_and_without_changes(tmp_path: Path) -> None:
    old, new = _write(tmp_path, "old.yaml", OLD), _write(tmp_path, "new.yaml", NEW)
    data = json.loads(CliRunner().invoke(main, ["plan", "--diff", str(old), str(new), "--json"]).output)
    assert data["totals"]["cells"] == {"old": 6, "new": 12}
    assert {"endpoint": "detail", "size": 10, "concurrency": 1, "iterations": 10} in data["cells_removed"]
    same = CliRunner().invoke(main, ["plan", "--diff", str(old), str(old)])
    assert "no change to the cells, thresholds or settings" in same.output


def test_diff_reports_an_invalid_side_as_a_located_error(tmp_path: Path) -> None:
    old = _write(tmp_path, "old.yaml", OLD)
    bad = _write(tmp_path, "bad.yaml", OLD.replace("'p95 < 300ms'", "'p95 < 300'"))
    out = CliRunner().invoke(main, ["plan", "--diff", str(old), str(bad)])
    assert out.exit_code == 2
    assert f"{bad}:9:" in out.output


def _git(repo: Path, *args: str) -> None:
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args], cwd=repo,
                   check=True, capture_output=True, timeout=30)


def test_against_a_revision_reads_the_file_and_its_base_as_they_were(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    (repo / "plans").mkdir(parents=True)
    base = _write(repo, "base.yaml", OLD)
    child = _write(repo / "plans", "child.yaml", "extends: ../base.yaml\nload: {iterations: 5}\n")
    _git(repo, "init", "-q")
    _git(repo, "add", ".")
    _git(repo, "commit", "-qm", "first")
    base.write_text(OLD.replace("sizes: [10, 50]", "sizes: [10, 50, 100]"), encoding="utf-8")
    child.write_text("extends: ../base.yaml\nload: {iterations: 5}\nthresholds: ['rps > 10']\n",
                     encoding="utf-8")
    out = CliRunner().invoke(main, ["plan", str(child), "--against", "HEAD"])
    assert out.exit_code == 0, out.output
    assert out.output.startswith(f"plan diff: {child} at HEAD -> {child}\n")
    assert "  cells: 6 -> 9 (+3)" in out.output
    assert "  + list @ 100 records x1  (5 requests)" in out.output
    assert "  + rps > 10   (all cells)" in out.output
    assert "  - p95 < 300ms   (endpoints search)" in out.output


def test_against_an_unknown_revision_or_outside_git(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    plan = _write(repo, "p.yaml", OLD)
    outside = CliRunner().invoke(main, ["plan", str(plan), "--against", "HEAD"])
    assert outside.exit_code == 2
    assert f"{plan} is not in a git repository; --against needs one" in outside.output
    _git(repo, "init", "-q")
    _git(repo, "add", ".")
    _git(repo, "commit", "-qm", "first")
    unknown = CliRunner().invoke(main, ["plan", str(plan), "--against", "no-such-branch"])
    assert unknown.exit_code == 2
    assert "cannot read p.yaml at no-such-branch" in unknown.output
    both = CliRunner().invoke(main, ["plan", str(plan), "--diff", str(plan), str(plan)])
    assert both.exit_code == 2
