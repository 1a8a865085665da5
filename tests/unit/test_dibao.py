"""Dibao rules on hand-made households with hand-computed results."""

import numpy as np

from aidsim.programmes import dibao, means_test
from aidsim.scenario.schema import DibaoExclusions, DibaoSupplements


def test_eligible_strictly_below_the_standard_and_not_excluded():
    pc = np.array([300.0, 433.0, 432.99, 100.0, 100.0])
    std = np.full(5, 433.0)
    excluded = np.array([False, False, False, True, False])
    members = np.array([2, 2, 2, 2, 0])
    assert dibao.eligible(pc, std, excluded, members).tolist() == [True, False, True, False, False]


def test_top_up_is_standard_minus_income_per_member():
    # 3 members, per-capita income 200, standard 433 → 3 × 233 = 699
    amount = dibao.amount(np.array([433.0]), np.array([200.0]), np.array([3]), np.array([0.0]), 10)
    assert amount.tolist() == [699.0]


def test_supplements_are_shares_of_the_standard():
    # 2 members, pc income 400, standard 750: 2 × 350 = 700; supplements 0.2 + 0.1 of 750 = 225
    amount = dibao.amount(np.array([750.0]), np.array([400.0]), np.array([2]), np.array([0.3]), 10)
    assert amount.tolist() == [925.0]


def test_minimum_payment_per_member():
    # pc income 430 vs 433: top-up 2 × 3 = 6 < 2 × 10 → 20
    amount = dibao.amount(np.array([433.0]), np.array([430.0]), np.array([2]), np.array([0.0]), 10)
    assert amount.tolist() == [20.0]
    # a household with no member is paid nothing
    assert dibao.amount(np.array([433.0]), np.array([0.0]), np.array([0]), np.array([0.0]), 10).tolist() == [0.0]


def test_assessed_income_above_a_lowered_standard_gives_the_minimum_only():
    amount = dibao.amount(np.array([400.0]), np.array([420.0]), np.array([1]), np.array([0.0]), 10)
    assert amount.tolist() == [10.0]


def test_supplement_share_takes_the_largest_category():
    params = DibaoSupplements(elderly=0.1, elderly_age=70, severely_disabled=0.2, seriously_ill=0.15, minor=0.1)
    age = np.array([75, 75, 40, 10, 40]) * 12
    disability = np.array([0, 1, 0, 0, 3], dtype=np.int8)
    ill = np.array([False, False, True, False, False])
    shares = dibao.supplement_share(age, np.isin(disability, [1, 2]), ill, params, minor_months=18 * 12)
    np.testing.assert_allclose(shares, [0.1, 0.2, 0.15, 0.1, 0.0], rtol=1e-6)


def test_per_capita_income_of_an_empty_household_is_infinite():
    pc = means_test.per_capita(np.array([900.0, 0.0]), np.array([3, 0]))
    assert pc[0] == 300.0 and np.isinf(pc[1])


def test_exclusions_follow_their_switches():
    kw = dict(vehicle=np.array([True, False, False, False]), business=np.array([False, False, False, False]),
              two_dwellings=np.array([False, True, False, False]),
              outside_supporter=np.array([False, False, True, False]),
              barring_members=np.array([0, 0, 0, 1]))
    on = DibaoExclusions()
    assert means_test.excluded(on, **kw).tolist() == [True, True, False, True]
    off = DibaoExclusions(vehicle=False, two_dwellings=False, supporter_not_supporting=True)
    assert means_test.excluded(off, **kw).tolist() == [False, False, True, True]


def test_members_that_bar_their_household():
    sw = DibaoExclusions(member_income_above_standard=True)
    bars = means_test.member_bars_household(
        sw, public_sector=np.array([True, True, False, False, False]),
        employed=np.array([True, False, False, True, False]),
        refuses_work=np.array([False, False, True, False, False]),
        own_income=np.array([0, 0, 0, 800, 100], dtype=np.float32),
        urban=np.array([True, True, True, True, True]), standards=(np.float32(750), np.float32(50)))
    # public-sector worker; former public-sector without work (not barred); refusing work;
    # wage above the standard; none (under the urban standard)
    assert bars.tolist() == [True, False, True, True, False]
    assert not means_test.member_bars_household(
        DibaoExclusions(), public_sector=np.array([False]), employed=np.array([True]),
        refuses_work=np.array([False]), own_income=np.array([800.0]), urban=np.array([False]),
        standards=(750.0, 750.0))[0]


def test_a_members_income_is_compared_with_the_standard_of_their_hukou():
    sw = DibaoExclusions(member_income_above_standard=True)
    own = np.array([500, 500, 800, 300], dtype=np.float32)
    urban = np.array([True, False, True, False])
    bars = means_test.member_bars_household(
        sw, public_sector=np.zeros(4, bool), employed=np.ones(4, bool), refuses_work=np.zeros(4, bool),
        own_income=own, urban=urban, standards=(np.float32(750), np.float32(433)))
    assert bars.tolist() == (own > np.where(urban, np.float32(750), np.float32(433))).tolist() \
        == [False, True, True, False]
