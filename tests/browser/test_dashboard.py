"""The dashboard in a real browser: load the page, move a slider, reset and step the model, and
check that the figures and the charts change; no request leaves the machine."""

from __future__ import annotations

import re

from tests.browser.conftest import SCREENSHOTS


def _figures(page) -> dict[str, list[str]]:
    """The current month's figures table: figure → [baseline, reform]."""
    rows = {}
    for row in page.locator("table").first.locator("tr").all()[1:]:
        cells = [c.inner_text().strip() for c in row.locator("td").all()]
        rows[cells[0]] = cells[1:]
    return rows


def _percent(text: str) -> float:
    return float(text.rstrip("%"))


def _charts(page) -> list[str]:
    return [img.get_attribute("src") or "" for img in page.locator("img").all()]


def test_dashboard_slider_step_and_compare(page, dashboard_url):
    page.goto(dashboard_url)
    page.get_by_text("aidsim: a county month by month").first.wait_for(timeout=90_000)
    page.get_by_text("Month 0").first.wait_for(timeout=90_000)
    charts_before = _charts(page)
    assert len(charts_before) >= 5, "the five live charts are drawn"

    # Move the rural standard slider (the sidebar's 4th: play and render intervals come first).
    slider = page.get_by_role("slider").nth(3)
    assert slider.get_attribute("aria-valuenow") == "433"
    box = page.locator(".v-slider").nth(3).bounding_box()  # the track (the role=slider is the thumb)
    page.mouse.click(box["x"] + box["width"] * 0.6, box["y"] + box["height"] / 2)  # a click on the track
    page.wait_for_function("() => document.querySelectorAll('[role=slider]')[3]"
                           ".getAttribute('aria-valuenow') !== '433'", timeout=10_000)
    page.wait_for_timeout(500)  # the new value reaches the server
    rural = int(float(slider.get_attribute("aria-valuenow")))
    assert rural > 500, rural

    page.get_by_role("button", name="Reset").click()
    page.get_by_text("Month 0").first.wait_for(timeout=90_000)
    for month in (1, 2, 3):
        page.get_by_role("button", name="Step").click()
        page.get_by_text(f"Month {month}").first.wait_for(timeout=60_000)

    figures = _figures(page)
    baseline_coverage, reform_coverage = (_percent(v) for v in figures["dibao coverage"])
    assert reform_coverage > baseline_coverage, figures  # a higher rural standard covers more people
    extra = page.get_by_text(re.compile(r"Extra cost so far")).first.inner_text()
    assert re.search(r"\+[\d,]+ yuan", extra) and "+0 yuan" not in extra, extra
    charts_after = _charts(page)
    assert len(charts_after) >= 5
    assert set(charts_after).isdisjoint(charts_before), "every chart is redrawn with the months run"
    page.screenshot(path=str(SCREENSHOTS / "dashboard.png"), full_page=True)

    page.get_by_role("tab", name="Page 1").click()
    heading = page.get_by_role("heading", name="Reform against the baseline")
    heading.wait_for(timeout=30_000)
    page.wait_for_timeout(1_500)  # the page's grid lays its items out after the first render
    heading.wait_for(state="visible", timeout=30_000)
    compare = page.get_by_text("Over the 3 months run so far").first
    assert f"rural standard {rural}" in compare.inner_text()
    assert compare.is_visible() and heading.bounding_box()["height"] > 0
    page.screenshot(path=str(SCREENSHOTS / "dashboard-compare.png"), full_page=True)

    assert page.outside == [], f"requests left the machine: {page.outside[:5]}"
    assert page.failed == [], f"failed requests: {page.failed[:5]}"
