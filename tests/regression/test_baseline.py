"""Regression of every shipped scenario against its golden summary, and calibration of the baseline."""

import json

import pytest

from aidsim import load_scenario, run
from tests.regression.golden import GOLDEN_DIR, ROOT, SCENARIOS, golden_path, regression_summary


def test_every_shipped_scenario_has_a_golden_summary():
    assert {golden_path(p).name for p in SCENARIOS} == {p.name for p in GOLDEN_DIR.glob("*.json")}


@pytest.mark.parametrize("scenario_file", SCENARIOS, ids=lambda p: p.stem)
def test_scenario_matches_its_golden_summary(scenario_file):
    golden = json.loads(golden_path(scenario_file).read_text(encoding="utf-8"))
    now = regression_summary(scenario_file)
    assert now["payments_total_yuan"] == golden["payments_total_yuan"]
    for area, values in golden["summary"].items():
        assert set(now["summary"][area]) == set(values)
        for measure, value in values.items():
            assert now["summary"][area][measure] == pytest.approx(value, rel=1e-9, abs=1e-12, nan_ok=True), \
                f"{scenario_file.stem}: {area}.{measure} changed: update the golden files only if intended"


def test_default_county_reproduces_the_seed_002_city():
    """Seed 002 (2020): rural dibao coverage 6.61% of rural residents; average subsidy 395 urban and
    242 rural yuan per person per month. Tolerances: ±1 percentage point and ±10%."""
    summary = run(load_scenario(ROOT / "scenarios" / "baseline.yaml")).summary()
    assert summary["rural"]["dibao_coverage"] == pytest.approx(0.0661, abs=0.01)
    assert summary["rural"]["dibao_avg_subsidy"] == pytest.approx(242, rel=0.10)
    assert summary["urban"]["dibao_avg_subsidy"] == pytest.approx(395, rel=0.10)


#: The baseline's payments at 10,000 households before population renewal existed (its golden
#: summary then). Renewal switched off must give them to the fen: no other draw moved.
BEFORE_RENEWAL_YUAN = {
    "dibao": 7782982.6, "disability_care": 1660400.0, "disability_living": 373200.0, "home_care": 139800.0,
    "medical": 3466642.79, "old_age_allowance": 3876400.0, "orphans": 300300.0, "price_subsidy": 0.0,
    "spring_festival": 577400.0, "tekun": 900394.5, "temporary": 1100793.69,
}


def test_renewal_switched_off_gives_the_model_before_renewal():
    scenario = load_scenario(ROOT / "scenarios" / "baseline.yaml",
                             {"population.households": 10_000, "population.renewal.enabled": False})
    assert run(scenario).payments_total_yuan() == BEFORE_RENEWAL_YUAN
