"""The administrative process on a few units, month by month (the simple roll the model runs,
:mod:`aidsim.admin.sparse_roll`)."""

from types import SimpleNamespace

import numpy as np

from aidsim.admin import sparse_roll
from aidsim.admin.pipeline import GRACE, OFF, ON, PENDING
from aidsim.admin.sparse_roll import SparseRoll


def advance(roll, month, eligible, income=None, take_up=None, delay=2, interval=6, grace=3, alive=None):
    """One month; the flows as masks over the units."""
    n = roll.status.shape[0]
    flows = sparse_roll.advance(
        roll, month=month, alive=np.ones(n, bool) if alive is None else alive,
        eligible=np.asarray(eligible), income=np.zeros(n, np.float32) if income is None else income,
        take_up_uniform=np.zeros(n, np.float32) if take_up is None else take_up,
        take_up_rate=0.5, delay_months=delay, review_interval=interval, grace_months=grace)
    masks = {}
    for name in ("applied", "entered", "refused", "exited"):
        masks[name] = np.zeros(n, dtype=bool)
        masks[name][getattr(flows, name)] = True
    return SimpleNamespace(**masks)


def test_application_in_month_1_with_a_60_day_delay_is_first_paid_in_month_3():
    roll = SparseRoll.empty(1)
    paid = []
    for month in (1, 2, 3, 4):
        advance(roll, month, [True], delay=2)
        paid.append(bool(roll.paid[0]))
    assert paid == [False, False, True, True]


def test_zero_delay_pays_in_the_month_of_application():
    roll = SparseRoll.empty(1)
    flows = advance(roll, 5, [True], delay=0)
    assert roll.status[0] == ON and flows.applied[0] and flows.entered[0]


def test_take_up_draw_above_the_rate_means_no_application():
    roll = SparseRoll.empty(2)
    flows = advance(roll, 1, [True, True], take_up=np.array([0.49, 0.51], np.float32))
    assert flows.applied.tolist() == [True, False]
    assert roll.status.tolist() == [PENDING, OFF]


def test_application_refused_when_no_longer_eligible_at_decision():
    roll = SparseRoll.empty(1)
    advance(roll, 1, [True], delay=1)
    flows = advance(roll, 2, [False], delay=1)
    assert flows.refused[0] and roll.status[0] == OFF


def test_review_keeps_eligible_and_updates_assessed_income():
    roll = SparseRoll.empty(1)
    advance(roll, 1, [True], income=np.array([100], np.float32), delay=0, interval=6)
    assert roll.value("next_review", 0) == 7
    advance(roll, 7, [True], income=np.array([250], np.float32), interval=6)
    assert roll.status[0] == ON and roll.value("assessed", 0) == 250 and roll.value("next_review", 0) == 13


def test_income_rise_between_reviews_is_not_seen_until_the_review():
    roll = SparseRoll.empty(1)
    advance(roll, 1, [True], income=np.array([100], np.float32), delay=0, interval=6)
    advance(roll, 4, [False], income=np.array([900], np.float32), interval=6)
    assert roll.status[0] == ON and roll.value("assessed", 0) == 100


def test_gradual_exit_keeps_paying_for_the_grace_months_then_stops():
    roll = SparseRoll.empty(1)
    advance(roll, 1, [True], delay=0, interval=6, grace=3)
    advance(roll, 7, [False], interval=6, grace=3)  # review finds income above the line
    assert roll.status[0] == GRACE and roll.paid[0]
    for month in (8, 9):
        flows = advance(roll, month, [False], grace=3)
        assert roll.paid[0] and not flows.exited[0]
    flows = advance(roll, 10, [False], grace=3)
    assert flows.exited[0] and roll.status[0] == OFF


def test_a_review_during_gradual_exit_puts_an_eligible_unit_back_on_the_roll():
    roll = SparseRoll.empty(1)
    advance(roll, 1, [True], income=np.array([300], np.float32), delay=0, interval=2, grace=6)
    advance(roll, 3, [False], income=np.array([900], np.float32), interval=2, grace=6)
    assert roll.status[0] == GRACE
    advance(roll, 5, [True], income=np.array([100], np.float32), interval=2, grace=6)
    assert roll.status[0] == ON and roll.value("assessed", 0) == 100 and roll.value("next_review", 0) == 7


def test_no_grace_means_exit_at_the_review():
    roll = SparseRoll.empty(1)
    advance(roll, 1, [True], delay=0, interval=6, grace=0)
    flows = advance(roll, 7, [False], interval=6, grace=0)
    assert flows.exited[0] and roll.status[0] == OFF


def test_dead_units_leave_the_roll():
    roll = SparseRoll.empty(2)
    advance(roll, 1, [True, True], delay=0)
    flows = advance(roll, 2, [True, True], alive=np.array([False, True]))
    assert flows.exited.tolist() == [True, False] and roll.status.tolist() == [OFF, ON]


def test_initial_enrolment_spreads_reviews_over_the_cycle():
    roll = SparseRoll.empty(6)
    sparse_roll.enrol_initial(roll, np.ones(6, bool), np.zeros(6, np.float32),
                              np.array([0, 0, 0, 0, 0, 0.9], np.float32), 0.5, month=10, review_interval=3)
    assert roll.status.tolist() == [ON] * 5 + [OFF]
    assert [roll.value("next_review", i) for i in range(5)] == [11, 12, 13, 11, 12]
