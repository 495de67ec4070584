"""yamlperf: declarative YAML scenario runner for HTTP API performance and scale testing."""

__version__ = "0.1.0"
