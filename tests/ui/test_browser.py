"""The app and the report in a real browser, with no network: open, click, measure, look.

Starts ``sim.ui.app.main`` on 127.0.0.1 with a free port (as ``mentorsim app`` does), drives
Debian's Chromium with Playwright, and saves screenshots to ``tests/artifacts/`` (``app.png``,
``report.png``). The browser may reach nothing but 127.0.0.1 (every other request is aborted
and recorded) and solara's CDN fallback points at a closed local port, so the page renders
only if its front-end files are served from this machine. Skipped when no Chromium binary (or
no Playwright) is found; every wait is bounded.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "tests" / "artifacts"
SERVER_START_S = 90.0
PAGE_LOAD_MS = 60_000
STEP_MS = 30_000
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def chromium_binary() -> str | None:
    """Debian's Chromium (or $CHROMIUM_PATH), or None."""
    candidates = [os.environ.get("CHROMIUM_PATH", ""), "/usr/bin/chromium"]
    candidates += [shutil.which(n) or "" for n in ("chromium", "chromium-browser")]
    for path in candidates:
        if path and os.path.isfile(path) and os.access(path, os.X_OK):
            return path
    return None


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until_up(url: str, proc: subprocess.Popen, log: Path, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"the app server exited with {proc.returncode}:\n{log.read_text()[-3000:]}")
        with (
            contextlib.suppress(OSError, urllib.error.URLError),
            urllib.request.urlopen(url, timeout=5) as response,
        ):
            if response.status == 200:
                return
        time.sleep(0.5)
    pytest.fail(f"the app server did not answer within {timeout:.0f} s:\n{log.read_text()[-3000:]}")


def stop(proc: subprocess.Popen) -> None:
    """Stop the server and the solara process it started (one process group)."""
    if proc.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)
    with contextlib.suppress(ProcessLookupError):  # the solara child, should it outlive main
        os.killpg(proc.pid, signal.SIGKILL)


@pytest.fixture
def chromium():
    """Chromium's path and Playwright's sync API; skips without them."""
    binary = chromium_binary()
    if binary is None:
        pytest.skip("no Chromium binary found (apt-get install chromium, or set CHROMIUM_PATH)")
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    app = pytest.importorskip("sim.ui.app", reason="the app needs solara (the 'app' extra)")
    missing = app.missing_frontend_packages()
    if missing:
        # this machine may not reach the CDN solara fetches them from: take them from the npm
        # registry into solara's asset folder, once per environment
        if shutil.which("npm") is None:
            pytest.fail(
                f"solara's front-end files {missing} are missing and npm is not installed to fetch them"
            )
        app.install_frontend_packages()
        assert not app.missing_frontend_packages()
    return binary, sync_api


NOWHERE = "http://127.0.0.1:9/"
"""A closed local port: solara's CDN fallback, so a file missing from the local folder fails."""

VIEWPORT = {"width": 1280, "height": 900}


@pytest.fixture
def server(chromium, tmp_path):
    port = free_port()
    log = tmp_path / "server.log"
    code = f"from sim.ui.app import main; raise SystemExit(main('127.0.0.1', {port}))"
    env = {**os.environ, "SOLARA_ASSETS_CDN": NOWHERE}
    with log.open("w") as out:
        proc = subprocess.Popen(
            [sys.executable, "-c", code],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,  # its own process group: stopped with the solara child
        )
    try:
        url = f"http://127.0.0.1:{port}/"
        wait_until_up(url, proc, log, SERVER_START_S)
        yield url, log
    finally:
        stop(proc)


def offline(page) -> list[str]:
    """Abort every request that would leave this machine; return the list of those aborted."""
    outside: list[str] = []

    def route(r) -> None:
        url = r.request.url
        host = url.split("/")[2].split(":")[0] if "://" in url else ""
        if url.startswith(("data:", "file:")) or host in ("127.0.0.1", "localhost"):
            r.continue_()
        else:
            outside.append(url)
            r.abort()

    page.route("**/*", route)
    return outside


def test_the_app_works_offline_in_the_browser(chromium, server):
    binary, sync_api = chromium
    url, log = server
    failed: list[str] = []
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=binary, args=CHROMIUM_ARGS, timeout=30_000)
        try:
            page = browser.new_page(viewport=VIEWPORT)
            page.set_default_timeout(STEP_MS)
            outside = offline(page)
            page.on("response", lambda r: failed.append(r.url) if r.status >= 400 else None)
            page.goto(url, timeout=PAGE_LOAD_MS)
            status = page.locator(".mentorsim-status")
            try:
                status.wait_for(timeout=PAGE_LOAD_MS)
            except sync_api.TimeoutError:
                ARTIFACTS.mkdir(parents=True, exist_ok=True)
                page.screenshot(path=str(ARTIFACTS / "app-failed.png"))
                hint = failed or outside or log.read_text()[-3000:]
                pytest.fail(f"the app did not render within {PAGE_LOAD_MS // 1000} s: {hint}")
            assert status.inner_text().startswith("Week 0 of")
            charts = page.locator("img.mentorsim-charts")
            charts.first.wait_for()
            before = charts.first.get_attribute("src")
            before_png = charts.first.screenshot()
            step = page.get_by_role("button", name="Step")
            for week in (1, 2, 3):
                step.click()
                sync_api.expect(status).to_contain_text(f"Week {week} of", timeout=STEP_MS)
            sync_api.expect(charts.first).not_to_have_attribute("src", before or "")
            assert charts.first.screenshot() != before_png, "the charts look the same after 3 steps"
            # readable charts: each of the four is about 400 px wide in a 1280 px window
            widths = [charts.nth(i).bounding_box()["width"] for i in range(charts.count())]
            assert charts.count() == 2 and widths[0] >= 380 and widths[1] >= 760, widths
            assert page.get_by_text("Employees: 300").is_visible(), "sliders show their values"
            assert page.get_by_text("Time:").count() == 0, "the week is counted once"
            assert page.get_by_text("Use Threads").count() == 0
            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / "app.png"), full_page=True)
        finally:
            browser.close()
    assert not outside, f"the page asked for files from elsewhere: {outside[:5]}"
    assert not failed, f"files the server could not serve: {failed[:5]}"
    assert "no network needed" in log.read_text(), "the log says the files are served locally"


REPORT_SCENARIO = {
    "name": "browser_report",
    "seed": 21,
    "horizon_weeks": 12,
    "replications": 2,
    "organization": {"size": 150, "levels": 4, "span_of_control": 8},
    "arms": [
        {"name": "no_program"},
        {"name": "monthly_meetings", "program": {"cadence_per_month": 1}},
        {
            "name": "weekly_focused_meetings",
            "program": {"cadence_per_month": 4, "focus": ["genai_tools"]},
        },
    ],
}


def test_the_report_reads_first_as_an_executive_summary_and_fits_the_window(chromium, tmp_path):
    from sim import run_experiment
    from sim.ui.report import write_report

    binary, sync_api = chromium
    path = write_report(run_experiment(REPORT_SCENARIO), tmp_path)
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=binary, args=CHROMIUM_ARGS, timeout=30_000)
        try:
            page = browser.new_page(viewport=VIEWPORT)
            outside = offline(page)
            page.goto(path.as_uri(), timeout=PAGE_LOAD_MS)
            summary = page.locator("#executive-summary")
            assert summary.is_visible()
            box = summary.bounding_box()
            assert box["y"] < 120 and box["y"] + 200 < VIEWPORT["height"], box
            first = page.evaluate("document.querySelector('section').id")
            assert first == "executive-summary", "the first section is the executive summary"
            for table in ("#executive-table", "#summary-table", "#like-table"):
                width = page.locator(table).bounding_box()["width"]
                assert width <= VIEWPORT["width"], f"{table} is {width} px wide"
            scroll = page.evaluate("document.scrollingElement.scrollWidth")
            assert scroll <= VIEWPORT["width"], "no sideways scrolling"
            assert page.locator("#executive-table tbody tr").count() == 2
            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / "report.png"))
            page.screenshot(path=str(ARTIFACTS / "report-full.png"), full_page=True)
        finally:
            browser.close()
    assert not outside, f"the report asked for files from elsewhere: {outside[:5]}"
