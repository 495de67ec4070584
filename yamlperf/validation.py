"""The scenario schema, compiled once, and jsonschema errors turned into located problems."""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

from jsonschema import Draft202012Validator, ValidationError

from .errors import Problem, suggest
from .source import Document, KeyPath, format_path

_TYPE_NAMES = {
    "object": "a mapping", "array": "a list", "string": "a string", "integer": "a whole number",
    "number": "a number", "boolean": "true or false", "null": "nothing (null)",
}


def load_schema(name: str = "scenario.schema.json") -> dict[str, Any]:
    """A schema shipped in ``schema/`` (packaged as ``yamlperf/schema``): the one copy there is."""
    return json.loads(resources.files("yamlperf").joinpath("schema", name).read_text("utf-8"))


@cache
def scenario_validator() -> Draft202012Validator:
    return Draft202012Validator(load_schema())


def schema_problems(document: Document) -> list[Problem]:
    """Every schema violation in ``document``, located, each with a fix where one is known."""
    problems: list[Problem] = []
    for error in scenario_validator().iter_errors(document.data):
        problems.extend(_explain(document, error))
    return problems


def describe_value(value: Any) -> str:
    if isinstance(value, bool):
        return f"`{str(value).lower()}`"
    if value is None:
        return "nothing (null)"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    text = repr(value)
    return f"{text[:60]}{'...' if len(text) > 60 else ''}"


def _explain(document: Document, error: ValidationError) -> list[Problem]:
    path: KeyPath = tuple(error.absolute_path)
    schema = error.schema if isinstance(error.schema, dict) else {}
    handler = _HANDLERS.get(str(error.validator))
    if handler:
        return handler(document, error, path, schema)
    expected = schema.get("x-expected")
    message = f"expected {expected}" if expected else error.message
    return [document.problem(path, message, hint=_describe_hint(schema))]


@cache
def key_homes() -> dict[str, tuple[str, ...]]:
    """Every key the language knows -> the mappings it belongs in (``iterations`` -> ``load``)."""
    schema = load_schema()
    homes: dict[str, list[str]] = {}

    def walk(node: Any, where: str, depth: int) -> None:
        if not isinstance(node, dict) or depth > 8:
            return
        if "$ref" in node:
            walk(schema["$defs"][node["$ref"].rsplit("/", 1)[-1]], where, depth + 1)
        for name, sub in node.get("properties", {}).items():
            homes.setdefault(name, []).append(where or "the top level")
            walk(sub, f"{where}.{name}" if where else name, depth + 1)
        for branch in node.get("anyOf", []):
            walk(branch, where, depth + 1)
        walk(node.get("items"), f"{where}[]", depth + 1)

    walk(schema, "", 0)
    return {name: tuple(dict.fromkeys(places)) for name, places in homes.items()}


def _misplaced(key: str) -> str:
    places = key_homes().get(key, ())
    if not places:
        return ""
    named = [f"`{place}:`" if place != "the top level" else place for place in places[:3]]
    return f"`{key}` belongs under " + " or ".join(named)


def _additional(document: Document, error: ValidationError, path: KeyPath, schema: dict) -> list[Problem]:
    allowed = sorted(schema.get("properties", {}))
    extra = [k for k in error.instance if k not in schema.get("properties", {})]
    problems = []
    for key in extra:
        hint = (suggest(str(key), allowed) or _misplaced(str(key))
                or f"allowed keys here: {', '.join(allowed)}")
        problems.append(document.problem(
            (*path, key), f"unknown key {key!r}", hint=hint, key=True, key_path=format_path(path),
        ))
    return problems


def _required(document: Document, error: ValidationError, path: KeyPath, schema: dict) -> list[Problem]:
    missing = error.message.split("'")[1] if "'" in error.message else error.message
    description = str(_declared(tuple(error.absolute_path), missing).get("description", ""))
    hint = f"add `{missing}:`" + (f"; {description[0].lower()}{description[1:]}" if description else "")
    removed = (*path, missing)
    if removed in document.key_locations:
        by_flag = document.key_locations[removed].file.startswith("--")
        return [document.problem(removed, f"required key {missing!r} is removed by `{missing}: null`",
                                 hint="drop that --set to keep the file's value" if by_flag
                                 else "delete that line to keep the base file's value", key=True,
                                 key_path=format_path(path))]
    return [document.problem(path, f"missing required key {missing!r}", hint=hint.rstrip("."), key=True)]


def _declared(path: KeyPath, key: str) -> dict[str, Any]:
    """The schema's declaration of ``key`` in the mapping at ``path`` (``{}`` if it declares none):
    where the required keys are listed (the complete-plan branch) is not where keys are described."""
    schema = load_schema()
    node: Any = schema
    for step in (*path, key):
        if isinstance(node, dict) and "$ref" in node:
            node = schema["$defs"][node["$ref"].rsplit("/", 1)[-1]]
        if not isinstance(node, dict):
            return {}
        node = node.get("items", {}) if isinstance(step, int) else node.get("properties", {}).get(step, {})
    return node if isinstance(node, dict) else {}


def _type(document: Document, error: ValidationError, path: KeyPath, schema: dict) -> list[Problem]:
    expected = schema.get("x-expected") or _type_names(schema.get("type"))
    found = describe_value(error.instance)
    return [document.problem(path, f"expected {expected}, found {found}", hint=_describe_hint(schema))]


def _enum(document: Document, error: ValidationError, path: KeyPath, schema: dict) -> list[Problem]:
    options = [str(o) for o in schema.get("enum", []) if not (isinstance(o, str) and o.islower()
                                                               and o.upper() in schema["enum"])]
    hint = suggest(str(error.instance), options) or f"use one of: {', '.join(options)}"
    return [document.problem(path, f"{describe_value(error.instance)} is not allowed here", hint=hint)]


def _any_of(document: Document, error: ValidationError, path: KeyPath, schema: dict) -> list[Problem]:
    """Report the branch the user evidently meant (its type matches), else what was expected."""
    meant = [e for e in error.context or ()
             if not (e.validator == "type" and not e.relative_path) and not _branch_type_mismatch(e, error)]
    if meant:
        problems: list[Problem] = []
        for sub in meant:
            if isinstance(sub.schema, dict) and "x-expected" in schema and not sub.relative_path:
                sub.schema = {**sub.schema, "x-expected": sub.schema.get("x-expected", schema["x-expected"])}
            problems.extend(_explain(document, sub))
        return problems
    expected = schema.get("x-expected") or "a different value"
    return [document.problem(path, f"expected {expected}, found {describe_value(error.instance)}",
                             hint=_describe_hint(schema))]


def _branch_type_mismatch(sub: ValidationError, parent: ValidationError) -> bool:
    branch_index = sub.relative_schema_path[0]
    branch = parent.schema.get(parent.validator, [])[branch_index] if isinstance(parent.schema, dict) else {}
    wanted = branch.get("type") if isinstance(branch, dict) else None
    return wanted is not None and not _is_type(parent.instance, wanted)


def _is_type(value: Any, wanted: str | list[str]) -> bool:
    names = [wanted] if isinstance(wanted, str) else wanted
    return any(Draft202012Validator.TYPE_CHECKER.is_type(value, name) for name in names)


def _not(document: Document, error: ValidationError, path: KeyPath, schema: dict) -> list[Problem]:
    message = schema.get("x-not", "this combination of keys is not allowed")
    return [document.problem(path, message)]


def _const(document: Document, error: ValidationError, path: KeyPath, schema: dict) -> list[Problem]:
    found = describe_value(error.instance)
    return [document.problem(path, f"expected {schema.get('const')!r}, found {found}")]


def _pattern(document: Document, error: ValidationError, path: KeyPath, schema: dict) -> list[Problem]:
    expected = schema.get("x-expected") or f"text matching {schema.get('pattern')}"
    return [document.problem(path, f"expected {expected}, found {describe_value(error.instance)}")]


def _limit(document: Document, error: ValidationError, path: KeyPath, schema: dict) -> list[Problem]:
    messages = {
        "minimum": f"must be at least {schema.get('minimum')}",
        "maximum": f"must be at most {schema.get('maximum')}",
        "minItems": f"needs at least {schema.get('minItems')} item(s)",
        "maxItems": f"takes at most {schema.get('maxItems')} item(s)",
        "minLength": "must not be empty" if schema.get("minLength") == 1
        else f"must be at least {schema.get('minLength')} characters long",
        "maxLength": f"must be at most {schema.get('maxLength')} characters long",
        "uniqueItems": "has the same item twice",
        "minProperties": f"needs at least {schema.get('minProperties')} key(s)",
        "maxProperties": f"takes at most {schema.get('maxProperties')} key(s)",
    }
    message = messages.get(str(error.validator), error.message)
    return [document.problem(path, f"{message}, found {describe_value(error.instance)}",
                             hint=_describe_hint(schema))]


def _property_names(document: Document, error: ValidationError, path: KeyPath, schema: dict) -> list[Problem]:
    return [document.problem(path, f"{describe_value(error.instance)} is not a valid name",
                             hint="use letters, digits and underscores, not starting with a digit")]


def _type_names(wanted: str | list[str] | None) -> str:
    if wanted is None:
        return "another kind of value"
    names = [wanted] if isinstance(wanted, str) else wanted
    return " or ".join(_TYPE_NAMES.get(n, n) for n in names)


def _describe_hint(schema: dict) -> str:
    description = str(schema.get("description", "")).strip()
    if not description:
        return ""
    first = description.split(". ")[0].rstrip(".")
    return f"{first[0].lower()}{first[1:]}" if first else ""


_HANDLERS = {
    "additionalProperties": _additional,
    "required": _required,
    "type": _type,
    "enum": _enum,
    "anyOf": _any_of,
    "oneOf": _any_of,
    "not": _not,
    "const": _const,
    "pattern": _pattern,
    "propertyNames": _property_names,
    **dict.fromkeys(("minimum", "maximum", "minItems", "maxItems", "minLength", "maxLength",
                     "uniqueItems", "minProperties", "maxProperties"), _limit),
}
