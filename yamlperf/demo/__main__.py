"""``python -m yamlperf.demo``: run the demo API until SIGINT or SIGTERM.

``main(argv) -> int`` (defined in :mod:`yamlperf.demo.cli`) is re-exported here for callers.
"""

from yamlperf.demo.cli import main

__all__ = ["main"]

if __name__ == "__main__":
    raise SystemExit(main())
