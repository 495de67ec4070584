"""The JSON Schema is the one source of truth, complete enough for editors."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from jsonschema import Draft202012Validator

from yamlperf.cli import main
from yamlperf.validation import load_schema

ROOT = Path(__file__).resolve().parents[2]


def _properties(node: Any, path: str = "#") -> Iterator[tuple[str, dict[str, Any]]]:
    if isinstance(node, dict):
        for name, sub in node.get("properties", {}).items():
            yield f"{path}/properties/{name}", sub
        for key, value in node.items():
            if key != "if":  # conditions select a branch; they declare no property of their own
                yield from _properties(value, f"{path}/{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _properties(value, f"{path}/{index}")


def test_schema_is_valid_2020_12_with_an_id() -> None:
    schema = load_schema()
    Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"].endswith("scenario.schema.json")


def test_every_property_has_a_description() -> None:
    missing = [path for path, sub in _properties(load_schema()) if "description" not in sub]
    assert missing == []


def test_every_object_refuses_unknown_keys() -> None:
    def objects(node: Any) -> Iterator[dict[str, Any]]:
        if isinstance(node, dict):
            if node.get("type") == "object" and "properties" in node:
                yield node
            for value in node.values():
                yield from objects(value)
        elif isinstance(node, list):
            for value in node:
                yield from objects(value)

    found = list(objects(load_schema()))
    assert len(found) > 10
    assert all(o.get("additionalProperties") is False for o in found)


def test_the_package_reads_the_schema_that_schema_folder_shows() -> None:
    shipped = json.loads((ROOT / "schema" / "scenario.schema.json").read_text())
    assert load_schema() == shipped


def test_schema_command_prints_it() -> None:
    result = CliRunner().invoke(main, ["schema"])
    assert result.exit_code == 0
    assert json.loads(result.output) == load_schema()


def test_the_request_method_defaults_an_editor_shows_are_the_ones_yamlperf_sends(tmp_path: Path) -> None:
    """The schema said GET for dataset.create and dataset.delete, which yamlperf sends as POST and
    DELETE: an editor's completion would insert the wrong method."""
    from yamlperf.loader import load_scenario

    plan = tmp_path / "plan.yaml"
    plan.write_text("name: m\ntarget: {base_url: 'http://127.0.0.1:1'}\n"
                    "auth: {type: login, username: u, password: p, login: {path: /login}}\n"
                    "dataset: {sizes: [1], create: {path: /r}, delete: {path: '/r/{{ id }}'}, "
                    "count: {path: /r/count}}\n"
                    "endpoints: [{name: e, path: /r}]\n", encoding="utf-8")
    scenario = load_scenario(plan)
    props = load_schema()["properties"]
    dataset = props["dataset"]["properties"]
    assert scenario.auth.login is not None
    assert scenario.dataset is not None
    sent = {
        "login": (props["auth"]["properties"]["login"], scenario.auth.login.request.method),
        "create": (dataset["create"], scenario.dataset.create.method),
        "delete": (dataset["delete"], scenario.dataset.delete.method),  # type: ignore[union-attr]
        "count": (dataset["count"], scenario.dataset.count.request.method),  # type: ignore[union-attr]
        "endpoint": (load_schema()["$defs"]["endpoint"], scenario.endpoints[0].request.method),
    }
    for name, (node, method) in sent.items():
        assert node["properties"]["method"]["default"] == method, name


SHIPPED_PLANS = sorted([*(ROOT / "scenarios").glob("*.yaml"), ROOT / "yamlperf" / "starter.yaml"])


@pytest.mark.parametrize("path", SHIPPED_PLANS, ids=[p.name for p in SHIPPED_PLANS])
def test_every_shipped_plan_passes_the_published_schema_alone(path: Path) -> None:
    """What an editor does with the modeline: the file as it is, no `extends` merged, no yamlperf."""
    import yaml

    validator = Draft202012Validator(json.loads((ROOT / "schema" / "scenario.schema.json").read_text()))
    errors = [f"{'.'.join(map(str, e.absolute_path))}: {e.message}"
              for e in validator.iter_errors(yaml.safe_load(path.read_text()))]
    assert errors == []


def test_the_schema_lifts_required_keys_only_for_a_plan_that_extends() -> None:
    validator = Draft202012Validator(load_schema())
    partial = {"dataset": {"sizes": [10]}, "auth": {"type": "login"}, "target": {"timeout": "5s"}}
    assert list(validator.iter_errors({**partial, "extends": "base.yaml"})) == []
    missing = {e.message for e in validator.iter_errors(partial)}
    assert missing == {"'endpoints' is a required property", "'create' is a required property",
                       "'login' is a required property", "'base_url' is a required property"}
