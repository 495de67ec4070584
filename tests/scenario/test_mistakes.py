"""A table of mistakes users make in scenario files, each with the line, column and message reported."""

from __future__ import annotations

from pathlib import Path

import pytest

from yamlperf.errors import ScenarioError
from yamlperf.loader import load_scenario
from yamlperf.templating import TemplateError, compile_text, compile_value

VALID = """\
target:
  base_url: http://127.0.0.1:8000
dataset:
  sizes: [10, 50]
  create:
    path: /items
    json: {title: "Item {{ n }}"}
load:
  iterations: 5
endpoints:
  - name: list
    path: /items
"""

# (id, file text, line, column, expected text in the message)
CASES: list[tuple[str, str | bytes, int, int, str]] = [
    ("misspelt key", VALID.replace("  iterations: 5", "  iteratons: 5"), 9, 3,
     "load: unknown key 'iteratons' (did you mean 'iterations'?)"),
    ("unknown top-level key", VALID + "reports: {}\n", 13, 1, "unknown key 'reports'"),
    ("wrong type: string for integer", VALID.replace("iterations: 5", "iterations: five"), 9, 15,
     "load.iterations: expected a whole number, found 'five'"),
    ("wrong type: mapping for list", VALID.replace("sizes: [10, 50]", "sizes: {a: 1}"), 4, 10,
     "dataset.sizes: expected a list, found a mapping"),
    ("negative number", VALID.replace("iterations: 5", "iterations: -3"), 9, 15, "must be at least 1"),
    ("missing required key", VALID.replace("  base_url: http://127.0.0.1:8000\n", "  timeout: 2s\n"),
     1, 1, "target: missing required key 'base_url'"),
    ("missing endpoints", VALID.split("endpoints:", maxsplit=1)[0], 1, 1, "missing required key 'endpoints'"),
    ("endpoint without name", VALID.replace("  - name: list\n    path: /items", "  - path: /items"), 11, 5,
     "endpoints[0]: missing required key 'name'"),
    ("bad duration", VALID.replace("  base_url: http://127.0.0.1:8000", "  base_url: http://x\n  timeout: 2 secs"),
     3, 12, "expected a duration such as 250ms, 2s, 1m"),
    ("duplicate key", VALID.replace("load:\n", "load:\n  iterations: 3\n"), 10, 3, "duplicate key 'iterations'"),
    ("bad enum with suggestion", VALID + "auth:\n  type: bearr\n  token: x\n", 14, 9,
     "'bearr' is not allowed here (did you mean 'bearer'?)"),
    ("bad method", VALID.replace("    path: /items\n", "    method: FETCH\n    path: /items\n", 1), 6, 13,
     "'FETCH' is not allowed"),
    ("unknown template variable", VALID.replace("Item {{ n }}", "Item {{ nn }}"), 7, 19,
     "unknown template variable 'nn' (did you mean 'n'?)"),
    ("template syntax error", VALID.replace("Item {{ n }}", "Item {{ n "), 7, 19, "template syntax error"),
    ("unset environment variable", VALID + "auth:\n  type: bearer\n  token: '{{ env.YAMLPERF_TEST_UNSET }}'\n",
     15, 10, "environment variable YAMLPERF_TEST_UNSET is not set"),
    ("unknown filter", VALID.replace("Item {{ n }}", "Item {{ n | nosuchfilter }}"), 7, 19,
     "dataset.create.json.title: unknown filter 'nosuchfilter'"),
    ("sandbox escape attempt", VALID.replace("Item {{ n }}", "{{ cycler.__init__.__globals__ }}"),
     7, 19, "private attribute '__init__' is not allowed in a template"),
    ("alias bomb", "a: &a [1,2]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\n"
     "d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\n"
     "f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]\ng: [*f,*f,*f,*f,*f,*f,*f,*f,*f]\n", 6, 1, "billion laughs"),
    ("tab indentation", VALID.replace("  iterations: 5", "\titerations: 5"), 9, 1,
     "a tab character is used for indentation"),
    ("unclosed quote", VALID.replace('json: {title: "Item {{ n }}"}', 'json: {title: "Item {{ n }}}'), 7, 19,
     "a quoted string starts here and is never closed"),
    ("empty file", "", 1, 1, "the file is empty"),
    ("only comments", "# nothing yet\n", 1, 1, "the file is empty"),
    ("list at the root", "- target: x\n- endpoints: []\n", 1, 1, "the top level must be a mapping"),
    ("scalar at the root", "hello\n", 1, 1, "the top level must be a mapping"),
    ("binary file", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", 0, 0, "this is a binary file"),
    ("not UTF-8", VALID.encode().replace(b"/items\n", b"/it\xe9ms\n", 1), 6, 14, "is not valid UTF-8"),
    ("two documents", VALID + "---\nname: other\n", 14, 1, "several YAML documents"),
    ("colon in a plain value", VALID.replace("path: /items\n", "path: a: b\n", 1), 6, 12, "unexpected ':'"),
    ("json and body together", VALID + "  - name: both\n    path: /x\n    json: {}\n    body: x\n", 13, 5,
     "give only one of `json`, `body` and `form`"),
    ("duplicate endpoint names", VALID + "  - name: list\n    path: /other\n", 13, 11,
     "endpoint name 'list' is already used by endpoints[0]"),
    ("threshold without unit", VALID + "thresholds:\n  - 'p95 < 300'\n", 14, 5, "the time '300' has no unit"),
    ("threshold unknown metric", VALID + "thresholds:\n  - 'p96 < 300ms'\n", 14, 5,
     "unknown metric 'p96' in rule 'p96 < 300ms' (did you mean"),
    ("threshold unreadable", VALID + "thresholds:\n  - 'p95 300ms'\n", 14, 5, "expected a rule such as"),
    ("growth rule with unknown class", VALID + "thresholds:\n  - 'growth <= linaer'\n", 14, 5,
     "unknown growth class 'linaer' (did you mean 'linear'?)"),
    ("a percentile yamlperf does not keep", VALID + "thresholds:\n  - 'p99.9 < 1s'\n", 14, 5,
     "unknown metric 'p99.9' in rule 'p99.9 < 1s' (did you mean 'p99'?; a cell keeps p50, p90, p95, p99, median"),
    ("rate without percent", VALID + "thresholds:\n  - 'success_rate >= 99'\n", 14, 5, "needs a percent sign"),
    ("endpoint size not in dataset", VALID + "    sizes: [75]\n", 13, 13, "size 75 is not one of the dataset sizes"),
    ("output format typo", VALID + "output:\n  formats: [json, pgn]\n", 14, 19, "'pgn' is not allowed here (did you mean 'png'?)"),
    ("bad status class", VALID + "    expect: {status: 2x}\n", 13, 22, "expected a status code such as 200"),
    ("concurrency list with a string", VALID.replace("iterations: 5", "iterations: 5\n  concurrency: [1, two]"),
     10, 20, "load.concurrency[1]: expected a whole number, found 'two'"),
    ("url without scheme", VALID.replace("http://127.0.0.1:8000", "127.0.0.1:8000"), 2, 13,
     "expected an http:// or https:// URL"),
    ("feed file missing", VALID + "feed:\n  file: users.csv\n", 14, 9, "CSV file 'users.csv' not found"),
    ("key that is not a name", VALID + "[a, b]: 1\n", 13, 1, "a key must be a plain name"),
    ("key in the wrong section", VALID + "warmup: 3\n", 13, 1, "unknown key 'warmup' (`warmup` belongs under `load:`)"),
    ("record id without a dataset", VALID.split("dataset:", 1)[0] + "endpoints:\n  - name: one\n    path: /items/{{ id }}\n",
     5, 11, "unknown template variable 'id' (`id` and `ids` are the records `dataset:` creates"),
    ("a filter name used as a variable", VALID.replace("Item {{ n }}", "Item {{ last }}"), 7, 19,
     "unknown template variable 'last'"),
    ("header value HTTP cannot carry", VALID + "    headers: {X-City: 北京}\n", 13, 23, "has characters HTTP headers cannot carry"),
    ("concurrency beyond one thread each", VALID.replace("iterations: 5", "iterations: 5\n  concurrency: 30000"),
     10, 16, "load.concurrency: must be at most 1024"),
    ("status class written wrong in a list", VALID + "    expect: {status: [200, 2x]}\n", 13, 28,
     "expected a status code such as 200 or a class such as 2xx, found '2x'"),
    ("runaway nesting", VALID + "x:\n" + "".join("  " * i + f"k{i}:\n" for i in range(1, 80)), 78, 131,
     "nested more than 64 levels deep"),
    ("extends a missing file", "extends: nowhere.yaml\n" + VALID, 1, 10, "base scenario 'nowhere.yaml' not found"),
    ("extends a directory", "extends: .\n" + VALID, 1, 10, "base scenario '.' is a directory, not a file"),
    ("extends a path no file can have", 'extends: "a\\0b"\n' + VALID, 1, 10, "as a path: embedded null byte"),
    ("explicit tag the value does not fit", VALID.replace("iterations: 5", "iterations: !!int five"), 9, 15,
     "load.iterations: cannot read 'five' as !!int"),
    ("timestamp tag on a word", VALID.replace("iterations: 5", "iterations: !!timestamp soon"), 9, 15,
     "cannot read 'soon' as !!timestamp"),
    ("control character in the text", VALID.replace("- name: list", "- name: li\x07st"), 11, 13,
     "the control character U+0007 is not allowed"),
    ("a list inside dataset sizes", VALID.replace("sizes: [10, 50]", "sizes: [[10], 50]"), 4, 11,
     "dataset.sizes[0]: expected a whole number, found a list"),
    ("threshold mapping without rules", VALID + "thresholds:\n  - {endpoints: [list]}\n", 14, 5,
     "thresholds[0]: missing required key 'rules'"),
    ("server command with an unclosed quote", VALID.replace(
        "  base_url: http://127.0.0.1:8000", "  base_url: http://127.0.0.1:8000\n  server: {command: \"run 'x\"}"),
     3, 21, "cannot split the command: No closing quotation"),
    ("growth rule with two sizes", VALID + "thresholds:\n  - growth <= linear\n", 14, 5,
     "a growth rule needs 3 or more dataset sizes; this plan measures 2 ([10, 50])"),
    ("credentials in the create URL", VALID.replace("    path: /items\n    json", "    path: http://me:pw@h/items\n    json"),
     6, 11, "dataset.create.path: the URL carries credentials"),
    ("base_url port out of range", VALID.replace(":8000", ":80000"), 2, 13, "not a usable URL: Port out of range"),
    ("base_url with a broken IPv6 host", VALID.replace("127.0.0.1:8000", "[::1:8000"), 2, 13, "Invalid IPv6 URL"),
    ("base_url without a host", VALID.replace("127.0.0.1:8000", ":8000"), 2, 13, "names no host"),
    ("base_url with credentials", VALID.replace("//127", "//me:secret@127"), 2, 13, "the URL carries credentials"),
    ("base_url with a query", VALID.replace(":8000", ":8000/api?key=k"), 2, 13, "base_url has a query"),
    ("endpoint URL with a bad port", VALID.replace("    path: /items\n", "    path: http://h:1x/items\n", 2)
     .replace("    path: http://h:1x/items\n", "    path: /items\n", 1), 12, 11, "not a usable URL"),
    ("a precision of 0%, never reached", VALID.replace("iterations: 5", "iterations: 5\n  precision: 0%"), 10, 14,
     "load.precision: a precision target of 0 is never reached"),
    ("a precision floor of 0 alone", VALID.replace("iterations: 5", "iterations: 5\n  precision_floor: 0ms"), 10, 20,
     "load.precision_floor: a precision target of 0 is never reached"),
    ("a window rule with two windows", VALID + "thresholds:\n  - error_rate < 1% over 5s over 10s\n", 14, 5,
     "the rule 'error_rate < 1% over 5s over 10s' names more than one window"),
    ("a window shorter than the series' interval", VALID + "thresholds:\n  - p99 < 200ms over 500ms\n", 14, 5,
     "a window of 500ms is not a whole number of the time series' 1 s intervals, which windows are made of "
     "(write `over 1s`)"),
    ("a window between two intervals", VALID + "thresholds:\n  - p99 < 200ms over 2.5s\n", 14, 5,
     "(write `over 2s`)"),
    ("a think time in an open model", VALID.replace("iterations: 5", "rate: 10/s\n  duration: 5s\n  think_time: 1s"),
     11, 15, "load.think_time: think_time pauses closed-model workers between their requests"),
]


def test_windows_are_made_of_the_intervals_the_engine_records() -> None:
    from yamlperf.engine.workload import SERIES_INTERVAL_S
    from yamlperf.thresholds import WINDOW_STEP_S

    assert WINDOW_STEP_S == SERIES_INTERVAL_S


@pytest.mark.parametrize(("text", "line", "column", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_each_mistake_is_reported_at_its_place(
    tmp_path: Path, text: str | bytes, line: int, column: int, expected: str
) -> None:
    path = tmp_path / "scenario.yaml"
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path, environ={})
    where = f"{path}:{line}:{column}: " if line else f"{path}: "
    headlines = [p.headline() for p in caught.value.problems]
    assert any(h.startswith(where) and expected in h for h in headlines), headlines


def test_there_are_at_least_25_distinct_mistakes() -> None:
    assert len({c[0] for c in CASES}) >= 25


def test_all_problems_of_a_file_are_reported_at_once(tmp_path: Path) -> None:
    text = VALID.replace("iterations: 5", "iteratons: 5").replace("sizes: [10, 50]", "sizes: 10")
    text += "thresholds:\n  - 'p95 < 300'\n"
    text = text.replace("dataset:\n", "dataset:\n  id_path: id\n  id_path: uid\n", 1)
    path = tmp_path / "many.yaml"
    path.write_text(text)
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path, environ={})
    lines = sorted(p.location.line for p in caught.value.problems)
    assert lines == [5, 6, 11, 16]
    assert "duplicate key 'id_path'" in str(caught.value)


def test_the_valid_base_loads(tmp_path: Path) -> None:
    path = tmp_path / "ok.yaml"
    path.write_text(VALID)
    scenario = load_scenario(path, environ={})
    assert [e.name for e in scenario.endpoints] == ["list"]
    assert scenario.dataset is not None
    assert scenario.dataset.sizes == (10, 50)


@pytest.mark.parametrize("text", ["{{ 'a' * 10**10 }}", "{{ [0] * 10**9 }}", "{{ 10 ** 100000 }}", "{{ 9 ** (9 ** 9) }}"])
def test_a_template_cannot_build_a_value_that_would_take_the_memory(text: str) -> None:
    """Each used to allocate gigabytes per request (or fail as an internal error) rather than fail
    as a template."""
    for compiled in (compile_text(text), compile_value(text)):
        with pytest.raises(TemplateError, match="not allowed in a template"):
            compiled.render({})


def test_templates_still_multiply_and_raise_to_powers() -> None:
    assert compile_text("{{ 'ab' * 3 }}/{{ 2 ** 10 }}/{{ n * 2 }}").render({"n": 4}) == "ababab/1024/8"
    assert compile_value("{{ [1] * 3 }}").render({}) == [1, 1, 1]


@pytest.mark.parametrize(("base_url", "environ", "expected"), [
    ("{{ env.API_URL }}", {"API_URL": "http://127.0.0.1:8000/api/"}, "http://127.0.0.1:8000/api"),
    ("http://{{ env.HOST }}:{{ vars.port }}", {"HOST": "[::1]"}, "http://[::1]:8000"),
])
def test_a_templated_base_url_is_rendered_once_from_the_environment_and_variables(
    tmp_path: Path, base_url: str, environ: dict[str, str], expected: str,
) -> None:
    path = tmp_path / "scenario.yaml"
    path.write_text(VALID.replace("http://127.0.0.1:8000", f'"{base_url}"') + "variables: {port: 8000}\n")
    assert load_scenario(path, environ=environ).target.base_url == expected


@pytest.mark.parametrize(("base_url", "environ", "expected"), [
    ("{{ env.API_URL }}", {"API_URL": "http://127.0.0.1:99999"}, "not a usable URL: Port out of range"),
    ("{{ env.API_URL }}", {"API_URL": "127.0.0.1:8000"}, "base_url renders as '127.0.0.1:8000', not an http"),
    ("{{ env.API_URL }}/{{ n }}", {"API_URL": "http://h"}, "base_url cannot be known before the run"),
])
def test_a_templated_base_url_that_renders_wrong_is_a_located_mistake(
    tmp_path: Path, base_url: str, environ: dict[str, str], expected: str,
) -> None:
    path = tmp_path / "scenario.yaml"
    path.write_text(VALID.replace("http://127.0.0.1:8000", f'"{base_url}"'))
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path, environ=environ)
    headlines = [p.headline() for p in caught.value.problems]
    assert len(headlines) == 1
    assert headlines[0].startswith(f"{path}:2:13: target.base_url: ")
    assert expected in headlines[0]


@pytest.mark.parametrize(("old", "new", "expected"), [
    ("iterations: 5", "iterations: !!int five", "load.iterations: cannot read 'five' as !!int"),
    ("sizes: [10, 50]", "sizes: [!!int ten, 50]", "dataset.sizes[0]: cannot read 'ten' as !!int"),
    ("iterations: 5", "iterations: !!bool maybe", "load.iterations: cannot read 'maybe' as !!bool"),
])
def test_a_value_its_tag_cannot_read_is_one_problem_not_two(
    tmp_path: Path, old: str, new: str, expected: str,
) -> None:
    """The unread value is left empty; the schema must not add "found nothing (null)" for it."""
    path = tmp_path / "tagged.yaml"
    path.write_text(VALID.replace(old, new).replace("path: /items\n", "path: /items\n    method: FETCH\n", 1))
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path, environ={})
    headlines = [p.headline() for p in caught.value.problems]
    assert len(headlines) == 2, headlines
    assert any(expected in h for h in headlines), headlines
    assert any("'FETCH' is not allowed here" in h for h in headlines), headlines
    assert "null" not in str(caught.value)
