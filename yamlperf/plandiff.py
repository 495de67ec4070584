"""What a change to a scenario does to the test matrix, for a reviewer reading a YAML diff (pure).

A one-line YAML change (a new size, a concurrency list) can double a run's cost or drop the cells
a threshold was guarding; this puts that effect next to the diff: cells added and removed, the
cost before and after, changed thresholds and changed settings.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields
from typing import Any, Protocol

from .scenario import Endpoint, Scenario
from .verdicts import cell_label

CellKey = tuple[str, int | None, int]


class PlannedCell(Protocol):
    """What this module needs of ``engine.matrix.Cell`` (the engine is a higher layer)."""

    @property
    def key(self) -> CellKey: ...

    @property
    def iterations(self) -> int: ...


class PlanLike(Protocol):
    """What this module needs of ``engine.matrix.Plan``."""

    @property
    def cells(self) -> Sequence[PlannedCell]: ...

    @property
    def measured_requests(self) -> int: ...

    @property
    def warmup_requests(self) -> int: ...

    @property
    def records_to_create(self) -> int: ...

    @property
    def records_to_delete(self) -> int: ...

    @property
    def count_requests(self) -> int: ...

    @property
    def total_requests(self) -> int: ...


@dataclass(frozen=True, slots=True)
class Change:
    """One setting or total before and after, as text people read (numbers stay numbers)."""

    name: str
    old: Any
    new: Any


@dataclass(frozen=True, slots=True)
class PlanDiff:
    old_label: str
    new_label: str
    totals: tuple[Change, ...]
    added: tuple[tuple[CellKey, int], ...]
    removed: tuple[tuple[CellKey, int], ...]
    resized: tuple[tuple[CellKey, int, int], ...]
    thresholds_added: tuple[str, ...]
    thresholds_removed: tuple[str, ...]
    settings: tuple[Change, ...]

    @property
    def empty(self) -> bool:
        return not (self.added or self.removed or self.resized or self.thresholds_added
                    or self.thresholds_removed or self.settings)


def diff_plans(old: Scenario, old_plan: PlanLike, new: Scenario, new_plan: PlanLike, *,
               old_label: str = "old", new_label: str = "new") -> PlanDiff:
    old_cells = {c.key: c.iterations for c in old_plan.cells}
    new_cells = {c.key: c.iterations for c in new_plan.cells}
    old_rules, new_rules = _threshold_texts(old), _threshold_texts(new)
    return PlanDiff(
        old_label=old_label, new_label=new_label,
        totals=tuple(Change(name, *(_total(p, name) for p in (old_plan, new_plan))) for name in TOTALS),
        added=tuple((k, n) for k, n in new_cells.items() if k not in old_cells),
        removed=tuple((k, n) for k, n in old_cells.items() if k not in new_cells),
        resized=tuple((k, old_cells[k], n) for k, n in new_cells.items()
                      if k in old_cells and old_cells[k] != n),
        thresholds_added=tuple(t for t in new_rules if t not in old_rules),
        thresholds_removed=tuple(t for t in old_rules if t not in new_rules),
        settings=tuple(c for c in _settings(old, new) if c.old != c.new),
    )


TOTALS = ("cells", "measured requests", "warm-up requests", "records to create", "records to delete",
          "count requests", "total requests")


def _total(plan: PlanLike, name: str) -> int:
    if name == "cells":
        return len(plan.cells)
    return int(getattr(plan, name.replace("warm-up", "warmup").replace(" ", "_")))


def _threshold_texts(scenario: Scenario) -> tuple[str, ...]:
    texts = []
    for threshold in scenario.thresholds:
        scope = threshold.scope()
        texts.extend(f"{rule.text}   ({scope})" for rule in threshold.rules)
    return tuple(dict.fromkeys(texts))


def _settings(old: Scenario, new: Scenario) -> list[Change]:
    """Settings that change what a run measures or how; names as the YAML spells them."""
    changes = [Change(f"load.{f.name}", _text(getattr(old.load, f.name)), _text(getattr(new.load, f.name)))
               for f in fields(old.load)]
    changes += [
        Change("target.base_url", old.target.base_url, new.target.base_url),
        Change("target.timeout", _text(old.target.timeout), _text(new.target.timeout)),
        Change("auth.type", old.auth.type.value, new.auth.type.value),
        Change("dataset.sizes", _text(old.dataset.sizes if old.dataset else None),
               _text(new.dataset.sizes if new.dataset else None)),
        Change("output.formats", _text(old.output.formats), _text(new.output.formats)),
    ]
    old_endpoints = {e.name: e for e in old.endpoints}
    new_endpoints = {e.name: e for e in new.endpoints}
    for name in dict.fromkeys([*old_endpoints, *new_endpoints]):
        before, after = old_endpoints.get(name), new_endpoints.get(name)
        old_text, new_text = _endpoint_text(before), _endpoint_text(after)
        if old_text == new_text and _details(before) != _details(after):
            new_text += " (headers, checks or captures changed)"
        changes.append(Change(f"endpoints.{name}", old_text, new_text))
    return changes


def _details(endpoint: Endpoint | None) -> tuple[Any, ...]:
    """What ``_endpoint_text`` leaves out; iterations and sizes show as cells instead."""
    if endpoint is None:
        return ()
    return (endpoint.request.headers, endpoint.expect, endpoint.captures)


def _endpoint_text(endpoint: Endpoint | None) -> str:
    """The request an endpoint sends and what it expects, compact enough for one line."""
    if endpoint is None:
        return "(none)"
    request = endpoint.request
    parts = [f"{request.method} {request.path}"]
    if request.query:
        parts.append("?" + "&".join(f"{k}={v}" for k, v in request.query))
    if request.body_kind.value != "none":
        parts.append(f"{request.body_kind.value} body {request.body!r}")
    parts.append(f"expect {endpoint.expect.status.describe()}")
    return " ".join(parts)


def _text(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, tuple):
        return ", ".join(map(str, value)) or "-"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def format_plan_diff(diff: PlanDiff) -> str:
    """Console text: totals with their change, then what was added, removed and changed."""
    lines = [f"plan diff: {diff.old_label} -> {diff.new_label}"]
    lines += [f"  {c.name}: {c.old} -> {c.new}" + (f" ({c.new - c.old:+d})" if c.new != c.old else "")
              for c in diff.totals]
    if diff.empty:
        lines.append("no change to the cells, thresholds or settings")
        return "\n".join(lines)
    sections = [
        ("cells added", [f"+ {cell_label(*k)}  ({n} requests)" for k, n in diff.added]),
        ("cells removed", [f"- {cell_label(*k)}  ({n} requests)" for k, n in diff.removed]),
        ("cells with a different request count", [f"~ {cell_label(*k)}: {a} -> {b} requests"
                                                  for k, a, b in diff.resized]),
        ("thresholds added", [f"+ {t}" for t in diff.thresholds_added]),
        ("thresholds removed", [f"- {t}" for t in diff.thresholds_removed]),
        ("settings changed", [f"~ {c.name}: {c.old} -> {c.new}" for c in diff.settings]),
    ]
    for title, items in sections:
        if items:
            lines += ["", f"{title} ({len(items)}):", *(f"  {item}" for item in items)]
    return "\n".join(lines)


def plan_diff_json(diff: PlanDiff) -> dict[str, Any]:
    def cell(key: CellKey, **extra: int) -> dict[str, Any]:
        return {"endpoint": key[0], "size": key[1], "concurrency": key[2], **extra}

    return {
        "old": diff.old_label, "new": diff.new_label,
        "totals": {c.name: {"old": c.old, "new": c.new} for c in diff.totals},
        "cells_added": [cell(k, iterations=n) for k, n in diff.added],
        "cells_removed": [cell(k, iterations=n) for k, n in diff.removed],
        "cells_resized": [cell(k, old_iterations=a, new_iterations=b) for k, a, b in diff.resized],
        "thresholds_added": list(diff.thresholds_added),
        "thresholds_removed": list(diff.thresholds_removed),
        "settings_changed": [{"name": c.name, "old": c.old, "new": c.new} for c in diff.settings],
    }
