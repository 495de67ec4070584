"""Comparisons -> one self-contained HTML page with a chart per comparison (pure).

The chart is inline SVG without pygal's tooltip script, so the page opens offline, from a CI
artifact store or an e-mail attachment, with nothing fetched. Jinja autoescapes every value:
endpoint names and labels come from users' files.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup

from ..compare import CellComparison, Comparison, Verdict, key_label

_PYGAL_SCRIPT = re.compile(r"<script\b[^>]*>.*?</script>", re.DOTALL)
"""pygal always embeds its config (labels included) as a script for its tooltip code, which this
page does not load: dead weight, and a script is the one thing a report page should not carry."""
VERDICT_COLOURS = {Verdict.REGRESSED: "#c0392b", Verdict.IMPROVED: "#27ae60", Verdict.UNCHANGED: "#95a5a6"}


def compare_html(comparisons: Sequence[Comparison], title: str = "yamlperf comparison") -> str:
    env = Environment(loader=PackageLoader("yamlperf", "render/templates"),
                      autoescape=select_autoescape(default=True, default_for_string=True))
    env.filters["ms"] = _ms
    env.filters["pct"] = _pct
    template = env.get_template("compare.html.j2")
    sections = [{"comparison": c, "chart": Markup(median_change_chart(c)),  # pygal built it, not a user
                 "only_in_base": [key_label(k) for k in c.only_in_base],
                 "only_in_new": [key_label(k) for k in c.only_in_new],
                 "counts": {v.value: c.count(v) for v in Verdict}} for c in comparisons]
    return template.render(title=title, sections=sections, label=_label)


def median_change_chart(comparison: Comparison) -> str:
    """Median change per cell in percent, a bar per cell coloured by its verdict (SVG text)."""
    import pygal

    chart = pygal.HorizontalBar(
        js=[], disable_xml_declaration=True, show_legend=False, width=900,
        height=max(220, 40 + 28 * len(comparison.cells)), title=f"Median change: {comparison.new_label} "
        f"vs {comparison.base_label} (%)", print_values=True, value_formatter=lambda v: f"{v:+.1f}%",
    )
    cells = comparison.cells[::-1]  # a horizontal chart draws bottom-up; read top-down in table order
    chart.x_labels = [_label(c) for c in cells]
    chart.add("median change", [
        {"value": c.median.percent if c.median.percent is not None else 0.0,
         "color": VERDICT_COLOURS[c.verdict], "label": f"{c.verdict.value}: {c.reason}"}
        for c in cells
    ])
    return _PYGAL_SCRIPT.sub("", str(chart.render(is_unicode=True)))


def _label(cell: CellComparison) -> str:
    return key_label(cell.key)


def _ms(seconds: float | None) -> str:
    return "-" if seconds is None else f"{seconds * 1e3:.2f}"


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value:+.1f}%"
