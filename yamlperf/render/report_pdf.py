"""``report.pdf``: report.html printed by headless Chromium, when one is installed.

The report is one self-contained page laid out for print (its stylesheet has print rules), so the
browser's own print is the faithful PDF of it; CairoSVG, which draws the charts' PDFs, does not lay
out HTML. Without Chromium (or Chrome) the run writes the charts' PDFs and report.html as ever and
says that report.pdf was not written, and how to get it. ``YAMLPERF_CHROMIUM`` names the browser
when it is not on the PATH under a usual name.
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

logger = logging.getLogger(__name__)
BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
PRINT_TIMEOUT_S = 120.0
PDF_FILE = "report.pdf"


def find_browser() -> str | None:
    """The Chromium to print with: ``$YAMLPERF_CHROMIUM``, else the first of ``BROWSERS`` on the PATH."""
    named = os.environ.get("YAMLPERF_CHROMIUM")
    if named:
        return shutil.which(named) or (named if Path(named).is_file() else None)
    return next((found for name in BROWSERS if (found := shutil.which(name))), None)


def missing_browser_note() -> str:
    return (f"report.pdf not written: no Chromium or Chrome found ({', '.join(BROWSERS)} on the PATH, or "
            "$YAMLPERF_CHROMIUM); the charts are in charts/*.pdf, and report.html prints to PDF from any "
            "browser (install chromium, or set YAMLPERF_CHROMIUM, for report.pdf)")


def print_report(html: str, pdf: Path) -> str:
    """Print ``html`` (a self-contained page) to ``pdf``; "" when done, else why it was not."""
    browser = find_browser()
    if browser is None:
        return missing_browser_note()
    with tempfile.TemporaryDirectory(prefix="yamlperf-print-") as folder:
        page = Path(folder) / "report.html"
        page.write_text(html, encoding="utf-8")
        printed = Path(folder) / PDF_FILE
        command = [browser, "--headless", "--disable-gpu", "--no-first-run", "--disable-extensions",
                   "--disable-background-networking", "--disable-sync", f"--user-data-dir={folder}/profile",
                   "--no-pdf-header-footer", "--print-to-pdf-no-header", f"--print-to-pdf={printed}",
                   *(["--no-sandbox"] if hasattr(os, "geteuid") and os.geteuid() == 0 else []),
                   page.as_uri()]
        try:
            done = subprocess.run(command, capture_output=True, timeout=PRINT_TIMEOUT_S, check=False,
                                  stdin=subprocess.DEVNULL)
        except (OSError, subprocess.TimeoutExpired) as exc:
            return f"report.pdf not written: {browser} could not print the report ({exc})"
        if done.returncode != 0 or not printed.is_file() or printed.read_bytes()[:5] != b"%PDF-":
            tail = done.stderr.decode("utf-8", "replace").strip().splitlines()[-1:] or ["no output"]
            return f"report.pdf not written: {browser} exited with {done.returncode} ({tail[0]})"
        from ..results import write_atomic

        write_atomic(pdf, printed.read_bytes())
    logger.debug("printed report.pdf with %s", browser)
    return ""
