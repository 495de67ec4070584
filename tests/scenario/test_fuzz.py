"""Fuzzing `validate` and `plan` (hypothesis, bounded in examples and time): random YAML, random
bytes and mutated shipped plans end in exit 0 or 2 with a message, never a traceback or a hang."""

from __future__ import annotations

import contextlib
import copy
import shutil
import signal
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from yamlperf.cli import main

ROOT = Path(__file__).resolve().parents[2]
PLANS = {p.name: yaml.safe_load(p.read_text()) for p in
         [*sorted((ROOT / "scenarios").glob("*.yaml")), ROOT / "yamlperf" / "starter.yaml"]}
EXAMPLE_SECONDS = 10
"""A command that takes longer on one example is a hang: the alarm fails the test instead."""
FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow],
                database=None, derandomize=True)
TOKENS = [*"abcdefgxyz019 :-\n\t{}[],&*!|>'\"%@`#?.~\\=$\u00e9\x00",
          "target", "endpoints", "{{", "}}", "extends", "<<", "null", "base_url: ", "path: /", "- name: a\n"]
YAMLISH = st.lists(st.sampled_from(TOKENS), max_size=80).map("".join)
SCALARS = (st.none() | st.booleans() | st.integers(-2**70, 2**70) | st.floats(allow_nan=True)
           | st.text(max_size=30) | st.sampled_from(["{{ id }}", "{{ env.NOPE }}", "{{ 1/0 }}", "{% for %}",
                                                      "-1ms", "1e400", "http://[::1", "GET", "2xx", "p95 < 1ms",
                                                      "p95 < 1e400ms", "1e309s", "99999999999999999999m",
                                                      "/dev/zero", "/dev/stdin", "plan.yaml", "demo-base.yaml",
                                                      "growth <= linear", "rps > 1e999", "success_rate >= 101%"])
           | st.sampled_from([0, -1, 10**30, 2**63, 1e-300, [], {}, [0], [10**12, 1]]))
VALUES = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=3)
                      | st.dictionaries(st.text(max_size=12), inner, max_size=3), max_leaves=6)


@contextlib.contextmanager
def bounded(seconds: int = EXAMPLE_SECONDS) -> Iterator[None]:
    def hang(_signum: int, _frame: Any) -> None:
        raise TimeoutError(f"one example took more than {seconds}s")

    previous = signal.signal(signal.SIGALRM, hang)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def check_commands(plan: Path) -> None:
    """`validate` and `plan` on the file: 0, or 2 with a located message; no traceback, no internal error."""
    for command in (["validate", str(plan)], ["plan", str(plan)], ["plan", str(plan), "--json"]):
        with bounded():
            result = CliRunner().invoke(main, command, env={"YAMLPERF_USERNAME": None, "YAMLPERF_PASSWORD": None})
        shown = result.output + (result.stderr or "")
        assert result.exit_code in (0, 2), (command, result.exit_code, shown[-2000:], result.exc_info)
        assert result.exception is None or isinstance(result.exception, SystemExit), result.exc_info
        assert "Traceback" not in shown, shown[-2000:]
        assert "internal error" not in shown, shown[-2000:]
        if result.exit_code == 2:
            assert str(plan) in shown or "--set" in shown, shown[-2000:]


def _folder() -> Path:
    folder = Path(tempfile.mkdtemp(prefix="yamlperf-fuzz-"))
    shutil.copy(ROOT / "scenarios" / "demo-base.yaml", folder / "demo-base.yaml")
    return folder


def _fuzzed(content: bytes) -> None:
    folder = _folder()
    try:
        plan = folder / "plan.yaml"
        plan.write_bytes(content)
        check_commands(plan)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@FUZZ
@given(YAMLISH)
def test_random_yaml_text_is_a_located_error_or_valid(text: str) -> None:
    _fuzzed(text.encode("utf-8", "surrogatepass"))


@FUZZ
@given(st.binary(max_size=300))
def test_random_bytes_are_a_located_error(content: bytes) -> None:
    _fuzzed(content)


def _paths(data: Any, here: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [here]
    if isinstance(data, dict):
        found += [p for key, value in data.items() for p in _paths(value, (*here, key))]
    elif isinstance(data, list):
        found += [p for index, value in enumerate(data) for p in _paths(value, (*here, index))]
    return found


@st.composite
def mutated_plans(draw: st.DrawFn) -> Any:
    data = copy.deepcopy(PLANS[draw(st.sampled_from(sorted(PLANS)))])
    for _ in range(draw(st.integers(1, 4))):
        paths = _paths(data)
        where = draw(st.sampled_from(paths))
        if not where:
            continue
        parent = data
        for step in where[:-1]:
            parent = parent[step]
        action = draw(st.sampled_from(["replace", "delete", "add"]))
        if action == "delete":
            del parent[where[-1]]
        elif action == "add" and isinstance(parent, dict):
            parent[draw(st.sampled_from(["iterations", "server", "count", "x", "capture", "expect"]))] = copy.deepcopy(draw(VALUES))
        else:
            parent[where[-1]] = copy.deepcopy(draw(VALUES))
    return data


@FUZZ
@given(mutated_plans())
def test_mutated_shipped_plans_are_a_located_error_or_valid(data: Any) -> None:
    _fuzzed(yaml.safe_dump(data, allow_unicode=True).encode("utf-8", "surrogatepass"))
