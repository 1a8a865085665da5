"""A real headless browser: Debian's Chromium driven by Playwright (never `playwright install`).

When Chromium is missing the tests fail with a message saying how to install it: they are never
skipped. Screenshots go to out/screenshots/ for people to look at.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "out" / "screenshots"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def chromium_path() -> str:
    path = os.environ.get("AIDSIM_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        pytest.fail("the browser tests need Chromium, and none was found: install Debian's package "
                    "(`apt-get install -y chromium`, which `make browser` runs) or set AIDSIM_CHROMIUM "
                    "to a Chromium binary. They are never skipped.", pytrace=False)
    return path


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    executable = chromium_path()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    """A page that records every request leaving the machine and every failed request."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.outside = []
    page.failed = []
    local = ("http://127.0.0.1", "ws://127.0.0.1", "file:", "data:", "blob:", "about:")
    page.on("request", lambda r: page.outside.append(r.url) if not r.url.startswith(local) else None)
    page.on("requestfailed", lambda r: page.failed.append(r.url))
    yield page
    context.close()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def dashboard_url():
    """`solara run aidsim.viz.app` on a free local port (what `aidsim dashboard` serves)."""
    port = _free_port()
    solara = Path(sys.executable).with_name("solara")
    env = {**os.environ, "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "False", "AIDSIM_DASHBOARD_HOUSEHOLDS": "2000"}
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    log = open(ROOT / "out" / "dashboard-test.log", "w")  # noqa: SIM115 (closed with the server)
    server = subprocess.Popen([str(solara), "run", "aidsim.viz.app", "--host", "127.0.0.1", "--port", str(port),
                               "--production", "--no-open", "--no-check-version"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                with urllib.request.urlopen(url, timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"the dashboard server did not start (exit {server.poll()}); see out/dashboard-test.log")
            time.sleep(0.5)
        yield url
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
