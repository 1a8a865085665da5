"""Invariants of the programmes' rules (hypothesis, the profile of tests/conftest.py), on the pure
functions, on random households run through the engine's month, and on a small whole model."""

from __future__ import annotations

from functools import cache

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from aidsim import run
from aidsim.calendar import calendar_month
from aidsim.population.categories import severely_disabled
from aidsim.programmes import (
    PROGRAMMES,
    dibao,
    disability,
    elderly,
    margin,
    medical,
    orphans,
    temporary,
)
from aidsim.scenario.schema import Definitions, DibaoSupplements
from tests.cases.build import build
from tests.cases.build import run as run_case
from tests.helpers import small_scenario

N = st.integers(1, 30)
money = st.floats(0, 200_000, allow_nan=False, allow_infinity=False)
share = st.floats(0, 1, allow_nan=False)


def _arrays(n: int, elements, dtype=np.float64):
    return arrays(dtype, n, elements=elements)


# -------------------------------------------------------------------------------------------------
# Pure functions
# -------------------------------------------------------------------------------------------------


@st.composite
def temporary_inputs(draw):
    n = draw(N)
    return dict(
        event=draw(_arrays(n, st.booleans(), bool)),
        income=draw(_arrays(n, st.floats(0, 20_000))),
        loss=draw(_arrays(n, money)),
        members=draw(_arrays(n, st.integers(0, 8), np.int64)),
        standard=draw(_arrays(n, st.floats(0, 2000))),
        threshold=draw(st.floats(0, 10)),
        resource_months=draw(st.integers(1, 36)),
        cases_this_year=draw(_arrays(n, st.integers(0, 12), np.int8)),
        max_per_year=draw(st.integers(0, 12)),
    )


@given(temporary_inputs(), st.floats(0, 24), share, st.floats(0, 20_000), st.floats(0, 10_000))
def test_temporary_assistance_only_for_the_eligible_and_capped(t, months, loss_share, cap, limit):
    per_member = temporary.resources(t["income"], t["loss"], t["members"], t["resource_months"])
    ok = temporary.eligible(t["event"], per_member, t["members"], t["standard"], t["threshold"],
                            t["cases_this_year"], t["max_per_year"])
    # eligibility needs an event, a member, a case left this year and resources below the line
    assert not np.any(ok & ~t["event"])
    assert not np.any(ok & (t["members"] == 0))
    assert not np.any(ok & (t["cases_this_year"] >= t["max_per_year"]))
    resources = ((t["resource_months"] * t["income"] - t["loss"])
                 / (t["resource_months"] * np.maximum(t["members"], 1)))
    assert np.array_equal(per_member, resources)
    assert not np.any(ok & (resources >= t["threshold"] * t["standard"]))
    # as the engine pays it: the amount, on eligible households only, never above the cap
    amount = temporary.amount(t["standard"], t["members"], t["loss"], months, loss_share, cap)
    paid = np.where(ok, amount, 0.0)
    assert np.all(paid[~ok] == 0)
    assert np.all((amount >= 0) & (amount <= cap))
    assert np.array_equal(temporary.county_approves(amount, limit), amount > limit)


@given(st.integers(1, 30).flatmap(lambda n: st.tuples(
    _arrays(n, money), _arrays(n, share), _arrays(n, st.floats(0, 60_000)))),
    st.floats(0, 5000), st.floats(0, 50_000))
def test_inpatient_aid_within_out_of_pocket_and_the_cap_left(x, deductible, cap):
    oop, rate, used = x
    aid = medical.inpatient_aid(oop, rate, deductible, used, cap)
    assert np.all(aid >= 0)
    assert np.all(aid <= oop)
    assert np.all(aid <= np.maximum(cap - used, 0))


@given(st.lists(st.tuples(money, share), min_size=1, max_size=14), st.floats(0, 50_000))
def test_inpatient_aid_over_a_year_never_exceeds_the_annual_cap(episodes, cap):
    used = np.zeros(1)
    for oop, rate in episodes:
        used += medical.inpatient_aid(np.array([oop]), np.array([rate]), 0.0, used, cap)
    assert used[0] <= cap + 1e-6 * max(cap, 1)


@given(st.integers(1, 30).flatmap(lambda n: st.tuples(
    _arrays(n, money), _arrays(n, money), _arrays(n, st.booleans(), bool))),
    st.floats(0, 50_000), share)
def test_catastrophic_aid_within_this_months_cost(x, threshold, rate):
    oop, spent_before, qualifies = x
    aid = medical.catastrophic_aid(oop, spent_before, threshold, rate, qualifies)
    assert np.all(aid >= 0)
    assert np.all(aid <= oop * (1 + 1e-12))
    assert np.all(aid[~qualifies] == 0)


@given(st.lists(money, min_size=1, max_size=12), money, st.floats(0, 50_000), share)
def test_catastrophic_aid_does_not_depend_on_how_the_cost_is_spread_over_months(costs, start,
                                                                                threshold, rate):
    """With spending accumulated before aid, the aid telescopes: rate × what the year spent above
    the threshold, however the cost is split."""
    spent, total_aid = start, 0.0
    for cost in costs:
        total_aid += float(medical.catastrophic_aid(np.array([cost]), np.array([spent]), threshold,
                                                    rate, np.array([True]))[0])
        spent += cost
    whole = rate * (max(spent - threshold, 0) - max(start - threshold, 0))
    assert total_aid == pytest.approx(whole, rel=1e-9, abs=1e-6)


@st.composite
def allowance_bands(draw):
    ages = sorted(draw(st.sets(st.integers(60, 110), min_size=1, max_size=5)))
    amounts = sorted(draw(st.lists(st.floats(0, 1000), min_size=len(ages), max_size=len(ages))))
    return ages, amounts


@given(allowance_bands(), arrays(np.int16, st.integers(1, 40), elements=st.integers(0, 1500)))
def test_old_age_allowance_never_falls_with_age(bands, ages):
    band_ages, amounts = bands
    ages = np.sort(ages)
    pay = elderly.allowance(ages, np.ones(ages.shape, bool), band_ages, amounts)
    assert np.all(np.diff(pay) >= 0)
    assert np.all(pay[ages < band_ages[0] * 12] == 0)
    assert set(np.unique(pay)) <= {0.0, *amounts}
    assert np.all(elderly.allowance(ages, np.zeros(ages.shape, bool), band_ages, amounts) == 0)


def test_old_age_allowance_default_bands_at_their_edges():
    months = np.array([959, 960, 1079, 1080, 1199, 1200])
    pay = elderly.allowance(months, np.ones(6, bool), [80, 90, 100], [50, 100, 300])
    assert pay.tolist() == [0, 50, 50, 100, 100, 300]


@given(st.integers(1, 30).flatmap(lambda n: st.tuples(
    _arrays(n, st.floats(0, 5000)), _arrays(n, st.floats(0, 2000)), _arrays(n, st.booleans(), bool),
    _arrays(n, st.booleans(), bool), _arrays(n, st.integers(0, 8), np.int64))),
    st.floats(1, 5))
def test_margin_households_are_never_dibao_eligible(x, multiple):
    pc, standard, excluded, on_dibao, members = x
    is_margin = margin.margin_household(pc, standard, multiple, excluded, on_dibao, members)
    assert not np.any(is_margin & dibao.eligible(pc, standard, excluded, members))
    assert not np.any(is_margin & (excluded | on_dibao | (members == 0)))


@given(arrays(bool, st.integers(0, 30), elements=st.booleans()), st.floats(0, 5000), st.floats(0, 5000))
def test_orphan_allowance_is_one_of_the_two_standards(institutional, dispersed, institutional_std):
    pay = orphans.amount(institutional, dispersed, institutional_std)
    assert np.all((pay == dispersed) | (pay == institutional_std))
    assert np.all(pay[institutional] == institutional_std)
    assert np.all(pay[~institutional] == dispersed)


@given(st.integers(1, 30).flatmap(lambda n: st.tuples(
    _arrays(n, st.integers(0, 4), np.int8), _arrays(n, st.booleans(), bool))), st.floats(0, 500))
def test_disability_subsidies_only_for_their_groups(x, amount):
    grade, poor = x
    living = disability.living_subsidy(grade, poor, amount)
    care = disability.care_subsidy(severely_disabled(grade, Definitions()), amount)
    assert np.all(living[(grade == 0) | ~poor] == 0)
    assert np.all(care[(grade == 0) | (grade >= 3)] == 0)
    assert np.all((living == 0) | (living == amount)) and np.all((care == 0) | (care == amount))


@given(st.integers(0, 40).flatmap(lambda n: _arrays(n, st.floats(0, 3000))), st.integers(0, 50))
def test_home_care_serves_the_poorest_up_to_capacity(income, capacity):
    eligible = np.arange(income.shape[0]) * 3  # any person rows
    served = elderly.home_care_served(eligible, income, capacity)
    assert served.shape[0] == min(capacity, income.shape[0])
    assert np.isin(served, eligible).all() and np.unique(served).shape == served.shape
    chosen = np.isin(eligible, served)
    if chosen.any() and (~chosen).any():
        assert income[chosen].max() <= income[~chosen].min()


@given(st.integers(1, 30).flatmap(lambda n: st.tuples(
    _arrays(n, st.integers(0, 1300), np.int16), _arrays(n, st.integers(0, 4), np.int8),
    _arrays(n, st.booleans(), bool))))
def test_supplement_is_the_largest_category_that_applies(x):
    age, grade, ill = x
    params = DibaoSupplements()
    got = dibao.supplement_share(age, severely_disabled(grade, Definitions()), ill, params, 18 * 12).astype(np.float64)
    applies = np.stack([
        np.where(age >= params.elderly_age * 12, params.elderly, 0),
        np.where((grade == 1) | (grade == 2), params.severely_disabled, 0),
        np.where(ill, params.seriously_ill, 0),
        np.where(age < 216, params.minor, 0)])
    np.testing.assert_allclose(got, applies.max(axis=0), rtol=1e-6)


# -------------------------------------------------------------------------------------------------
# Random households through the engine's month (the rule-case builder, real apply_rules)
# -------------------------------------------------------------------------------------------------


@st.composite
def members(draw):
    m = {"age_months": draw(st.integers(0, 1250))}
    fate = draw(st.sampled_from(["plain", "plain", "plain", "ill", "lost", "died"]))
    if fate == "died":
        m["died"] = True
        if draw(st.booleans()):
            m["lost_work"] = {"usual_earnings": draw(st.floats(300, 8000))}
    else:
        if fate == "ill":
            m["illness"] = {"hospital_cost": draw(st.floats(500, 200_000))}
        elif fate == "lost":
            m["lost_work"] = {"usual_earnings": draw(st.floats(300, 8000))}
        elif draw(st.booleans()):
            m["earnings"] = draw(st.sampled_from([0.0, 200.0, 432.99, 433.0, 800.0, 3000.0]))
            if m["earnings"] == 0:
                del m["earnings"]
        m["pension"] = draw(st.sampled_from([0, 0, 130, 450, 2600]))
        m["selfcare"] = draw(st.sampled_from(["full", "full", "partial", "none"]))
        m["chronic"] = draw(st.booleans())
        m["orphan"] = draw(st.booleans()) and m["age_months"] < 240
    m["disability"] = draw(st.integers(0, 4))
    m["public_sector"] = draw(st.booleans()) and draw(st.booleans())
    return m


@st.composite
def random_case(draw):
    household = {
        "area": draw(st.sampled_from(["urban", "rural"])),
        "other_income": draw(st.sampled_from([0, 0, 300, 600, 1000])),
        "vehicle": draw(st.booleans()) and draw(st.booleans()),
        "outside_supporter": draw(st.booleans()),
        "members": draw(st.lists(members(), min_size=1, max_size=4)),
    }
    if draw(st.booleans()) and draw(st.booleans()):
        household["disaster"] = {"asset_loss": draw(st.floats(0, 20_000))}
    month = f"2020-{draw(st.integers(1, 12)):02d}"
    return {"name": "random", "month": month, "household": household, "expected": {}}


@given(random_case())
def test_no_payment_without_eligibility_in_the_engine(case):
    """Fresh rolls, take-up 1, no delay: each programme pays a household only when its own test
    says so (the engine's frame), and the dibao and margin tests never both hold."""
    built = build(case)
    assume(built.state.population.persons.alive.any())
    frame = run_case(built)
    paid = {k: int(v.dense(1)[0]) for k, v in frame["ledger.payments"].items()}
    p = built.state.population.persons
    alive = p.alive
    tekun_paid, orphan_paid = frame["tekun.paid"], frame["orphans.covered"]
    dibao_paid, margin = bool(frame["dibao.paid"][0]), bool(frame["margin.household"][0])
    eligible = bool(frame["dibao.eligible"][0])
    assert (paid["dibao"] > 0) == eligible  # new roll: paid exactly when eligible
    assert not (margin and eligible)
    assert (paid["tekun"] > 0) == bool(frame["tekun.eligible"].any())
    assert (paid["orphans"] > 0) == bool(orphan_paid.any())
    assert not (orphan_paid & (p.age_months >= 216)).any()
    if paid["temporary"]:
        tp, scenario = built.scenario.temporary, built.scenario
        assert frame["temporary.events"][0]
        assert temporary.eligible(frame["temporary.events"], frame["temporary.resources"],
                                  frame["household.alive_count"], frame["lines.dibao_h"],
                                  tp.resource_threshold, np.zeros(1, np.int8), tp.max_per_year)[0]
        assert paid["temporary"] <= round(scenario.temporary.cap * 100)
    onset, episode_aid = frame["medical.onset"], frame["medical.episode_aid"]
    assert np.all(episode_aid <= frame["shocks.illness"].out_of_pocket + 1e-3)
    category = dibao_paid or margin or tekun_paid.any() or orphan_paid.any()
    catastrophic = bool(onset.shape[0]) and (
        frame["household.pre_pc"][0] < built.scenario.medical.catastrophic_income_limit * frame["lines.dibao_h"][0])
    if paid["medical"]:
        assert category or catastrophic
    if paid["disability_living"]:
        assert dibao_paid or margin
    if paid["disability_care"]:
        assert (alive & ((p.disability == 1) | (p.disability == 2))).any()
    if paid["old_age_allowance"]:
        assert (alive & (p.age_months >= 80 * 12)).any()
    if paid["home_care"]:
        assert category and (alive & (p.age_months >= 720) & (p.selfcare > 0)).any()
    if paid["spring_festival"]:
        assert calendar_month(built.month) == 1 and (dibao_paid or tekun_paid.any() or orphan_paid.any())
    assert paid["price_subsidy"] == 0  # inflation 2.5 never exceeds the 3.5 threshold
    assert all(v >= 0 for v in paid.values())


# -------------------------------------------------------------------------------------------------
# Whole model, small population (common random numbers)
# -------------------------------------------------------------------------------------------------

SMALL = dict(households=2000, months=6, prices__inflation=5.0)  # every programme pays


@cache
def _run(switch: str | None = None):
    extra = {f"{switch}__enabled": False} if switch else {}
    return run(small_scenario(**SMALL, **extra))


def test_medical_aid_on_episodes_never_exceeds_their_out_of_pocket_cost():
    sums = _run().sums
    assert sums["hospital_episodes"].sum() > 0 and sums["medical_episode_aid"].sum() > 0
    by_area_month = sums.groupby(["month", "area"])[["medical_episode_aid", "medical_out_of_pocket"]].sum()
    assert (by_area_month["medical_episode_aid"] >= 0).all()
    assert (by_area_month["medical_episode_aid"]
            <= by_area_month["medical_out_of_pocket"] * (1 + 1e-9) + 1e-6).all()


def test_ledger_reconciles_with_every_programme_paying():
    results = _run()
    ledger = results.ledger.groupby("programme")["fen"].sum().reindex(list(PROGRAMMES), fill_value=0)
    assert (ledger > 0).all(), ledger[ledger == 0]
    households = {p: int(results.households[f"{p}_fen"].sum()) for p in PROGRAMMES}
    costs = results.sums[[f"{p}_cost" for p in PROGRAMMES]].sum()
    for programme in PROGRAMMES:
        assert ledger[programme] == households[programme]
        assert round(costs[f"{programme}_cost"] * 100) == ledger[programme]


#: switch → (programmes it pays, programmes whose payments may change with it)
SWITCHES = {
    "disability": (("disability_living", "disability_care"), ()),
    "elderly": (("old_age_allowance", "home_care"), ()),
    "one_off": (("spring_festival", "price_subsidy"), ()),
    "temporary": (("temporary",), ()),
    "medical": (("medical",), ("temporary",)),  # aid lowers the cost that opens a temporary case
}


@pytest.mark.parametrize("switch", list(SWITCHES))
def test_switching_a_programme_off_costs_nothing_and_leaves_dibao_alone(switch):
    own, affected = SWITCHES[switch]
    base, off = _run().sums, _run(switch).sums
    for programme in own:
        assert base[f"{programme}_cost"].sum() > 0
        assert (off[f"{programme}_cost"] == 0).all()
        assert (off[f"{programme}_recipients"] == 0).all()
    for column in ("dibao_cost", "dibao_households", "dibao_persons", "dibao_eligible_households",
                   "tekun_cost", "tekun_persons", "persons", "hospital_episodes", "poor_pre_pl"):
        assert np.array_equal(base[column].to_numpy(), off[column].to_numpy()), column
    for programme in set(PROGRAMMES) - set(own) - set(affected):
        assert np.array_equal(base[f"{programme}_cost"].to_numpy(), off[f"{programme}_cost"].to_numpy()), programme


def test_orphan_allowance_switched_off_costs_nothing():
    """Orphans feed into dibao and tekun (covered children leave those units), so only the
    allowance itself is checked."""
    base, off = _run().sums, _run("orphans").sums
    assert base["orphans_cost"].sum() > 0
    assert (off["orphans_cost"] == 0).all() and (off["orphans_eligible"] == 0).all()
