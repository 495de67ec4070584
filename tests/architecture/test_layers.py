"""The import direction of ARCHITECTURE.md, read from the source with ``ast``."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "yamlperf"

LAYER0 = {"errors", "redact", "units", "textable", "urls", "analysis.classes"}
LAYER1 = {"source", "validation", "templating", "thresholds", "compose", "scenario", "loader", "workload_spec"}
LAYER2 = {"results", "results_load", "results_types", "windows", "analysis", "verdicts", "compare", "plandiff"}
LAYERS = (LAYER0, LAYER1, LAYER2, {"engine", "render"}, {"cli"})


def layer_of(module: str) -> int | None:
    """The layer of a module (``analysis.growth``) by its longest listed prefix: ``analysis.classes``
    is the growth classes' vocabulary, which the threshold language (layer 1) names."""
    parts = module.split(".")
    for length in range(len(parts), 0, -1):
        prefix = ".".join(parts[:length])
        for level, names in enumerate(LAYERS):
            if prefix in names:
                return level
    return None


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), str(path))
    module = _module_name(path)
    package = module.rsplit(".", 1)[0] if path.name != "__init__.py" else module
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                prefix = ".".join(base)
                target = f"{prefix}.{node.module}" if node.module else prefix
                found.add(target)
                if not node.module:
                    found.update(f"{prefix}.{alias.name}" for alias in node.names)
            elif node.module:
                found.add(node.module)
    return found


def _sources() -> dict[str, set[str]]:
    return {_module_name(p): _imports(p) for p in PACKAGE.rglob("*.py")}


def _internal(imports: set[str]) -> set[str]:
    return {i.removeprefix("yamlperf.") for i in imports if i.startswith("yamlperf.") or i == "yamlperf"}


def test_only_the_cli_imports_click() -> None:
    offenders = [m for m, imports in _sources().items()
                 if "click" in {i.split(".")[0] for i in imports} and not m.startswith("yamlperf.cli")]
    assert offenders == []


def test_engine_and_render_do_not_import_each_other() -> None:
    for module, imports in _sources().items():
        internal = _internal(imports)
        if module.startswith("yamlperf.engine"):
            assert not any(i.startswith("render") for i in internal), module
        if module.startswith("yamlperf.render"):
            assert not any(i.startswith("engine") for i in internal), module


def test_lower_layers_do_not_import_higher_ones() -> None:
    for module, imports in _sources().items():
        own = layer_of(module.removeprefix("yamlperf."))
        if own is None:
            continue
        bad = {i for i in _internal(imports) if (layer_of(i) or 0) > own}
        assert not bad, f"{module} imports {bad}"


def test_the_vocabulary_below_the_thresholds_is_stdlib_only() -> None:
    imports = _sources()["yamlperf.analysis.classes"]
    assert not _internal(imports)
    assert {i.split(".")[0] for i in imports} <= {"__future__", "re"}


def test_the_demo_target_stands_apart_from_the_tool() -> None:
    for module, imports in _sources().items():
        if module.startswith("yamlperf.demo"):
            assert all(i.startswith("demo") for i in _internal(imports)), (module, _internal(imports))
