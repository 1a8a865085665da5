"""Incomes grow by dated yearly rates, compounding each January after the first reported month."""

import numpy as np
import pytest

from aidsim.calendar import parse_month
from aidsim.engine.events import compute_incomes
from aidsim.engine.model import AidModel
from aidsim.scenario.dated import DatedValue
from aidsim.shocks.income import growth_index
from tests.helpers import small_scenario


def test_growth_compounds_as_dated():
    rate = DatedValue.parse({"2020-01": 0.05, "2022-01": 0.10})
    first = parse_month("2020-03")
    assert growth_index(rate, first, parse_month("2020-12")) == 1.0
    assert growth_index(rate, first, parse_month("2021-01")) == pytest.approx(1.05)
    assert growth_index(rate, first, parse_month("2022-01")) == pytest.approx(1.05 * 1.10)
    assert growth_index(rate, first, parse_month("2023-06")) == pytest.approx(1.05 * 1.10 * 1.10)
    assert growth_index(rate, parse_month("2020-01"), parse_month("2020-12")) == 1.0  # the first January is not a step


def test_earnings_pensions_and_other_income_grow_by_hukou():
    scenario = small_scenario(2000, 24, shocks__income__growth={"urban": 0.04, "rural": 0.10})
    model = AidModel(scenario)
    state = model.state
    z = np.zeros(state.population.n_persons, dtype=np.float32)
    december, january = (compute_incomes(state, scenario, z, parse_month(m)) for m in ("2020-12", "2021-01"))
    urban = state.person_urban
    working = december.earned > 0
    np.testing.assert_allclose(january.earned[working & urban] / december.earned[working & urban], 1.04, rtol=1e-5)
    np.testing.assert_allclose(january.earned[working & ~urban] / december.earned[working & ~urban], 1.10, rtol=1e-5)
    pensioner = (december.earned == 0) & (december.person_own > 0)
    np.testing.assert_allclose(january.person_own[pensioner & ~urban] / december.person_own[pensioner & ~urban],
                               1.10, rtol=1e-5)
    h_urban = state.population.households.urban
    other = december.other > 0
    np.testing.assert_allclose(january.other[other & h_urban] / december.other[other & h_urban], 1.04, rtol=1e-5)


def test_incomes_stay_at_the_profiles_level_until_the_first_january_after_the_start():
    """The warm-up and the first reported year are at the profile's level, to the bit; growth
    starts in the first January after the start."""
    scenario = small_scenario(500, 24, shocks__income__growth={"urban": 0.10, "rural": 0.10})
    flat = small_scenario(500, 24)
    state = AidModel(scenario).state
    z = np.zeros(state.population.n_persons, dtype=np.float32)
    for month in ("2019-11", "2020-01", "2020-12"):
        grown, level = (compute_incomes(state, s, z, parse_month(month)) for s in (scenario, flat))
        assert np.array_equal(grown.person_own, level.person_own) and np.array_equal(grown.other, level.other)
    january = compute_incomes(state, scenario, z, parse_month("2021-01"))
    assert not np.array_equal(january.person_own, level.person_own)


def test_a_standard_indexed_to_the_cpi_reads_the_same_prices_as_the_price_subsidy():
    scenario = small_scenario(100, 24, dibao__standard__rural={"base": 433, "from": "2020-01", "index": "cpi"},
                              prices__inflation={"2020-01": 2.0, "2021-01": 5.0})
    rural = scenario.dibao.standard.rural
    assert rural.at(parse_month("2020-12")) == 433
    assert rural.at(parse_month("2021-01")) == pytest.approx(433 * 1.05)  # the inflation in force then
    assert rural.at(parse_month("2022-01")) == pytest.approx(433 * 1.05 * 1.05)
    # The resolved scenario holds the steps, so it runs again to the same standard.
    again = small_scenario(100, 24, dibao__standard__rural=scenario.resolved()["dibao"]["standard"]["rural"])
    assert again.dibao.standard.rural.at(parse_month("2023-01")) == pytest.approx(rural.at(parse_month("2023-01")))
