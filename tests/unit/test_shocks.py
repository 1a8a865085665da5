"""Shock processes: deterministic draws in, hand-checked transitions out."""

import numpy as np
import pytest

from aidsim.population.arrays import SELFCARE_FULL, SELFCARE_NONE
from aidsim.scenario.schema import HealthShocks
from aidsim.shocks import demography, health, income, labour


def test_annual_death_probability_applied_monthly():
    q = demography.monthly_death_probability(np.array([0, 70 * 12], dtype=np.int16), [0, 60], [0.0, 0.12])
    assert q[0] == 0
    assert q[1] == pytest.approx(1 - 0.88 ** (1 / 12), rel=1e-6)
    alive = np.array([True, True, False])
    died = demography.deaths(alive, np.array([70 * 12] * 3, np.int16), np.array([0.0, 0.5, 0.0], np.float32),
                             [0, 60], [0.0, 0.12])
    assert died.tolist() == [True, False, False]


def test_ageing_only_for_the_living():
    age = np.array([10, 20], dtype=np.int16)
    demography.age_one_month(age, np.array([True, False]))
    assert age.tolist() == [11, 20]


def test_insurance_pays_rate_above_deductible_up_to_cap():
    r = health.insurance_reimbursement(np.array([500, 10_800, 1_000_000], np.float32), 800, 0.6, 150_000)
    np.testing.assert_allclose(r, [0, 6000, 150_000])


def test_illness_onset_recovery_and_out_of_pocket():
    params = HealthShocks(illness_onset=0.1, illness_onset_60_plus=0.1, chronic_multiplier=1, recovery_rate=0.5,
                          hospital_cost_median=10_000, hospital_cost_sd=0.0, insurance_deductible=1000,
                          insurance_rate=0.5, insurance_cap=1e9)
    ill = np.array([False, False, True, True])
    out = health.illness_step(ill, np.ones(4, bool), np.zeros(4, bool), np.full(4, 400, np.int16),
                              np.array([0.05, 0.2, 0.3, 0.7], np.float32), np.full(4, 0.5, np.float32), params,
                              elderly_months=720)
    assert out.onset.tolist() == [True, False, False, False]
    assert ill.tolist() == [True, False, False, True]
    assert out.episodes.tolist() == [0]  # the money is per episode
    assert out.cost[0] == 10_000 and out.reimbursed[0] == 4500 and out.out_of_pocket[0] == 5500


def test_job_transitions():
    employed = np.array([True, True, False, False, False, True])
    able = np.array([True, True, True, True, False, False])
    refuses = np.array([False, False, False, True, False, False])
    u = np.array([0.005, 0.5, 0.01, 0.01, 0.01, 0.5], np.float32)
    labour.job_transitions(employed, able, refuses, u, loss_rate=0.01, finding_rate=0.05)
    # loses; keeps; finds; refuses work; unable; no longer able → stops
    assert employed.tolist() == [False, True, True, False, False, False]


def test_disability_onset_grade_and_self_care():
    disability = np.zeros(3, np.int8)
    selfcare = np.full(3, SELFCARE_FULL, np.int8)
    # hazard 0.1 for all (age 70); u/h = 0.05 → grade 1, 0.95 → grade 4, u above hazard → none
    onset = labour.disability_onset(disability, selfcare, np.ones(3, bool), np.full(3, 840, np.int16),
                                    np.array([0.005, 0.095, 0.5], np.float32), 0.0, 0.1, [0.1, 0.2, 0.3, 0.4],
                                    elderly_months=720)
    assert onset.tolist() == [True, True, False]
    assert disability.tolist() == [1, 4, 0]
    assert selfcare.tolist() == [SELFCARE_NONE, SELFCARE_FULL, SELFCARE_FULL]


def test_persistent_income_keeps_its_stationary_spread():
    rng = np.random.default_rng(0)
    level = (rng.standard_normal(200_000) * 0.6).astype(np.float32)
    for _ in range(24):
        income.update_persistent(level, rng.standard_normal(level.shape[0], dtype=np.float32), 0.9, 0.6)
    assert level.std() == pytest.approx(0.6, rel=0.02)


def test_sick_workers_earn_nothing():
    e = income.earnings(np.array([True, True, False]), np.array([False, True, False]),
                        np.zeros(3, np.float32), np.zeros(3, np.float32), np.zeros(3, np.float32), 0.2)
    assert e.tolist() == [1.0, 0.0, 0.0]


def test_the_older_hazards_start_at_the_elderly_age():
    """A 65-year-old gets the older onset rates when the elderly age is 60, not when it is 70."""
    age = np.full(1, 65 * 12, np.int16)
    for elderly_age, expected in ((60, True), (70, False)):
        disability = np.zeros(1, np.int8)
        onset = labour.disability_onset(disability, np.full(1, SELFCARE_FULL, np.int8), np.ones(1, bool), age,
                                        np.array([0.05], np.float32), 0.0, 0.1, [1.0, 0, 0, 0],
                                        elderly_months=elderly_age * 12)
        assert onset.tolist() == [expected]
