"""From a scenario file to a validated ``Scenario``: extends, overrides, schema, semantic checks.

All problems of a file are collected and raised together as one ``ScenarioError``.
"""

from __future__ import annotations

import os
import shlex
from collections.abc import Collection, Mapping, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from .compose import Override, apply_overrides, compose_document
from .errors import Location, Problem, ScenarioError
from .scenario import (
    DEFAULT_FORMATS,
    DEFAULT_MAX_BODY,
    DEFAULT_MAX_SAMPLING_TIME,
    DEFAULT_OUTPUT_DIR,
    DEFAULT_ROUNDS,
    DEFAULT_SIZES,
    AnalysisSettings,
    Auth,
    AuthType,
    Capture,
    CountSpec,
    Dataset,
    Endpoint,
    Expectation,
    Feed,
    Load,
    Login,
    Output,
    Scenario,
    Server,
    Target,
    Threshold,
    Workload,
    build_request,
    optional_duration,
    parse_status,
    problems_in_names,
)
from .source import Document, KeyPath, format_path
from .templating import RUN_NAMES, Environ, TemplateError, check_template, compile_text, is_template
from .thresholds import MIN_GROWTH_POINTS, RULE_SHAPE, MetricKind, RuleError, parse_rule
from .units import parse_duration, parse_percent, parse_size
from .urls import canonical_url, is_http_url
from .validation import schema_problems
from .workload_spec import build_workload, endpoint_workload, workload_problems

RECORD_NAMES = frozenset({"id", "ids"})
"""Template names that exist only when the scenario seeds a dataset."""
NOT_TEMPLATED = frozenset({"name", "description", "extends", "thresholds", "output", "feed"})
"""Top-level keys whose strings are never rendered, so ``{{`` in them is plain text."""


def load_scenario(
    path: str | Path, overrides: Sequence[Override] = (), environ: Mapping[str, str] | None = None,
    supplied: Collection[str] = (),
) -> Scenario:
    """``supplied`` names keys (``auth.password``) whose value the run gets elsewhere, such as a
    command-line flag, so their templates are not required to render (their env vars may be unset)."""
    document = compose_document(Path(path), str(path))
    document = apply_overrides(document, overrides)
    environ = os.environ if environ is None else environ
    return build_scenario(document, Path(path).resolve().parent, environ, supplied)


def build_scenario(
    document: Document, base_dir: Path, environ: Mapping[str, str], supplied: Collection[str] = (),
) -> Scenario:
    problems = [*document.problems, *_new_schema_problems(document)]
    data = document.data
    endpoints = [e for e in _list(data.get("endpoints")) if isinstance(e, dict)]
    problems.extend(problems_in_names(endpoints, document.problem))
    problems.extend(_template_problems(document, endpoints, environ, frozenset(supplied)))
    problems.extend(_header_problems(document))
    problems.extend(_command_problems(document))
    problems.extend(_url_problems(document, endpoints))
    thresholds = _thresholds(document, problems)
    problems.extend(_size_problems(document, endpoints))
    problems.extend(_reference_problems(document, endpoints))
    problems.extend(workload_problems(document, endpoints))
    feed = _feed(document, base_dir, problems)
    ca_bundle = _ca_bundle(document, base_dir, problems)
    base_url = _base_url(document, environ, problems)
    if problems:
        raise ScenarioError(problems)
    return Scenario(
        name=data.get("name") or Path(document.file).stem,
        source=document.file,
        description=data.get("description", ""),
        target=_target(data["target"], base_dir, ca_bundle, base_url),
        auth=_auth(data.get("auth")),
        dataset=_dataset(data.get("dataset")),
        load=(load := _load(data.get("load", {}))),
        analysis=_analysis(data.get("analysis", {})),
        endpoints=tuple(_endpoint(e, load.workload, data.get("load", {})) for e in data["endpoints"]),
        thresholds=thresholds,
        output=_output(data.get("output", {})),
        variables=dict(data.get("variables", {})),
        feed=feed,
        raw=data,
    )


def _target(data: Mapping[str, Any], base_dir: Path, ca_bundle: Path | None, base_url: str) -> Target:
    server = data.get("server")
    return Target(
        base_url=canonical_url(base_url).rstrip("/"),
        headers=tuple((str(k), str(v)) for k, v in data.get("headers", {}).items()),
        timeout=parse_duration(data.get("timeout", "30s")),
        verify_tls=bool(data.get("verify_tls", True)),
        server=_server(server, base_dir) if server else None,
        ca_bundle=str(ca_bundle) if ca_bundle else None,
    )


def _server(data: Mapping[str, Any], base_dir: Path) -> Server:
    command = data["command"]
    if isinstance(command, str):
        command = shlex.split(command)
    return Server(
        command=tuple(str(c) for c in command),
        ready_url=canonical_url(str(data.get("ready_url", "/"))),
        start_timeout=parse_duration(data.get("start_timeout", "30s")),
        stop_timeout=parse_duration(data.get("stop_timeout", "10s")),
        env=tuple((str(k), str(v)) for k, v in data.get("env", {}).items()),
        cwd=(base_dir / data["cwd"]) if data.get("cwd") else None,
        reuse_existing=bool(data.get("reuse_existing", False)),
    )


def _auth(data: Mapping[str, Any] | None) -> Auth:
    if not data:
        return Auth()
    login = data.get("login")
    return Auth(
        type=AuthType(data["type"]),
        username=data.get("username"),
        password=data.get("password"),
        token=data.get("token"),
        header=data.get("header", "Authorization"),
        scheme=data.get("scheme", "Bearer"),
        login=_login(login) if login else None,
        relogin_on=parse_status(data.get("relogin_on", [401])),
    )


def _login(data: Mapping[str, Any]) -> Login:
    request = build_request(data, "POST")
    for source in ("cookie", "header"):
        if data.get(f"token_{source}"):
            return Login(request, str(data[f"token_{source}"]), source)
    return Login(request, str(data.get("token_path", "access_token")))


def _dataset(data: Mapping[str, Any] | None) -> Dataset | None:
    if not data:
        return None
    count = data.get("count")
    return Dataset(
        create=build_request(data["create"], "POST"),
        sizes=tuple(sorted(data.get("sizes", DEFAULT_SIZES))),
        id_path=str(data.get("id_path", "id")),
        id_header=str(data["id_header"]) if data.get("id_header") else None,
        delete=build_request(data["delete"], "DELETE") if data.get("delete") else None,
        count=CountSpec(build_request(count), str(count.get("count_path", "total")),
                        str(count["count_header"]) if count.get("count_header") else None,
                        str(count["ids_path"]) if count.get("ids_path") else None) if count else None,
        cleanup=bool(data.get("cleanup", True)),
    )


def _load(data: Mapping[str, Any]) -> Load:
    concurrency = data.get("concurrency", 1)
    workload = build_workload(data, None)
    warmup = data.get("warmup", 0)
    return Load(
        iterations=workload.iterations or int(data.get("iterations") or 10),
        concurrency=tuple(concurrency) if isinstance(concurrency, list) else (int(concurrency),),
        max_workers=int(data.get("max_workers", 5)),
        warmup=warmup if isinstance(warmup, int) else 0,
        think_time=parse_duration(data.get("think_time", 0)),
        timeout=optional_duration(data.get("timeout")),
        max_duration=optional_duration(data.get("max_duration")),
        workload=workload,
        warmup_time=0.0 if isinstance(warmup, int) else parse_duration(warmup),
        executor=str(data.get("executor", "dask" if data.get("cluster") else "threads")),
        workers=int(data["workers"]) if data.get("workers") is not None else None,
        cluster=data.get("cluster") or None,
        max_body=parse_size(data.get("max_body", DEFAULT_MAX_BODY)),
        rounds=int(data.get("rounds", DEFAULT_ROUNDS)),
        precision=parse_percent(data["precision"]) if data.get("precision") is not None else None,
        precision_floor=optional_duration(data.get("precision_floor")),
        max_iterations=int(data["max_iterations"]) if data.get("max_iterations") is not None else None,
        max_sampling_time=parse_duration(data.get("max_sampling_time", DEFAULT_MAX_SAMPLING_TIME)),
        seed=int(data["seed"]) if data.get("seed") is not None else None,
        min_stage_time=parse_duration(data.get("min_stage_time", 0)),
    )


def _analysis(data: Mapping[str, Any]) -> AnalysisSettings:
    header = data.get("query_count_header")
    reference = data.get("reference")
    return AnalysisSettings(query_count_header=str(header) if header else None,
                            reference=str(reference) if reference else None)


def _endpoint(data: Mapping[str, Any], plan: Workload, plan_data: Mapping[str, Any]) -> Endpoint:
    expect = data.get("expect", {})
    return Endpoint(
        name=data["name"],
        request=build_request(data),
        expect=Expectation(
            status=parse_status(expect.get("status", "2xx")),
            json=tuple(expect.get("json", {}).items()),
            contains=expect.get("contains"),
            not_contains=expect.get("not_contains"),
            headers=tuple((str(k), str(v)) for k, v in expect.get("header", {}).items()),
        ),
        captures=tuple(Capture(name, *next(iter(spec.items())))
                       for name, spec in data.get("capture", {}).items()),
        iterations=data.get("iterations"),
        sizes=tuple(data["sizes"]) if data.get("sizes") else None,
        workload=endpoint_workload(data, plan, plan_data),
    )


def _output(data: Mapping[str, Any]) -> Output:
    formats = tuple(data.get("formats", DEFAULT_FORMATS))
    if "json" not in formats:
        formats = ("json", *formats)
    directory = Path(data.get("directory", DEFAULT_OUTPUT_DIR))
    return Output(directory, formats, bool(data.get("log_scale", False)))


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _new_schema_problems(document: Document) -> list[Problem]:
    """Schema findings that are not the echo of a value that could not be read: such a value
    (`!!int five`) is left empty, and "found nothing (null)" at the same place would report the
    same mistake twice, the second time misleadingly."""
    unread = {(p.location, p.key_path) for p in document.problems}
    return [p for p in schema_problems(document) if (p.location, p.key_path) not in unread]


def _thresholds(document: Document, problems: list[Problem]) -> tuple[Threshold, ...]:
    built = []
    for index, item in enumerate(_list(document.data.get("thresholds"))):
        spec = {"rules": item} if isinstance(item, str) else item
        if not isinstance(spec, dict):
            continue
        listed = isinstance(spec.get("rules"), list)
        texts = spec["rules"] if listed else [spec.get("rules")]
        rules = []
        for rule_index, text in enumerate(texts):
            where: KeyPath = ("thresholds", index) if isinstance(item, str) else (
                ("thresholds", index, "rules", rule_index) if listed else ("thresholds", index, "rules"))
            if not isinstance(text, str) or not RULE_SHAPE.match(text):
                continue
            try:
                rule = parse_rule(text)
            except RuleError as exc:
                problems.append(document.problem(where, str(exc), hint=exc.hint))
                continue
            rules.append(rule)
            if rule.kind in (MetricKind.GROWTH, MetricKind.COMPLEXITY, MetricKind.FORECAST):
                problems.extend(_growth_problems(document, where))
        built.append(Threshold(
            rules=tuple(rules),
            endpoints=tuple(_as_list(spec.get("endpoints"))),
            sizes=tuple(_as_list(spec.get("sizes"))),
            concurrency=tuple(_as_list(spec.get("concurrency"))),
            location=document.location(("thresholds", index)),
            abort_on_fail=bool(spec.get("abort_on_fail")),
        ))
        if spec.get("abort_on_fail") and rules and not any(r.window for r in rules):
            problems.append(document.problem(
                ("thresholds", index, "abort_on_fail"), "abort_on_fail watches window rules, and this "
                "threshold has none", hint="hold a rule over windows, e.g. `p99 < 200ms over 10s`; other "
                "rules are judged once the run is over"))
    return tuple(built)


def _growth_problems(document: Document, where: KeyPath) -> list[Problem]:
    """A growth rule fits medians across dataset sizes; with fewer than three it could only fail
    after the whole run, so the plan is refused before it starts."""
    dataset = document.data.get("dataset")
    listed, whole = _dataset_sizes(document)
    sizes = sorted(whole)
    if len(sizes) >= MIN_GROWTH_POINTS or len(sizes) < len(listed):
        return []
    measured = f"this plan measures {len(sizes)} ({sizes})" if dataset else "this plan has no dataset"
    message = f"a growth rule needs {MIN_GROWTH_POINTS} or more dataset sizes; {measured}"
    return [document.problem(where, message,
                             hint="give dataset.sizes three or more sizes, e.g. [10, 100, 1000] "
                                  "(or --sizes 10 100 1000), or drop the growth rule")]


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _dataset_sizes(document: Document) -> tuple[list[Any], set[int]]:
    """``dataset.sizes`` as written (the seed's defaults when absent) and the whole numbers in it."""
    dataset = document.data.get("dataset")
    listed = _list(dataset.get("sizes", list(DEFAULT_SIZES))) if isinstance(dataset, dict) else []
    return listed, {size for size in listed if isinstance(size, int)}


def _size_problems(document: Document, endpoints: list[dict[str, Any]]) -> list[Problem]:
    _, sizes = _dataset_sizes(document)
    problems = []
    for index, endpoint in enumerate(endpoints):
        for size_index, size in enumerate(_list(endpoint.get("sizes"))):
            if isinstance(size, int) and size not in sizes:
                problems.append(document.problem(
                    ("endpoints", index, "sizes", size_index), f"size {size} is not one of the dataset sizes",
                    hint=f"dataset.sizes are {sorted(sizes)}" if sizes else "add a `dataset:` with `sizes:`"))
    return problems


def _reference_problems(document: Document, endpoints: list[dict[str, Any]]) -> list[Problem]:
    """``analysis.reference`` names one of the plan's endpoints, measured at every size."""
    analysis = document.data.get("analysis")
    name = analysis.get("reference") if isinstance(analysis, dict) else None
    if not isinstance(name, str) or not name:
        return []
    where: KeyPath = ("analysis", "reference")
    if not isinstance(document.data.get("dataset"), dict):
        return [document.problem(where, "a reference times the machine's speed at each dataset size, and "
                                        "this plan has no dataset", hint="add a `dataset:` with `sizes:`, "
                                        "or remove analysis.reference")]
    names = [str(e.get("name")) for e in endpoints if e.get("name") is not None]
    index = next((i for i, e in enumerate(endpoints) if e.get("name") == name), None)
    if index is None:
        listed = ", ".join(names) if names else "none"
        return [document.problem(where, f"the reference {name!r} is not one of the plan's endpoints "
                                        f"(they are: {listed})",
                                 hint="add an endpoint whose cost does not depend on the data, e.g. "
                                      "`- name: health` with `path: /health`, and name it here")]
    if endpoints[index].get("sizes") is not None:
        message = (f"the reference {name!r} (analysis.reference) must be measured at every dataset size, "
                   "and `sizes:` leaves some out")
        return [document.problem(("endpoints", index, "sizes"), message, hint="remove its `sizes:`")]
    return []


def _ca_bundle(document: Document, base_dir: Path, problems: list[Problem]) -> Path | None:
    """``target.verify_tls`` given as a path: the CA bundle, relative to the file that names it."""
    target = document.data.get("target")
    value = target.get("verify_tls") if isinstance(target, dict) else None
    if not isinstance(value, str):
        return None
    where = ("target", "verify_tls")
    location = document.location(where)
    origin_dir = Path(location.file).resolve().parent if Path(location.file).exists() else base_dir
    path = origin_dir / value
    if not path.is_file():
        problems.append(document.problem(
            where, f"CA bundle {value!r} not found",
            hint=f"give the PEM file that signed the server's certificate, relative to the scenario file "
                 f"({path}), or true / false"))
        return None
    return path


def _feed(document: Document, base_dir: Path, problems: list[Problem]) -> Feed | None:
    spec = document.data.get("feed")
    if not isinstance(spec, dict) or not isinstance(spec.get("file"), str):
        return None
    location = document.location(("feed", "file"))
    origin_dir = Path(location.file).resolve().parent if Path(location.file).exists() else base_dir
    path = origin_dir / spec["file"]
    if not path.is_file():
        problems.append(document.problem(("feed", "file"), f"CSV file {spec['file']!r} not found",
                                         hint=f"the path is relative to the scenario file ({path})"))
    return Feed(path, spec.get("mode", "sequential"), spec.get("delimiter", ","))


def _template_problems(
    document: Document, endpoints: list[dict[str, Any]], environ: Mapping[str, str], supplied: frozenset[str],
) -> list[Problem]:
    captures = {name for e in endpoints if isinstance(e.get("capture"), dict) for name in e["capture"]}
    seeded = isinstance(document.data.get("dataset"), dict)
    known = RUN_NAMES | captures if seeded else (RUN_NAMES - RECORD_NAMES) | captures
    problems = []
    for path, text in _strings(document.data, ()):
        if not is_template(text) or path[0] in NOT_TEMPLATED or format_path(path) in supplied:
            continue
        for issue in check_template(text, known, environ):
            loc = document.location(path)
            if issue.line_offset and loc.line:
                loc = Location(loc.file, loc.line + issue.line_offset + 1, 1)
            hint = issue.hint
            if not seeded and any(f"variable {name!r}" in issue.message for name in RECORD_NAMES):
                hint = "`id` and `ids` are the records `dataset:` creates: add a `dataset:`, or a fixed id"
            problems.append(Problem(loc, issue.message, key_path=format_path(path), hint=hint,
                                    source_line=document.source_line(loc)))
    return problems


def _url_problems(document: Document, endpoints: list[dict[str, Any]]) -> list[Problem]:
    """URLs the transports cannot use as written: a bad port or IPv6 address stopped the run with an
    internal error, and credentials, a query or a fragment in ``base_url`` were silently not sent
    (the credentials also reached results.json)."""
    target = document.data.get("target")
    urls = [(("target", "base_url"), target.get("base_url"))] if isinstance(target, dict) else []
    urls += [(("endpoints", i, "path"), e.get("path")) for i, e in enumerate(endpoints)]
    for where in (("target", "server", "ready_url"), ("auth", "login", "path"), ("dataset", "create", "path"),
                  ("dataset", "delete", "path"), ("dataset", "count", "path")):
        urls.append((where, _dig(document.data, where)))
    problems = []
    for path, url in urls:
        if not isinstance(url, str) or is_template(url) or not is_http_url(url):
            continue
        base = path == ("target", "base_url")
        message, hint = _url_problem(url, base)
        if message:
            problems.append(document.problem(path, message, hint=hint))
    return problems


def _dig(data: Any, path: KeyPath) -> Any:
    for key in path:
        if not isinstance(data, dict):
            return None
        data = data.get(key)
    return data


def _url_problem(url: str, base: bool) -> tuple[str, str]:
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018  (raises for a port that is not a number from 0 to 65535)
    except ValueError as exc:
        return (f"not a usable URL: {exc}",
                "write it as http://host:port/path, with an IPv6 host in brackets")
    if not parts.hostname:
        return "the URL names no host", "write it as http://host:port/path"
    if parts.port == 0:
        return "port 0 cannot be connected to", "write the port the API listens on, from 1 to 65535"
    if "@" in parts.netloc:
        return ("the URL carries credentials: measured requests would not send them, and they would be "
                "written into the results", "remove them; use auth: {type: basic} with --username/--password")
    if base and (parts.query or parts.fragment):
        return ("base_url has a query or a fragment, which no request would send",
                "give each endpoint that parameter under query:, or send the value in target.headers")
    return "", ""


def _base_url(document: Document, environ: Mapping[str, str], problems: list[Problem]) -> str:
    """``base_url`` as the run uses it. A template (``{{ env.API_URL }}``, which the schema allows)
    was used as written, so every run stopped at "nothing answers at {{ env.API_URL }}": it is
    rendered here, once, from the environment and ``variables``, and the URL it gives checked."""
    target = document.data.get("target")
    raw = target.get("base_url") if isinstance(target, dict) else None
    where = ("target", "base_url")
    if not isinstance(raw, str):
        return ""
    if not is_template(raw) or any(p.key_path == "target.base_url" for p in problems):
        return raw
    variables = document.data.get("variables")
    try:
        url = str(compile_text(raw).render({"env": Environ(environ),
                                            "vars": variables if isinstance(variables, dict) else {}}))
    except TemplateError as exc:
        problems.append(document.problem(where, f"base_url cannot be known before the run: {exc}",
                                         hint="build it from env.NAME and vars.name only"))
        return raw
    message, hint = _url_problem(url, base=True) if is_http_url(url) else (
        f"base_url renders as {url!r}, not an http:// or https:// URL", "set the variable to a URL")
    if message:
        problems.append(document.problem(where, message, hint=hint))
    return url


def _header_problems(document: Document) -> list[Problem]:
    """HTTP/1.1 header values are Latin-1: a value outside it would fail every request at run time."""
    problems = []
    for path, text in _strings(document.data, ()):
        if len(path) < 2 or path[-2] != "headers" or is_template(text):
            continue
        try:
            text.encode("latin-1")
        except UnicodeEncodeError:
            problems.append(document.problem(
                path, f"header value {text!r} has characters HTTP headers cannot carry",
                hint="percent-encode it, e.g. Jos%C3%A9, or send it in the query or the body"))
    return problems


def _command_problems(document: Document) -> list[Problem]:
    """A command string is split like a shell would; an unclosed quote would stop the run at start."""
    target = document.data.get("target")
    server = target.get("server") if isinstance(target, dict) else None
    command = server.get("command") if isinstance(server, dict) else None
    if not isinstance(command, str):
        return []
    try:
        shlex.split(command)
    except ValueError as exc:
        return [document.problem(("target", "server", "command"), f"cannot split the command: {exc}",
                                 hint="close the quote, or give the command as a list of arguments")]
    return []


def _strings(value: Any, path: KeyPath) -> list[tuple[KeyPath, str]]:
    if isinstance(value, str):
        return [(path, value)]
    if isinstance(value, dict):
        return [item for k, v in value.items() for item in _strings(v, (*path, k))]
    if isinstance(value, list):
        return [item for i, v in enumerate(value) for item in _strings(v, (*path, i))]
    return []
