"""The end of a finished run on the console: the answers, not only the tables.

Thresholds (PASS/FAIL), cells without a successful request, how each endpoint grows (the analysis's
own words), the logins, what became of the records, the full path of the report, and one last
line with the verdict. Pure: ``RunResult`` in, ``Line``s out, each with a tone the command line
colours (``cli/summary.py``); the live view during the run is another thing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from .. import verdicts
from ..results import AuthStats, CleanupOutcome, RunResult
from ..units import format_ms
from .console import leftover_notice

PASS, FAIL, WARN, PLAIN = "pass", "fail", "warn", ""


@dataclass(frozen=True, slots=True)
class Line:
    text: str
    tone: str = PLAIN


def growth_verdicts(result: RunResult) -> tuple[str, ...]:
    """One line per endpoint measured at three sizes or more, then per swept endpoint's saturation:
    the analysis's verdicts, as the report words them (the one place the console asks for words)."""
    from ..analysis.sentences import verdict_lines

    return verdict_lines(result)


def finished_lines(result: RunResult, report: Path | None, growth: Sequence[str] = ()) -> list[Line]:
    """What a finished run ends with; ``growth`` is ``growth_verdicts(result)``."""
    lines: list[Line] = []
    if result.thresholds:
        lines += [Line(""), *_toned(verdicts.format_verdicts(result.thresholds))]
    unanswered = verdicts.unanswered(result)
    if unanswered:
        lines += [Line(""), *_toned(verdicts.format_unanswered(unanswered))]
    if growth:
        lines += [Line(""), Line("growth:"), *(Line(f"  {text}") for text in growth)]
        lines += _reference_lines(result)
    said = [line for line in (_logins(result.auth), _cleanup(result)) if line is not None]
    lines += [Line(""), *said] if said else []
    if report is not None:
        lines.append(Line(f"report: {report.resolve()}"))
    lines.append(verdict(result))
    return lines


def _reference_lines(result: RunResult) -> list[Line]:
    """The reference's drift when it moved more than ``NOTICEABLE_DRIFT``, and a warning when the
    reference itself grows with the data."""
    from ..analysis.reference_words import drift_line, not_a_reference_line

    drift, odd = drift_line(result), not_a_reference_line(result)
    return [*([Line(f"  {drift}")] if drift else []), *([Line(f"  {odd}", WARN)] if odd else [])]


def verdict(result: RunResult) -> Line:
    """The last line: PASS or FAIL, and why."""
    bad = verdicts.failed(result.thresholds)
    unanswered = verdicts.unanswered(result)
    if bad or unanswered:
        why = [f"{len(bad)} of {len(result.thresholds)} threshold checks failed"] if bad else []
        if unanswered:
            cells = f"{len(unanswered)} cell{'s' if len(unanswered) != 1 else ''}"
            why.append(f"{cells} without a successful request")
        return Line("FAIL: " + "; ".join(why), FAIL)
    if result.thresholds:
        return Line(f"PASS: all {len(result.thresholds)} threshold checks passed", PASS)
    return Line("PASS: every cell had successful requests (the plan sets no thresholds)", PASS)


def kept_on_purpose(cleanup: CleanupOutcome) -> bool:
    """Records kept because the user asked (``--keep-data``, ``cleanup: false``), not for a failure."""
    return not cleanup.failed and cleanup.kept_because.startswith(("--keep-data", "dataset.cleanup"))


def _toned(text: str) -> list[Line]:
    return [Line(line, FAIL if line.lstrip().startswith("FAIL") else PASS if line.lstrip().startswith("PASS")
                 else PLAIN) for line in text.splitlines()]


def _logins(auth: AuthStats | None) -> Line | None:
    if auth is None or not auth.logins:
        return None
    renewals = (f" (the first and {auth.renewals} renewal{'s' if auth.renewals != 1 else ''})"
                if auth.renewals else "")
    slowest = f", the slowest {format_ms(auth.slowest)} ms" if auth.logins > 1 else ""
    failed = (f"; {auth.failed_renewals} renewal{'s' if auth.failed_renewals != 1 else ''} failed, the "
              "requests went on with the old token" if auth.failed_renewals else "")
    return Line(f"logins: {auth.logins}{renewals}, {format_ms(auth.time)} ms in all{slowest}{failed}",
                WARN if auth.failed_renewals else PLAIN)


def _cleanup(result: RunResult) -> Line | None:
    cleanup: CleanupOutcome | None = result.cleanup
    if cleanup is None or not (cleanup.deleted or cleanup.failed or cleanup.kept):
        return None
    if cleanup.failed:
        total = cleanup.deleted + cleanup.failed
        return Line(f"cleanup: {cleanup.deleted} of {total} records deleted, {cleanup.failed} could not be "
                    "(the warning below says why and where their ids are)", WARN)
    if cleanup.kept and not kept_on_purpose(cleanup):
        return Line(f"cleanup: {cleanup.kept} records kept (the warning below says why)", WARN)
    if cleanup.kept:
        return Line(f"cleanup: {leftover_notice(result)}")
    return Line(f"cleanup: {cleanup.deleted} record{'s' if cleanup.deleted != 1 else ''} deleted in "
                f"{cleanup.wall_time:.2f} s")
