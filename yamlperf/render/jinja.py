"""The Jinja environment for the report and the heatmap: package templates, autoescaping always on.

Endpoint names, descriptions and error texts come from users' files and from targets; escaping
every value by default (HTML and SVG alike) is what keeps a ``<script>`` in a name as text.
"""

from __future__ import annotations

import functools

from jinja2 import Environment, PackageLoader, StrictUndefined


@functools.cache
def environment() -> Environment:
    return Environment(loader=PackageLoader("yamlperf", "render/templates"), autoescape=True,
                       undefined=StrictUndefined, keep_trailing_newline=True)
