"""The means test counts a household's usual income: an average over past months
(``dibao.income_months``), kept per person for earnings and per household for other income."""

import numpy as np
import pytest

from aidsim.calendar import parse_month
from aidsim.engine.events import Incomes, assessed_incomes
from aidsim.engine.model import AidModel
from tests.helpers import small_scenario

F32 = np.float32


def _incomes(state, earned: float, other: float) -> Incomes:
    p = state.population.persons
    e = np.where(p.alive, F32(earned), F32(0)).astype(F32)
    own = e + np.where(p.alive, p.pension, F32(0))
    o = np.full(state.population.n_households, F32(other))
    return Incomes(person_own=own, earned=e, household_total=state.population.household_sum(own) + o, other=o)


def test_twelve_months_weigh_this_month_two_thirteenths():
    scenario = small_scenario(200, 3, dibao__income_months=12)
    state = AidModel(scenario).state
    assessed_incomes(state, scenario, _incomes(state, 1000.0, 300.0), start=True)
    out = assessed_incomes(state, scenario, _incomes(state, 0.0, 0.0))
    w = 2 / 13  # mean age (1 − w) / w = 5.5 months, as a 12-month window's
    alive = state.population.persons.alive
    np.testing.assert_allclose(out.earned[alive], 1000 * (1 - w), rtol=1e-6)
    np.testing.assert_allclose(out.other, 300 * (1 - w), rtol=1e-6)
    out = assessed_incomes(state, scenario, _incomes(state, 0.0, 0.0))
    np.testing.assert_allclose(out.earned[alive], 1000 * (1 - w) ** 2, rtol=1e-5)
    # pensions count as paid this month; the dead count for nothing
    p = state.population.persons
    np.testing.assert_allclose(out.person_own, np.where(p.alive, out.earned + p.pension, 0), rtol=1e-6)
    hh = state.population.household_sum(out.person_own) + out.other
    np.testing.assert_allclose(out.household_total, hh, rtol=1e-6)


def test_one_month_is_this_months_income():
    scenario = small_scenario(200, 3, dibao__income_months=1)
    state = AidModel(scenario).state
    now = _incomes(state, 800.0, 100.0)
    assert assessed_incomes(state, scenario, now) is now


def test_arrivals_start_at_their_income_and_movers_take_theirs():
    scenario = small_scenario(200, 3, dibao__income_months=12)
    state = AidModel(scenario).state
    assessed_incomes(state, scenario, _incomes(state, 1000.0, 300.0), start=True)

    class Renewed:  # the fields of RenewalOutcome that the average reads
        left_home = np.array([0])
        moved_to = np.array([5])
        arrivals = np.array([7, 8])
        arrived = np.array([3])

    state.assessed_earned[0] = 2000.0
    out = assessed_incomes(state, scenario, _incomes(state, 500.0, 50.0), Renewed())
    w = 2 / 13
    p = state.population.persons
    for row in (7, 8):  # arrivals: their own income this month, nothing averaged from before
        if p.alive[row]:
            assert out.earned[row] == pytest.approx(500.0)
    assert out.other[3] == pytest.approx(50.0)
    if p.alive[5]:  # the young adult's average went with them
        assert out.earned[5] == pytest.approx(2000 + w * (500 - 2000), rel=1e-6)


def test_a_month_without_work_does_not_make_a_household_eligible_at_once():
    """A worker who earns nothing for one month keeps most of the average the office counts."""
    scenario = small_scenario(200, 3, dibao__income_months=12)
    model = AidModel(scenario)
    state = model.state
    assessed_incomes(state, scenario, _incomes(state, 1200.0, 0.0), start=True)
    month = parse_month("2020-03")
    assert month  # the average does not depend on the calendar
    out = assessed_incomes(state, scenario, _incomes(state, 0.0, 0.0))
    alive = state.population.persons.alive
    assert (out.earned[alive] > 1000).all()
