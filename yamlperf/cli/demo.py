"""``yamlperf demo-server``: the embedded demo API the shipped scenarios run against."""

from __future__ import annotations

import click

from .app import main


@main.command("demo-server", add_help_option=False,
              context_settings={"ignore_unknown_options": True, "allow_extra_args": True})
@click.argument("arguments", nargs=-1, type=click.UNPROCESSED)
def demo_server(arguments: tuple[str, ...]) -> None:
    """Serve the demo prompts API on 127.0.0.1:8765 (--port, --token-ttl, --user, --no-auth; --help)."""
    from ..demo.__main__ import main as demo_main

    raise SystemExit(demo_main(list(arguments), prog="yamlperf demo-server"))
