"""RunResult -> JUnit XML (the Jenkins/Surefire dialect every CI server reads), pure.

One test suite per dataset size holds a test case per cell; a ``thresholds`` suite holds a test case
per threshold outcome (and the incomplete run's error). A cell fails on its own by the rule the
exit code uses (``verdicts.unanswered``): no request succeeded. Partial failures are in the cell's
``system-out`` and in the threshold cases that judge them. A suite without a case is left out.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Sequence

from .. import verdicts
from ..results import CellStats, RunResult, ThresholdOutcome

_NOT_XML = re.compile(r"[^\x09\x0a\x0d\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
"""Characters XML 1.0 cannot carry (server error texts may hold them)."""


def junit_xml(result: RunResult) -> str:
    """The whole document, with an XML declaration, indented for people who open it."""
    unanswered = set(map(id, verdicts.unanswered(result)))
    suites = [_cell_suite(result, size, [c for c in result.cells if c.size == size], unanswered)
              for size in result.sizes]
    suites.append(_threshold_suite(result))
    suites = [s for s in suites if s.find("testcase") is not None]
    root = ET.Element("testsuites", _counts(suites))
    root.set("name", f"yamlperf: {result.name}")
    root.extend(suites)
    ET.indent(root)
    return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"


def _suite(result: RunResult, name: str, cases: Sequence[ET.Element]) -> ET.Element:
    suite = ET.Element("testsuite", {
        "name": name, **_counts(cases), "skipped": "0",
        "timestamp": result.meta.started_at, "hostname": result.meta.hostname or "localhost",
    })
    suite.append(_properties(result))
    suite.extend(cases)
    return suite


def _counts(elements: Sequence[ET.Element]) -> dict[str, str]:
    """Totals for a suite (from its cases) or for the root (from its suites)."""
    if all(e.tag == "testsuite" for e in elements) and elements:
        total = {k: sum(int(e.get(k, "0")) for e in elements) for k in ("tests", "failures", "errors")}
        time = sum(float(e.get("time", "0")) for e in elements)
    else:
        total = {"tests": len(elements),
                 "failures": sum(e.find("failure") is not None for e in elements),
                 "errors": sum(e.find("error") is not None for e in elements)}
        time = sum(float(e.get("time", "0")) for e in elements)
    return {**{k: str(v) for k, v in total.items()}, "time": f"{time:.3f}"}


def _properties(result: RunResult) -> ET.Element:
    meta = result.meta
    values = {
        "scenario": result.name, "target": result.target, "complete": str(result.complete).lower(),
        "stop_reason": result.stop_reason or "", "yamlperf_version": meta.yamlperf_version,
        "python": meta.python, "platform": meta.platform, "started_at": meta.started_at,
        "finished_at": meta.finished_at, "duration_s": f"{meta.duration_s:.3f}",
        "scenario_file": meta.scenario_file, "scenario_sha256": meta.scenario_sha256,
        "git_commit": meta.git_commit or "", "command": meta.command,
    }
    properties = ET.Element("properties")
    for name, value in values.items():
        ET.SubElement(properties, "property", {"name": name, "value": _clean(value)})
    return properties


def _cell_suite(result: RunResult, size: int | None, cells: Iterable[CellStats], unanswered: set[int],
                ) -> ET.Element:
    label = "no dataset" if size is None else f"{size} records"
    return _suite(result, f"{result.name} @ {label}", [_cell_case(result, c, id(c) in unanswered)
                                                       for c in cells])


def _cell_case(result: RunResult, cell: CellStats, unanswered: bool) -> ET.Element:
    at = "" if cell.size is None else f" @ {cell.size} records"
    case = ET.Element("testcase", {
        "classname": f"{_dotless(result.name)}.{_dotless(cell.endpoint)}",
        "name": f"{cell.method} {cell.path}{at} x{cell.concurrency}", "time": f"{cell.wall_time:.3f}",
    })
    if unanswered:
        message = f"all {cell.requests} requests failed ({_failure_text(cell)})"
        failure = ET.SubElement(case, "failure", {"message": message, "type": "no_successful_requests"})
        failure.text = _clean("\n".join([message, *cell.errors]))
    ET.SubElement(case, "system-out").text = _clean(_cell_summary(cell))
    return case


def _cell_summary(cell: CellStats) -> str:
    lines = [f"requests {cell.requests}, successes {cell.successes} ({cell.success_rate:.2%}), "
             f"throughput {cell.throughput:.1f} req/s, bytes {cell.bytes_received}"]
    if cell.latency:
        lat = cell.latency
        names = ("min", "median", "mean", "p90", "p95", "p99", "max")
        lines.append("latency ms: " + ", ".join(f"{n} {lat.get(n) * 1e3:.2f}" for n in names))
    if cell.failed:
        lines.append(f"failures: {_failure_text(cell)}")
    lines.extend(f"error: {e}" for e in cell.errors)
    return "\n".join(lines)


def _failure_text(cell: CellStats) -> str:
    return ", ".join(f"{k} {v}" for k, v in cell.failures.items() if v) or "no category recorded"


def _threshold_suite(result: RunResult) -> ET.Element:
    cases = [_threshold_case(result, o) for o in result.thresholds]
    if not result.complete:
        case = ET.Element("testcase", {"classname": f"{_dotless(result.name)}.run", "name": "run completed",
                                       "time": "0.000"})
        reason = _clean(result.stop_reason or "the run stopped before every cell was measured")
        ET.SubElement(case, "error", {"message": reason, "type": "incomplete_run"}).text = reason
        cases.append(case)
    return _suite(result, f"{result.name} thresholds", cases)


def _threshold_case(result: RunResult, outcome: ThresholdOutcome) -> ET.Element:
    at = "" if outcome.size is None else f" @ {outcome.size} records"
    conc = "" if outcome.concurrency is None else f" x{outcome.concurrency}"
    case = ET.Element("testcase", {
        "classname": f"{_dotless(result.name)}.thresholds",
        "name": f"{outcome.rule} [{outcome.endpoint}{at}{conc}]", "time": "0.000",
    })
    if not outcome.passed:
        message = _clean(outcome.message)
        ET.SubElement(case, "failure", {"message": message, "type": "threshold"}).text = message
    return case


def _dotless(name: str) -> str:
    """CI servers split ``classname`` at dots into package and class; keep names whole."""
    return _clean(name).replace(".", "_")


def _clean(text: str) -> str:
    return _NOT_XML.sub("\ufffd", text)
