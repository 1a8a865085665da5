"""The seed-002 comparison: published figures, tolerances, and the model's figures read off a
year of the yearly table."""

import math

import pandas as pd
import pytest

from aidsim.metrics import validation


def _yearly(**rural) -> pd.DataFrame:
    base = {"months": 12, "persons": 100_000.0, "dibao_persons": 6_000.0, "dibao_coverage": 0.06,
            "dibao_avg_subsidy": 240.0, "tekun_persons": 600.0, "temporary_avg": 1200.0,
            "temporary_recipients": 40.0, "dibao_persons_entering": 1_500.0,
            "dibao_persons_leaving": 1_200.0, "temporary_cost": 0.0, "disability_subsidy_persons": 2_000.0}
    rows = [{"year": 2020, "area_type": "rural", **base, **rural},
            {"year": 2020, "area_type": "urban", **base, "dibao_avg_subsidy": 400.0, "tekun_persons": 60.0},
            {"year": 2020, "area_type": "all", **base, "dibao_persons": 10_000.0}]
    return pd.DataFrame(rows)


def test_published_figures_are_the_seeds_arithmetic():
    t = {x.key: x for x in validation.TARGETS}
    assert t["rural_tekun_ratio"].published == pytest.approx(0.0951, abs=1e-4)
    assert t["temporary_per_case"].published == pytest.approx(1233.55, abs=0.01)
    # 45,177 / 5 a year ÷ (132,171.6 / 0.0661 rural residents) × 10,000
    assert t["temporary_cases_rate"].published == pytest.approx(45_177 / 5 / (660_858 / 5 / 0.0661) * 1e4)
    assert t["rural_entry_rate"].published == pytest.approx(151_466 / 660_858)
    assert t["rural_exit_rate"].published == pytest.approx(137_530 / 660_858)


def test_model_figures_are_read_from_the_year():
    table = validation.compare(_yearly(), 2020).set_index("key")["model"]
    assert table["rural_tekun_ratio"] == pytest.approx(600 / 6000)
    assert table["urban_tekun_ratio"] == pytest.approx(60 / 6000)
    assert table["temporary_cases_rate"] == pytest.approx(40 * 12 / 100_000 * 1e4)  # cases a year
    assert table["rural_entry_rate"] == pytest.approx(1500 / 6000)
    assert table["rural_exit_rate"] == pytest.approx(1200 / 6000)
    assert table["disability_per_dibao"] == pytest.approx(2000 / 10_000)


def test_a_part_year_is_turned_into_a_year():
    table = validation.compare(_yearly(months=6), 2020).set_index("key")["model"]
    assert table["rural_entry_rate"] == pytest.approx(1500 / 6000 * 2)


def test_tolerances_bound_the_figures():
    t = {x.key: x for x in validation.TARGETS}
    coverage = t["rural_coverage"]
    assert coverage.bounds() == pytest.approx((0.0561, 0.0761))
    assert coverage.within(0.0761) and not coverage.within(0.0762)
    per_case = t["temporary_per_case"]
    assert per_case.bounds() == pytest.approx((1233.548 * 0.8, 1233.548 * 1.2), rel=1e-4)
    table = validation.compare(_yearly(dibao_coverage=0.09), 2020).set_index("key")
    assert not table.loc["rural_coverage", "within"]
    assert table.loc["rural_avg_subsidy", "within"]


def test_a_missing_year_is_an_error():
    with pytest.raises(KeyError, match="2019"):
        validation.compare(_yearly(), 2019)


def test_a_zero_denominator_gives_nan_not_an_error():
    table = validation.compare(_yearly(dibao_persons=0.0), 2020).set_index("key")["model"]
    assert math.isnan(table["rural_tekun_ratio"])
