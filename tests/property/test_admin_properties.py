"""Invariants of the dibao administrative process: one month of :func:`advance_dibao` on random
small inputs (hypothesis, the profile of tests/conftest.py), and the targeting errors of small
whole-model runs (ratios are shares, the causes add up to the totals, an ideal administration
makes no administrative error)."""

from __future__ import annotations

from functools import cache

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from aidsim import run
from aidsim.admin.pipeline import GRACE, NEVER, OFF, ON, PENDING
from aidsim.admin.process import (
    QUEUED,
    DibaoRoll,
    Draws,
    HouseholdView,
    Levers,
    OfficePlan,
    advance_dibao,
)
from aidsim.metrics.indicators import EXCLUSION_CAUSES, INCLUSION_CAUSES, summarise
from aidsim.scenario.presets import IDEAL_ADMIN
from tests.helpers import small_scenario

MONTH = 10
share = st.floats(0, 1, allow_nan=False)


class Facts:
    """:class:`CaseFacts` from plain arrays."""

    def __init__(self, hidden, interval, members, standard):
        self._hidden, self._interval, self._members, self._standard = hidden, interval, members, standard

    def hidden(self, idx):
        return tuple(h[idx] for h in self._hidden)

    def review_interval(self, idx):
        return self._interval[idx]

    def benefit(self, idx, assessed_pc):
        return self._members[idx] * np.maximum(self._standard[idx] - assessed_pc, 0.0)


@st.composite
def months(draw):
    """A roll in every state, households, draws, office plans and levers for one month."""
    n = draw(st.integers(1, 25))
    n_areas = draw(st.integers(1, 3))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))

    status = draw(arrays(np.int8, n, elements=st.sampled_from([OFF, PENDING, ON, GRACE])))
    roll = DibaoRoll.empty(n)
    roll.status[:] = status
    pending, on = status == PENDING, status >= ON
    roll.stage[:] = np.where(pending, draw(arrays(np.int8, n, elements=st.integers(0, 3))), QUEUED)
    roll.applied_month[:] = np.where(pending, rng.integers(MONTH - 6, MONTH + 1, n), NEVER)
    roll.decision_month[:] = np.where(pending & (roll.stage != QUEUED),
                                      rng.integers(MONTH - 3, MONTH + 4, n), NEVER)
    roll.next_review[:] = np.where(on, rng.integers(MONTH - 3, MONTH + 7, n), NEVER)
    roll.exit_month[:] = np.where(status == GRACE, rng.integers(MONTH - 1, MONTH + 4, n), NEVER)
    roll.assessed[:] = np.where(on, rng.uniform(0, 600, n), 0)
    roll.sound[:] = on & (rng.uniform(size=n) < 0.7)
    roll.refused_until[:] = np.where(status == OFF, rng.integers(0, MONTH + 4, n), 0)

    # As the engine builds the view: a household is alive when its dibao unit has a member, and
    # one without members declares an infinite per-capita income.
    members = draw(arrays(np.int64, n, elements=st.integers(0, 5)))
    alive = members > 0
    standard = np.full(n, 500.0)
    declared = draw(arrays(np.float64, n, elements=st.floats(0, 1500, allow_nan=False)))
    declared = np.where(alive, declared, np.inf)
    hidden = tuple(rng.choice([0.0, 100.0, 400.0], n) for _ in range(3))
    true_pc = declared + sum(hidden) / np.maximum(members, 1)
    connected = draw(arrays(bool, n))
    roll.favour[:] = on & connected & (rng.uniform(size=n) < 0.5)
    view = HouseholdView(
        alive=alive, eligible=draw(arrays(bool, n)) & alive, members=members, standard=standard,
        declared_pc=declared, above_line=true_pc >= standard,
        asset_barred=rng.uniform(size=n) < 0.2, other_barred=rng.uniform(size=n) < 0.1,
        connected=connected, distance_km=rng.uniform(0, 20, n).astype(np.float32),
        area=rng.integers(0, n_areas, n).astype(np.intp))
    facts = Facts(hidden, rng.choice(np.array([1, 3, 12], np.int32), n), members, standard)
    inspect = draw(st.booleans())
    draws = Draws(apply=rng.uniform(size=n).astype(np.float32),
                  raw=rng.bit_generator.random_raw((2, n)),
                  inspection=rng.bit_generator.random_raw((2, n)) if inspect else None)

    def per_area(values):
        return np.array(draw(st.lists(st.sampled_from(values), min_size=n_areas, max_size=n_areas)),
                        dtype=np.float64)

    plan = OfficePlan(capacity=per_area([0.0, 0.5, 1.0, 2.0, 3.5, np.inf]),
                      quota_persons=per_area([np.inf, 0.0, 3.0, 10.0]),
                      budget_headroom=per_area([np.inf, 0.0, 200.0, 1000.0]))
    days = st.sampled_from([(0.0, 0.0), (15.0, 30.0), (60.0, 60.0)])
    lv = Levers(
        apply_rate=draw(share), reference_benefit=300.0, benefit_elasticity=draw(st.floats(0, 2)),
        stigma=draw(share), distance_cost=draw(st.floats(0, 0.1)), hopeful_multiple=draw(st.floats(1, 2)),
        hopeful_benefit=50.0, favour_ceiling_multiple=draw(st.floats(1, 3)),
        campaign_factor=np.ones(n_areas), reapply_wait=draw(st.integers(0, 3)),
        detection=(draw(share), draw(share), draw(share), draw(share)), load_penalty=draw(share),
        wrongful_refusal=draw(share), favour_probability=draw(share),
        township_limit=draw(st.sampled_from([np.inf, 0.0, 200.0])), township_days=draw(days),
        county_days=draw(days), days_saved=draw(st.sampled_from([0.0, 10.0])),
        grace_months=draw(st.integers(0, 3)),
        review_effort=draw(st.sampled_from([0.0, 0.1, 0.25, 0.5, 1.0, 2.0])), inspect=inspect,
        inspection_detection=draw(share), inspection_favour_detection=draw(share))
    return roll, view, facts, draws, plan, lv


@given(months())
def test_one_month_of_the_process_keeps_its_invariants(case):
    roll, hh, facts, draws, plan, lv = case
    before = roll.status.copy()
    flows = advance_dibao(roll, month=MONTH, hh=hh, facts=facts, draws=draws, plan=plan, lv=lv)
    status = roll.status
    assert set(np.unique(status).tolist()) <= {OFF, PENDING, ON, GRACE}
    assert np.array_equal(flows.paid_rows, np.flatnonzero(status >= ON))
    # an office never works more than its capacity; each survey is one case-equivalent
    n_areas = plan.capacity.shape[0]
    assert np.all(flows.work_done <= plan.capacity + 1e-9)
    surveys = np.bincount(hh.area[flows.surveyed], minlength=n_areas)
    assert np.all(surveys <= plan.capacity + 1e-9)
    assert np.all((flows.utilisation >= 0) & (flows.utilisation <= 1))
    # who enters was pending: before the month, or after applying in it
    assert not (flows.entered & ~((before == PENDING) | flows.applied)).any()
    assert np.all(status[flows.entered] == ON)
    # who applies was off the roll, or left it this month (end of gradual exit, inspection)
    assert not (flows.applied & ~((before == OFF) | flows.exited)).any()
    assert not (flows.surveyed & ~((before == PENDING) | flows.applied)).any()
    assert np.all(status[flows.refused] == OFF)
    assert not (flows.refused & ~flows.surveyed).any()
    assert not (flows.reviewed & (before < ON)).any()
    # the dead leave: no household without a living member is on the roll, pending or paid
    assert np.all(status[~hh.alive] == OFF)
    assert not (flows.entered & ~hh.alive).any()
    # households removed by an inspection were on the roll
    assert not (flows.inspected_out & (before != ON)).any()
    assert not flows.inspected_out.any() or lv.inspect


# -------------------------------------------------------------------------------------------------
# Whole model
# -------------------------------------------------------------------------------------------------

#: Every administrative friction at once, so that every cause of error occurs.
FRICTIONS = dict(
    admin__capacity__cases_per_caseworker=3, admin__quota__share_of_residents=0.04,
    admin__budget__when_short="ration", admin__budget__yuan_per_resident_per_year={"urban": 60, "rural": 60},
    admin__verification__wrongful_refusal_rate=0.1, admin__inspections__every_months=4,
    admin__favour__connected_share=0.1,
)
IDEAL = {key.replace(".", "__"): value for key, value in IDEAL_ADMIN.items()}
RATIO_NAMES = (["dibao_inclusion_error", "dibao_exclusion_error", "dibao_leakage_share"]
               + [f"dibao_exclusion_{c}" for c in EXCLUSION_CAUSES]
               + [f"dibao_inclusion_{c}" for c in INCLUSION_CAUSES]
               + [f"dibao_leakage_share_{c}" for c in INCLUSION_CAUSES])


@cache
def _frictions(seed: int):
    return run(small_scenario(households=3000, months=12, simulation__seed=seed, **FRICTIONS))


@cache
def _ideal(seed: int):
    return run(small_scenario(households=3000, months=12, simulation__seed=seed, **IDEAL,
                              admin__reviews={"unstable": 1, "regular": 1, "stable": 1},
                              admin__initial_enrolment=1.0))


@cache
def _default(seed: int):
    return run(small_scenario(households=3000, months=12, simulation__seed=seed))


def test_every_cause_of_error_occurs_under_the_frictions():
    """The frictions scenario exercises every cause (so the checks below are not vacuous)."""
    columns = ([f"dibao_excluded_{c}" for c in EXCLUSION_CAUSES]
               + [f"dibao_included_{c}" for c in INCLUSION_CAUSES]
               + ["dibao_wrongful_refusals", "dibao_favour_approvals", "dibao_inspection_removals"])
    total = sum(_frictions(seed).sums[columns].sum() for seed in (1, 2))
    assert (total > 0).all(), total[total == 0]


@pytest.mark.parametrize("seed", [1, 2])
@pytest.mark.parametrize("scenario", ["frictions", "ideal", "default"])
def test_error_ratios_are_shares(scenario, seed):
    results = {"frictions": _frictions, "ideal": _ideal, "default": _default}[scenario](seed)
    for table in (results.table(["area_type"]), results.table(["month", "area_type"]),
                  summarise(results.sums, ["area"])):
        values = table[RATIO_NAMES]
        defined = values.notna()
        assert defined[["dibao_inclusion_error", "dibao_exclusion_error"]].to_numpy().mean() > 0.9
        assert ((values >= 0) & (values <= 1) | ~defined).all().all(), values.describe()
        # the parts of each error add up to it
        for error, parts in (("dibao_exclusion_error", [f"dibao_exclusion_{c}" for c in EXCLUSION_CAUSES]),
                             ("dibao_inclusion_error", [f"dibao_inclusion_{c}" for c in INCLUSION_CAUSES]),
                             ("dibao_leakage_share", [f"dibao_leakage_share_{c}" for c in INCLUSION_CAUSES])):
            ok = table[error].notna()
            assert np.allclose(table.loc[ok, parts].sum(axis=1), table.loc[ok, error], rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("seed", [1, 2])
@pytest.mark.parametrize("scenario", ["frictions", "ideal"])
def test_causes_add_up_to_the_errors_in_every_month_and_area(scenario, seed):
    sums = {"frictions": _frictions, "ideal": _ideal}[scenario](seed).sums
    excluded = sums[[f"dibao_excluded_{c}" for c in EXCLUSION_CAUSES]].sum(axis=1)
    included = sums[[f"dibao_included_{c}" for c in INCLUSION_CAUSES]].sum(axis=1)
    leakage = sums[[f"dibao_leakage_{c}" for c in INCLUSION_CAUSES]].sum(axis=1)
    assert sums["dibao_included_ineligible"].sum() > 0
    assert sums["dibao_excluded_eligible"].sum() > 0 or scenario == "ideal"
    assert (excluded == sums["dibao_excluded_eligible"]).all()
    assert (included == sums["dibao_included_ineligible"]).all()
    assert np.allclose(leakage, sums["dibao_leakage"], rtol=0, atol=1e-6)
    # and the errors are parts of their bases
    assert (sums["dibao_excluded_eligible"] <= sums["dibao_eligible_households"]).all()
    assert (sums["dibao_included_ineligible"] <= sums["dibao_households"]).all()
    assert (sums["dibao_leakage"] <= sums["dibao_cost"] + 1e-6).all()


@pytest.mark.parametrize("seed", [1, 2])
def test_ideal_administration_makes_no_administrative_error(seed):
    sums = _ideal(seed).sums
    assert sums["dibao_eligible_households"].sum() > 0 and sums["dibao_grace"].sum() > 0
    for cause in ("backlog", "quota", "budget", "refused", "delay", "not_applied"):
        assert sums[f"dibao_excluded_{cause}"].sum() == 0, cause
    for cause in ("favour", "verification", "review_lag"):
        assert sums[f"dibao_included_{cause}"].sum() == 0, cause
        assert sums[f"dibao_leakage_{cause}"].sum() == 0, cause
    # the only ineligible households paid are those in their gradual exit, which the rules intend
    assert (sums["dibao_included_gradual_exit"] == sums["dibao_included_ineligible"]).all()
    assert sums["dibao_favour_approvals"].sum() == sums["dibao_wrongful_refusals"].sum() == 0
    assert sums["dibao_backlog"].sum() == 0


def test_a_month_without_any_dibao_payment_is_booked():
    # The standard cut to 0 from the first month, no minimum payment: the roll built in the
    # warm-up under the old standard (dated warm-up) is paid nothing until reviews clear it (an
    # abolition counterfactual).
    scenario = small_scenario(households=500, months=2, dibao__minimum_payment=0,
                              simulation__warmup_policy="dated",
                              dibao__standard={"rural": {"2019-01": 433, "2020-01": 0},
                                               "urban": {"2019-01": 750, "2020-01": 0}})
    sums = run(scenario).sums
    assert sums["dibao_cost"].sum() == 0
    assert sums["dibao_included_ineligible"].sum() > 0
    assert sums[[f"dibao_leakage_{c}" for c in INCLUSION_CAUSES]].to_numpy().sum() == 0
