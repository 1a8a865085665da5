"""Population renewal: births into households, young adults leaving home to form their own
household, rural out-migration, and in-migrant households that keep the residents on their growth
path (``population.renewal``).

**Layout: reserved rows, never moved.** Every array of the run (the population's, the engine's
and each programme's state, indexed by person row or household row) keeps the shape it had when
the population was drawn, so no index ever changes and no state has to be copied or re-indexed.
Room for renewal is reserved once, by :func:`add_capacity`, in three parts:

- each household gets :func:`birth_rows` empty person rows at the end of its block: the fewest
  such that its women (alive at the start) have more births over the run, warm-up included, with
  probability at most ``birth_rows_shortfall`` (0.02), their births being Poisson with the fertility
  schedule's expectation (:func:`expected_births`). Rows follow the births the schedule asks for:
  none for a household without a woman who can give birth during the run, one for most households
  with a woman of 20–39 in a short run, two or three for a young woman in a ten-year run. A birth in
  a household with no row left does not happen (at the defaults about 3% of the schedule's births
  in ten years; in a short run, most births of women 15–19 and 40–44);
- ``reserve_households_per_year`` × years of the run × households empty households for young adults
  who leave home, each with :func:`formed_household_rows` rows; their attributes (area, hukou,
  assets, distance to the office, other income, administrative traits) are drawn by the synthetic
  generator itself from streams of their own (``renewal_reserve/``), and they are sorted by area;
- ``migrant_households_per_year`` × years × households *in-migrant households*, drawn by the
  synthetic generator with their members from streams of their own (``renewal_migrants/``): the
  profile's household sizes, ages, hukou, incomes, assets, disabilities and jobs. Their members sit
  in their rows from the start but do not live (``alive`` false, no job; whether they work on arrival
  is kept in ``Population.arrival_employed``) and do not age until the household arrives; each has
  birth rows like any household.

Two pools rather than one: a young adult needs an empty household (one person moves in), an
in-migrant household arrives with its members already in their rows.

``Population.vacant[h]`` counts the empty rows at the end of household ``h``'s block (all of them
for a household that has not formed or arrived); they are filled from the front. An empty row is
never alive, so it is never a resident, never paid and never counted (``alive`` gates everything
already). A row is used once: a person who dies, moves out or leaves the county keeps the row, not
alive, and the row is not given to anyone else, so the programmes' per-person state of an empty
row is still the one ``init_state`` gave it when someone is born into it or moves into it.

Each month, after deaths and ageing (:func:`renew`):

1. **out-migration**: rural-hukou persons able to work leave the county with an annual
   probability by age (``migration``); their rows stop being alive;
2. **leaving home**: a young adult (``leaving_ages``) able to work, in a household of at least
   ``leaving_min_size`` living members, leaves with ``leaving_rate`` (one per household and month)
   to form a household in the same area: the person's attributes are copied into the first row of
   a reserve household of that area (so hukou and area follow), and the old row stops being
   alive. When an area has no reserve household left, the young adult stays. The programmes'
   per-person state (a yearly medical counter, say) does not follow: it starts afresh in the new
   row (young adults able to work are on no per-person roll). Leaving home is how households form
   within the county: ``leaving_rate`` is set so that persons per household fall slowly (about 0.1
   in ten years), as China's have;
3. **births**: living women with an empty row in their household give birth with the fertility
   schedule's monthly hazard, as given (the 2020 census's age pattern at a total fertility rate of
   1.3; at most one birth per household and month); the newborn takes that row: age 0, alive, no
   disability, full self-care, not employed, no pension, and the traits the synthetic generator
   draws for everyone (sex, a chronic illness, a formal or informal job when it works, refusing
   work, persistent earnings) drawn the same way;
4. **in-migration** (:func:`arrive`): with ``growth`` set (default 0, a stable population), the next
   in-migrant households of the pool arrive, in their drawn order, as many as bring the residents
   nearest to the growth path ``R0 × (1 + growth)^(t/12)`` (``R0`` the residents when the run starts,
   ``t`` months since). Their members become alive where they were drawn, with their job. The gap is
   recomputed every month from the residents actually left, so a month's shortfall is made up the
   month after and no error adds up: the residents stay within about a household of the path. When
   births and arrivals already exceed the path, nobody arrives (nobody is sent away either).

**Why in-migration closes the balance.** A county's population is balanced by migration, not by
births: its births follow its women's fertility, and whatever the path asks beyond births and deaths
is people moving in or out. Closing it with births instead (as an earlier version did) asked about
15 births per 1,000 residents a year in this old county (27% aged 60+), twice China's 8.5 of 2020,
and took the minors from 15% to 23% of residents in ten years. Households that arrive are drawn
from the profile, so they bring its household sizes and age structure: the residents' structure
drifts only as the profile's own ages (in ten years of the example county births about 7.5 and
in-migrants about 7 per 1,000 residents a year, the minors' share within about 2 points, persons
per household within about 0.1; the 60+ share rises about 4 points, the profile's large 50–59
cohort turning 60, as China's did from 2010 to 2020).

**When the pool runs out.** The example county at growth 0 uses in-migrant households of about
0.75% of its households a year, so the default 0.015 lasts ten years with a margin (twenty years at
the lower rate); +1% a year needs about 0.02, hence 0.03 there. When every in-migrant household has
arrived, nobody else moves in: the residents fall below the path by deaths and out-migration
(the ``in_migrants`` measure, persons by area each month, shows it stopping).

Random numbers: one 64-bit word per person row (``renewal_persons``: four 16-bit uniforms for the
birth, leaving home, migration and the newborn's earnings) and one per household row
(``renewal_households``: the newborn's sex, job kind, refusing work and chronic illness) every
month, used or not, from streams of their own, so the other streams draw what they drew before.
Arrivals draw nothing: the pool's order is already random.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields

import numpy as np
from scipy.special import ndtri

from aidsim import libm
from aidsim.population.arrays import SELFCARE_FULL, Households, Persons, Population, by_hukou
from aidsim.population.categories import able_to_work, severely_disabled
from aidsim.scenario.schema import AgeRates, Scenario

F32 = np.float32
_U16 = F32(1.0 / 65536.0)


def run_years(scenario: Scenario) -> float:
    """Years the run simulates, warm-up included."""
    return run_months(scenario) / 12.0


def run_months(scenario: Scenario) -> int:
    """Months the run simulates, warm-up included."""
    sim = scenario.simulation
    return int(sim.months + sim.warmup_months)


def _cumulative_fertility(scenario: Scenario, max_age_months: int) -> np.ndarray:
    """float64 ``C[a]``: births a woman is expected to have from birth to age ``a`` months."""
    table = monthly_table(scenario.population.renewal.fertility, max_age_months + run_months(scenario), rate=True)
    return np.concatenate(([0.0], np.cumsum(table, dtype=np.float64)))


def expected_births(population: Population, scenario: Scenario) -> np.ndarray:
    """Births each household's living women are expected to have over the run by the fertility
    schedule (float64, ``(n_households,)``; mortality ignored)."""
    p = population.persons
    woman = p.alive & p.female
    age = p.age_months[woman].astype(np.intp)
    cum = _cumulative_fertility(scenario, int(age.max(initial=0)))
    per_woman = cum[age + run_months(scenario)] - cum[age]
    return np.bincount(p.household[woman], weights=per_woman, minlength=population.n_households)


def birth_rows(expected: np.ndarray | float, shortfall: float) -> np.ndarray:
    """Rows reserved for births expected ``expected`` times over the run: the fewest ``k`` such that
    more than ``k`` births (Poisson, as the monthly hazards make them) has a probability of at most
    ``shortfall`` (int16)."""
    e = np.asarray(expected, dtype=np.float64)
    term = libm.exp(-e)          # P(N = k)
    above = 1.0 - term           # P(N > k)
    rows = np.zeros(e.shape, dtype=np.int16)
    for k in range(1, 16):       # over the count of rows, not households
        short = above > shortfall
        if not short.any():
            break
        rows[short] = k
        term = term * e / k
        above = above - term
    return rows


def formed_household_rows(scenario: Scenario) -> int:
    """Rows of a reserve household for a young adult: the adult's, and the births expected of a
    young adult (a woman half the time) at the middle of the leaving ages for half the run."""
    ren = scenario.population.renewal
    mid = int(sum(ren.leaving_ages) * 6)  # months
    cum = _cumulative_fertility(scenario, mid)
    expected = 0.5 * (cum[mid + run_months(scenario) // 2] - cum[mid])
    return 1 + int(birth_rows(expected, ren.birth_rows_shortfall))


def reserve_household_count(scenario: Scenario, households: int) -> int:
    """Reserve households for young adults leaving home: a share per year of the run, warm-up included."""
    ren = scenario.population.renewal
    if not ren.enabled or ren.leaving_rate == 0:
        return 0
    return math.ceil(households * ren.reserve_households_per_year * run_years(scenario))


def migrant_household_count(scenario: Scenario, households: int) -> int:
    """In-migrant households reserved: a share per year of the run, warm-up included (none without a
    growth path)."""
    ren = scenario.population.renewal
    if not ren.enabled or ren.growth is None:
        return 0
    return math.ceil(households * ren.migrant_households_per_year * run_years(scenario))


def add_capacity(population: Population, scenario: Scenario, reserve: Households | None,
                 migrants: Population | None = None) -> Population:
    """The population with room for renewal: :func:`birth_rows` empty rows at the end of each
    household's block, then the ``reserve`` households for young adults (sorted by area, each
    :func:`formed_household_rows` rows), then the ``migrants`` households with their members, who do
    not live until the household arrives, and rows for their births. Existing persons and households
    keep their order and attributes."""
    p, h = population.persons, population.households
    n_h = h.n
    margin = scenario.population.renewal.birth_rows_shortfall
    extra = birth_rows(expected_births(population, scenario), margin)
    n_res = 0 if reserve is None else reserve.n
    res_rows = formed_household_rows(scenario)
    reserve_fields: dict[str, np.ndarray] = {f.name: getattr(h, f.name)[:0] for f in fields(h)}
    if reserve is not None:
        order = np.argsort(reserve.area, kind="stable")
        reserve_fields = {f.name: getattr(reserve, f.name)[order] for f in fields(reserve)}
    if migrants is None:
        migrants = Population(persons=Persons(**{f.name: getattr(p, f.name)[:0] for f in fields(p)}),
                              households=Households(**{f.name: getattr(h, f.name)[:0] for f in fields(h)}),
                              n_areas=population.n_areas, area_urban=population.area_urban)
    n_mig = migrants.n_households
    mig_size = np.diff(migrants.member_offsets).astype(np.int16)
    mig_extra = birth_rows(expected_births(migrants, scenario), margin)
    sizes = np.concatenate([np.diff(population.member_offsets) + extra, np.full(n_res, res_rows),
                            mig_size + mig_extra]).astype(np.intp)
    first = np.concatenate(([0], np.cumsum(sizes)))
    rows = np.arange(p.n) + (first[:n_h] - population.member_offsets[:n_h])[p.household]
    mp = migrants.persons
    mig_first = first[n_h + n_res:-1]
    mig_rows = np.arange(mp.n) + (mig_first - migrants.member_offsets[:-1])[mp.household]
    n_rows = int(first[-1])
    person_arrays = {}
    for f in fields(p):
        new = np.zeros(n_rows, dtype=getattr(p, f.name).dtype)
        new[rows] = getattr(p, f.name)
        new[mig_rows] = getattr(mp, f.name)
        person_arrays[f.name] = new
    person_arrays["household"] = np.repeat(np.arange(n_h + n_res + n_mig, dtype=np.int32), sizes)
    start = int(first[n_h + n_res])
    arrival_employed = person_arrays["employed"][start:].copy()
    person_arrays["alive"][start:] = False      # they live from the month their household arrives
    person_arrays["employed"][start:] = False
    households = Households(**{f.name: np.concatenate([getattr(h, f.name), reserve_fields[f.name],
                                                       getattr(migrants.households, f.name)])
                               for f in fields(h)})
    vacant = np.concatenate([extra, np.full(n_res, res_rows), sizes[n_h + n_res:]]).astype(np.int16)
    out = Population(persons=Persons(**person_arrays), households=households, n_areas=population.n_areas,
                     area_urban=population.area_urban, vacant=vacant, reserve_from=n_h,
                     migrants_from=n_h + n_res, arrival_employed=arrival_employed, arrival_size=mig_size)
    out.check()
    return out


def monthly_table(schedule: AgeRates, max_age_months: int, *, rate: bool) -> np.ndarray:
    """A float32 table by age in months of the schedule's monthly value: ``annual / 12`` for a rate
    (births per woman-year), ``1 − (1 − q)^(1/12)`` for an annual probability."""
    annual = np.asarray(schedule.annual, dtype=np.float64)
    monthly = annual / 12.0 if rate else 1.0 - libm.power(1.0 - annual, 1.0 / 12.0)
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
    arrived: np.ndarray     # intp: in-migrant households that arrived
    arrivals: np.ndarray    # intp: their members' rows

    @property
    def changed(self) -> bool:
        """Whether any person's attributes were written (caches of person traits must go)."""
        return bool(self.moved_to.shape[0] or self.born.shape[0] or self.arrivals.shape[0])


def _able(population: Population, scenario: Scenario, rows: np.ndarray) -> np.ndarray:
    p = population.persons
    return able_to_work(p.age_months[rows] / F32(12), severely_disabled(p.disability[rows], scenario.definitions),
                        p.selfcare[rows], tuple(scenario.tekun.working_age))


def _first_per_household(population: Population, rows: np.ndarray) -> np.ndarray:
    """The first of ``rows`` (increasing) in each household."""
    hh = population.persons.household[rows]
    keep = np.concatenate(([True], hh[1:] != hh[:-1])) if rows.shape[0] else np.zeros(0, bool)
    return rows[keep]


def migrate(population: Population, scenario: Scenario, words: np.ndarray, person_urban: np.ndarray) -> np.ndarray:
    """Rural persons able to work who leave the county this month (their rows stop being alive;
    ``words``: the persons' renewal words, whose third uniform decides)."""
    p = population.persons
    table = monthly_table(scenario.population.renewal.migration, int(p.age_months.max(initial=0)), rate=False)
    if not table.any():
        return np.zeros(0, np.intp)
    ages = np.flatnonzero(table > 0)
    rows = np.flatnonzero(p.alive & (p.age_months >= ages[0]) & (p.age_months <= ages[-1]) & ~person_urban)
    rows = rows[uniform16(words[rows], 2) < table[p.age_months[rows]]]
    rows = rows[_able(population, scenario, rows)]
    p.alive[rows] = False
    return rows


def leave_home(population: Population, scenario: Scenario, words: np.ndarray,
               household_area: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Young adults who leave to form a household in a reserve household of their area → (old rows,
    new rows, households formed; ``words``: the persons' renewal words, whose second uniform decides)."""
    ren, p = scenario.population.renewal, population.persons
    none = np.zeros(0, np.intp)
    q = 1.0 - (1.0 - ren.leaving_rate) ** (1.0 / 12.0)
    if q == 0:
        return none, none, none
    lo, hi = ren.leaving_ages
    rows = np.flatnonzero(p.alive & (p.age_months >= lo * 12) & (p.age_months < hi * 12))
    rows = rows[(uniform16(words[rows], 1) < F32(q)) & ~p.orphan[rows]]
    offsets, vacant = population.member_offsets, population.vacant
    hh = p.household[rows]
    # Living members of the candidates' households (each block's rows, summed).
    owner_rows, owner = population.members_with_owner(hh)
    living = np.bincount(owner, weights=p.alive[owner_rows], minlength=hh.shape[0])
    rows = rows[(living >= ren.leaving_min_size)]
    rows = _first_per_household(population, rows[_able(population, scenario, rows)])
    if not rows.shape[0]:
        return none, none, none
    lo_h, hi_h = population.reserve_from, population.migrants_from
    # the households for young adults, in area order (that reserve is sorted by area)
    reserve = lo_h + np.flatnonzero(vacant[lo_h:hi_h] == np.diff(offsets[lo_h:hi_h + 1]))
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


def births(population: Population, scenario: Scenario, words_p: np.ndarray, words_h: np.ndarray,
           person_urban: np.ndarray) -> np.ndarray:
    """Births this month by the fertility schedule as given → newborns' rows (the persons' renewal
    words: the first uniform decides, the fourth gives the newborn's earnings)."""
    prof, p = scenario.population, population.persons
    ren = prof.renewal
    table = monthly_table(ren.fertility, int(p.age_months.max(initial=0)), rate=True)
    ages = np.flatnonzero(table > 0)
    if not ages.shape[0]:
        return np.zeros(0, np.intp)
    rows = np.flatnonzero(p.alive & p.female & (p.age_months >= ages[0]) & (p.age_months <= ages[-1]))
    vacant = population.vacant
    rows = rows[vacant[p.household[rows]] > 0]
    mothers = _first_per_household(population, rows[uniform16(words_p[rows], 0) < table[p.age_months[rows]]])
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
    p.earnings_level[born] = (ndtri((uniform16(words_p[mothers], 3) + _U16 / 2).astype(np.float64))
                              * scenario.shocks.income.persistent_sd).astype(F32)
    p.pension[born] = 0
    p.public_sector[born] = False
    p.refuses_work[born] = uniform16(w, 2) < prof.refuses_work_share
    p.orphan[born] = False
    p.formal_job[born] = uniform16(w, 1) < by_hukou(urban, prof.formal_job_share.urban,
                                                     prof.formal_job_share.rural, F32)
    p.certified[born] = p.certified[mothers]  # no draw left in the words; keeps the share
    return born


def arrive(population: Population, gap: float) -> tuple[np.ndarray, np.ndarray]:
    """In-migrant households that arrive to bring ``gap`` more residents → (households, their
    members' rows). The next households of the pool, in order, as many as bring the residents
    nearest to the gap (a household counts when more than half of its members are needed)."""
    none = np.zeros(0, np.intp)
    start, n_h = population.migrants_from, population.n_households
    if gap <= 0.5 or start == n_h:
        return none, none
    offsets, vacant, size = population.member_offsets, population.vacant, population.arrival_size
    nxt = start + int(np.count_nonzero(vacant[start:] < np.diff(offsets[start:])))  # they arrive in order
    window = size[nxt - start:nxt - start + int(gap) + 2].astype(np.float64)  # each brings one or more
    k = int(np.searchsorted(np.cumsum(window) - window / 2, gap, side="left"))
    if k == 0:
        return none, none
    hh = np.arange(nxt, nxt + k)
    rows, owner = population.members_with_owner(hh)
    rows = rows[rows - offsets[hh][owner] < size[hh - start][owner]]
    p = population.persons
    p.alive[rows] = True
    p.employed[rows] = population.arrival_employed[rows - offsets[start]]
    vacant[hh] -= size[hh - start]
    return hh, rows


def renew(population: Population, scenario: Scenario, words_p: np.ndarray, words_h: np.ndarray,
          person_urban: np.ndarray, household_area: np.ndarray, target: float | None) -> RenewalOutcome:
    """One month of renewal, in place: out-migration, leaving home, births, then in-migrant
    households. ``target``: the residents the growth path asks for at the end of the month
    (``None``: nobody moves in)."""
    p = population.persons
    migrated = migrate(population, scenario, words_p, person_urban)
    left, moved_to, formed = leave_home(population, scenario, words_p, household_area)
    born = births(population, scenario, words_p, words_h, person_urban)
    none = np.zeros(0, np.intp)
    arrived, arrivals = (none, none) if target is None else arrive(
        population, target - float(np.count_nonzero(p.alive)))
    return RenewalOutcome(migrated, left, moved_to, formed, born, arrived, arrivals)
