"""Population renewal: births, households that form, out-migration and the growth path
(``population.renewal``, :mod:`aidsim.population.renewal`)."""

from __future__ import annotations

import numpy as np
import pytest

from aidsim.engine.model import AidModel
from aidsim.errors import PopulationDataError
from aidsim.population.renewal import migrant_household_count, reserve_household_count
from aidsim.population.synth import build_population
from aidsim.rng import Streams
from tests.helpers import small_scenario


def with_renewal(**overrides):
    """A small scenario with renewal switched on (it is off by default)."""
    return small_scenario(**{"population__renewal__enabled": True, **overrides})

def yearly_structure(model: AidModel) -> list[dict[str, float]]:
    """Run the model to its end; the population's structure at the start and after every 12 months,
    with the births and in-migrants of the year before (per 1,000 residents)."""
    pop = model.state.population
    p = pop.persons

    def structure() -> dict[str, float]:
        alive = p.alive
        age = p.age_months[alive] / 12
        households = np.count_nonzero(pop.household_count(alive))
        return {"residents": float(alive.sum()), "size": alive.sum() / households,
                "under_18": float((age < 18).mean()), "over_60": float((age >= 60).mean()),
                "over_80": float((age >= 80).mean())}

    out = [structure()]
    done, born, arrived, resident_months = 0, 0, 0, 0.0
    while model.running:
        model.step()
        done += 1
        renewed = model.state.last_renewal
        if renewed is not None:
            born += renewed.born.shape[0]
            arrived += renewed.arrivals.shape[0]
        resident_months += np.count_nonzero(p.alive)
        if done % 12 == 0:
            per_1000 = 1000 * 12 / resident_months
            out.append(structure() | {"births_per_1000": born * per_1000, "in_migrants_per_1000": arrived * per_1000})
            born, arrived, resident_months = 0, 0, 0.0
    return out


@pytest.fixture(scope="module")
def stable_ten_years() -> list[dict[str, float]]:
    return yearly_structure(AidModel(with_renewal(households=6000, months=117)))


def test_residents_stay_stable_over_ten_years(stable_ten_years):
    start = stable_ten_years[0]["residents"]
    for year, row in enumerate(stable_ten_years):
        assert abs(row["residents"] / start - 1) < 0.02, (year, row)


def test_household_size_and_ages_stay_plausible_over_ten_years(stable_ten_years):
    """In-migrant households with the profile's structure close the balance, births follow the
    schedule: the structure drifts no more than the profile's own ageing. (Closing it with births
    scaled to about 15 per 1,000, as before, took the minors from 14% to 22%.)"""
    start = stable_ten_years[0]
    for year, row in enumerate(stable_ten_years):
        assert abs(row["size"] - start["size"]) <= 0.2, (year, row)
        assert abs(row["under_18"] - start["under_18"]) <= 0.03, (year, row)
        # the 60+ share rises by about 4 points in ten years whatever comes in: the profile's own
        # momentum (its large 50–59 cohort turns 60; 3.4 points without out-migration)
        assert abs(row["over_60"] - start["over_60"]) <= 0.05, (year, row)
        assert 0.03 <= row["over_80"] <= 0.09, (year, row)


def test_births_follow_the_schedule_and_in_migrants_close_the_balance(stable_ten_years):
    for year, row in enumerate(stable_ten_years[1:], start=1):
        # China's crude birth rate was 8.5 per 1,000 in 2020; this county is older
        assert 5 <= row["births_per_1000"] <= 12, (year, row)
        assert 2 <= row["in_migrants_per_1000"] <= 15, (year, row)


def test_residents_follow_one_percent_growth():
    scenario = with_renewal(households=5000, months=117, population__renewal__growth=0.01,
                              population__renewal__migrant_households_per_year=0.03)
    years = yearly_structure(AidModel(scenario))
    start = years[0]
    for year, row in enumerate(years[1:], start=1):
        assert abs(row["residents"] / (start["residents"] * 1.01 ** year) - 1) < 0.01, (year, row)
        assert abs(row["size"] - start["size"]) <= 0.2, (year, row)
        assert abs(row["under_18"] - start["under_18"]) <= 0.03, (year, row)
        assert 5 <= row["births_per_1000"] <= 12, (year, row)


def test_when_the_in_migrants_run_out_the_residents_fall_below_the_path():
    scenario = with_renewal(households=3000, months=45, population__renewal__migrant_households_per_year=0.002)
    model = AidModel(scenario)
    pop = model.state.population
    pool = pop.n_households - pop.migrants_from
    assert pool == 24  # 3000 × 0.002 × 4 years
    years = yearly_structure(model)
    assert not np.any(pop.vacant[pop.migrants_from:] == pop.block_sizes()[pop.migrants_from:])  # all arrived
    assert years[-1]["residents"] < 0.98 * years[0]["residents"]


def test_without_renewal_the_county_shrinks_and_ages():
    """The drift renewal removes: nobody born, residents fall about 1.3% a year."""
    years = yearly_structure(AidModel(small_scenario(households=3000, months=45,
                                                     population__renewal__enabled=False)))
    assert years[-1]["residents"] / years[0]["residents"] < 0.97
    assert years[-1]["under_18"] < years[0]["under_18"]


def test_capacity_keeps_the_drawn_population_and_reserves_empty_rows():
    scenario = with_renewal(households=2000, months=120)
    plain = build_population(scenario, Streams(7), capacity=False)
    pop = build_population(scenario, Streams(7))
    p = pop.persons
    assert pop.n_households == (2000 + reserve_household_count(scenario, 2000)
                                + migrant_household_count(scenario, 2000))
    used = np.arange(p.n) < np.repeat(pop.member_offsets[1:] - pop.vacant, pop.block_sizes())
    assert used.sum() == plain.n_persons
    for name in ("household", "age_months", "female", "alive", "disability", "employed", "earnings_level"):
        np.testing.assert_array_equal(getattr(p, name)[used], getattr(plain.persons, name))
    assert not p.alive[~used].any()
    assert np.all(np.diff(p.household) >= 0)
    reserve = ~pop.formed()
    assert reserve.sum() == pop.n_households - 2000 and not reserve[:2000].any()
    assert np.all(np.diff(pop.households.area[2000:pop.migrants_from]) >= 0)  # young adults' reserve: by area
    # in-migrant households: drawn with their members, who do not live until they arrive
    start = pop.migrants_from
    first = pop.member_offsets[start:-1]
    assert np.all(pop.arrival_size >= 1) and np.all(pop.block_sizes()[start:] >= pop.arrival_size)
    assert np.all(p.age_months[first] >= 16 * 12)  # a head
    assert not p.employed[pop.member_offsets[start]:].any()
    assert 0.3 < pop.arrival_employed.mean() < 0.7 * pop.block_sizes()[start:].sum() / pop.arrival_size.sum()
    # rows for births: the young women's households get them, the elderly's do not
    hh_young_woman = np.unique(p.household[used & p.female & (p.age_months >= 20 * 12) & (p.age_months < 30 * 12)])
    hh_old = np.flatnonzero(plain.household_count(plain.persons.age_months < 50 * 12) == 0)
    assert np.all(pop.vacant[hh_young_woman] >= 1) and not pop.vacant[hh_old].any()
    pop.check()
    p.alive[np.flatnonzero(~used)[0]] = True
    with pytest.raises(PopulationDataError, match="vacant"):
        pop.check()


def test_newborns_leavers_and_migrants_are_placed_as_described():
    scenario = with_renewal(households=3000, months=36, population__renewal__leaving_rate=0.3,
                              population__renewal__reserve_households_per_year=0.012)
    model = AidModel(scenario)
    state = model.state
    pop = state.population
    p = pop.persons
    born, formed, migrated, arrivals = [], [], [], []
    for _ in range(24):
        alive_before, vacant_before = p.alive.copy(), pop.vacant.copy()
        model.step()
        renewed = state.last_renewal
        # a newborn: age 0, alive, in a row that was empty at the end of its household's block
        assert not alive_before[renewed.born].any() and p.alive[renewed.born].all()
        hh = p.household[renewed.born]
        np.testing.assert_array_equal(renewed.born, pop.member_offsets[hh + 1] - pop.vacant[hh] - 1)
        assert np.all(renewed.born >= pop.member_offsets[hh + 1] - vacant_before[hh])  # a row left empty
        assert np.all(p.age_months[renewed.born] == 0)
        assert not p.employed[renewed.born].any() and not p.disability[renewed.born].any()
        assert np.all(p.selfcare[renewed.born] == 0) and not p.pension[renewed.born].any()
        # the mother lives in that household
        mothers = np.bincount(p.household[p.alive & p.female & (p.age_months >= 15 * 12)],
                              minlength=pop.n_households)
        assert np.all(mothers[hh] > 0)
        # a young adult's old row stops living; the new row, in a reserve household of the same
        # area formed this month, lives and has the same age
        assert not p.alive[renewed.left_home].any() and p.alive[renewed.moved_to].all()
        np.testing.assert_array_equal(p.household[renewed.moved_to], renewed.formed)
        assert np.all(vacant_before[renewed.formed] == pop.block_sizes()[renewed.formed])
        np.testing.assert_array_equal(state.household_area[p.household[renewed.left_home]],
                                      state.household_area[renewed.formed])
        np.testing.assert_array_equal(p.age_months[renewed.left_home], p.age_months[renewed.moved_to])
        # migrants: rural, gone
        assert not state.person_urban[renewed.migrated].any() and not p.alive[renewed.migrated].any()
        # in-migrant households: the next ones of the pool, their drawn members alive from now
        arrived = renewed.arrived
        if arrived.shape[0]:
            assert np.all(arrived >= pop.migrants_from) and np.all(np.diff(arrived) == 1)
            assert np.all(vacant_before[arrived] == pop.block_sizes()[arrived])
            assert not alive_before[renewed.arrivals].any() and p.alive[renewed.arrivals].all()
            size = pop.arrival_size[arrived - pop.migrants_from]
            assert renewed.arrivals.shape[0] == size.sum()
            np.testing.assert_array_equal(pop.vacant[arrived], pop.block_sizes()[arrived] - size)
            arrivals.append(arrived)
        born.append(renewed.born)
        formed.append(renewed.formed)
        migrated.append(renewed.migrated)
    all_born, all_formed = np.concatenate(born), np.concatenate(formed)
    assert all_born.shape[0] > 50 and all_formed.shape[0] > 50 and np.concatenate(migrated).shape[0] > 0
    assert np.concatenate(arrivals).shape[0] > 20
    assert 0.35 < p.female[all_born].mean() < 0.6
    assert np.all(all_formed >= 3000)  # only reserve households form, each once
    assert np.unique(all_formed).shape[0] == all_formed.shape[0]


def test_empty_rows_are_never_residents_or_paid():
    scenario = with_renewal(households=3000, months=24)
    model = AidModel(scenario)
    model.run_to_end()
    state, pop = model.state, model.state.population
    p = pop.persons
    assert model.last.total("persons") == np.count_nonzero(p.alive)
    reserve = np.flatnonzero(~pop.formed())
    assert reserve.shape[0] > 0 and np.any(reserve >= pop.migrants_from)  # in-migrants not yet arrived too
    assert not p.alive[pop.members_of(reserve)].any()
    assert not state.paid_fen[:, reserve].any()
    vacant_rows = np.arange(p.n) >= np.repeat(pop.member_offsets[1:] - pop.vacant, pop.block_sizes())
    assert not p.alive[vacant_rows].any()


def test_renewal_is_the_same_under_any_policy():
    """Births, moves and departures do not depend on the policy: common random numbers."""
    base = with_renewal(households=2000, months=18)
    reform = with_renewal(households=2000, months=18, dibao__standard__rural=600)
    runs = [AidModel(s) for s in (base, reform)]
    for model in runs:
        model.run_to_end()
    a, b = (m.state.population.persons for m in runs)
    np.testing.assert_array_equal(a.alive, b.alive)
    np.testing.assert_array_equal(a.age_months, b.age_months)
    assert runs[0].last.total("dibao_cost") != runs[1].last.total("dibao_cost")


def test_tables_report_births_households_formed_and_the_age_structure():
    from aidsim import run

    results = run(with_renewal(households=3000, months=24))
    sums = results.sums
    assert sums["births"].sum() > 0 and sums["households_formed"].sum() > 0 and sums["out_migrants"].sum() > 0
    assert sums["in_migrants"].sum() > 0
    assert (sums["out_migrants"][sums["area_type"] == "urban"] == 0).all()  # only rural people leave
    yearly = results.table(["year"], with_total=False)
    assert ((yearly["persons_per_household"] > 2.5) & (yearly["persons_per_household"] < 3.3)).all()
    assert ((yearly["share_elderly"] > 0.2) & (yearly["share_elderly"] < 0.35)).all()
    assert (yearly["share_80_plus"] < yearly["share_elderly"]).all()
    assert (yearly["share_minor"] > 0.1).all()
