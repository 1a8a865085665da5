"""Extreme-poverty support: 三无 eligibility and the basic-plus-care amount (seed 002 figures)."""

import numpy as np

from aidsim.programmes import tekun


def test_three_nos_eligibility():
    alive = np.array([True, True, True, True, False])
    able = np.array([False, True, False, False, False])
    income = np.array([100, 0, 100, 500, 0], dtype=np.float32)
    threshold = np.full(5, 433, dtype=np.float32)
    supporter = np.array([False, False, True, False, False])
    assert tekun.eligible(alive, able, income, threshold, supporter).tolist() == [True, False, False, False, False]


def test_amount_reproduces_seed_002_basic_standards():
    # 1.3 × 750 = 975 urban and 1.3 × 433 = 562.9 rural (seed 002 quotes 975 and 569)
    basic = tekun.amount(np.array([750.0, 433.0]), 1.3, np.array([1620.0, 1620.0]), np.array([0.0, 0.0]))
    np.testing.assert_allclose(basic, [975.0, 562.9])


def test_care_is_a_share_of_the_minimum_wage():
    # rural, partly dependent: 562.9 + 0.3 × 1620 = 1048.9; wholly dependent: 562.9 + 972 = 1534.9
    amount = tekun.amount(np.array([433.0, 433.0]), 1.3, np.array([1620.0, 1620.0]), np.array([0.3, 0.6]))
    np.testing.assert_allclose(amount, [1048.9, 1534.9])
