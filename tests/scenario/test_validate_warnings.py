"""`validate` says what `run` will still need (credentials, and from where), and `--set key=null`
removes a key as the README says."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from yamlperf.cli import main

ROOT = Path(__file__).resolve().parents[2]
NO_CREDENTIALS = {"YAMLPERF_USERNAME": None, "YAMLPERF_PASSWORD": None}


def test_validate_warns_that_the_login_needs_credentials_and_names_every_way_to_give_them(tmp_path: Path) -> None:
    starter = tmp_path / "starter.yaml"
    assert CliRunner().invoke(main, ["init", str(starter)]).exit_code == 0
    for plan in (ROOT / "scenarios" / "auth-jwt.yaml", starter):
        result = CliRunner().invoke(main, ["validate", str(plan)], env=NO_CREDENTIALS)
        assert result.exit_code == 0, result.output
        assert f"{plan}: ok" in result.stdout
        warning = result.stderr
        assert f"{plan}: warning: the login request uses {{{{ username }}}} and {{{{ password }}}}" in warning
        assert all(way in warning for way in ("--username and --password", "YAMLPERF_USERNAME and YAMLPERF_PASSWORD",
                                              'auth.password: "{{ env.API_PASSWORD }}"'))


def test_validate_is_quiet_once_the_credentials_are_there() -> None:
    plan = ROOT / "scenarios" / "auth-jwt.yaml"
    result = CliRunner().invoke(main, ["validate", str(plan)],
                                env={"YAMLPERF_USERNAME": "admin", "YAMLPERF_PASSWORD": "admin_password"})
    assert result.exit_code == 0
    assert result.stderr == ""


def test_run_stops_on_the_same_message_before_it_starts_anything(tmp_path: Path) -> None:
    """The plan's server is a command that would fail: the credentials are checked before it."""
    plan = tmp_path / "plan.yaml"
    plan.write_text((ROOT / "scenarios" / "auth-jwt.yaml").read_text().replace(
        "command: yamlperf demo-server --port 8766 --token-ttl 1", "command: /nonexistent/server"))
    result = CliRunner().invoke(main, ["run", str(plan), "--output-dir", str(tmp_path / "out")], env=NO_CREDENTIALS)
    assert result.exit_code == 2, result.output
    assert "the login request uses {{ username }} and {{ password }} and neither is given" in result.stderr
    assert not (tmp_path / "out").exists()


def test_set_null_removes_a_key_as_in_a_file_that_extends(tmp_path: Path) -> None:
    scale = ROOT / "scenarios" / "scale.yaml"
    planned = CliRunner().invoke(main, ["plan", str(scale), "--set", "target.server=null"])
    assert planned.exit_code == 0, planned.output
    assert "started by yamlperf" not in planned.output
    assert "started by yamlperf" in CliRunner().invoke(main, ["plan", str(scale)]).output
    refused = CliRunner().invoke(main, ["validate", str(scale), "--set", "target=null"])
    assert refused.exit_code == 2
    assert "--set target=null: (top level): required key 'target' is removed by `target: null` " \
           "(drop that --set to keep the file's value)" in refused.stderr
