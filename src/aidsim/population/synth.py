"""A synthetic population drawn from a scenario's profile (vectorised; no loop over households).

Household composition follows a simple life-cycle rule: a head, a spouse of similar age, children
about 22–38 years younger, and in households of five or more an older parent of the head. People
living alone follow their own age distribution, since many of them are elderly.
"""

from __future__ import annotations

import numpy as np

from aidsim import libm
from aidsim.population.arrays import (
    SELFCARE_FULL,
    SELFCARE_NONE,
    SELFCARE_PARTIAL,
    Households,
    Persons,
    Population,
    by_hukou,
)
from aidsim.population.categories import able_to_work, severely_disabled
from aidsim.population.renewal import add_capacity, migrant_household_count, reserve_household_count
from aidsim.rng import Streams
from aidsim.scenario.schema import AgeBands, Scenario

__all__ = ["able_to_work", "build_population"]  # able_to_work lives in categories now


def _draw_ages(rng: np.random.Generator, bands: AgeBands, n: int) -> np.ndarray:
    """Ages in years (float) drawn uniformly within bands chosen with the bands' shares."""
    edges = np.array([*bands.starts, bands.top], dtype=float)
    band = rng.choice(len(bands.shares), size=n, p=np.asarray(bands.shares))
    return edges[band] + rng.random(n) * (edges[band + 1] - edges[band])


def build_population(scenario: Scenario, streams: Streams, *, capacity: bool = True) -> Population:
    """Draw the population described by ``scenario.population`` from the ``population`` stream.

    With ``capacity`` (and ``population.renewal.enabled``), room for renewal is reserved as well:
    empty rows for births, empty households for young adults drawn the same way from the
    ``renewal_reserve/`` streams, and in-migrant households with their members drawn the same way
    from the ``renewal_migrants/`` streams (:func:`aidsim.population.renewal.add_capacity`); the
    households and persons drawn are the same either way."""
    population = _draw(scenario, streams)
    if capacity and scenario.population.renewal.enabled:
        n = population.n_households
        reserve = _draw_more(scenario, streams, "renewal_reserve/", reserve_household_count(scenario, n))
        migrants = _draw_more(scenario, streams, "renewal_migrants/", migrant_household_count(scenario, n))
        population = add_capacity(population, scenario, None if reserve is None else reserve.households,
                                  migrants)
    return population


def _draw_more(scenario: Scenario, streams: Streams, prefix: str, households: int) -> Population | None:
    """``households`` more households (and their members) drawn the same way from the streams under
    ``prefix`` (``None`` if none)."""
    if not households:
        return None
    sub = scenario.model_copy(update={"population": scenario.population.model_copy(
        update={"households": households})})
    return _draw(sub, _Prefixed(streams, prefix))


class _Prefixed:
    """The run's streams under a prefix (the reserve households draw from streams of their own)."""

    def __init__(self, streams: Streams, prefix: str):
        self._streams, self._prefix = streams, prefix

    def __getitem__(self, name: str):
        return self._streams[self._prefix + name]


def _draw(scenario: Scenario, streams: Streams) -> Population:
    """The synthetic households and persons, without room for renewal."""
    prof = scenario.population
    inc = scenario.shocks.income
    rng = streams["population"]
    n_h = prof.households

    # Households: hukou, area, size.
    urban = rng.random(n_h) < prof.urban_share
    n_areas = prof.street_offices + prof.townships
    area = np.where(
        urban,
        rng.integers(0, max(prof.street_offices, 1), n_h),
        prof.street_offices + rng.integers(0, prof.townships, n_h),
    ).astype(np.int16)
    size = 1 + rng.choice(len(prof.household_size), size=n_h, p=np.asarray(prof.household_size))

    # Persons: index within household, head age, member ages.
    household = np.repeat(np.arange(n_h, dtype=np.int32), size)
    n_p = household.shape[0]
    first = np.concatenate(([0], np.cumsum(size)[:-1]))
    slot = np.arange(n_p) - np.repeat(first, size)
    head_age = np.where(size == 1, _draw_ages(rng, prof.single_age, n_h),
                        _draw_ages(rng, prof.head_age, n_h))
    hsize, hage = size[household], head_age[household]
    age = np.empty(n_p)
    age[slot == 0] = hage[slot == 0]
    spouse = slot == 1
    age[spouse] = np.clip(hage[spouse] + rng.normal(0, prof.spouse_age_sd, spouse.sum()), 16, None)
    parent = (slot >= 2) & (hsize >= 5) & (slot == hsize - 1)
    age[parent] = np.clip(hage[parent] + prof.parent_age_gap + rng.normal(0, prof.spouse_age_sd, parent.sum()),
                          40, 100)
    child = (slot >= 2) & ~parent
    young, old_gap = prof.child_age_gap
    age[child] = np.clip(hage[child] - young - rng.random(child.sum()) * (old_gap - young), 0, None)
    age = np.minimum(age, 104)
    age_months = (age * 12).astype(np.int16)
    female = np.where(slot == 1, True, rng.random(n_p) < 0.5) & ~((slot == 0) & (hsize > 1))

    # Health: disability, chronic illness, self-care.
    first_month = scenario.simulation.start_month - scenario.simulation.warmup_months
    old = age >= scenario.definitions.elderly_age.at(first_month)
    p_dis = np.where(old, prof.disability_prevalence_60_plus,
                     by_hukou(urban[household], prof.disability_prevalence.urban,
                               prof.disability_prevalence.rural))
    disabled = rng.random(n_p) < p_dis
    grade = 1 + rng.choice(4, size=n_p, p=np.asarray(prof.disability_grades))
    disability = np.where(disabled, grade, 0).astype(np.int8)
    chronic = rng.random(n_p) < np.where(old, prof.chronic_prevalence_60_plus, prof.chronic_prevalence)
    selfcare = np.full(n_p, SELFCARE_FULL, dtype=np.int8)
    selfcare[disability == 2] = SELFCARE_PARTIAL
    selfcare[disability == 1] = SELFCARE_NONE
    frail = (age >= 80) & (selfcare == SELFCARE_FULL) & (rng.random(n_p) < prof.partial_selfcare_80_plus)
    selfcare[frail] = SELFCARE_PARTIAL

    # Work and earnings. The persistent component starts from its stationary distribution.
    able = able_to_work(age, severely_disabled(disability, scenario.definitions), selfcare,
                        tuple(scenario.tekun.working_age))
    u_urban = urban[household]
    employed = able & (rng.random(n_p) < by_hukou(u_urban, prof.employment_rate.urban,
                                                   prof.employment_rate.rural))
    earnings_level = (rng.standard_normal(n_p) * inc.persistent_sd).astype(np.float32)
    refuses_work = able & ~employed & (rng.random(n_p) < prof.refuses_work_share)
    public_sector = employed & (rng.random(n_p) < by_hukou(u_urban, prof.public_sector_share.urban,
                                                           prof.public_sector_share.rural))

    orphan = (age < 18) & (rng.random(n_p) < prof.orphan_share)

    # Pensions for people 60+.
    employee_pension = old & u_urban & (rng.random(n_p) < prof.employee_pension_share_urban)
    pension = np.where(
        employee_pension,
        prof.employee_pension_median * libm.exp(prof.pension_spread * rng.standard_normal(n_p)),
        np.where(old, by_hukou(u_urban, prof.resident_pension.urban, prof.resident_pension.rural), 0.0),
    ).astype(np.float32)

    # Other household income.
    has_other = rng.random(n_h) < by_hukou(urban, prof.other_income_share.urban,
                                            prof.other_income_share.rural)
    other_level = (rng.standard_normal(n_h) * inc.other_income_sd).astype(np.float32)

    # Assets: richer households own them more often (probability rises with the income rank),
    # so the exclusions bite mostly where they should, as in the source documents.
    expected_income = np.bincount(
        household, weights=employed * libm.exp(earnings_level) + pension / 1000, minlength=n_h
    ) / size + has_other * libm.exp(other_level) * 0.1
    # stable: the many ties (no income) are ranked in row order, whichever sort the CPU gets
    rank = (np.argsort(np.argsort(expected_income, kind="stable"), kind="stable") + 0.5) / n_h
    tilt = np.clip(2 * rank, 0, None)

    def asset(share) -> np.ndarray:
        return rng.random(n_h) < np.clip(tilt * by_hukou(urban, share.urban, share.rural), 0, 1)

    vehicle = asset(prof.vehicle_share)
    business = asset(prof.business_share)
    two_dwellings = asset(prof.two_dwellings_share)
    # Drawn for every household, not only for those dependent today: a household whose last able
    # member ages, falls ill or dies keeps (or lacks) its supporter elsewhere.
    outside_supporter = rng.random(n_h) < by_hukou(urban, prof.outside_supporter_share.urban,
                                                   prof.outside_supporter_share.rural)

    # Administrative traits come from their own stream, so adding them left the draws above as they were.
    traits = streams["admin_traits"]
    formal_job = traits.random(n_p) < by_hukou(u_urban, prof.formal_job_share.urban,
                                                prof.formal_job_share.rural)
    office_km = (by_hukou(urban, prof.office_distance_km.urban, prof.office_distance_km.rural)
                 * libm.exp(prof.office_distance_spread * traits.standard_normal(n_h))).astype(np.float32)
    connection_u = traits.random(n_h, dtype=np.float32)
    honesty_u = traits.random(n_h, dtype=np.float32)
    # Drawn for everyone, disabled or not, so that a disability starting later is certified or not
    # with the same share; drawn last, so every draw above is unchanged.
    certified = traits.random(n_p) < prof.disability_certified_share

    persons = Persons(
        household=household, age_months=age_months, female=female, alive=np.ones(n_p, dtype=bool),
        disability=disability, chronic=chronic, ill=np.zeros(n_p, dtype=bool), selfcare=selfcare,
        employed=employed, earnings_level=earnings_level, pension=pension,
        public_sector=public_sector, refuses_work=refuses_work, orphan=orphan, formal_job=formal_job,
        certified=certified,
    )
    households = Households(
        area=area, urban=urban, vehicle=vehicle, business=business, two_dwellings=two_dwellings,
        outside_supporter=outside_supporter, other_income_level=other_level,
        has_other_income=has_other, office_km=office_km, connection_u=connection_u,
        honesty_u=honesty_u,
    )
    area_urban = np.arange(n_areas) < prof.street_offices
    population = Population(persons=persons, households=households, n_areas=n_areas,
                            area_urban=area_urban)
    population.check()
    return population
