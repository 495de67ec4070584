"""The sandboxed Jinja environment for strings in scenarios.

Any string may hold ``{{ ... }}``. Templates are compiled once; a string without template syntax
stays a constant and costs nothing per request. Undefined names are errors (StrictUndefined) and
the sandbox keeps a template from reaching Python internals.
"""

from __future__ import annotations

import hashlib
import os
import random
import uuid
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

from jinja2 import StrictUndefined, TemplateSyntaxError, UndefinedError, nodes
from jinja2.exceptions import SecurityError
from jinja2.sandbox import ImmutableSandboxedEnvironment

from .errors import suggest

RUN_NAMES = frozenset({"env", "vars", "row", "fake", "n", "i", "id", "ids", "size", "worker",
                       "username", "password", "concurrency", "endpoint", "run"})
"""Names a template may use; captured variables are added per scenario."""

_WORDS = (
    "alpha", "bravo", "cobalt", "delta", "ember", "falcon", "garnet", "harbor", "indigo", "juniper",
    "kelvin", "lumen", "marble", "nectar", "onyx", "prism", "quartz", "raven", "sierra", "tundra",
    "umber", "velvet", "willow", "xenon", "yonder", "zephyr", "account", "invoice", "prompt",
    "summary", "analysis", "dataset", "latency", "network", "storage", "cluster", "service",
    "request", "response", "customer", "product", "order", "payment", "report", "metric", "signal",
    "vector", "model", "token", "stream",
)


class TemplateError(Exception):
    """A template failed to render: a missing variable, a sandbox violation, a bad filter."""


class FakeData:
    """Deterministic test data: the same seed gives the same value on every run and machine."""

    @staticmethod
    def _rng(seed: object, salt: str) -> random.Random:
        digest = hashlib.blake2b(f"{salt}:{seed}".encode(), digest_size=8).digest()
        return random.Random(int.from_bytes(digest, "big"))

    def word(self, seed: object = 0) -> str:
        return self._rng(seed, "word").choice(_WORDS)

    def words(self, seed: object = 0, count: int = 3) -> str:
        rng = self._rng(seed, "words")
        return " ".join(rng.choice(_WORDS) for _ in range(max(0, int(count))))

    def sentence(self, seed: object = 0, words: int = 8) -> str:
        text = self.words(seed, words)
        return (text[:1].upper() + text[1:] + ".") if text else ""

    def paragraph(self, seed: object = 0, sentences: int = 4) -> str:
        return " ".join(self.sentence(f"{seed}.{k}", 6 + k % 5) for k in range(max(0, int(sentences))))

    def name(self, seed: object = 0) -> str:
        rng = self._rng(seed, "name")
        return f"{rng.choice(_WORDS).title()} {rng.choice(_WORDS).title()}"

    def email(self, seed: object = 0) -> str:
        rng = self._rng(seed, "email")
        return f"{rng.choice(_WORDS)}.{rng.choice(_WORDS)}{rng.randrange(1000)}@example.com"

    def integer(self, seed: object = 0, low: int = 0, high: int = 1000) -> int:
        return self._rng(seed, "int").randint(int(low), int(high))

    def choice(self, options: list[Any], seed: object = 0) -> Any:
        return self._rng(seed, "choice").choice(list(options)) if options else None

    def uuid(self, seed: object = 0) -> str:
        return str(uuid.UUID(int=self._rng(seed, "uuid").getrandbits(128), version=4))


def random_uuid() -> str:
    """A new random UUID on every call: ``{{ uuid() }}``, for values that must never repeat, where
    ``fake.uuid(n)`` gives the same one for the same seed on every run."""
    return str(uuid.uuid4())


class Environ(Mapping[str, str]):
    """The process environment as seen by templates: read-only, and a missing name is an error."""

    def __init__(self, source: Mapping[str, str] | None = None) -> None:
        self._source = os.environ if source is None else source

    def __getitem__(self, key: str) -> str:
        return self._source[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._source)

    def __len__(self) -> int:
        return len(self._source)


MAX_REPEAT = 1_000_000
"""Longest string or list ``*`` may build; a request body far larger is a typo, not a test."""
MAX_POWER_BITS = 64_000
"""Largest integer ``**`` may build (about 19,000 digits)."""


class _BoundedSandbox(ImmutableSandboxedEnvironment):
    """The sandbox, plus a size limit on ``*`` and ``**``: ``{{ 'a' * 10**10 }}`` would otherwise
    take the whole memory of the machine on every request instead of failing as a template."""

    intercepted_binops = frozenset({"*", "**"})

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        if operator == "**":
            if _int(left) and _int(right) and right > 0 and abs(left).bit_length() * right > MAX_POWER_BITS:
                raise SecurityError(f"{left} ** {right} is too large a number for a template")
            return left**right
        for seq, times in ((left, right), (right, left)):
            if isinstance(seq, str | list | tuple) and _int(times) and len(seq) * times > MAX_REPEAT:
                raise SecurityError(f"repeating {len(seq)} items {times} times is more than "
                                    f"{MAX_REPEAT:,}; a template builds values up to that size")
        return left * right


def _int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


@cache
def environment() -> ImmutableSandboxedEnvironment:
    env = _BoundedSandbox(
        undefined=StrictUndefined, autoescape=False, keep_trailing_newline=True
    )
    env.globals.update(fake=FakeData(), uuid=random_uuid)
    return env


def is_template(text: str) -> bool:
    return "{{" in text or "{%" in text


@dataclass(frozen=True, slots=True)
class Compiled:
    """A value from the scenario, compiled once: ``render`` gives the value for one request."""

    static: bool
    render: Callable[[Mapping[str, Any]], Any]


def compile_value(value: Any) -> Compiled:
    """Compile strings anywhere inside ``value``; a ``"{{ expr }}"`` alone keeps its native type in JSON."""
    if not _has_template(value):
        return Compiled(True, lambda _context, _value=value: _value)
    return Compiled(False, _compile(value, native=True))


def compile_text(text: str) -> Compiled:
    """Compile a string that is always sent as text (paths, headers, query values)."""
    if not is_template(text):
        return Compiled(True, lambda _context, _text=text: _text)
    return Compiled(False, _compile(text, native=False))


def _has_template(value: Any) -> bool:
    if isinstance(value, str):
        return is_template(value)
    if isinstance(value, dict):
        return any(_has_template(k) or _has_template(v) for k, v in value.items())
    if isinstance(value, list | tuple):
        return any(_has_template(v) for v in value)
    return False


def _compile(value: Any, *, native: bool) -> Callable[[Mapping[str, Any]], Any]:
    if isinstance(value, dict):
        parts = [(_compile(k, native=False), _compile(v, native=native)) for k, v in value.items()]
        return lambda ctx: {k(ctx): v(ctx) for k, v in parts}
    if isinstance(value, list | tuple):
        items = [_compile(v, native=native) for v in value]
        return lambda ctx: [item(ctx) for item in items]
    if not isinstance(value, str) or not is_template(value):
        return lambda _ctx: value
    env = environment()
    expression = _lone_expression(value) if native else None
    if expression is not None:
        evaluate = env.compile_expression(expression, undefined_to_none=False)
        return lambda ctx: _guard(lambda: evaluate(**ctx))
    template = env.from_string(value)
    return lambda ctx: _guard(lambda: template.render(ctx))


def _lone_expression(text: str) -> str | None:
    stripped = text.strip()
    if stripped.startswith("{{") and stripped.endswith("}}") and stripped.count("{{") == 1:
        return stripped[2:-2].strip()
    return None


def _guard(render: Callable[[], Any]) -> Any:
    try:
        value = render()
    except UndefinedError as exc:
        raise TemplateError(_undefined_message(str(exc))) from None
    except SecurityError as exc:
        raise TemplateError(f"not allowed in a template: {exc}") from None
    except (TypeError, ValueError, IndexError, KeyError, ArithmeticError, MemoryError, RecursionError) as exc:
        raise TemplateError(f"template failed: {exc}") from None
    if isinstance(value, StrictUndefined):
        raise TemplateError("template produced an undefined value")
    return value


def _undefined_message(text: str) -> str:
    if "Environ object' has no attribute" in text:
        name = text.rsplit("'", 2)[-2]
        return f"environment variable {name} is not set"
    return text.replace("'dict object'", "the mapping")


@dataclass(frozen=True, slots=True)
class TemplateIssue:
    """A template mistake found without rendering: the message and an optional fix."""

    message: str
    hint: str = ""
    line_offset: int = 0


def names_used(text: str) -> frozenset[str]:
    """The names a template reads (``{{ password }}`` -> ``password``); none for text that does not parse."""
    from jinja2 import meta

    try:
        return frozenset(meta.find_undeclared_variables(environment().parse(text)))
    except TemplateSyntaxError:
        return frozenset()


def names_in(value: Any) -> frozenset[str]:
    """The names the templates anywhere in ``value`` (text, or mappings and lists of it) read."""
    found: set[str] = set()
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            if is_template(item):
                found |= names_used(item)
        elif isinstance(item, Mapping):
            pending.extend(item.values())
        elif isinstance(item, list | tuple):
            pending.extend(item)
    return frozenset(found)


def check_template(text: str, known_names: frozenset[str], environ: Mapping[str, str]) -> list[TemplateIssue]:
    """Syntax errors, unknown names and unset environment variables that have no ``default``."""
    env = environment()
    try:
        tree = env.parse(text)
    except TemplateSyntaxError as exc:
        return [TemplateIssue(f"template syntax error: {exc.message}", "check the {{ }} and {% %} pairs",
                              max(0, (exc.lineno or 1) - 1))]
    issues: list[TemplateIssue] = []
    try:
        env.compile(tree)
    except TemplateSyntaxError:
        pass  # an unknown filter or test: named with its line by the checks below
    except (ArithmeticError, ValueError, TypeError, RecursionError, MemoryError) as exc:
        # Jinja folds constant expressions while compiling; one it cannot write back as code
        # would otherwise fail while the run is prepared, where it can no longer be located.
        return [TemplateIssue(f"template cannot be compiled: {exc}",
                              "write the value out, or compute it from a smaller expression")]
    declared = {n.name for n in tree.find_all(nodes.Name) if n.ctx in ("store", "param")}
    for node in tree.find_all(nodes.Name):
        if node.ctx == "load" and node.name not in known_names and node.name not in declared \
                and node.name not in env.globals:
            hint = suggest(node.name, sorted(known_names)) or f"known names: {', '.join(sorted(known_names))}"
            issues.append(TemplateIssue(f"unknown template variable {node.name!r}", hint, node.lineno - 1))
    for name, lineno in _env_references(tree):
        if name not in environ:
            issues.append(TemplateIssue(
                f"environment variable {name} is not set",
                f"export {name}=... before the run, or write `env.{name} | default('...')`", lineno - 1))
    for node in tree.find_all(nodes.Getattr):
        if node.attr.startswith("_"):
            issues.append(TemplateIssue(
                f"private attribute {node.attr!r} is not allowed in a template",
                "templates run in a sandbox; use plain names and fields", node.lineno - 1))
    for node in tree.find_all(nodes.Filter):
        if node.name not in env.filters:
            issues.append(TemplateIssue(f"unknown filter {node.name!r}", "", node.lineno - 1))
    return issues


def _env_references(tree: nodes.Template) -> list[tuple[str, int]]:
    """``env.X`` and ``env['X']`` uses that are not protected by a ``default`` filter."""
    protected: set[int] = set()
    for node in tree.find_all(nodes.Filter):
        if node.name in ("default", "d") and node.node is not None:
            protected.update(id(n) for n in node.node.find_all((nodes.Getattr, nodes.Getitem)))
            protected.add(id(node.node))
    found = []
    for node in tree.find_all((nodes.Getattr, nodes.Getitem)):
        if id(node) in protected or not isinstance(node.node, nodes.Name) or node.node.name != "env":
            continue
        if isinstance(node, nodes.Getattr):
            found.append((node.attr, node.lineno))
        elif isinstance(node.arg, nodes.Const) and isinstance(node.arg.value, str):
            found.append((node.arg.value, node.lineno))
    return found
