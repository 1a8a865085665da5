"""Population renewal: births into households, young adults leaving home to form their own
household, rural out-migration, and the growth path the residents follow
(``population.renewal``).

**Layout: reserved rows, never moved.** Every array of the run (the population's, the engine's
and each programme's state, indexed by person row or household row) keeps the shape it had when
the population was drawn, so no index ever changes and no state has to be copied or re-indexed.
Room for renewal is reserved once, by :func:`add_capacity`:

- each household with a girl or woman who can give birth during the run (aged 15 − the run's years
  up to 44 at its start) gets :func:`birth_slots` empty person rows at the end of its
  block (persons stay stored household by household, so ``Population.member_offsets`` and
  ``members_with_owner`` keep working);
- ``reserve_households_per_year`` × years of the run × households empty *reserve households* are
  appended, each with ``1 + birth_slots`` empty rows, their attributes (area, hukou, assets,
  distance to the office, other income, administrative traits) drawn by the synthetic generator
  itself from streams of their own, and sorted by area.

``Population.vacant[h]`` counts the empty rows left at the end of household ``h``'s block; they are
filled from the front. An empty row is never alive, so it is never a resident, never paid and
never counted (``alive`` gates everything already). A row is used once: a person who dies, moves
out or leaves the county keeps the row, not alive, and the row is not given to anyone else, so the
programmes' per-person state of an empty row is still the one ``init_state`` gave it when someone
is born into it or moves into it (the same holds for a reserve household's row).

Each month, after deaths and ageing (:func:`renew`):

1. **out-migration**: rural-hukou persons able to work leave the county with an annual
   probability by age (``migration``); their rows stop being alive;
2. **leaving home**: a young adult (``leaving_ages``) able to work, in a household of at least
   ``leaving_min_size`` living members, leaves with ``leaving_rate`` (one per household and month)
   to form a household in the same area: the person's attributes are copied into the first row of
   a reserve household of that area (so hukou and area follow), and the old row stops being
   alive. When an area has no reserve household left, the young adult stays. The programmes'
   per-person state (a yearly medical counter, say) does not follow: it starts afresh in the new
   row (young adults able to work are on no per-person roll);
3. **births**: living women with an empty row in their household give birth with the fertility
   schedule's monthly hazard (at most one birth per household and month); the newborn takes that
   row: age 0, alive, no disability, full self-care, not employed, no pension, and the traits the
   synthetic generator draws for everyone (sex, a chronic illness, a formal or informal job when
   it works, refusing work, persistent earnings) drawn the same way.

**Balance: births close it.** With ``growth`` set (default 0, a stable population), each month the
fertility schedule is scaled by one factor so that the expected births equal the gap between the
growth path ``R0 × (1 + growth)^(t/12)`` (``R0`` the residents when the run starts, ``t`` months
since) and the residents left after this month's deaths and departures. Births are the one flow
that can add residents without bringing people from nowhere, and the gap is recomputed every
month, so a month's shortfall or excess of random births is made up the month after: the
residents stay on the path within a few persons' Monte Carlo noise and the error never adds up.
The schedule then gives the age pattern of fertility; its level is what the balance needs. In
the example county (older than China, and nobody moves in) a stable population asks about 15
births per 1,000 residents a year, about twice China's crude birth rate of 2020; the factor on the
schedule, which applies only to the women who still have room, rises from about 2 to about 3.7
over ten years as women use their rows (it is capped at 20). With ``growth: null`` births follow
the schedule as given and nothing is balanced. When the women with room left are too few (every
reserved row used), births fall short of the path; more rows (``birth_slots_per_ten_years``) fix
it.

Why not in-migration, or re-allocating the arrays? Arrivals would need whole synthetic persons
and households drawn during the run and a choice of where they come from; a periodic
re-allocation would have to grow every programme's state consistently and re-index persons,
which the sparse payments and the caches hold. Reserved rows keep every index valid for the run
at the cost of carrying empty rows (about 20% more person rows for a three-year run, 50% for ten
years).

Random numbers: one 64-bit word per person row (``renewal_persons``: four 16-bit uniforms for the
birth, leaving home, migration and the newborn's earnings) and one per household row
(``renewal_households``: the newborn's sex, job kind, refusing work and chronic illness) every
month, used or not, from streams of their own, so the other streams draw what they drew before.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields

import numpy as np
from scipy.special import ndtri

from aidsim.population.arrays import SELFCARE_FULL, Households, Persons, Population, by_hukou
from aidsim.population.categories import able_to_work, severely_disabled
from aidsim.scenario.schema import AgeRates, Scenario

F32 = np.float32
_U16 = F32(1.0 / 65536.0)
#: Youngest and oldest (exclusive) ages of a woman given room for births, in years.
LAST_FERTILE_AGE = 45  # exclusive, years


def run_years(scenario: Scenario) -> float:
    """Years the run simulates, warm-up included."""
    sim = scenario.simulation
    return (sim.months + sim.warmup_months) / 12.0


def birth_slots(scenario: Scenario) -> int:
    """Rows reserved for births per household: ``birth_slots_per_ten_years`` per ten years of the
    run, rounded to the nearest, at least one (none when it is 0)."""
    per_ten = scenario.population.renewal.birth_slots_per_ten_years
    return 0 if per_ten == 0 else max(1, math.floor(per_ten * run_years(scenario) / 10.0 + 0.5))


def reserve_household_count(scenario: Scenario, households: int) -> int:
    """Reserve households for a run of this scenario: a share per year of the run, warm-up included."""
    ren = scenario.population.renewal
    if not ren.enabled or ren.leaving_rate == 0:
        return 0
    return math.ceil(households * ren.reserve_households_per_year * run_years(scenario))


def add_capacity(population: Population, scenario: Scenario, reserve: Households | None) -> Population:
    """The population with room for renewal: :func:`birth_slots` empty rows in each household with
    a girl or woman who can give birth during the run, and the ``reserve`` households (drawn by the
    synthetic generator), sorted by area, each with one row more. Existing persons and households keep
    their order and attributes."""
    p, h = population.persons, population.households
    n_h = h.n
    slots = birth_slots(scenario)
    youngest = max(0.0, 15.0 - run_years(scenario))  # she reaches 15 before the run ends
    woman = p.alive & p.female & (p.age_months >= youngest * 12) & (p.age_months < LAST_FERTILE_AGE * 12)
    extra = np.where(np.bincount(p.household[woman], minlength=n_h) > 0, slots, 0)
    n_res = 0 if reserve is None else reserve.n
    reserve_fields: dict[str, np.ndarray] = {f.name: getattr(h, f.name)[:0] for f in fields(h)}
    if reserve is not None:
        order = np.argsort(reserve.area, kind="stable")
        reserve_fields = {f.name: getattr(reserve, f.name)[order] for f in fields(reserve)}
    old_sizes = np.diff(population.member_offsets)
    sizes = np.concatenate([old_sizes + extra, np.full(n_res, 1 + slots)]).astype(np.intp)
    first = np.concatenate(([0], np.cumsum(sizes)))
    rows = np.arange(p.n) + (first[:n_h] - population.member_offsets[:n_h])[p.household]
    n_rows = int(first[-1])
    person_arrays = {}
    for f in fields(p):
        old = getattr(p, f.name)
        new = np.zeros(n_rows, dtype=old.dtype)
        new[rows] = old
        person_arrays[f.name] = new
    person_arrays["household"] = np.repeat(np.arange(n_h + n_res, dtype=np.intp), sizes)
    households = Households(**{f.name: np.concatenate([getattr(h, f.name), reserve_fields[f.name]])
                               for f in fields(h)})
    vacant = np.concatenate([extra, np.full(n_res, 1 + slots)]).astype(np.int16)
    out = Population(persons=Persons(**person_arrays), households=households, n_areas=population.n_areas,
                     area_urban=population.area_urban, vacant=vacant, reserve_from=n_h)
    out.check()
    return out


def monthly_table(schedule: AgeRates, max_age_months: int, *, rate: bool) -> np.ndarray:
    """A float32 table by age in months of the schedule's monthly value: ``annual / 12`` for a rate
    (births per woman-year), ``1 − (1 − q)^(1/12)`` for an annual probability."""
    annual = np.asarray(schedule.annual, dtype=np.float64)
    monthly = annual / 12.0 if rate else 1.0 - (1.0 - annual) ** (1.0 / 12.0)
    ages = np.arange(max(max_age_months, schedule.band_starts[-1] * 12) + 1)
    band = np.searchsorted(np.asarray(schedule.band_starts) * 12, ages, side="right") - 1
    return monthly.astype(F32)[np.clip(band, 0, None)]


def uniform16(words: np.ndarray, k: int) -> np.ndarray:
    """The ``k``-th 16-bit uniform (0 … 3) of each 64-bit word, float32 in [0, 1)."""
    return ((words >> np.uint64(16 * k)) & np.uint64(0xFFFF)).astype(F32) * _U16


@dataclass
class RenewalOutcome:
    """What renewal did this month (person and household rows)."""

    migrated: np.ndarray    # intp: persons who left the county
    left_home: np.ndarray   # intp: rows the young adults left
    moved_to: np.ndarray    # intp: their rows in the households they formed
    formed: np.ndarray      # intp: households formed
    born: np.ndarray        # intp: newborns' rows
    birth_scale: float      # the factor applied to the fertility schedule

    @property
    def changed(self) -> bool:
        """Whether any person's attributes were written (caches of person traits must go)."""
        return bool(self.moved_to.shape[0] or self.born.shape[0])


def _able(population: Population, scenario: Scenario, rows: np.ndarray) -> np.ndarray:
    p = population.persons
    return able_to_work(p.age_months[rows] / F32(12), severely_disabled(p.disability[rows], scenario.definitions),
                        p.selfcare[rows], tuple(scenario.tekun.working_age))


def _first_per_household(population: Population, rows: np.ndarray) -> np.ndarray:
    """The first of ``rows`` (increasing) in each household."""
    hh = population.persons.household[rows]
    keep = np.concatenate(([True], hh[1:] != hh[:-1])) if rows.shape[0] else np.zeros(0, bool)
    return rows[keep]


def migrate(population: Population, scenario: Scenario, u: np.ndarray, person_urban: np.ndarray) -> np.ndarray:
    """Rural persons able to work who leave the county this month (their rows stop being alive)."""
    p = population.persons
    table = monthly_table(scenario.population.renewal.migration, int(p.age_months.max(initial=0)), rate=False)
    if not table.any():
        return np.zeros(0, np.intp)
    rows = np.flatnonzero(p.alive & (u < table[p.age_months]) & ~person_urban)
    rows = rows[_able(population, scenario, rows)]
    p.alive[rows] = False
    return rows


def leave_home(population: Population, scenario: Scenario, u: np.ndarray,
               household_area: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Young adults who leave to form a household in a reserve household of their area → (old rows,
    new rows, households formed)."""
    ren, p = scenario.population.renewal, population.persons
    none = np.zeros(0, np.intp)
    q = 1.0 - (1.0 - ren.leaving_rate) ** (1.0 / 12.0)
    if q == 0:
        return none, none, none
    lo, hi = ren.leaving_ages
    rows = np.flatnonzero(p.alive & (u < F32(q)))
    rows = rows[(p.age_months[rows] >= lo * 12) & (p.age_months[rows] < hi * 12) & ~p.orphan[rows]]
    offsets, vacant = population.member_offsets, population.vacant
    hh = p.household[rows]
    # Living members of the candidates' households (each block's rows, summed).
    owner_rows, owner = population.members_with_owner(hh)
    living = np.bincount(owner, weights=p.alive[owner_rows], minlength=hh.shape[0])
    rows = rows[(living >= ren.leaving_min_size)]
    rows = _first_per_household(population, rows[_able(population, scenario, rows)])
    if not rows.shape[0]:
        return none, none, none
    sizes = np.diff(offsets)
    reserve = np.flatnonzero(vacant == sizes)  # in area order (the reserve is sorted by area)
    area = household_area[p.household[rows]]
    order = np.argsort(area, kind="stable")
    rows, area = rows[order], area[order]
    n_areas = population.n_areas
    free = np.bincount(household_area[reserve], minlength=n_areas)
    free_start = np.cumsum(free) - free
    count = np.bincount(area, minlength=n_areas)
    rank = np.arange(rows.shape[0]) - (np.cumsum(count) - count)[area]
    ok = rank < free[area]
    rows, area, rank = rows[ok], area[ok], rank[ok]
    formed = reserve[free_start[area] + rank]
    dest = offsets[formed + 1] - vacant[formed]
    for f in fields(p):
        if f.name != "household":
            column = getattr(p, f.name)
            column[dest] = column[rows]
    p.alive[rows] = False
    vacant[formed] -= 1
    order = np.argsort(rows)
    return rows[order], dest[order], formed[order]


def births(population: Population, scenario: Scenario, u: np.ndarray, z_earnings: np.ndarray,
           words_h: np.ndarray, person_urban: np.ndarray, needed: float | None) -> tuple[np.ndarray, float]:
    """Births this month → (newborns' rows, the factor on the fertility schedule). ``needed``: the
    births that would put the residents on their growth path (``None``: follow the schedule)."""
    prof, p = scenario.population, population.persons
    ren = prof.renewal
    table = monthly_table(ren.fertility, int(p.age_months.max(initial=0)), rate=True)
    ages = np.flatnonzero(table > 0)
    if not ages.shape[0]:
        return np.zeros(0, np.intp), 0.0
    rows = np.flatnonzero(p.alive & p.female & (p.age_months >= ages[0]) & (p.age_months <= ages[-1]))
    vacant = population.vacant
    rows = rows[vacant[p.household[rows]] > 0]
    base = table[p.age_months[rows]]
    scale = 1.0
    if needed is not None:
        expected = float(base.sum(dtype=np.float64))
        scale = min(max(needed, 0.0) / expected, 20.0) if expected > 0 else 0.0
    mothers = _first_per_household(population, rows[u[rows] < np.minimum(base * F32(scale), F32(0.5))])
    hh = p.household[mothers]
    born = population.member_offsets[hh + 1] - vacant[hh]
    vacant[hh] -= 1
    w = words_h[hh]
    urban = person_urban[born]
    p.age_months[born] = 0
    p.female[born] = uniform16(w, 0) < ren.female_share_at_birth
    p.alive[born] = True
    p.disability[born] = 0
    p.chronic[born] = uniform16(w, 3) < prof.chronic_prevalence
    p.ill[born] = False
    p.selfcare[born] = SELFCARE_FULL
    p.employed[born] = False
    p.earnings_level[born] = (ndtri((z_earnings[mothers] + _U16 / 2).astype(np.float64))
                              * scenario.shocks.income.persistent_sd).astype(F32)
    p.pension[born] = 0
    p.public_sector[born] = False
    p.refuses_work[born] = uniform16(w, 2) < prof.refuses_work_share
    p.orphan[born] = False
    p.formal_job[born] = uniform16(w, 1) < by_hukou(urban, prof.formal_job_share.urban,
                                                     prof.formal_job_share.rural, F32)
    return born, scale


def renew(population: Population, scenario: Scenario, words_p: np.ndarray, words_h: np.ndarray,
          person_urban: np.ndarray, household_area: np.ndarray, target: float | None) -> RenewalOutcome:
    """One month of renewal, in place: out-migration, leaving home, then births. ``target``: the
    residents the growth path asks for at the end of the month (``None``: no balance)."""
    p = population.persons
    migrated = migrate(population, scenario, uniform16(words_p, 2), person_urban)
    left, moved_to, formed = leave_home(population, scenario, uniform16(words_p, 1), household_area)
    needed = None if target is None else target - float(np.count_nonzero(p.alive))
    born, scale = births(population, scenario, uniform16(words_p, 0), uniform16(words_p, 3), words_h,
                         person_urban, needed)
    return RenewalOutcome(migrated, left, moved_to, formed, born, scale)
