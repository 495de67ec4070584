"""``yamlperf cleanup RUN_DIR``: delete the records a run kept (``--keep-data``) or left (a failed
cleanup, a run killed before it cleaned up), as listed in the run folder's ``leftover_ids.txt``."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from ..errors import ExitCode
from .app import echo_error, handle_errors, main

if TYPE_CHECKING:
    from ..engine.leftovers import CleanupReport


@main.command()
@click.argument("run_dir", type=click.Path(path_type=Path))
@click.option("--username", help="User for the login (else auth.username, $YAMLPERF_USERNAME).")
@click.option("--password", help="Password for the login (else auth.password, $YAMLPERF_PASSWORD).")
@click.option("--plan", "plan", type=click.Path(path_type=Path),
              help="Take the delete request and the login from this plan, not from the run's results.json.")
@click.option("--debug", is_flag=True, help="Log every request and answer (secrets masked); tracebacks.")
@handle_errors
def cleanup(run_dir: Path, username: str | None, password: str | None, plan: Path | None,
            debug: bool) -> None:
    """Delete the records RUN_DIR's run left on the target (its leftover_ids.txt).

    Exit codes: 0 every record deleted (or none left), 1 some could not be deleted (their ids stay in
    leftover_ids.txt), 2 invalid input, 3 target unreachable or login failed.
    """
    from ..engine.credentials import Credentials
    from ..engine.leftovers import CleanupRequest, clean_up_run
    from .progress import ProgressLine, run_logging
    from .run import stop_on_ctrl_c

    request = CleanupRequest(run_dir, Credentials(username, password), plan)
    progress = ProgressLine(0)
    with run_logging(debug, request.secrets), stop_on_ctrl_c(request.stop):
        try:
            report = clean_up_run(request, progress)
        finally:
            progress.finish()
    if report is None:
        click.echo(f"nothing to clean up: {run_dir} lists no records left on the target")
        return
    outcome = report.outcome
    click.echo(f"cleanup: {outcome.deleted - report.gone} of the {report.listed} records listed in "
               f"{report.leftovers} deleted")
    if report.gone:
        click.echo(_gone_line(report))
    if outcome.failed:
        why = f" (first failure: {outcome.first_failure})" if outcome.first_failure else ""
        echo_error(f"could not delete {outcome.failed} records{why}; their ids are still in "
                   f"{report.leftovers}, and `yamlperf cleanup {run_dir}` tries again")
        sys.exit(int(ExitCode.THRESHOLD_FAILED))


def _gone_line(report: CleanupReport) -> str:
    where = (f"the server cleanup started, as nothing answered on its port ({report.started}): a server "
             "that keeps its records only while it runs (as `yamlperf demo-server` without --db) lost them "
             "when the run stopped it" if report.started else "the target: deleted since the run")
    return f"  {report.gone} were not there any more (404 or 410 from the delete) on {where}"
