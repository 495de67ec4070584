"""Comparisons -> one self-contained HTML page with a chart per comparison (pure).

The chart is inline SVG without pygal's tooltip script, so the page opens offline, from a CI
artifact store or an e-mail attachment, with nothing fetched. Jinja autoescapes every value:
endpoint names and labels come from users' files.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import PurePath

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup

from ..compare import CellComparison, Comparison, Verdict, key_label
from .style import chart_config, short

_PYGAL_SCRIPT = re.compile(r"<script\b[^>]*>.*?</script>", re.DOTALL)
"""pygal always embeds its config (labels included) as a script for its tooltip code, which this
page does not load: dead weight, and a script is the one thing a report page should not carry."""
PRINTED_UP_TO = 40
"""With more cells than this the rows are too thin to carry their value; tooltips still do."""
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
    """Median change per cell in percent, a bar per cell coloured by its verdict (SVG text).

    The report's style (``style.chart_config``: its font, sizes and no script), the runs named by
    their folders rather than full paths, and each value written just past its bar's end, on the
    outer side (pygal centres a printed value half a character past the end; anchoring it at its
    start, or at its end for a fall, moves it out of the bar).
    """
    import pygal

    cells = comparison.cells[::-1]  # a horizontal chart draws bottom-up; read top-down in table order
    known = [c.median.percent for c in cells if c.median.percent is not None]
    low, high = min([0.0, *known]), max([0.0, *known])
    pad = max((high - low) * 0.16, 5.0)
    new, base = _run_name(comparison.new_label), _run_name(comparison.base_label)
    chart = pygal.HorizontalBar(**chart_config(
        legend_entries=0, height=max(260, 150 + 26 * len(cells)), title=f"Median change, {new} vs {base}",
        x_title="Median response time change (%): red regressed, green improved, grey unchanged",
        show_x_guides=True, show_y_guides=False,
        range=(low - (pad if low < 0 else 0), high + (pad if high > 0 else 0)), value_formatter=_axis_percent,
        print_values=len(cells) <= PRINTED_UP_TO, print_values_position="top", formatter=_change,
    ))
    chart.x_labels = [short(_label(c), 34) for c in cells]
    chart.add("median change", [
        None if c.median.percent is None else {
            "value": c.median.percent, "color": VERDICT_COLOURS[c.verdict],
            "label": f"{_label(c)}: {c.verdict.value} ({c.reason})"}
        for c in cells
    ])
    svg = _PYGAL_SCRIPT.sub("", str(chart.render(is_unicode=True)))
    return _PRINTED.sub(_outer_anchor, svg)


_PRINTED = re.compile(r'<text text-anchor="middle"[^>]*class="value">([^<])')


def _outer_anchor(match: re.Match[str]) -> str:
    """A printed change anchored on the side away from its bar: its end for a fall, else its start."""
    return match.group(0).replace('"middle"', '"end"' if match.group(1) == "\u2212" else '"start"')


def _change(value: float) -> str:
    return "0.0%" if round(value, 1) == 0 else f"{value:+.1f}%".replace("-", "\u2212")


def _axis_percent(value: float) -> str:
    return "0%" if abs(value) < 1e-9 else f"{value:+.0f}%".replace("-", "\u2212")


def _run_name(label: str) -> str:
    """A run as its folder's name (``20261122-014422-prompt-api-scale-test``), not its whole path."""
    path = PurePath(label)
    name = path.parent.name if path.name == "results.json" and path.parent.name else path.name
    return short(name or label, 30)


def _label(cell: CellComparison) -> str:
    return key_label(cell.key)


def _ms(seconds: float | None) -> str:
    return "-" if seconds is None else f"{seconds * 1e3:.2f}"


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value:+.1f}%"
