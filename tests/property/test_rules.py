"""Invariants of the rules, checked on many generated households (hypothesis)."""

import numpy as np
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from aidsim.admin import sparse_roll
from aidsim.admin.sparse_roll import SparseRoll
from aidsim.metrics.poverty import fgt, gap_sums
from aidsim.programmes import dibao

N = st.integers(1, 40)
money = st.floats(0, 5000, allow_nan=False, width=32)


@st.composite
def households(draw):
    n = draw(N)
    income = draw(arrays(np.float64, n, elements=money))
    members = draw(arrays(np.int64, n, elements=st.integers(0, 8)))
    standard = draw(arrays(np.float64, n, elements=st.floats(0, 2000, allow_nan=False)))
    shares = draw(arrays(np.float64, n, elements=st.floats(0, 3, allow_nan=False)))
    return income, members, standard, shares


@given(households(), st.floats(0, 50))
def test_dibao_is_never_negative_and_bounded(h, minimum):
    income, members, standard, shares = h
    amount = dibao.amount(standard, income, members, shares * 0, minimum)
    assert np.all(amount >= 0)
    assert np.all(amount <= members * np.maximum(standard, minimum) + 1e-9)


@given(households(), st.floats(0, 500))
def test_dibao_amount_and_eligibility_rise_with_the_standard(h, raise_by):
    income, members, standard, shares = h
    low = dibao.amount(standard, income, members, shares, 10)
    high = dibao.amount(standard + raise_by, income, members, shares, 10)
    assert np.all(high >= low - 1e-9)
    excluded = np.zeros(income.shape, bool)
    assert np.all(dibao.eligible(income, standard + raise_by, excluded, members)
                  >= dibao.eligible(income, standard, excluded, members))


@given(households())
def test_with_full_take_up_every_recipient_reaches_the_standard(h):
    income, members, standard, shares = h
    roll = SparseRoll.empty(income.shape[0])
    eligible = dibao.eligible(income, standard, np.zeros(income.shape, bool), members)
    sparse_roll.advance(roll, month=1, alive=members > 0, eligible=eligible, income=income.astype(np.float32),
                        take_up_uniform=np.zeros(income.shape, np.float32), take_up_rate=1.0,
                        delay_months=0, review_interval=1, grace_months=0)
    assert np.array_equal(roll.paid, eligible)
    amount = np.where(roll.paid, dibao.amount(standard, roll.dense("assessed"), members, shares, 0), 0)
    paid = roll.paid
    after = (income[paid] * members[paid] + amount[paid]) / members[paid]
    # float32 assessment: within a fen of the standard
    assert np.all(after >= standard[paid] - 0.01)


@given(arrays(np.float64, st.integers(1, 50), elements=money),
       arrays(np.int64, 50, elements=st.integers(0, 6)), st.floats(1, 3000))
def test_fgt_measures_are_ordered(pc, persons, line):
    persons = persons[: pc.shape[0]]
    f0, f1, f2 = (fgt(pc, line, persons, a) for a in (0, 1, 2))
    eps = 1e-12
    assert 0 <= f2 <= f1 + eps and f1 <= f0 + eps and f0 <= 1 + eps


@given(arrays(np.float64, st.integers(1, 50), elements=money),
       arrays(np.float64, 50, elements=st.floats(0, 2000, allow_nan=False)), st.floats(1, 3000))
def test_transfers_never_widen_the_gap(pc, transfer, line):
    transfer = transfer[: pc.shape[0]]
    persons = np.ones(pc.shape[0], np.int64)
    group = np.zeros(pc.shape[0], np.intp)
    before = gap_sums(pc, np.full(pc.shape, line), persons, group, 1)
    after = gap_sums(pc + transfer, np.full(pc.shape, line), persons, group, 1)
    assert after.gap_yuan[0] <= before.gap_yuan[0] + 1e-9
    assert after.poor[0] <= before.poor[0]
