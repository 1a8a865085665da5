"""The dibao administrative process (:func:`aidsim.admin.process.advance_dibao`) on a few
hand-made households, month by month, with every draw set by hand."""


import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aidsim.admin.pipeline import GRACE, NEVER, OFF, ON, PENDING
from aidsim.admin.process import (
    APPROVING,
    DAYS_PER_MONTH,
    FLOWS,
    QUEUED,
    RATIONED_BUDGET,
    RATIONED_QUOTA,
    U_ASSET,
    U_DELAY,
    U_FAVOUR,
    U_FORMAL,
    U_INFORMAL,
    U_ORDER,
    U_OTHER,
    U_REFUSAL,
    DibaoFlows,
    DibaoRoll,
    Draws,
    HouseholdView,
    Levers,
    OfficePlan,
    _rows_at,
    _start_of_month,
    advance_dibao,
    application_probability,
    expected_benefit,
    route_days,
    take_in_order,
)
from aidsim.metrics.targeting import admin_sums
from aidsim.programmes.base import Payment
from aidsim.rows import flagged

STANDARD = 500.0
UNIFORM_NAMES = {"formal": U_FORMAL, "informal": U_INFORMAL, "other": U_OTHER, "asset": U_ASSET,
                 "favour": U_FAVOUR, "refusal": U_REFUSAL, "delay": U_DELAY, "order": U_ORDER}


def pack(n, **uniforms):
    """A ``(2, n)`` uint64 array whose decoded uniforms are (within 1/65536) the ones given by name
    (``formal=``, ``favour=``…, a number or one per household); the others are 0.5."""
    raw = np.zeros((2, n), dtype=np.uint64)
    for name, k in UNIFORM_NAMES.items():
        u = np.broadcast_to(np.asarray(uniforms.get(name, 0.5), dtype=np.float64), (n,))
        bits = np.clip(np.floor(u * 65536), 0, 65535).astype(np.uint64)
        raw[k // 4] |= bits << np.uint64(16 * (k % 4))
    return raw


def decoded(raw, i, k):
    """The formula of the brief, written independently of the module."""
    return ((int(raw[k // 4, i]) >> (16 * (k % 4))) & 0xFFFF) / 65536 + 0.5 / 65536


def draws(n, apply=0.0, inspection=None, **uniforms):
    """This month's draws: ``apply`` 0 makes every candidate apply (probability > 0), 1 none."""
    return Draws(apply=np.broadcast_to(np.asarray(apply, np.float32), (n,)).copy(),
                 raw=pack(n, **uniforms), inspection=inspection)


def levers(**changes):
    """Frictionless levers (all apply, perfect detection, no delay, no favour, no refusal)."""
    base = dict(
        apply_rate=1.0, reference_benefit=100.0, benefit_elasticity=0.0, stigma=0.0,
        distance_cost=0.0, hopeful_multiple=1.0, hopeful_benefit=0.0, favour_ceiling_multiple=1.0,
        campaign_factor=np.ones(2), reapply_wait=3, detection=(1.0, 1.0, 1.0, 1.0), load_penalty=0.0,
        wrongful_refusal=0.0, favour_probability=0.0, township_limit=np.inf,
        township_days=(0.0, 0.0), county_days=(0.0, 0.0), days_saved=0.0, grace_months=2,
        review_effort=0.5, inspect=False, inspection_detection=1.0, inspection_favour_detection=1.0,
    )
    return Levers(**(base | changes))


def plan(capacity=np.inf, quota=np.inf, budget=np.inf, n_areas=1):
    def per_area(v):
        return np.broadcast_to(np.asarray(v, dtype=np.float64), (n_areas,)).copy()
    return OfficePlan(capacity=per_area(capacity), quota_persons=per_area(quota),
                      budget_headroom=per_area(budget))


class Households:
    """A few households: their truth and declarations (:meth:`view`) and the :class:`CaseFacts`
    an office learns when it works their cases (``hidden`` income, ``review_interval``, ``benefit``)."""

    def __init__(self, declared_pc, *, members=1, area=0, formal=0.0, informal=0.0, other=0.0,
                 asset_barred=False, other_barred=False, connected=False, alive=True, interval=12,
                 standard=STANDARD, distance_km=0.0):
        self.declared_pc = np.asarray(declared_pc, dtype=np.float64)
        n = self.n = self.declared_pc.shape[0]

        def full(value, dtype):
            return np.broadcast_to(np.asarray(value, dtype=dtype), (n,)).copy()

        self.members = full(members, np.int64)
        self.area = full(area, np.intp)
        self.formal, self.informal, self.other = (full(v, np.float64) for v in (formal, informal, other))
        self.asset_barred, self.other_barred = full(asset_barred, bool), full(other_barred, bool)
        self.connected, self.alive = full(connected, bool), full(alive, bool)
        self.interval = full(interval, np.int32)
        self.standard = full(standard, np.float64)
        self.distance_km = full(distance_km, np.float32)

    # CaseFacts
    def hidden(self, idx):
        return self.formal[idx], self.informal[idx], self.other[idx]

    def review_interval(self, idx):
        return self.interval[idx]

    def benefit(self, idx, assessed_pc):
        return self.members[idx] * np.maximum(self.standard[idx] - assessed_pc, 0.0)

    # The truth
    @property
    def true_pc(self):
        return self.declared_pc + (self.formal + self.informal + self.other) / self.members

    @property
    def eligible(self):
        return (self.alive & (self.members > 0) & (self.true_pc < self.standard)
                & ~self.asset_barred & ~self.other_barred)

    def view(self):
        # As the engine builds it: a household without a living member has no members and
        # declares an infinite per-capita income.
        alive = self.alive & (self.members > 0)
        return HouseholdView(
            alive=alive, eligible=self.eligible, members=np.where(alive, self.members, 0),
            standard=self.standard, declared_pc=np.where(alive, self.declared_pc, np.inf),
            above_line=self.true_pc >= self.standard, asset_barred=self.asset_barred,
            other_barred=self.other_barred, connected=self.connected, distance_km=self.distance_km,
            area=self.area)


def step(hh, roll, month, *, office=None, lv=None, dr=None):
    return advance_dibao(roll, month=month, hh=hh.view(), facts=hh, draws=dr or draws(hh.n),
                         plan=office or plan(), lv=lv or levers())


def put_on_roll(roll, rows, *, next_review, assessed=300.0, sound=True, favour=False):
    roll.status[rows] = ON
    roll.next_review[rows] = next_review
    roll.assessed[rows] = assessed
    roll.sound[rows] = sound
    roll.favour[rows] = favour


def test_pack_gives_the_uniforms_asked_for():
    raw = pack(2, formal=[0.1, 0.9], favour=0.3, order=[0.999, 0.0])
    d = Draws(apply=np.zeros(2, np.float32), raw=raw, inspection=None)
    idx = np.arange(2)
    for k, want in ((U_FORMAL, [0.1, 0.9]), (U_FAVOUR, [0.3, 0.3]), (U_ORDER, [0.999, 0.0]),
                    (U_DELAY, [0.5, 0.5])):
        got = d.uniform(idx, k)
        assert got == pytest.approx(want, abs=1 / 65536)
        assert got.tolist() == pytest.approx([decoded(raw, i, k) for i in range(2)], abs=1e-7)
        assert np.all((got > 0) & (got < 1))


# -- the route from application to first payment --------------------------------------------------

def test_sixty_day_route_applied_in_month_1_is_first_paid_in_month_3():
    hh = Households([300.0], members=2)
    roll = DibaoRoll.empty(1)
    lv = levers(township_days=(60.0, 60.0))
    seen = []
    for month in (1, 2, 3, 4):
        flows = step(hh, roll, month, lv=lv)
        stage = int(roll.stage[0]) if roll.status[0] == PENDING else None
        seen.append((int(roll.status[0]), stage, bool(flows.applied[0]), bool(flows.surveyed[0]),
                     bool(flows.entered[0])))
        if month == 1:
            # 60 days ≈ 1.97 months → decided two months after the survey
            assert roll.decision_month[0] == 3 and roll.applied_month[0] == 1
    assert seen == [(PENDING, APPROVING, True, True, False),
                    (PENDING, APPROVING, False, False, False),
                    (ON, None, False, False, True),
                    (ON, None, False, False, False)]
    assert roll.days[0] == pytest.approx(60.0)
    assert roll.paid.tolist() == [True]
    assert roll.next_review[0] == 3 + 12
    assert roll.assessed[0] == pytest.approx(300.0)
    assert roll.sound[0] and not roll.favour[0]


def test_days_count_the_months_in_the_backlog():
    hh = Households([300.0])
    roll = DibaoRoll.empty(1)
    lv = levers(township_days=(20.0, 20.0))
    step(hh, roll, 1, office=plan(capacity=0), lv=lv)
    step(hh, roll, 2, office=plan(capacity=0), lv=lv)
    flows = step(hh, roll, 3, office=plan(capacity=1), lv=lv)  # surveyed two months late
    # 20 days round to 1 month: decided in month 4
    assert flows.surveyed[0] and roll.decision_month[0] == 4 and roll.status[0] == PENDING
    flows = step(hh, roll, 4, lv=lv)
    assert flows.entered[0]
    assert roll.days[0] == pytest.approx(2 * DAYS_PER_MONTH + 20.0, abs=1e-3)


def test_without_capacity_applications_stay_queued():
    hh = Households([100.0, 200.0, 300.0])
    roll = DibaoRoll.empty(3)
    for month in (1, 2, 3, 4):
        flows = step(hh, roll, month, office=plan(capacity=0))
        assert flows.applied.tolist() == [month == 1] * 3
        assert not flows.surveyed.any() and not flows.entered.any() and not flows.refused.any()
        assert roll.status.tolist() == [PENDING] * 3
        assert roll.stage.tolist() == [QUEUED] * 3
        assert roll.applied_month.tolist() == [1, 1, 1]
        assert flows.work_done.tolist() == [0.0]
        assert flows.utilisation.tolist() == [0.0]


def test_capacity_surveys_the_oldest_applications_first():
    hh = Households([300.0] * 5)
    roll = DibaoRoll.empty(5)
    apply_in = np.array([2, 2, 3, 1, 1])  # households 3 and 4 applied first
    surveyed = {}
    for month in (1, 2, 3, 4, 5, 6):
        cap = 0 if month < 3 else 2
        dr = draws(5, apply=np.where(apply_in == month, 0.0, 1.0))
        flows = step(hh, roll, month, office=plan(capacity=cap), dr=dr)
        surveyed[month] = np.flatnonzero(flows.surveyed).tolist()
        assert flows.work_done[0] == len(surveyed[month]) <= cap
    assert roll.applied_month.tolist() == apply_in.tolist()
    assert surveyed == {1: [], 2: [], 3: [3, 4], 4: [0, 1], 5: [2], 6: []}
    assert roll.status.tolist() == [ON] * 5  # no delay: each entered the month it was surveyed


def test_capacity_is_counted_per_area():
    hh = Households([300.0] * 4, area=[0, 0, 1, 1])
    roll = DibaoRoll.empty(4)
    flows = step(hh, roll, 1, office=plan(capacity=[1.0, 0.0], n_areas=2),
                 dr=draws(4, order=[0.9, 0.1, 0.1, 0.2]))
    assert flows.surveyed.tolist() == [False, True, False, False]
    assert flows.work_done.tolist() == [1.0, 0.0]
    assert flows.utilisation.tolist() == [1.0, 0.0]


def test_reviews_share_the_capacity_with_surveys():
    # 0, 1: recipients with reviews due since month 3 and month 5; 2, 3: applied in month 4
    hh = Households([300.0] * 4, interval=12)
    roll = DibaoRoll.empty(4)
    put_on_roll(roll, [0], next_review=3)
    put_on_roll(roll, [1], next_review=5)
    roll.status[[2, 3]] = PENDING
    roll.stage[[2, 3]] = QUEUED
    roll.applied_month[[2, 3]] = 4
    lv = levers(review_effort=0.5)
    flows = step(hh, roll, 5, office=plan(capacity=2), lv=lv, dr=draws(4, order=[0.5, 0.5, 0.1, 0.9]))
    # Oldest first: review 0 (2 months late, 0.5), survey 2 (1 month, 1.0, wins the tie), then
    # survey 3 would bring the work to 2.5 > 2: it waits, and so does review 1 behind it.
    assert flows.reviewed.tolist() == [True, False, False, False]
    assert flows.surveyed.tolist() == [False, False, True, False]
    assert flows.work_done.tolist() == [1.5]
    assert flows.utilisation.tolist() == [0.75]
    assert roll.next_review[:2].tolist() == [5 + 12, 5]  # the review not done stays due
    assert roll.status.tolist() == [ON, ON, ON, PENDING]
    assert roll.stage[3] == QUEUED
    flows = step(hh, roll, 6, office=plan(capacity=2), lv=lv, dr=draws(4, apply=1.0))
    assert flows.surveyed.tolist() == [False, False, False, True]
    assert flows.reviewed.tolist() == [False, True, False, False]
    assert flows.work_done.tolist() == [1.5]
    assert roll.next_review[:2].tolist() == [17, 18]


# -- verification ---------------------------------------------------------------------------------

def test_perfect_verification_without_favour_approves_no_ineligible_household():
    # Declared 300 per person each; the hidden income puts some of them above the standard.
    hh = Households([300.0] * 8, members=[1, 2, 1, 2, 1, 3, 1, 2],
                    formal=[0, 500, 0, 0, 150, 0, 0, 100], informal=[0, 0, 250, 0, 100, 700, 0, 0],
                    other=[0, 0, 0, 199, 0, 0, 0, 300])
    # true per capita: 300, 550, 550, 399.5, 550, 533.3, 300, 500
    assert hh.eligible.tolist() == [True, False, False, True, False, False, True, False]
    roll = DibaoRoll.empty(8)
    rng = np.random.default_rng(5)
    u = {name: rng.uniform(0, 1, 8) for name in ("formal", "informal", "other", "asset", "favour")}
    flows = step(hh, roll, 1, lv=levers(favour_probability=1.0), dr=draws(8, **u))
    assert flows.applied.all()
    assert np.array_equal(flows.entered, hh.eligible)
    assert np.array_equal(flows.refused, ~hh.eligible)
    assert not (roll.paid & ~hh.eligible).any()  # inclusion error 0
    paid = roll.paid
    assert roll.assessed[paid] == pytest.approx(hh.true_pc[paid])
    assert roll.sound[paid].all()
    assert not flows.favour_approved.any()


@pytest.mark.parametrize(("u_informal", "approved"), [(0.39, False), (0.41, True)])
def test_hidden_income_is_missed_when_the_detection_draw_fails(u_informal, approved):
    # declared 300, hides 400 of informal earnings: truly 700 > 500, ineligible
    hh = Households([300.0], informal=400.0)
    roll = DibaoRoll.empty(1)
    lv = levers(detection=(1.0, 0.4, 1.0, 1.0))
    flows = step(hh, roll, 1, lv=lv, dr=draws(1, informal=u_informal))
    assert flows.surveyed[0]
    assert bool(flows.entered[0]) is approved and bool(flows.refused[0]) is not approved
    if approved:
        assert roll.status[0] == ON
        assert roll.assessed[0] == pytest.approx(300.0)   # assessed at the declaration
        assert not roll.sound[0]                          # counted as a verification error
    else:
        assert roll.status[0] == OFF and roll.refused_until[0] == 1 + 3


def test_each_income_kind_has_its_own_detection():
    # each household hides 400 of one kind; detections 0.2 / 0.5 / 0.8; every draw 0.35
    hh = Households([300.0] * 3, formal=[400, 0, 0], informal=[0, 400, 0], other=[0, 0, 400])
    roll = DibaoRoll.empty(3)
    lv = levers(detection=(0.2, 0.5, 0.8, 1.0))
    flows = step(hh, roll, 1, lv=lv, dr=draws(3, formal=0.35, informal=0.35, other=0.35))
    assert flows.entered.tolist() == [True, False, False]


def test_an_asset_is_found_only_when_the_asset_draw_succeeds():
    hh = Households([300.0] * 2, asset_barred=True)
    roll = DibaoRoll.empty(2)
    flows = step(hh, roll, 1, lv=levers(detection=(1.0, 1.0, 1.0, 0.7)), dr=draws(2, asset=[0.69, 0.71]))
    assert flows.refused.tolist() == [True, False]
    assert flows.entered.tolist() == [False, True]
    assert not roll.sound[1]


def test_caseworker_load_lowers_detection():
    # Informal detection 0.4, load penalty 0.5, a detection draw of 0.25. Both cases worked fill an
    # office of capacity 2 (utilisation 1): detection 0.4 × 0.5 = 0.2 misses the hidden income.
    # With capacity 4 (utilisation 0.5) detection is 0.4 × 0.75 = 0.3 and finds it.
    hh = Households([300.0] * 2, informal=[400.0, 0.0])
    lv = levers(detection=(1.0, 0.4, 1.0, 1.0), load_penalty=0.5)
    flows = step(hh, DibaoRoll.empty(2), 1, office=plan(capacity=2), lv=lv, dr=draws(2, informal=0.25))
    assert flows.utilisation.tolist() == [1.0]
    assert flows.entered.tolist() == [True, True]
    flows = step(hh, DibaoRoll.empty(2), 1, office=plan(capacity=4), lv=lv, dr=draws(2, informal=0.25))
    assert flows.utilisation.tolist() == [0.5]
    assert flows.entered.tolist() == [False, True]
    lv = levers(detection=(1.0, 0.4, 1.0, 1.0), load_penalty=0.0)
    flows = step(hh, DibaoRoll.empty(2), 1, office=plan(capacity=2), lv=lv, dr=draws(2, informal=0.25))
    assert flows.entered.tolist() == [False, True]


# -- favour and wrongful refusal ----------------------------------------------------------------

def test_favour_approves_a_connected_ineligible_household_when_the_draw_is_below_the_probability():
    # all ineligible (hidden income found); 0, 1 connected; 2 not connected
    hh = Households([300.0] * 3, other=400.0, connected=[True, True, False], interval=3)
    roll = DibaoRoll.empty(3)
    lv = levers(favour_probability=0.3)
    flows = step(hh, roll, 1, lv=lv, dr=draws(3, favour=[0.29, 0.31, 0.01]))
    assert flows.favour_approved.tolist() == [True, False, False]
    assert flows.entered.tolist() == [True, False, False]
    assert flows.refused.tolist() == [False, True, True]
    assert roll.favour.tolist() == [True, False, False]
    assert not roll.sound[0]
    # At its review (month 4) the favour case is kept whatever the draw.
    for month in (2, 3, 4):
        flows = step(hh, roll, month, lv=lv, dr=draws(3, apply=1.0, favour=0.99))
    assert flows.reviewed.tolist() == [True, False, False]
    assert flows.favour_approved.tolist() == [True, False, False]
    assert roll.status[0] == ON and roll.favour[0] and roll.next_review[0] == 4 + 3
    assert not flows.exited.any()


def test_connected_households_apply_up_to_the_favour_ceiling():
    # declared 700 > standard 500: only a connected household applies (ceiling 1.5 × 500 = 750)
    hh = Households([700.0, 700.0, 800.0], connected=[True, False, True])
    roll = DibaoRoll.empty(3)
    flows = step(hh, roll, 1, lv=levers(favour_ceiling_multiple=1.5, favour_probability=1.0))
    assert flows.applied.tolist() == [True, False, False]
    assert flows.favour_approved.tolist() == [True, False, False]


def test_favour_case_is_dropped_when_it_becomes_eligible():
    hh = Households([300.0], other=400.0, connected=True, interval=1)
    roll = DibaoRoll.empty(1)
    step(hh, roll, 1, lv=levers(favour_probability=1.0))
    assert roll.favour[0]
    hh.other[:] = 0.0  # now truly eligible: kept on its own merit
    flows = step(hh, roll, 2, lv=levers(favour_probability=1.0))
    assert flows.reviewed[0] and not flows.favour_approved[0]
    assert roll.status[0] == ON and not roll.favour[0] and roll.sound[0]


def test_wrongful_refusal_and_the_wait_before_applying_again():
    hh = Households([300.0, 300.0])
    roll = DibaoRoll.empty(2)
    lv = levers(wrongful_refusal=0.1, reapply_wait=3)
    flows = step(hh, roll, 1, lv=lv, dr=draws(2, refusal=[0.05, 0.5]))
    assert flows.wrongly_refused.tolist() == [True, False]
    assert flows.refused.tolist() == [True, False]
    assert roll.status.tolist() == [OFF, ON]
    assert roll.refused_until[0] == 4
    for month in (2, 3):
        flows = step(hh, roll, month, lv=lv, dr=draws(2, refusal=0.5))
        assert not flows.applied[0] and roll.status[0] == OFF
    flows = step(hh, roll, 4, lv=lv, dr=draws(2, refusal=0.5))
    assert flows.applied[0] and flows.entered[0]


def test_wrongful_refusal_only_touches_applications_not_reviews():
    hh = Households([300.0], interval=1)
    roll = DibaoRoll.empty(1)
    put_on_roll(roll, [0], next_review=1)
    flows = step(hh, roll, 1, lv=levers(wrongful_refusal=1.0), dr=draws(1, refusal=0.01))
    assert flows.reviewed[0] and not flows.wrongly_refused[0] and roll.status[0] == ON


# -- special inspections --------------------------------------------------------------------------

def test_special_inspection_removes_the_cases_wrongly_on_the_roll_and_keeps_the_eligible():
    # On the roll: 0, 1 eligible; 2 hid income missed at its means test (unsound); 3 a favour
    # case; 4 owns a barred asset missed at its means test; 5 was sound but its income has risen
    # above the line; 8 was sound but now owns a barred asset. 6 is in gradual exit (not
    # inspected) and 7 pending (not on the roll).
    hh = Households([300.0, 450.0, 300.0, 300.0, 300.0, 600.0, 600.0, 300.0, 300.0],
                    informal=[0, 0, 400, 400, 0, 0, 0, 400, 0],
                    asset_barred=[False, False, False, False, True, False, False, False, True],
                    connected=[False, False, False, True, False, False, False, False, False])
    assert hh.eligible.tolist() == [True, True, False, False, False, False, False, False, False]
    roll = DibaoRoll.empty(9)
    put_on_roll(roll, np.arange(9), next_review=20)
    roll.sound[[2, 3, 4]] = False
    roll.favour[3] = True
    roll.status[6] = GRACE
    roll.exit_month[6] = 4
    roll.status[7] = PENDING
    roll.stage[7] = APPROVING
    roll.decision_month[7] = 9
    roll.applied_month[7] = 1
    rng = np.random.default_rng(11)
    inspection = rng.bit_generator.random_raw((2, 9))
    lv = levers(inspect=True, inspection_detection=1.0, inspection_favour_detection=1.0,
                detection=(0.0, 0.0, 0.0, 0.0), grace_months=2)
    flows = step(hh, roll, 3, lv=lv, dr=draws(9, apply=1.0, inspection=inspection))
    assert flows.inspected_out.tolist() == [False, False, True, True, True, False, False, False, True]
    assert roll.status.tolist() == [ON, ON, OFF, OFF, OFF, GRACE, GRACE, PENDING, OFF]
    assert roll.exit_month[[5, 6]].tolist() == [3 + 2, 4]  # 5 starts its gradual exit, as at a review
    assert flows.exited.tolist() == flows.inspected_out.tolist()
    assert not roll.favour.any()
    assert roll.next_review[[2, 3, 4, 8]].tolist() == [NEVER] * 4
    # removed like a refusal: they wait before applying again (none re-applied this month)
    assert roll.refused_until[[2, 3, 4, 8]].tolist() == [3 + lv.reapply_wait] * 4
    assert not flows.applied[[2, 3, 4, 8]].any()
    # every household left ON is eligible, every eligible recipient is still ON
    on = roll.status == ON
    assert not (on & ~hh.eligible).any()
    assert on[[0, 1]].all()


def test_perfect_inspection_leaves_only_eligible_households_on_the_roll():
    rng = np.random.default_rng(3)
    n = 200
    hh = Households(rng.uniform(0, 700, n), members=rng.integers(1, 5, n),
                    formal=rng.choice([0.0, 300.0], n), informal=rng.choice([0.0, 200.0], n),
                    asset_barred=rng.uniform(size=n) < 0.1, other_barred=rng.uniform(size=n) < 0.05,
                    connected=rng.uniform(size=n) < 0.3)
    roll = DibaoRoll.empty(n)
    put_on_roll(roll, np.arange(n), next_review=20)
    roll.sound[:] = rng.uniform(size=n) < 0.5
    roll.favour[:] = hh.connected & (rng.uniform(size=n) < 0.5)
    lv = levers(inspect=True, inspection_detection=1.0, inspection_favour_detection=1.0, grace_months=0)
    inspection = rng.bit_generator.random_raw((2, n))
    flows = step(hh, roll, 3, lv=lv, dr=draws(n, apply=1.0, inspection=inspection))
    assert (~hh.eligible).sum() > 20
    assert np.array_equal(flows.inspected_out, ~hh.eligible)
    assert np.array_equal(roll.status == ON, hh.eligible)


def test_an_inspection_misses_a_favour_case_when_its_draw_fails():
    hh = Households([300.0, 300.0], informal=400.0, connected=True)
    roll = DibaoRoll.empty(2)
    put_on_roll(roll, [0, 1], next_review=20, favour=True, sound=False)
    lv = levers(inspect=True, inspection_detection=1.0, inspection_favour_detection=0.6)
    flows = step(hh, roll, 3, lv=lv, dr=draws(2, apply=1.0, inspection=pack(2, favour=[0.59, 0.61])))
    assert flows.inspected_out.tolist() == [True, False]
    assert roll.status.tolist() == [OFF, ON] and roll.favour.tolist() == [False, True]


# -- reviews --------------------------------------------------------------------------------------

def test_review_finding_income_above_the_line_gives_a_gradual_exit_then_the_household_leaves():
    hh = Households([600.0], interval=12)
    roll = DibaoRoll.empty(1)
    put_on_roll(roll, [0], next_review=5)
    lv = levers(grace_months=2)
    status, exited = [], []
    for month in (5, 6, 7, 8):
        flows = step(hh, roll, month, lv=lv, dr=draws(1, apply=1.0))
        status.append(int(roll.status[0]))
        exited.append(bool(flows.exited[0]))
        if month == 5:
            assert flows.reviewed[0] and roll.exit_month[0] == 7
    assert status == [GRACE, GRACE, OFF, OFF]   # paid in gradual exit in months 5 and 6
    assert exited == [False, False, True, False]


def test_a_household_whose_gradual_exit_ends_and_applies_again_is_one_case():
    # Household 0's gradual exit ends in month 7 and it applies again that month (its income fell
    # back under the line); household 1 applied the same month and is queued after it. Two surveys
    # a month: the returning household must take one, not two (as a pending case and as a new
    # one), so both are surveyed.
    hh = Households([300.0, 300.0])
    roll = DibaoRoll.empty(2)
    roll.status[0], roll.exit_month[0] = GRACE, 7
    roll.status[1], roll.stage[1], roll.applied_month[1] = PENDING, QUEUED, 7
    flows = step(hh, roll, 7, office=plan(capacity=2.0), dr=draws(2, apply=[0.0, 1.0], order=[0.0, 0.9]))
    assert flows.exited.tolist() == [True, False] and flows.applied.tolist() == [True, False]
    assert flows.surveyed.tolist() == [True, True]
    assert flows.work_done.tolist() == [2.0]
    assert flows.entered.tolist() == [True, True]
    assert roll.status.tolist() == [ON, ON]


def test_review_finding_a_barred_asset_removes_the_household_at_once():
    hh = Households([300.0, 300.0], asset_barred=[True, False], interval=6)
    roll = DibaoRoll.empty(2)
    put_on_roll(roll, [0, 1], next_review=5)
    flows = step(hh, roll, 5, lv=levers(grace_months=2), dr=draws(2, apply=1.0))
    assert flows.reviewed.tolist() == [True, True]
    assert roll.status.tolist() == [OFF, ON]
    assert flows.exited.tolist() == [True, False]
    assert roll.next_review.tolist() == [NEVER, 11]


def test_without_gradual_exit_a_household_above_the_line_leaves_at_once():
    hh = Households([600.0])
    roll = DibaoRoll.empty(1)
    put_on_roll(roll, [0], next_review=5)
    flows = step(hh, roll, 5, lv=levers(grace_months=0), dr=draws(1, apply=1.0))
    assert roll.status[0] == OFF and flows.exited[0]


def test_review_updates_the_assessed_income():
    hh = Households([250.0], members=2, interval=3)
    roll = DibaoRoll.empty(1)
    put_on_roll(roll, [0], next_review=5, assessed=100.0)
    flows = step(hh, roll, 5, dr=draws(1, apply=1.0))
    assert flows.reviewed[0] and roll.status[0] == ON
    assert roll.assessed[0] == pytest.approx(250.0)
    assert roll.next_review[0] == 8


def test_deaths_leave_the_roll_and_drop_applications():
    hh = Households([300.0] * 3, alive=[False, False, True])
    roll = DibaoRoll.empty(3)
    put_on_roll(roll, [0, 2], next_review=20)
    roll.status[1] = PENDING
    roll.applied_month[1] = 1
    flows = step(hh, roll, 2)
    assert roll.status.tolist() == [OFF, OFF, ON]
    assert flows.exited.tolist() == [True, False, False]
    assert not flows.applied.any()


# -- quota and budget -----------------------------------------------------------------------------

def test_quota_rations_approvals_and_lets_them_in_when_room_appears():
    hh = Households([300.0] * 3, members=2)
    roll = DibaoRoll.empty(3)
    office = plan(quota=4)
    flows = step(hh, roll, 1, office=office, dr=draws(3, order=[0.1, 0.2, 0.3]))
    assert flows.entered.tolist() == [True, True, False]
    assert roll.status.tolist() == [ON, ON, PENDING]
    assert roll.stage[2] == RATIONED_QUOTA
    flows = step(hh, roll, 2, office=office, dr=draws(3, apply=1.0))
    assert not flows.entered.any() and roll.stage[2] == RATIONED_QUOTA
    hh.alive[0] = False  # a place frees up
    flows = step(hh, roll, 3, office=office, dr=draws(3, apply=1.0))
    assert flows.entered.tolist() == [False, False, True]
    assert roll.status.tolist() == [OFF, ON, ON]
    assert roll.days[2] == pytest.approx(2 * DAYS_PER_MONTH, abs=1e-3)  # two months held back


def test_quota_counts_members_already_on_the_roll():
    hh = Households([300.0] * 3, members=[3, 1, 2])
    roll = DibaoRoll.empty(3)
    put_on_roll(roll, [0], next_review=20)
    flows = step(hh, roll, 1, office=plan(quota=4), dr=draws(3, order=[0.5, 0.7, 0.1]))
    # 3 persons on the roll leave room for 1: household 2 (2 persons) is first in order and does
    # not fit, so household 1 waits behind it
    assert flows.entered.tolist() == [False, False, False]
    assert roll.stage[[1, 2]].tolist() == [RATIONED_QUOTA, RATIONED_QUOTA]


def test_budget_rations_approvals_in_order():
    # benefits 200, 100, 50 (members 1, standard 500)
    hh = Households([300.0, 400.0, 450.0])
    roll = DibaoRoll.empty(3)
    flows = step(hh, roll, 1, office=plan(budget=250), dr=draws(3, order=[0.1, 0.2, 0.3]))
    # 200 fits; 200 + 100 does not, and the 50 behind it waits too (a queue, not a knapsack)
    assert flows.entered.tolist() == [True, False, False]
    assert roll.stage[[1, 2]].tolist() == [RATIONED_BUDGET, RATIONED_BUDGET]
    assert roll.status.tolist() == [ON, PENDING, PENDING]
    flows = step(hh, roll, 2, office=plan(budget=150), dr=draws(3, apply=1.0))
    assert flows.entered.tolist() == [False, True, True]


def test_budget_and_quota_together():
    hh = Households([300.0, 400.0, 450.0])
    roll = DibaoRoll.empty(3)
    flows = step(hh, roll, 1, office=plan(quota=2, budget=250), dr=draws(3, order=[0.3, 0.1, 0.2]))
    # order 1, 2, 0: the quota takes 1 and 2 (2 persons), the budget takes both (150)
    assert flows.entered.tolist() == [False, True, True]
    assert roll.stage[0] == RATIONED_QUOTA


# -- routes ---------------------------------------------------------------------------------------

def test_benefits_above_the_township_limit_take_the_county_route():
    # benefits 200 (county), 100 and 150 (township: at the limit is not above it)
    hh = Households([300.0, 400.0, 350.0])
    roll = DibaoRoll.empty(3)
    lv = levers(township_limit=150.0, township_days=(10.0, 10.0), county_days=(60.0, 60.0))
    flows = step(hh, roll, 1, lv=lv)
    assert flows.entered.tolist() == [False, True, True]
    assert roll.days.tolist() == pytest.approx([60.0, 10.0, 10.0])
    assert roll.decision_month[0] == 3
    for month in (2, 3):
        flows = step(hh, roll, month, lv=lv, dr=draws(3, apply=1.0))
    assert flows.entered.tolist() == [True, False, False]


def test_route_days_with_the_delay_draw_and_days_saved():
    hh = Households([300.0])
    lv = levers(township_days=(15.0, 45.0), days_saved=5.0)
    roll = DibaoRoll.empty(1)
    step(hh, roll, 1, lv=lv, dr=draws(1, delay=0.25))
    u = decoded(pack(1, delay=0.25), 0, U_DELAY)
    want = 15.0 - 30.0 * np.log(u) - 5.0  # ≈ 51.6 days
    assert roll.days[0] == pytest.approx(want, rel=1e-5)
    assert roll.decision_month[0] == 1 + round(want / DAYS_PER_MONTH) == 3


# -- helpers --------------------------------------------------------------------------------------

def test_take_in_order_by_hand():
    area = np.array([1, 0, 1, 0, 0, 1])
    order = np.array([3.0, 2.0, 1.0, 0.0, 5.0, 2.0])
    cost = np.array([1.0, 2.0, 1.0, 1.0, 1.0, 5.0])
    limit = np.array([3.0, 2.0])
    # area 0 in order: item 3 (1), item 1 (3), item 4 (4 > 3); area 1: item 2 (1), item 5 (6 > 2),
    # item 0 (7: waits behind item 5 although it would fit alone)
    assert take_in_order(area, order, cost, limit).tolist() == [False, True, True, True, False, False]
    assert take_in_order(area, order, cost, np.array([np.inf, 0.0])).tolist() == \
        [False, True, False, True, True, False]
    assert take_in_order(area, order, cost * 0, np.array([0.0, 0.0])).all()
    assert take_in_order(np.zeros(0, np.intp), np.zeros(0), np.zeros(0), limit).shape == (0,)
    # exactly at the limit is within it
    assert take_in_order(np.array([0, 0, 0]), np.array([0.0, 1.0, 2.0]), np.array([0.1, 0.1, 0.1]),
                         np.array([0.3])).tolist() == [True, True, True]


def test_application_probability_by_hand():
    lv = levers(apply_rate=0.1, reference_benefit=100.0, benefit_elasticity=1.0)
    one = np.ones(1)
    far = np.array([10.0], np.float32)
    assert application_probability(np.array([100.0]), np.zeros(1, np.float32), one, lv) == pytest.approx(0.1)
    assert application_probability(np.array([200.0]), np.zeros(1, np.float32), one, lv) == pytest.approx(0.2)
    assert application_probability(np.array([0.0]), np.zeros(1, np.float32), one, lv) == pytest.approx(0.0)
    benefits = np.array([10.0, 50.0, 100.0, 300.0, 900.0])
    p = application_probability(benefits, np.zeros(5, np.float32), np.ones(5), lv)
    assert np.all(np.diff(p) > 0)
    assert application_probability(np.array([1e6]), np.zeros(1, np.float32), one, lv) == pytest.approx(1.0)
    assert application_probability(np.array([100.0]), np.zeros(1, np.float32), np.array([3.0]), lv) == \
        pytest.approx(0.3)
    lv_stigma = levers(apply_rate=0.1, reference_benefit=100.0, benefit_elasticity=1.0, stigma=0.5)
    assert application_probability(np.array([100.0]), np.zeros(1, np.float32), one, lv_stigma) == \
        pytest.approx(0.1 * np.exp(-0.5))
    lv_far = levers(apply_rate=0.1, reference_benefit=100.0, benefit_elasticity=1.0, distance_cost=0.05)
    assert application_probability(np.array([100.0]), far, one, lv_far) == pytest.approx(0.1 * np.exp(-0.5))
    lv_flat = levers(apply_rate=0.1, reference_benefit=100.0, benefit_elasticity=0.0)
    assert application_probability(benefits, np.zeros(5, np.float32), np.ones(5), lv_flat) == \
        pytest.approx([0.1] * 5)


def test_expected_benefit_by_hand():
    got = expected_benefit(np.array([300.0, 500.0, 700.0]), np.full(3, 500.0), np.array([2, 3, 1]), 40.0)
    assert got.tolist() == [400.0, 40.0, 40.0]


def test_route_days_mean_is_the_route_mean():
    n = 200_000
    u = ((np.arange(n) + 0.5) / n).astype(np.float32)
    lv = levers(township_days=(15.0, 30.0), county_days=(35.0, 60.0))
    township = route_days(u, np.zeros(n, bool), lv)
    county = route_days(u, np.ones(n, bool), lv)
    assert township.mean() == pytest.approx(30.0, rel=2e-3)
    assert county.mean() == pytest.approx(60.0, rel=2e-3)
    assert township.min() >= 15.0 and county.min() >= 35.0
    saved = route_days(u, np.zeros(n, bool), levers(township_days=(15.0, 30.0), days_saved=20.0))
    assert saved.min() == 0.0
    assert saved.mean() == pytest.approx(np.maximum(township - 20.0, 0).mean())


def test_application_needs_the_draw_below_the_probability():
    # apply_rate 0.3, no other factor: draws 0.29 apply, 0.31 do not
    hh = Households([300.0, 300.0, 600.0])
    roll = DibaoRoll.empty(3)
    flows = step(hh, roll, 1, lv=levers(apply_rate=0.3), dr=draws(3, apply=[0.29, 0.31, 0.0]))
    # household 2 declares above the standard: with hopeful_multiple 1 it does not apply
    assert flows.applied.tolist() == [True, False, False]


# -- the targeting errors split by cause (metrics.targeting.admin_sums) --------------------------------

def _flows(n, n_areas, **masks):
    rows = {f"{f}_rows": np.flatnonzero(np.asarray(masks.get(f, np.zeros(n, dtype=bool)), dtype=bool))
            for f in (*FLOWS, "pending", "paid")}
    return DibaoFlows(n_households=n, work_done=np.zeros(n_areas), utilisation=np.zeros(n_areas), **rows)


def _admin_figures(roll, eligible, area, fen_by_household, month=10, flows=None, capacity=(5.0, np.inf)):
    households = np.array(sorted(fen_by_household), dtype=np.intp)
    fen = np.array([fen_by_household[h] for h in households], dtype=np.int64)
    n = roll.status.shape[0]
    paid = roll.paid
    return admin_sums(month, roll, area, 2, eligible & ~paid, paid & ~eligible, flows or _flows(n, 2),
                      Payment(households, fen, np.zeros(2)), plan(capacity=np.array(capacity), n_areas=2))


def test_each_targeting_error_has_one_cause_by_hand():
    roll = DibaoRoll.empty(15)
    area = np.array([0, 0, 1, 1, 0, 1, 1, 0, 1, 0, 1, 1, 0, 0, 0])
    eligible = np.zeros(15, dtype=bool)
    eligible[:7] = True
    eligible[12] = True
    # Eligible, not paid: 0 never applied, 1 waits to re-apply after a refusal, 2 refused this
    # month (may re-apply at once), 3 in the backlog, 4 in approval, 5 held by the quota, 6 by the budget.
    roll.refused_until[[1, 2]] = [12, 10]
    roll.status[3:7] = PENDING
    roll.stage[3:7] = [QUEUED, APPROVING, RATIONED_QUOTA, RATIONED_BUDGET]
    # Paid, not eligible: 7 and 11 in gradual exit (11 an old favour case), 8 a favour case, 9 and
    # 14 income missed at the means test (14 paid nothing), 10 changed since its means test.
    roll.status[[7, 11]] = GRACE
    roll.status[[8, 9, 10, 12, 14]] = ON
    roll.favour[[8, 11]] = True
    roll.sound[[7, 10, 12]] = True
    roll.next_review[roll.status >= ON] = 20
    roll.next_review[12] = 9  # overdue
    roll.days[12] = 45.0
    flows = _flows(15, 2, refused=np.arange(15) == 2, entered=np.arange(15) == 12)
    fen = {7: 5000, 8: 3000, 9: 2000, 10: 1000, 11: 700, 12: 9900}
    out = _admin_figures(roll, eligible, area, fen, flows=flows)
    want = {
        "dibao_excluded_not_applied": [1, 0], "dibao_excluded_refused": [1, 1],
        "dibao_excluded_backlog": [0, 1], "dibao_excluded_delay": [1, 0],
        "dibao_excluded_quota": [0, 1], "dibao_excluded_budget": [0, 1],
        "dibao_included_gradual_exit": [1, 1], "dibao_leakage_gradual_exit": [50.0, 7.0],
        "dibao_included_favour": [0, 1], "dibao_leakage_favour": [0.0, 30.0],
        "dibao_included_verification": [2, 0], "dibao_leakage_verification": [20.0, 0.0],
        "dibao_included_review_lag": [0, 1], "dibao_leakage_review_lag": [0.0, 10.0],
        "dibao_backlog": [0, 1], "dibao_overdue_reviews": [1, 0], "dibao_days_to_payment": [45.0, 0.0],
        "dibao_capacity": [5.0, 0.0],
    }
    for name, value in want.items():
        assert out[name].tolist() == pytest.approx(value), name


def test_targeting_errors_when_no_dibao_is_paid_at_all():
    # a favour case assessed above the standard gets 0 (no minimum payment): on the roll, paid nothing
    roll = DibaoRoll.empty(2)
    roll.status[0] = ON
    roll.favour[0] = True
    out = _admin_figures(roll, np.zeros(2, dtype=bool), np.array([0, 1]), {})
    assert out["dibao_included_favour"].tolist() == [1.0, 0.0]
    assert out["dibao_leakage_favour"].tolist() == [0.0, 0.0]


def test_flow_rows_are_the_masks_rows():
    """The rows the month returns for its sums are those of its masks (and the pending roll)."""
    rng = np.random.default_rng(5)
    n = 60
    hh = Households(rng.random(n) * 900, members=rng.integers(1, 4, n), area=rng.integers(0, 2, n),
                    interval=2, alive=rng.random(n) < 0.95)
    roll = DibaoRoll.empty(n)
    for month in range(1, 8):
        flows = step(hh, roll, month, office=plan(capacity=5.0, n_areas=2), lv=levers(apply_rate=0.5, grace_months=1),
                     dr=draws(n, apply=rng.random(n), delay=rng.random(n)))
        for name in ("applied", "entered", "exited"):
            assert np.array_equal(np.sort(getattr(flows, f"{name}_rows")), np.flatnonzero(getattr(flows, name)))
        assert np.array_equal(np.sort(flows.pending_rows), np.flatnonzero(roll.status == PENDING))
        assert np.unique(flows.exited_rows).shape[0] == flows.exited_rows.shape[0]


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 2**31), n=st.integers(0, 3000), share=st.floats(0, 1))
def test_open_cases_are_flatnonzero(seed: int, n: int, share: float) -> None:
    """The households not off the roll (any status but OFF) are listed as numpy lists them."""
    rng = np.random.default_rng(seed)
    status = np.where(rng.random(n) < share, rng.integers(1, 4, n), OFF).astype(np.int8)
    assert np.array_equal(flagged(status), np.flatnonzero(status != OFF))


def test_start_of_month_drops_the_gone_and_the_ended_exits_as_the_masks_did():
    # by hand: rows 1 (on, alive), 2 (on, gone), 3 (grace ended), 4 (grace not ended), 5 (pending, gone)
    status = np.array([OFF, ON, ON, GRACE, GRACE, PENDING], np.int8)
    alive = np.array([True, True, False, True, True, False])
    exit_month = np.array([NEVER, NEVER, NEVER, 7, 8, NEVER], np.int32)
    favour = np.array([False, True, True, True, True, True])
    active, leaving = _start_of_month(status, alive, exit_month, favour, 7)
    assert active.tolist() == [1, 2, 3, 4, 5] and leaving.tolist() == [2, 3]
    assert status.tolist() == [OFF, ON, OFF, OFF, GRACE, OFF]
    assert favour.tolist() == [False, True, False, False, True, False]
    # the masks it replaces
    rng = np.random.default_rng(5)
    n, month = 3000, 40
    status = rng.choice(np.array([OFF, PENDING, ON, GRACE], np.int8), n, p=[0.7, 0.1, 0.15, 0.05])
    alive = rng.random(n) < 0.97
    exit_month = rng.integers(35, 45, n).astype(np.int32)
    favour = rng.random(n) < 0.2
    active = np.flatnonzero(status)
    st, gone = status[active], ~alive[active]
    ends = (st == GRACE) & (month >= exit_month[active])
    expected_left, drop = active[(gone & (st >= ON)) | ends], active[gone | ends]
    expected_status, expected_favour = status.copy(), favour.copy()
    expected_status[drop], expected_favour[drop] = OFF, False
    got_active, got_left = _start_of_month(status, alive, exit_month, favour, month)
    assert np.array_equal(got_active, active) and np.array_equal(got_left, expected_left)
    assert np.array_equal(status, expected_status) and np.array_equal(favour, expected_favour)
    # and the selections that follow it
    next_review = rng.integers(30, 50, n).astype(np.int32)
    assert np.array_equal(_rows_at(active, status, ON, GRACE, next_review, month),
                          active[(status[active] >= ON) & (next_review[active] <= month)])
    assert np.array_equal(_rows_at(active, status, PENDING, PENDING, next_review, NEVER),
                          active[status[active] == PENDING])
    assert _rows_at(active[:0], status, ON, GRACE, next_review, month).shape == (0,)
