"""The app in a real browser: serve it, open it in headless Chromium, click Step, look.

Starts ``sim.ui.app.main`` on 127.0.0.1 with a free port (as ``mentorsim app`` does), drives
Debian's Chromium with Playwright, and saves a screenshot to ``tests/artifacts/app.png``.
Skipped when no Chromium binary (or no Playwright) is found; every wait is bounded.
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


@pytest.fixture
def server(chromium, tmp_path):
    port = free_port()
    log = tmp_path / "server.log"
    code = f"from sim.ui.app import main; raise SystemExit(main('127.0.0.1', {port}))"
    with log.open("w") as out:
        proc = subprocess.Popen(
            [sys.executable, "-c", code],
            cwd=ROOT,
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


def test_step_in_the_browser(chromium, server):
    binary, sync_api = chromium
    url, log = server
    missing_assets: list[str] = []
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=binary, args=CHROMIUM_ARGS, timeout=30_000)
        try:
            page = browser.new_page(viewport={"width": 1600, "height": 1000})
            page.set_default_timeout(STEP_MS)
            page.on(
                "response",
                lambda r: (
                    missing_assets.append(r.url)
                    if r.status == 404 and "/_solara/cdn/" in r.url
                    else None
                ),
            )
            page.goto(url, timeout=PAGE_LOAD_MS)
            status = page.locator(".mentorsim-status")
            try:
                status.wait_for(timeout=PAGE_LOAD_MS)
            except sync_api.TimeoutError:
                ARTIFACTS.mkdir(parents=True, exist_ok=True)
                page.screenshot(path=str(ARTIFACTS / "app-failed.png"))
                hint = (
                    f"the browser could not load {missing_assets}"
                    if missing_assets
                    else log.read_text()[-3000:]
                )
                pytest.fail(f"the app did not render within {PAGE_LOAD_MS // 1000} s: {hint}")
            assert status.inner_text().startswith("Week 0 of")
            charts = page.locator("img.mentorsim-charts")
            charts.wait_for()
            before = charts.get_attribute("src")
            before_png = charts.screenshot()
            step = page.get_by_role("button", name="Step")
            for week in (1, 2, 3):
                step.click()
                sync_api.expect(status).to_contain_text(f"Week {week} of", timeout=STEP_MS)
            sync_api.expect(page.get_by_text("Time: 3.0")).to_be_visible(timeout=STEP_MS)
            sync_api.expect(charts).not_to_have_attribute("src", before or "", timeout=STEP_MS)
            assert charts.screenshot() != before_png, "the charts look the same after 3 steps"
            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / "app.png"), full_page=True)
        finally:
            browser.close()
