"""``yamlperf quick URL``: the seed's ``performance_test.py`` in one command.

The options become an ordinary scenario (data that could be a YAML file), which goes through the
same loader, engine and renderers as ``yamlperf run``: a quick test is a plan, and ``--emit-yaml``
prints it so the experiment can be committed and grown.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click
import yaml

from ..compose import Override, apply_overrides
from ..errors import ExitCode, TargetError, UsageError, path_problem
from ..loader import build_scenario
from ..redact import is_secret_key
from ..results import RunResult, save_results, write_atomic
from ..scenario import Scenario
from ..source import parse_document
from ..templating import is_template
from .app import echo_error, handle_errors, main

QUICK_OUTPUT_DIR = "performance_results/quick"
DEFAULT_PASSWORD = "user123"
"""The seed's default ``--password`` (its demo account), which an emitted plan may name."""
DEFAULT_URL = "http://localhost:5000"
"""The seed's ``--url`` default, so ``yamlperf quick`` alone tests its default endpoint there."""
BODY_METHODS = ("POST", "PUT", "PATCH", "DELETE")
SEED_CHARTS = ("response_time_by_endpoint", "success_rate_by_endpoint")
"""The seed's picture (``--output-image``): average and 95th percentile response time as bars, and
the success rate per endpoint, one under the other in one image."""
IMAGE_FORMATS = ("png", "pdf", "svg")
NO_ANSWER = frozenset({"refused", "timeout", "reset", "other"})
"""Failure categories of a request that got no HTTP answer at all: ``engine.http.FAULTS`` but
``bad_body`` and ``body_too_large`` (an answer came, its body was not usable), written out so that
every command does not import the engine (~30 ms; a test ties them)."""


@dataclass(frozen=True, slots=True)
class QuickOptions:
    """The seed's options (and its defaults), plus method, headers and a body."""

    url: str
    endpoint: str = "/api/health"
    requests: int = 100
    concurrency: int = 10
    auth: bool = False
    login_path: str = "/api/auth/login"
    token_path: str = "access_token"
    method: str | None = None
    headers: tuple[str, ...] = ()
    data: str | None = None
    formats: tuple[str, ...] = ("json",)
    output_dir: str = QUICK_OUTPUT_DIR
    rate: str | None = None
    """Arrivals per second (an open model), as vegeta's ``-rate`` (hey's ``-q``, for all workers)."""
    duration: str | None = None
    """Run this long instead of ``requests`` times, as hey's ``-z`` and vegeta's ``-duration``."""


def scenario_data(options: QuickOptions) -> dict[str, Any]:
    """The scenario as YAML-able data; credentials are never part of it (they are passed to the
    run like ``yamlperf run --username``), so the emitted YAML is safe to commit."""
    method = (options.method or ("POST" if options.data is not None else "GET")).upper()
    if options.data is not None and method not in BODY_METHODS:
        raise UsageError(f"--data needs a method that sends a body ({', '.join(BODY_METHODS)}), not {method}")
    endpoint: dict[str, Any] = {"name": options.endpoint, "method": method, "path": options.endpoint}
    if options.headers:
        endpoint["headers"] = dict(_header(h) for h in options.headers)
    if options.data is not None:
        endpoint.update(_body(options.data))
    data: dict[str, Any] = {
        "name": f"quick {method} {options.endpoint}",
        "description": (f"{_workload_words(options, method)}, from `yamlperf quick`"
                        + ("; log in with --username/--password" if options.auth else "")),
        "target": {"base_url": options.url.rstrip("/")},
    }
    if options.auth:
        login = {"path": options.login_path, "token_path": options.token_path}
        data["auth"] = {"type": "login", "login": login}
    data["load"] = quick_load(options)
    data["endpoints"] = [endpoint]
    data["output"] = {"directory": options.output_dir, "formats": list(options.formats)}
    return data


def quick_load(options: QuickOptions) -> dict[str, Any]:
    """``--requests`` at ``--concurrency`` (closed); ``--duration`` instead of a count; ``--rate``
    makes it open, with ``--concurrency`` as the cap on requests in flight."""
    load: dict[str, Any] = ({"duration": options.duration} if options.duration
                            else {"iterations": options.requests})
    if options.rate is None:
        return {**load, "concurrency": options.concurrency}
    return {**load, "rate": options.rate, "max_in_flight": options.concurrency}


def _workload_words(options: QuickOptions, method: str) -> str:
    """``100 GET requests to /api/health at concurrency 10``, or with a rate or a duration."""
    what = f"{method} requests to {options.endpoint}"
    if options.rate:
        length = f"for {options.duration}" if options.duration else f"{options.requests} times"
        return f"{what} at {options.rate} {length} (at most {options.concurrency} in flight)"
    if options.duration:
        return f"{what} for {options.duration} at concurrency {options.concurrency}"
    return f"{options.requests} {what} at concurrency {options.concurrency}"


def without_secret_values(data: dict[str, Any]) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    """The plan with each secret-named header or JSON body value (``Authorization``, ``password``)
    replaced by an ``{{ env.NAME }}`` reference: an emitted plan is meant to be committed, and a
    token typed with ``--header`` must not go with it. Returns the plan and the (where, NAME) pairs."""
    moved: list[tuple[str, str]] = []

    def scrub(value: Any, where: str) -> Any:
        if not isinstance(value, dict):
            return value
        cleaned = {}
        for key, item in value.items():
            literal = isinstance(item, str | int | float) and not isinstance(item, bool)
            if literal and is_secret_key(str(key)) and not is_template(str(item)):
                env = re.sub(r"[^A-Za-z0-9]+", "_", str(key)).strip("_").upper() or "SECRET"
                moved.append((f"{where} {key}", env))
                cleaned[key] = f"{{{{ env.{env} }}}}"
            else:
                cleaned[key] = scrub(item, where)
        return cleaned

    endpoints = [{**e, **{k: scrub(e[k], k.rstrip("s")) for k in ("headers", "json") if k in e}}
                 for e in data["endpoints"]]
    return {**data, "endpoints": endpoints}, moved


def _header(text: str) -> tuple[str, str]:
    name, sep, value = text.partition(":")
    if not sep or not name.strip():
        raise UsageError(f"--header {text!r}: write 'Name: value', e.g. --header 'X-Api-Key: abc'")
    return name.strip(), value.strip()


def _body(text: str) -> dict[str, Any]:
    """JSON text becomes a JSON body (sent with its content type); anything else is sent as is."""
    try:
        return {"json": json.loads(text)}
    except json.JSONDecodeError:
        return {"body": text}


def scenario_yaml(data: dict[str, Any]) -> str:
    header = ("# A plan written by `yamlperf quick --emit-yaml`: check it with `yamlperf validate`, run it\n"
              "# with `yamlperf run`. Editor completion: `yamlperf schema > scenario.schema.json`.\n"
              "# yaml-language-server: $schema=scenario.schema.json\n")
    return header + yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)


def image_format(path: Path) -> str:
    """The image format ``--output-image`` asks for by its extension."""
    extension = path.suffix.lower().lstrip(".")
    if extension not in IMAGE_FORMATS:
        raise UsageError(f"--output-image {path}: the name must end in .png, .pdf or .svg, "
                         "the format the image is written in")
    return extension


def seed_image(result: Any, extension: str) -> bytes:
    """The seed's charts of ``result`` as one image in ``extension``'s format."""
    from ..render.charts import build_charts
    from ..render.export import svg_to_pdf, svg_to_png
    from ..render.figure import stacked

    charts = {c.name: c for c in build_charts(result)}
    found = tuple(charts[name] for name in SEED_CHARTS if name in charts)
    if not found:
        raise UsageError("no chart could be drawn: no request was measured")
    svg = stacked("performance", found).svg
    if extension == "svg":
        return svg.encode("utf-8")
    return svg_to_pdf(svg) if extension == "pdf" else svg_to_png(svg)


def load_quick(text: str, options: QuickOptions | None = None) -> Scenario:
    """The YAML text through the same loader as a file: schema, templates, located errors; a value
    the user typed as a flag (``options``) is reported at the flag (``--rate abc: ...``), not at a
    line of a plan they never wrote."""
    document = parse_document(text, "<quick>")
    if options is not None:
        document = apply_overrides(document, _flag_overrides(options))
    return build_scenario(document, Path.cwd(), os.environ)


def _flag_overrides(options: QuickOptions) -> list[Override]:
    given = [("target.base_url", options.url.rstrip("/"), f"URL {options.url}"),
             ("load.rate", options.rate, f"--rate {options.rate}"),
             ("load.duration", options.duration, f"--duration {options.duration}")]
    return [Override(path, value, origin) for path, value, origin in given if value is not None]


def base_url(argument: str | None, option: str | None) -> str:
    """The URL given as the argument (``yamlperf quick URL``) or as the seed's ``--url``, else its
    default; both at once must agree, since silently preferring one would test the wrong server."""
    if argument is not None and option is not None and argument.rstrip("/") != option.rstrip("/"):
        raise UsageError(f"two base URLs: {argument} and --url {option}; give one of them")
    return argument or option or DEFAULT_URL


@main.command()
@click.argument("url", required=False)
@click.option("--url", "url_option", metavar="URL",
              help=f"Base URL of the API, as the URL argument (default {DEFAULT_URL}).")
@click.option("--endpoint", default="/api/health", show_default=True, help="Path to test.")
@click.option("--requests", "requests_", default=100, show_default=True, type=click.IntRange(1),
              help="Number of requests to send.")
@click.option("--concurrency", default=10, show_default=True, type=click.IntRange(1),
              help="Requests in flight at once (with --rate: at most this many).")
@click.option("--rate", metavar="R",
              help="Start requests at this rate whatever the answers do, e.g. 200/s (an open model, as "
                   "vegeta's -rate); latency counts from when each was due.")
@click.option("--duration", metavar="TIME",
              help="Run this long instead of --requests times, e.g. 30s (hey's -z, vegeta's -duration).")
@click.option("--method", help="HTTP method (default GET, or POST with --data).")
@click.option("--header", "headers", multiple=True, metavar="'NAME: VALUE'",
              help="A request header (repeatable).")
@click.option("--data", help="Request body: JSON text is sent as JSON, anything else as is.")
@click.option("--auth", is_flag=True, help="Log in first (JWT) and send the token with every request.")
@click.option("--username", default="user", show_default=True, help="User for --auth.")
@click.option("--password", default=DEFAULT_PASSWORD, show_default=True, help="Password for --auth.")
@click.option("--login-path", default="/api/auth/login", show_default=True, help="Login endpoint for --auth.")
@click.option("--token-path", default="access_token", show_default=True,
              help="Where the token is in the login answer.")
@click.option("--save", type=click.Path(dir_okay=False, path_type=Path),
              help="Also save the results to this JSON file.")
@click.option("--visualize", is_flag=True, help="Draw the charts (PNG) in the run folder.")
@click.option("--output-image", type=click.Path(dir_okay=False, path_type=Path),
              help="Save the seed's chart image (response times and success rate) to this .png, .pdf "
                   "or .svg file (implies --visualize).")
@click.option("--output-dir", default=QUICK_OUTPUT_DIR, show_default=True, help="Folder for the run folders.")
@click.option("--emit-yaml", is_flag=True, help="Print the scenario as YAML and exit, without running.")
@click.option("--debug", is_flag=True, help="Log every request and answer (secrets masked); tracebacks.")
@handle_errors
def quick(*, url: str | None, url_option: str | None, endpoint: str, requests_: int, concurrency: int,
          rate: str | None, duration: str | None, method: str | None,
          headers: tuple[str, ...], data: str | None, auth: bool, username: str,
          password: str, login_path: str, token_path: str, save: Path | None, visualize: bool,
          output_image: Path | None, output_dir: str, emit_yaml: bool, debug: bool) -> None:
    """Load-test one endpoint: N requests at concurrency C, then the statistics table.

    \b
    yamlperf quick                  # /api/health at http://localhost:5000, 100 requests, 10 at once
    yamlperf quick --url http://localhost:5000 --endpoint /api/summary --requests 1000 --concurrency 50
    yamlperf quick http://localhost:5000 --endpoint /api/analysis --auth --username admin --password admin123
    yamlperf quick http://localhost:5000 --endpoint /api/items --data '{"name": "x"}' --emit-yaml > items.yaml
    yamlperf quick http://localhost:5000 --endpoint /api/search --rate 200/s --duration 30s
    """
    if output_image is not None:
        image_format(output_image)  # a wrong extension is a usage error before any request
    formats = ("json", "png") if visualize or output_image else ("json",)
    options = QuickOptions(base_url(url, url_option), endpoint, requests_, concurrency, auth, login_path,
                           token_path, method, headers, data, formats, output_dir, rate, duration)
    text = scenario_yaml(scenario_data(options))
    scenario = load_quick(text, options)
    if emit_yaml:
        plan, moved = without_secret_values(scenario_data(options))
        if auth:
            plan = with_login_credentials(plan, username, password)
        click.echo(scenario_yaml(plan), nl=False)
        for name, env in moved:
            echo_error(f"the value of {name} is not written into the plan: it reads {{{{ env.{env} }}}}; "
                       f"export {env}=... before `yamlperf run`")
        return
    _run(scenario, username=username if auth else None, password=password if auth else None, debug=debug,
         save=save, output_image=output_image, options=options)


def with_login_credentials(plan: dict[str, Any], username: str, password: str) -> dict[str, Any]:
    """The emitted plan logs in as ``quick`` did: the user, and quick's default password as the
    fallback of ``$YAMLPERF_PASSWORD`` when it was the one used. A password typed on the command line
    is never written into a file meant to be committed: the run reads it from ``$YAMLPERF_PASSWORD``
    or ``--password``, and ``validate`` says so."""
    creds = {"username": username}
    if password == DEFAULT_PASSWORD:
        creds["password"] = f'{{{{ env.YAMLPERF_PASSWORD | default("{DEFAULT_PASSWORD}") }}}}'
    else:
        echo_error("the --password given is not written into the plan: export YAMLPERF_PASSWORD=... or pass "
                   "--password to `yamlperf run`")
    rest = {k: v for k, v in plan["auth"].items() if k != "type"}
    return {**plan, "auth": {"type": "login", **creds, **rest}}


def _run(scenario: Scenario, *, username: str | None, password: str | None, debug: bool, save: Path | None,
         output_image: Path | None, options: QuickOptions) -> None:
    """``yamlperf run``'s own path (progress, summary table, outputs), then the seed's extra files,
    and hints when the answers say the request is not what the server wants."""
    from .quick_hints import Asked, quick_hints
    from .run import execute

    try:
        outcome, code = execute(scenario, None, username=username, password=password, keep_data=False,
                                debug=debug, probe_target=False)
    except TargetError as exc:
        if save:
            raise TargetError(f"{exc}\n  --save {save}: nothing was saved, since no request was "
                              "measured") from None
        raise
    kept = outcome.run_dir / "results.json"
    method = (options.method or ("POST" if options.data is not None else "GET")).upper()
    for hint in quick_hints(outcome.result.cells, Asked(method, options.endpoint, options.auth,
                                                        options.data is not None)):
        echo_error(hint)
    silent = unanswered_target(outcome.result)
    if silent:
        echo_error(f"nothing answers at {scenario.target.base_url}: {silent}; is the server running? "
                   "check the URL (exit code 3)")
        code = ExitCode.TARGET_DOWN
    if save:
        _write_or_say("--save", save, kept, lambda: save_results(outcome.result, save))
        click.echo(f"saved: {save}")
    if output_image:
        image = seed_image(outcome.result, image_format(output_image))
        _write_or_say("--output-image", output_image, kept, lambda: write_atomic(output_image, image))
        click.echo(f"image: {output_image}")
    if code:
        raise SystemExit(int(code))


def _write_or_say(flag: str, path: Path, kept: Path, write: Callable[[], None]) -> None:
    """A seed file that cannot be written is a usage error naming the flag, after the run: the
    measurements are safe in the run folder, so the message says where."""
    try:
        write()
    except OSError as exc:
        raise UsageError(f"{flag} {path}: cannot write it ({path_problem(exc, path)}); the results of this "
                         f"run are in {kept}") from exc


def unanswered_target(result: RunResult) -> str:
    """How the requests failed when not one got an HTTP answer (``"all 100 requests refused"``),
    else ``""``: the run measured that the target is down, which is exit 3 as for ``yamlperf run``."""
    cells = result.cells
    if not cells or any(c.successes for c in cells):
        return ""
    failures: dict[str, int] = {}
    for cell in cells:
        for category, count in cell.failures.items():
            failures[category] = failures.get(category, 0) + count
    if not failures or not set(failures) <= NO_ANSWER:
        return ""
    total = sum(c.requests for c in cells)
    ranked = sorted(failures.items(), key=lambda item: -item[1])
    how = ", ".join(f"{count} {category}" for category, count in ranked)
    return f"none of the {total} requests got an answer ({how})"
