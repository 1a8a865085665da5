"""Regression and calibration of the shipped baseline."""

import json

import pytest

from aidsim import load_scenario, run
from tests.regression.golden import GOLDEN, ROOT, regression_summary


def test_baseline_matches_its_golden_summary():
    golden = json.loads(GOLDEN.read_text(encoding="utf-8"))
    now = regression_summary()
    assert now["payments_total_yuan"] == golden["payments_total_yuan"]
    for area, values in golden["summary"].items():
        for measure, value in values.items():
            assert now["summary"][area][measure] == pytest.approx(value, rel=1e-9, abs=1e-12), \
                f"{area}.{measure} changed: update the golden file only if intended"


def test_default_county_reproduces_the_seed_002_city():
    """Seed 002 (2020): rural dibao coverage 6.61% of rural residents; average subsidy 395 urban and
    242 rural yuan per person per month. Tolerances: ±1 percentage point and ±10%."""
    summary = run(load_scenario(ROOT / "scenarios" / "baseline.yaml")).summary()
    assert summary["rural"]["dibao_coverage"] == pytest.approx(0.0661, abs=0.01)
    assert summary["rural"]["dibao_avg_subsidy"] == pytest.approx(242, rel=0.10)
    assert summary["urban"]["dibao_avg_subsidy"] == pytest.approx(395, rel=0.10)
