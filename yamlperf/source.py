"""YAML text -> Document: the data plus where every key and value stands in the file.

Only safe YAML is read. PyYAML's own ``safe_load`` keeps the last of two duplicate keys and
expands aliases without limit; here both are errors, and every error names line and column.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from yaml.reader import ReaderError

from .errors import Location, Problem, ScenarioError

KeyPath = tuple[str | int, ...]

MAX_NODES = 50_000
"""More values than any real scenario has; reached only by an alias expansion ("billion laughs")."""

MAX_BYTES = 5_000_000
MAX_DEPTH = 64
"""Deeper than any scenario; a guard against runaway nesting before Python's recursion limit."""


def format_path(path: KeyPath) -> str:
    """``("endpoints", 2, "expect")`` -> ``endpoints[2].expect``; the root is ``(top level)``."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "(top level)"


@dataclass(frozen=True, slots=True)
class Document:
    """Parsed YAML and a map from key paths to the locations of their keys and values.

    A document composed from several files (``extends:``) keeps each value's own file, so an
    error in a base file points into the base file.
    """

    file: str
    data: Any
    key_locations: dict[KeyPath, Location] = field(default_factory=dict)
    value_locations: dict[KeyPath, Location] = field(default_factory=dict)
    sources: dict[str, tuple[str, ...]] = field(default_factory=dict)
    problems: tuple[Problem, ...] = ()
    """Mistakes found while reading that still leave usable data (a duplicate key keeps the last
    value), reported together with the schema's findings so a user sees everything at once."""

    def location(self, path: KeyPath, *, key: bool = False) -> Location:
        """The location of ``path`` (its key with ``key=True``), or of its nearest known parent."""
        probe = path
        while probe:
            found = (key and self.key_locations.get(probe)) or self.value_locations.get(probe)
            found = found or self.key_locations.get(probe)
            if found:
                return found
            probe = probe[:-1]
        return self.value_locations.get((), Location(self.file, 1, 1))

    def problem(
        self, path: KeyPath, message: str, *, hint: str = "", key: bool = False,
        key_path: str | None = None,
    ) -> Problem:
        loc = self.location(path, key=key)
        return Problem(
            loc, message, key_path=format_path(path) if key_path is None else key_path,
            hint=hint, source_line=self.source_line(loc),
        )

    def source_line(self, loc: Location) -> str:
        lines = self.sources.get(loc.file, ())
        return lines[loc.line - 1] if 0 < loc.line <= len(lines) else ""


_stdin_read: tuple[Any, bytes] | None = None


def _stdin_bytes() -> bytes:
    """Standard input can be read once; a command that loads its plan twice (``--concurrent``
    reads ``max_workers`` first) gets the same bytes again from the same stream."""
    global _stdin_read  # noqa: PLW0603  (one stream per process, read once)
    stream = sys.stdin.buffer
    if _stdin_read is None or _stdin_read[0] is not stream:
        _stdin_read = (stream, stream.read())
    return _stdin_read[1]


def read_document(path: Path, display_name: str | None = None) -> Document:
    """Read and parse one scenario file (``-`` is standard input, as for most tools: a generated
    plan can be piped in); every failure is a located ``ScenarioError``."""
    name = display_name or str(path)
    if str(path) == "-":
        return parse_document(_stdin_bytes(), "<stdin>")
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ScenarioError.single(
            Location(name), "file not found", hint="check the path, or create it with `yamlperf init`"
        ) from None
    except IsADirectoryError:
        raise ScenarioError.single(
            Location(name), "is a directory, not a scenario file", hint="name a .yaml file"
        ) from None
    except OSError as exc:
        raise ScenarioError.single(Location(name), f"cannot read: {exc.strerror}") from None
    return parse_document(raw, name)


def parse_document(raw: bytes | str, name: str) -> Document:
    text = _decode(raw, name) if isinstance(raw, bytes) else raw
    lines = tuple(text.splitlines())
    if not text.strip() or all(not ln.strip() or ln.lstrip().startswith("#") for ln in lines):
        raise ScenarioError.single(
            Location(name, 1, 1), "the file is empty",
            hint="a scenario needs at least `target:` and `endpoints:`; `yamlperf init` writes a starter",
        )
    root = _compose(text, name, lines)
    builder = _Builder(name, lines)
    data = builder.build(root, ())
    if not isinstance(data, dict):
        kind = "a list" if isinstance(data, list) else f"a single value ({data!r:.40})"
        raise ScenarioError([Problem(
            Location(name, root.start_mark.line + 1, root.start_mark.column + 1),
            f"the top level must be a mapping of keys such as `target:` and `endpoints:`, found {kind}",
            hint="write `key: value` lines at the top level, without a leading `- `",
            source_line=lines[root.start_mark.line] if root.start_mark.line < len(lines) else "",
        )])
    return Document(name, data, builder.key_locations, builder.value_locations, {name: lines},
                    tuple(builder.problems))


def _decode(raw: bytes, name: str) -> str:
    if len(raw) > MAX_BYTES:
        raise ScenarioError.single(
            Location(name), f"the file is {len(raw):,} bytes, more than a scenario should ever be",
            hint="check that this is the scenario and not a data file",
        )
    if b"\x00" in raw[:8192] and not raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ScenarioError.single(
            Location(name), "this is a binary file, not YAML text",
            hint="name the scenario's .yaml file",
        )
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ScenarioError.single(
            Location(name, 1, 1), "the file is UTF-16 encoded; scenarios are read as UTF-8",
            hint="save the file as UTF-8",
        )
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        before = raw[: exc.start]
        line = before.count(b"\n") + 1
        column = exc.start - (before.rfind(b"\n") + 1) + 1
        raise ScenarioError.single(
            Location(name, line, column),
            f"byte 0x{raw[exc.start]:02x} is not valid UTF-8",
            hint="save the file as UTF-8",
        ) from None


def _compose(text: str, name: str, lines: tuple[str, ...]) -> Node:
    try:
        nodes = list(yaml.compose_all(text, Loader=yaml.SafeLoader))
    except RecursionError:
        raise ScenarioError.single(
            Location(name, 1, 1), "the file is nested too deeply to be a scenario",
            hint="a scenario is a few levels deep; check for runaway indentation or brackets") from None
    except yaml.MarkedYAMLError as exc:
        raise ScenarioError([_yaml_problem(exc, name, lines)]) from None
    except ReaderError as exc:
        raise ScenarioError([_reader_problem(exc, text, name, lines)]) from None
    except yaml.YAMLError as exc:
        raise ScenarioError.single(Location(name), f"not valid YAML: {exc}") from None
    nodes = [n for n in nodes if n is not None]
    if not nodes:
        raise ScenarioError.single(Location(name, 1, 1), "the file is empty",
                                   hint="`yamlperf init` writes a starter scenario")
    if len(nodes) > 1:
        mark = nodes[1].start_mark
        raise ScenarioError([Problem(
            Location(name, mark.line + 1, mark.column + 1),
            "the file holds several YAML documents; a scenario is one document",
            hint="remove the `---` separator, or split the documents into files",
            source_line=lines[mark.line] if mark.line < len(lines) else "",
        )])
    return nodes[0]


def _reader_problem(exc: ReaderError, text: str, name: str, lines: tuple[str, ...]) -> Problem:
    """PyYAML names a forbidden character by its offset in the text only; editors need line and column."""
    before = text[: exc.position]
    line = before.count("\n") + 1
    column = exc.position - (before.rfind("\n") + 1) + 1
    char = exc.character if isinstance(exc.character, str) else chr(exc.character)
    return Problem(Location(name, line, column),
                   f"the control character U+{ord(char):04X} is not allowed in YAML text",
                   hint="delete it, or write it as an escape such as \"\\x07\" inside double quotes",
                   source_line=lines[line - 1] if 0 < line <= len(lines) else "")


def _yaml_problem(exc: yaml.MarkedYAMLError, name: str, lines: tuple[str, ...]) -> Problem:
    mark = exc.problem_mark or exc.context_mark
    line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
    text = lines[line - 1] if 0 < line <= len(lines) else ""
    problem = (exc.problem or "").strip()
    context = (exc.context or "").strip()
    tab_column = _tab_column(text)
    if "'\\t'" in problem or (tab_column and "cannot start any token" in problem):
        return Problem(Location(name, line, tab_column or column),
                       "a tab character is used for indentation; YAML allows only spaces",
                       hint="replace the tabs with spaces; set your editor to indent with spaces",
                       source_line=text)
    if "quoted scalar" in context and exc.context_mark is not None:
        start = exc.context_mark
        return Problem(Location(name, start.line + 1, start.column + 1),
                       "a quoted string starts here and is never closed",
                       hint="add the matching closing quote",
                       source_line=lines[start.line] if start.line < len(lines) else "")
    if "mapping values are not allowed" in problem:
        return Problem(Location(name, line, column), "unexpected ':' inside a value",
                       hint="quote the value, e.g. `key: \"a: b\"`, or put the key on its own line",
                       source_line=text)
    message = f"invalid YAML: {problem}" + (f" ({context})" if context else "")
    hint = "check the indentation and quoting around this line"
    if tab_column:
        hint = "this line is indented with a tab; YAML allows only spaces"
    return Problem(Location(name, line, column), message, hint=hint, source_line=text)


def _tab_column(text: str) -> int:
    indent = text[: len(text) - len(text.lstrip(" \t"))]
    return indent.index("\t") + 1 if "\t" in indent else 0


def _tag_name(tag: str) -> str:
    return "!!" + tag.rsplit(":", 1)[-1] if tag.startswith("tag:yaml.org,2002:") else tag


class _Builder:
    """Turns composed nodes into plain data while recording marks and refusing what is unsafe."""

    def __init__(self, name: str, lines: tuple[str, ...]) -> None:
        self.name = name
        self.lines = lines
        self.key_locations: dict[KeyPath, Location] = {}
        self.value_locations: dict[KeyPath, Location] = {}
        self.problems: list[Problem] = []
        self._constructor = yaml.SafeLoader("")
        self._count = 0
        self._active: set[int] = set()

    def _at(self, node: Node) -> Location:
        return Location(self.name, node.start_mark.line + 1, node.start_mark.column + 1)

    def _problem(self, node: Node, message: str, path: KeyPath, hint: str = "") -> None:
        mark = node.start_mark
        self.problems.append(Problem(
            Location(self.name, mark.line + 1, mark.column + 1), message,
            key_path=format_path(path), hint=hint,
            source_line=self.lines[mark.line] if mark.line < len(self.lines) else "",
        ))

    def build(self, node: Node, path: KeyPath) -> Any:
        self._count += 1
        if self._count > MAX_NODES:
            top = path[:1]
            top_key = self.key_locations.get(top)
            line, column = (top_key.line, top_key.column) if top_key else (node.start_mark.line + 1, 1)
            node = ScalarNode("", "", start_mark=yaml.Mark("", 0, line - 1, column - 1, None, None))
            path = top
            self._problem(node, f"the document expands to more than {MAX_NODES:,} values through "
                          "aliases (a \"billion laughs\" expansion)", path,
                          hint="write the values out instead of nesting `*alias` references")
            raise ScenarioError(self.problems)
        self.value_locations.setdefault(path, self._at(node))
        if len(path) > MAX_DEPTH:
            self._problem(node, f"nested more than {MAX_DEPTH} levels deep", path,
                          hint="a scenario is a few levels deep; check the indentation")
            raise ScenarioError(self.problems)
        if id(node) in self._active:
            self._problem(node, "an alias refers to the structure that contains it", path,
                          hint="remove the recursive `*alias`")
            return None
        self._active.add(id(node))
        try:
            if isinstance(node, MappingNode):
                return self._mapping(node, path)
            if isinstance(node, SequenceNode):
                return [self.build(child, (*path, i)) for i, child in enumerate(node.value)]
            return self._scalar(node, path)
        finally:
            self._active.discard(id(node))

    def _scalar(self, node: Node, path: KeyPath) -> Any:
        try:
            return self._constructor.construct_object(node, deep=True)
        except yaml.YAMLError as exc:
            self._problem(node, f"cannot read this value: {getattr(exc, 'problem', exc)}", path)
        except (ValueError, KeyError, AttributeError, TypeError, OverflowError):
            # PyYAML's own constructors fail with plain Python errors on a value that does not
            # fit an explicit tag (`!!int x`, `!!bool maybe`, `!!timestamp soon`).
            self._problem(node, f"cannot read {node.value!r} as {_tag_name(node.tag)}", path,
                          hint="remove the `!!` tag, or write a value of that type")
        return None

    def _mapping(self, node: MappingNode, path: KeyPath) -> dict[Any, Any]:
        seen: dict[Any, Node] = {}
        for key_node, _ in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                continue
            key = self._key(key_node, path)
            if key in seen:
                first = seen[key].start_mark
                self._problem(key_node, f"duplicate key {key!r} (first defined on line "
                              f"{first.line + 1}); YAML would silently keep only the last one",
                              (*path, key), hint="remove one of the two, or merge them")
            else:
                seen[key] = key_node
        try:
            self._constructor.flatten_mapping(node)
        except yaml.MarkedYAMLError as exc:
            self._problem(node, f"invalid merge key: {exc.problem}", path)
            return {}
        result: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = self._key(key_node, path)
            child = (*path, key)
            self.key_locations[child] = self._at(key_node)
            self.value_locations.pop(child, None)
            result[key] = self.build(value_node, child)
        return result

    def _key(self, key_node: Node, path: KeyPath) -> Any:
        if not isinstance(key_node, ScalarNode):
            self._problem(key_node, "a key must be a plain name, not a list or a mapping", path)
            return f"<complex key at line {key_node.start_mark.line + 1}>"
        key = self._scalar(key_node, path)
        return key if isinstance(key, str | int) else str(key)
