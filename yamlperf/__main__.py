"""``python -m yamlperf``: the same as the ``yamlperf`` command."""

from .cli import main

main()
