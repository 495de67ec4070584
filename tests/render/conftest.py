"""Runs rendered once per session: drawing and converting charts is the slow part of these tests."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from yamlperf.render.charts import build_charts
from yamlperf.render.figure import Chart
from yamlperf.results import RunResult

from .synthetic import ALL_RUNS

ChartsOf = Callable[[str], dict[str, Chart]]


@pytest.fixture(scope="session")
def runs() -> dict[str, RunResult]:
    return {name: build() for name, build in ALL_RUNS.items()}


@pytest.fixture(scope="session")
def charts_of(runs: dict[str, RunResult]) -> ChartsOf:
    """Charts of a synthetic run by name, built once and keyed by chart name."""
    cache: dict[str, dict[str, Chart]] = {}

    def get(name: str) -> dict[str, Chart]:
        if name not in cache:
            cache[name] = {c.name: c for c in build_charts(runs[name])}
        return cache[name]

    return get


@pytest.fixture(scope="session")
def written(runs: dict[str, RunResult], tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], Path]:
    """The run folder of a synthetic run with html, svg, png and pdf written, once per session."""
    from yamlperf.render.outputs import write_outputs

    folders: dict[str, Path] = {}

    def get(name: str) -> Path:
        if name not in folders:
            folder = tmp_path_factory.mktemp(f"run-{name}")
            write_outputs(runs[name], folder, ["json", "html", "svg", "png", "pdf"])
            folders[name] = folder
        return folders[name]

    return get
