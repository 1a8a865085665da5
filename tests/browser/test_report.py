"""The HTML report in a real browser with the network cut: it renders whole (every chart, the
overview, the dictionary), asks for nothing outside the file, and is kept as a screenshot."""

from __future__ import annotations

import subprocess
import sys

from tests.browser.conftest import ROOT, SCREENSHOTS


def test_report_opens_offline(page, tmp_path):
    out = tmp_path / "compare"
    aidsim = [sys.executable, "-m", "aidsim"]
    subprocess.run([*aidsim, "compare", "scenarios/baseline.yaml", "scenarios/reforms/rural_500_july.yaml",
                    "scenarios/reforms/tekun_multiplier_1_5.yaml", "--households", "1500", "--months", "12",
                    "--replications", "2", "--out", str(out), "--quiet"], cwd=ROOT, check=True, capture_output=True)
    done = subprocess.run([*aidsim, "report", str(out)], cwd=ROOT, check=True, capture_output=True, text=True)
    assert "report.html" in done.stdout
    blocked = []

    def cut(route):  # nothing but the file itself and its inline data may load
        if route.request.url.startswith(("file:", "data:")):
            route.continue_()
        else:
            blocked.append(route.request.url)
            route.abort()

    page.route("**/*", cut)
    page.goto((out / "report.html").as_uri())
    assert page.title().startswith("aidsim: 2 reforms against baseline")
    for heading in ("Overview", "Cost against gap closed", "Budget interval", "The bill by programme", "Who gains",
                    "Targeting errors by cause", "Caseload and cost, month by month", "Data dictionary",
                    "Run metadata"):
        assert page.get_by_role("heading", name=heading).count() == 1, heading
    charts = page.locator("figure svg")
    assert charts.count() == 5 + 2  # five charts, and one chart of monthly paths per reform
    box = charts.first.bounding_box()
    assert box["width"] > 300 and box["height"] > 200  # drawn, not empty
    assert page.locator("table").first.locator("tr").count() == 3  # header and two reforms
    page.locator("summary").first.click()  # open the first reform's monthly paths
    page.screenshot(path=str(SCREENSHOTS / "report.png"), full_page=True)
    assert blocked == [] and page.outside == [] and page.failed == []
