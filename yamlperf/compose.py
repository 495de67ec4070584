"""Composing a scenario document: ``extends:`` a base file and ``--set`` overrides.

Both keep every value's location, so an error still points at the file (or the command-line
option) the value came from.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from .errors import Location, ScenarioError
from .source import Document, KeyPath, read_document

MAX_EXTENDS_DEPTH = 10
REMOVE: Any = object()
"""An ``Override`` value that removes the key (``--duration`` removes ``load.iterations``)."""


@dataclass(frozen=True, slots=True)
class Override:
    """A ``--set key.path=value`` from the command line (the value is read as YAML)."""

    path: str
    value: Any
    origin: str

    @classmethod
    def parse(cls, text: str) -> Override:
        key, sep, raw = text.partition("=")
        if not sep or not key.strip():
            raise ScenarioError.single(Location(f"--set {text}"), "expected KEY.PATH=VALUE",
                                       hint="e.g. --set load.iterations=20")
        return cls(key.strip(), read_value(raw) if raw.strip() else "", f"--set {text}")


def read_value(text: str) -> Any:
    """A command-line value read as YAML (``20``, ``[1, 2]``, ``null``), or the text itself when it is
    not YAML or its tag cannot read it (``!!int x``): the schema then says what was expected."""
    try:
        return yaml.safe_load(text)
    except (yaml.YAMLError, ValueError, KeyError, AttributeError, TypeError, OverflowError, RecursionError):
        return text


def compose_document(path: Path, display: str, chain: tuple[Path, ...] = ()) -> Document:
    """Read ``path`` and, if it ``extends:`` a base, merge it over the base (recursively)."""
    document = read_document(path, display)
    base_name = document.data.get("extends")
    if not isinstance(base_name, str):
        return document
    try:
        base_path = (path.parent / base_name).resolve()
        usable = base_path.is_file()
    except (OSError, ValueError, RuntimeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise ScenarioError([document.problem(
            ("extends",), f"cannot use {base_name[:80]!r} as a path: {reason}",
            hint="name a .yaml file, relative to this file")]) from None
    if base_path in chain or base_path == path.resolve():
        raise ScenarioError([document.problem(("extends",), "`extends` forms a cycle",
                                              hint="a file may not extend itself, directly or indirectly")])
    if len(chain) >= MAX_EXTENDS_DEPTH:
        raise ScenarioError([document.problem(("extends",), "too many levels of `extends`")])
    if not usable:
        found = "is a directory, not a file" if base_path.is_dir() else "not found"
        raise ScenarioError([document.problem(
            ("extends",), f"base scenario {base_name!r} {found} (looked at {base_path})",
            hint="name a .yaml file; the path is relative to this file")])
    base_display = os.path.relpath(base_path) if not Path(display).is_absolute() else str(base_path)
    base = compose_document(base_path, base_display, (*chain, path.resolve()))
    return merge_documents(base, document)


def merge_documents(base: Document, child: Document) -> Document:
    """Mappings merge key by key, anything else in ``child`` replaces, ``null`` removes a key."""
    merger = _Merger(child, dict(base.key_locations), dict(base.value_locations))
    data = merger.merge(base.data, child.data, ())
    merger.values[()] = child.value_locations.get((), Location(child.file, 1, 1))
    data.pop("extends", None)
    return Document(child.file, data, merger.keys, merger.values, {**base.sources, **child.sources},
                    base.problems + child.problems)


@dataclass
class _Merger:
    child: Document
    keys: dict[KeyPath, Location]
    values: dict[KeyPath, Location]

    def merge(self, base: Any, child: Any, path: KeyPath) -> Any:
        if not (isinstance(base, dict) and isinstance(child, dict)):
            _drop_below(path, self.keys, self.values)
            _copy_below(path, self.child, self.keys, self.values)
            return child
        merged = dict(base)
        for key, value in child.items():
            sub = (*path, key)
            if value is None and key in merged:
                merged.pop(key)
                _drop_below(sub, self.keys, self.values)
                if sub in self.child.key_locations:
                    self.keys[sub] = self.child.key_locations[sub]
                continue
            if key in base:
                merged[key] = self.merge(base[key], value, sub)
            else:
                merged[key] = value
                _copy_below(sub, self.child, self.keys, self.values)
            if sub in self.child.key_locations:
                self.keys[sub] = self.child.key_locations[sub]
        return merged


def _drop_below(path: KeyPath, keys: dict, values: dict) -> None:
    for table in (keys, values):
        for known in [p for p in table if p[: len(path)] == path]:
            del table[known]


def _copy_below(path: KeyPath, doc: Document, keys: dict, values: dict) -> None:
    for source, table in ((doc.key_locations, keys), (doc.value_locations, values)):
        table.update({p: loc for p, loc in source.items() if p[: len(path)] == path})


def apply_overrides(document: Document, overrides: Sequence[Override]) -> Document:
    """Set each ``--set`` value in a copy of the data; its errors point at the command line."""
    if not overrides:
        return document
    data = _deep_copy(document.data)
    values = dict(document.value_locations)
    keys = dict(document.key_locations)
    for override in overrides:
        parts: list[str | int] = [int(p) if p.isdigit() else p for p in override.path.split(".")]
        if override.value is None and _remove(data, parts, keys, values, override):
            continue
        node = data
        for index, part in enumerate(parts):
            _check_step(node, part, parts[:index], override)
            if index == len(parts) - 1:
                break
            nxt = node[part] if _has(node, part) else None
            if not isinstance(nxt, dict | list):
                nxt = {}
                node[part] = nxt
                values[tuple(parts[: index + 1])] = Location(override.origin)
            node = nxt
            keys.setdefault(tuple(parts[: index + 1]), Location(override.origin))
        target = tuple(parts)
        if override.value is REMOVE:
            if isinstance(node, dict):
                node.pop(parts[-1], None)
            _drop_below(target, keys, values)
            keys.pop(target, None)
            values.pop(target, None)
            continue
        node[parts[-1]] = override.value
        _drop_below(target, keys, values)
        values[target] = keys[target] = Location(override.origin)
    return Document(document.file, data, keys, values, document.sources, document.problems)


def _remove(data: dict[str, Any], parts: list[str | int], keys: dict[KeyPath, Location],
            values: dict[KeyPath, Location], override: Override) -> bool:
    """``--set key=null`` removes the key, as ``null`` does in a file that ``extends`` a base; True
    when the value was a mapping's (there or not), False to set a list item to null as asked."""
    node: Any = data
    for index, part in enumerate(parts[:-1]):
        _check_step(node, part, parts[:index], override)
        if not _has(node, part):
            return isinstance(node, dict)
        node = node[part]
    last = parts[-1]
    if not isinstance(node, dict):
        return False
    _check_step(node, last, parts[:-1], override)
    if last in node:
        del node[last]
        target = tuple(parts)
        _drop_below(target, keys, values)
        keys[target] = Location(override.origin)
    return True


def _check_step(node: Any, part: str | int, before: list[str | int], override: Override) -> None:
    """A list is addressed by an existing index, a mapping by a name: anything else is the user's typo."""
    where = ".".join(map(str, before)) or "the top level"
    if isinstance(node, list):
        if not isinstance(part, int):
            raise ScenarioError.single(Location(override.origin), f"{where} is a list: {part!r} is no index",
                                       hint=f"address an item by number, e.g. {where}.0")
        if part >= len(node):
            raise ScenarioError.single(Location(override.origin), f"{where} has no item {part}",
                                       hint=f"it has {len(node)} item(s), numbered from 0")
    elif isinstance(part, int) and not isinstance(node, dict):
        raise ScenarioError.single(Location(override.origin), f"{where} is not a list")


def _has(node: Any, part: str | int) -> bool:
    if isinstance(node, dict):
        return part in node
    return isinstance(node, list) and isinstance(part, int) and part < len(node)


def _deep_copy(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _deep_copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_deep_copy(v) for v in value]
    return value
