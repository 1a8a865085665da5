"""A pension starts at 60 (working age ends there), and the application rule's yuan amounts
grow with incomes, so neither retirement nor nominal growth makes the caseload drift."""

import numpy as np
import pytest

from aidsim.admin.levers import benefit_scale
from aidsim.calendar import parse_month
from aidsim.engine.events import start_pensions
from aidsim.engine.model import AidModel
from aidsim.rng import Streams
from tests.helpers import small_scenario


def test_a_person_turning_60_without_a_pension_gets_one():
    scenario = small_scenario(3000, 3, population__employee_pension_share_urban=0.85,
                              population__employee_pension_median=2600,
                              population__resident_pension={"urban": 200, "rural": 100})
    state = AidModel(scenario).state
    p = state.population.persons
    rows = np.flatnonzero(p.alive)[:400]
    p.age_months[rows] = 720
    p.pension[rows] = 0
    p.pension[rows[:10]] = 55.0  # already has one: kept
    started = start_pensions(state, scenario, Streams(1), parse_month("2020-03"))
    assert set(started) >= set(rows[10:]) and not set(rows[:10]) & set(started)
    assert (p.pension[rows[:10]] == 55.0).all()
    rural = rows[10:][~state.person_urban[rows[10:]]]
    urban = rows[10:][state.person_urban[rows[10:]]]
    assert (p.pension[rural] == 100).all()
    employee = p.pension[urban] != 200
    assert 0.6 < employee.mean() <= 1.0          # the urban share with an employees' pension
    assert np.median(p.pension[urban][employee]) == pytest.approx(2600, rel=0.25)


def test_nobody_else_gets_a_pension():
    scenario = small_scenario(2000, 3)
    state = AidModel(scenario).state
    p = state.population.persons
    p.age_months[p.age_months == 720] = 719
    before = p.pension.copy()
    assert start_pensions(state, scenario, Streams(1), parse_month("2020-03")).shape == (0,)
    assert (p.pension == before).all()


def test_benefit_scale_follows_income_growth_by_office():
    scenario = small_scenario(1000, 36, shocks__income__growth={"urban": 0.05, "rural": 0.10},
                              population__street_offices=2, population__townships=3)
    assert list(benefit_scale(scenario, parse_month("2020-06"), 5)) == [1, 1, 1, 1, 1]
    jan = benefit_scale(scenario, parse_month("2021-01"), 5)
    np.testing.assert_allclose(jan, [1.05, 1.05, 1.10, 1.10, 1.10])
