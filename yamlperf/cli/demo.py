"""``yamlperf demo-server``: the embedded demo API the shipped scenarios run against."""

from __future__ import annotations

import click

from .app import main


@main.command("demo-server", context_settings={"ignore_unknown_options": True})
@click.option("--port", default=8765, show_default=True, help="Port; 0 picks a free one.")
@click.argument("extra", nargs=-1, type=click.UNPROCESSED)
def demo_server(port: int, extra: tuple[str, ...]) -> None:
    """Serve the demo prompts API on 127.0.0.1 (see `python -m yamlperf.demo --help` for options)."""
    from ..demo.__main__ import main as demo_main

    raise SystemExit(demo_main(["--port", str(port), *extra]))
