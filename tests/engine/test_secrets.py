"""Secrets given or met during a run never reach results.json, --debug output or printed errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from servers import RecordsServer, ScenarioFactory, make_jwt, records_scenario

from yamlperf.engine.rundir import command_line, secret_arguments
from yamlperf.results import load_results


def test_set_values_of_secret_keys_are_masked_in_the_command_line() -> None:
    argv = ["/bin/yamlperf", "run", "s.yaml", "--set", "auth.token=abc.def", "--set=target.headers.X-Api-Key=k1",
            "--set", "load.iterations=3", "--set", "endpoints[0].query.apikey=zz", "--password", "pw"]
    assert command_line(argv) == ("yamlperf run s.yaml --set 'auth.token=***' '--set=target.headers.X-Api-Key=***' "
                                  "--set load.iterations=3 --set 'endpoints[0].query.apikey=***' --password '***'")
    assert secret_arguments(argv) == ["abc.def", "k1", "zz", "pw"]


def test_a_token_given_with_set_is_not_in_results_or_debug_output(
        write_scenario: ScenarioFactory, tmp_path: Path) -> None:
    with RecordsServer(auth=True) as server:
        token = make_jwt("admin", 300, b"test-signing-key")
        data = records_scenario(server.url, sizes=[2], load={"iterations": 3},
                                endpoints=[{"name": "list", "path": "/records"}])
        data["auth"] = {"type": "bearer", "token": "{{ env.NOT_SET_HERE | default('') }}"}
        path = write_scenario(data)
        done = subprocess.run([sys.executable, "-m", "yamlperf", "run", str(path), "--debug",
                               "--set", f"auth.token={token}"], capture_output=True, text=True, timeout=60,
                              env={**os.environ, "PYTHONUNBUFFERED": "1"}, check=False)
        assert done.returncode == 0, done.stderr[-3000:]
        assert server.unauthorized == 0
    run_dir = next((tmp_path / "out").iterdir())
    text = (run_dir / "results.json").read_text("utf-8")
    assert token not in text
    assert token.split(".")[2] not in text
    assert "--set 'auth.token=***'" in json.loads(text)["meta"]["command"]
    assert load_results(run_dir).complete
    assert "GET http://127.0.0.1" in done.stderr
    assert token not in done.stderr
    assert token not in done.stdout
