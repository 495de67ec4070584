"""``--debug``: the request logged is the one sent; seeding, counting, cleanup and login are logged too."""

from __future__ import annotations

import json
import re

from click.testing import CliRunner
from servers import PASSWORD, USERNAME, RecordsServer, ScenarioFactory, records_scenario

from yamlperf.cli import main
from yamlperf.engine.exchange_log import BODY_LIMIT, _body
from yamlperf.redact import SecretRegistry

ECHO_LINE = re.compile(r"GET (\S+/echo\?pick=(\d+)) .* -> 200 .*\[ok\] .* body='(.*)'$")


def test_the_logged_request_is_the_one_sent_and_every_exchange_is_logged(write_scenario: ScenarioFactory) -> None:
    with RecordsServer(auth=True) as server:
        data = records_scenario(server.url, auth=True, sizes=[20], load={"iterations": 12},
                                endpoints=[{"name": "echo", "path": "/echo", "query": {"pick": "{{ ids | random }}"}}])
        data["auth"]["password"] = PASSWORD
        data["dataset"]["count"] = {"path": "/records/count", "count_path": "total"}
        result = CliRunner().invoke(main, ["run", str(write_scenario(data)), "--debug", "--username", USERNAME])
        assert result.exit_code == 0, result.output
        tokens = list(server.tokens)
    lines = result.stderr.splitlines()
    echoes = [m for m in map(ECHO_LINE.search, lines) if m]
    assert len(echoes) == 12
    for match in echoes:
        answered = json.loads(match.group(3))
        assert answered["query"] == {"pick": match.group(2)}, "the logged request is the one the server saw"
    assert sum("[create]" in line for line in lines) == 20
    assert sum("[delete]" in line for line in lines) == 20
    assert sum("[count]" in line for line in lines) == 1
    login = [line for line in lines if "[login]" in line]
    assert len(login) == 1
    assert '"access_token": "***"' in login[0]
    assert tokens
    for secret in (PASSWORD, *tokens):
        assert secret not in result.stderr


def test_long_bodies_are_cut_and_json_secret_keys_masked() -> None:
    secrets = SecretRegistry()
    shown = _body(b"x" * 5000, secrets)
    assert shown.endswith("... (5000 bytes)")
    assert len(shown) < BODY_LIMIT + 40
    assert _body(b'{"token": "abcdefgh", "n": 1}', secrets) == repr('{"token": "***", "n": 1}')
    assert _body(b"", secrets) == "''"
