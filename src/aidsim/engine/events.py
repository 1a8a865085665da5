"""What happens to people each month before the rules apply: demography, disability, illness,
jobs, incomes and disasters, put in the month's frame (:data:`aidsim.programmes.base.MONTH_KEYS`).

Every stream draws one number per person (or household) every month, whatever the policy, so
that a baseline and a reform run with the same seed meet the same shocks (common random numbers).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from aidsim import libm
from aidsim.admin import declaring
from aidsim.deferred import DeferredUniforms
from aidsim.engine.state import SimState
from aidsim.population import renewal
from aidsim.population.arrays import SELFCARE_FULL
from aidsim.population.categories import elderly_months, severely_disabled
from aidsim.population.groups import living_groups
from aidsim.programmes import means_test
from aidsim.programmes.base import F32, by_hukou, zeros_view
from aidsim.rng import Streams, raw_words, skip_uniform32, uniform32
from aidsim.rows import rows_above, rows_of
from aidsim.scenario.schema import Scenario
from aidsim.shocks import demography, disasters, health, income, kernels

#: The transitory noise of earnings: a standard normal per person, or the stream to draw them from.
Transitory = np.ndarray | np.random.Generator


@dataclass
class Incomes:
    """This month's incomes (yuan/month)."""

    person_own: np.ndarray    # float32 (n_persons,): earnings + pension
    earned: np.ndarray        # float32 (n_persons,): earnings
    household_total: np.ndarray  # float64 (n_households,): all members' own income + other income
    other: np.ndarray         # float32 (n_households,)
    alive_count: np.ndarray | None = None  # int64 (n_households,): living members, when counted with them
    # float64 (n_households,): declaring.hidden_sums of ``earned``, when summed with them
    hidden: np.ndarray | None = None


@dataclass
class ShockOutcome:
    illness: health.IllnessOutcome
    died: np.ndarray        # bool (n_persons,)
    lost_work: np.ndarray   # intp: persons who lost work this month (the dead among them)
    able: np.ndarray        # bool (n_persons,): alive and able to work after this month's shocks
    renewal: renewal.RenewalOutcome | None = None  # births, households formed, departures


def able_persons(state: SimState, scenario: Scenario) -> np.ndarray:
    """Alive and able to work (the tekun notion of 劳动能力), ``(n_persons,)``."""
    p = state.population.persons
    low, high = scenario.tekun.working_age
    # In whole months: age / 12 ≥ a ⇔ age ≥ 12a for whole ages (no float temporary per person).
    return (p.alive & (p.age_months >= low * 12) & (p.age_months < high * 12)
            & (p.selfcare == SELFCARE_FULL) & ~severely_disabled(p.disability, scenario.definitions))


def death_hazard(state: SimState, scenario: Scenario) -> np.ndarray:
    """The monthly death probability by age in whole months (``demography``), float32, up to the
    last band's start (older ages take the last entry); made once per mortality table."""
    mort = scenario.shocks.mortality
    key = ("death_hazard", tuple(mort.band_starts), tuple(mort.annual_probability))

    def make() -> np.ndarray:
        ages = np.arange(mort.band_starts[-1] * 12 + 1, dtype=np.int64)
        return demography.monthly_death_probability(ages, mort.band_starts, mort.annual_probability)
    return state.cached(key, make)


def severe_bits(scenario: Scenario) -> int:
    """The disability grades that count as severe (``definitions.severe_disability_grades``) as
    the bits of an integer (bit ``g`` for grade ``g``)."""
    return sum(1 << int(g) for g in set(scenario.definitions.severe_disability_grades))


def grade_bounds(scenario: Scenario) -> np.ndarray:
    """The cumulative shares of the disability grades but the last (``labour.disability_onset``'s
    searchsorted bounds, float64)."""
    return np.cumsum(scenario.population.disability_grades)[:-1].astype(np.float64)


def ar1_factors(rho: float, sd: float) -> tuple[np.float32, np.float32]:
    """The float32 factors of ``income.update_persistent``: ``ρ`` and ``sd √(1 − ρ²)``."""
    return np.float32(rho), np.float32(sd * np.sqrt(1.0 - rho * rho))


def apply_shocks(state: SimState, scenario: Scenario, streams: Streams, month: int) -> ShockOutcome:
    """Demography (deaths, ageing, then renewal: out-migration, leaving home, births), disability,
    illness, jobs and income levels for one month (in place)."""
    pop, sh = state.population, scenario.shocks
    p, h = pop.persons, pop.households
    n_p, n_h = p.n, h.n
    # Each stream is drawn just before its use (streams are independent, so the order in which
    # they are drawn does not matter), so that few draws are held at once.
    old = elderly_months(scenario.definitions, month)
    died = np.empty(n_p, dtype=bool)
    kernels.deaths_and_ageing(p.alive, p.age_months, *kernels.uniform_words(streams["mortality"], n_p),
                              death_hazard(state, scenario), died)
    start_pensions(state, scenario, streams, month)
    renewed = None
    ren = scenario.population.renewal
    if ren.enabled:
        words_p = raw_words(streams["renewal_persons"].bit_generator, n_p)
        words_h = raw_words(streams["renewal_households"].bit_generator, n_h)
        renewed = renewal.renew(pop, scenario, words_p, words_h, state.person_urban, state.household_area,
                                state.resident_target(month, ren.growth))
        del words_p, words_h
        state.last_renewal = renewed
        if renewed.changed:
            state.persons_changed()
    # Disability onset, illness, who is able to work and jobs in one pass (the numpy meaning:
    # labour.disability_onset, health.illness_step, able_persons, labour.job_transitions).
    onset, able, lost = np.empty(n_p, dtype=bool), np.empty(n_p, dtype=bool), np.empty(n_p, dtype=bool)
    # the uniforms as raw words, converted in the loop (aidsim.rng.uniform32's numbers)
    u_disability = kernels.uniform_words(streams["disability"], n_p)
    u_illness = kernels.uniform_words(streams["illness"], n_p)
    u_job = kernels.uniform_words(streams["jobs"], n_p)
    older = math.ceil(old)  # ages are whole months
    hs, low_high = sh.health, scenario.tekun.working_age
    kernels.disability_illness_jobs(
        p.alive, p.age_months, p.disability, p.selfcare, p.ill, p.chronic, p.employed, p.refuses_work,
        *u_disability, *u_illness, *u_job, older,
        np.array([sh.disability.onset_rate, sh.disability.onset_rate_60_plus], dtype=F32),
        grade_bounds(scenario),
        np.array([hs.illness_onset, hs.illness_onset_60_plus, hs.illness_onset * hs.chronic_multiplier,
                  hs.illness_onset_60_plus * hs.chronic_multiplier], dtype=F32),
        kernels.below(hs.recovery_rate), severe_bits(scenario),
        math.ceil(low_high[0] * 12), math.ceil(low_high[1] * 12),
        kernels.below(sh.labour.job_loss_rate), kernels.below(sh.labour.job_finding_rate), onset, able, lost)
    del u_disability, u_illness, u_job
    # one cost draw per person, of which only the new episodes' are converted
    new = rows_of(onset)
    u_cost = DeferredUniforms.draw(streams["hospital_cost"], n_p)[new]
    illness = health.episode_costs(onset, u_cost, hs, new)
    inc = sh.income
    kernels.ar1_normal_update(streams["earnings_persistent"], p.earnings_level,
                              *ar1_factors(inc.persistent_rho, inc.persistent_sd))
    kernels.ar1_normal_update(streams["other_income"], h.other_income_level,
                              *ar1_factors(inc.other_income_rho, inc.other_income_sd))
    return ShockOutcome(illness, died, rows_of(lost), able, renewed)


def start_pensions(state: SimState, scenario: Scenario, streams: Streams, month: int) -> np.ndarray:
    """A pension for each person who reaches the elderly age (``definitions.elderly_age``, 60)
    this month without one, drawn as the synthetic population draws pensions: an employees'
    pension for the urban share who have one (median and spread of the profile), else the basic
    resident pension of their hukou. Working age ends at the same age, so without it a worker
    turning 60 would lose every income. Draws from a stream of its own, for these persons only
    (who turns 60 never depends on policy, so baseline and reform draw the same). Returns them."""
    p, prof = state.population.persons, scenario.population
    turning = np.empty(p.n, dtype=np.intp)  # only the pages written are touched
    turning = turning[:kernels.without_pension_at(p.alive, p.age_months, p.pension,
                                                  int(elderly_months(scenario.definitions, month)), turning)]
    if not turning.shape[0]:
        return turning
    rng = streams["pensions"]
    u, z = rng.random(turning.shape[0]), rng.standard_normal(turning.shape[0])
    urban = state.person_urban[turning]
    employee = urban & (u < prof.employee_pension_share_urban)
    resident = np.where(urban, prof.resident_pension.urban, prof.resident_pension.rural)
    p.pension[turning] = np.where(employee, prof.employee_pension_median * libm.exp(prof.pension_spread * z),
                                  resident).astype(F32)
    return turning


def mean_log_earnings(state: SimState, scenario: Scenario, persons: np.ndarray) -> np.ndarray:
    """Mean log earnings by hukou of the rows ``persons``."""
    inc = scenario.shocks.income
    return by_hukou(state.person_urban[persons], inc.mean_log_earnings.urban,
                    inc.mean_log_earnings.rural, F32)


def growth(scenario: Scenario, month: int) -> tuple[float, float]:
    """Urban and rural income level at ``month`` relative to the first reported month
    (``shocks.income.growth``)."""
    rate, first = scenario.shocks.income.growth, scenario.simulation.start_month
    return income.growth_index(rate.urban, first, month), income.growth_index(rate.rural, first, month)


def hidden_kinds(scenario: Scenario) -> tuple[float, float] | None:
    """The hidden shares of formal and informal earnings (``admin.declaring.hidden_share``), or
    ``None`` when no earnings are hidden."""
    share = scenario.admin.declaring.hidden_share
    return (share.formal, share.informal) if share.formal or share.informal else None


def compute_incomes(state: SimState, scenario: Scenario, z_trans: Transitory, month: int) -> Incomes:
    """Earnings (with this month's transitory noise ``z_trans``: a standard normal per person,
    given, or the stream that draws them), pensions and other income, less the share lost by
    households still under a disaster."""
    return _incomes(state, scenario, z_trans, month)[0]


def _household_sums(state: SimState, dtype: type = np.float64) -> np.ndarray:
    """An array for per-household sums that a pass over the persons in row order stores at every
    row (so at every household with rows): left unset when every household has rows (the blocks
    are fixed for the run), which spares zeroing it, else zeros."""
    pop = state.population
    rowless = state.cached(("households without rows",), lambda: np.array(np.any(pop.block_sizes() == 0)))
    return (np.zeros if rowless else np.empty)(pop.n_households, dtype=dtype)


def _incomes(state: SimState, scenario: Scenario, z_trans: Transitory, month: int,
             assessing: tuple[np.ndarray, np.float32, np.ndarray] | None = None
             ) -> tuple[Incomes, tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray | None] | None]:
    """:func:`compute_incomes`; with ``assessing`` (the assessed earnings, the weight of this
    month, the arrivals' rows) the same pass over the persons moves the assessed earnings on and
    gives the assessed earnings, own incomes and household sums (without other income) of
    :func:`assessed_incomes`, and the assessed earnings' hidden sums
    (:func:`aidsim.admin.declaring.hidden_sums`; ``None`` when none are hidden)."""
    pop, inc, prof = state.population, scenario.shocks.income, scenario.population
    p, h = pop.persons, pop.households
    grown = growth(scenario, month)
    struck = rows_above(state.disaster_until, month)
    keep = np.ones(1, dtype=F32)
    if struck.shape[0]:
        keep = np.ones(h.n, dtype=F32)
        keep[struck] = 1 - state.disaster_loss[struck]
    # income.other_income, grown since the first reported month and less the disasters' share
    other = np.empty(h.n, dtype=F32)
    median = prof.other_income_median
    kernels.other_income(h.other_income_level, h.has_other_income, h.urban, F32(median.urban), F32(median.rural),
                         F32(grown[0]), F32(grown[1]), grown != (1.0, 1.0), keep, struck.shape[0] > 0, other)
    # income.earnings: the log earnings, then (compiled) who earns them and their exponential,
    # growth, disaster losses, pensions and the household sums, person by person.
    mean = inc.mean_log_earnings
    earned = np.empty(p.n, dtype=F32)
    if isinstance(z_trans, np.random.Generator):  # each block of normals used as it is drawn
        kernels.noisy_log_earnings(z_trans, state.person_urban, F32(mean.urban), F32(mean.rural), p.earnings_level,
                                   F32(inc.transitory_sd), earned)
    else:
        kernels.log_earnings(state.person_urban, F32(mean.urban), F32(mean.rural), p.earnings_level, z_trans,
                             F32(inc.transitory_sd), earned)
    own, total, alive_count = np.empty(p.n, dtype=F32), _household_sums(state), _household_sums(state, np.int64)
    args = (earned, p.employed, p.alive, p.ill, p.pension, state.person_urban, F32(grown[0]), F32(grown[1]),
            grown != (1.0, 1.0), keep, struck.shape[0] > 0, p.household, own, total, alive_count)
    assessed = None
    if assessing is None:
        kernels.earnings_and_household_income(*args)
    else:
        kinds = hidden_kinds(scenario)
        hidden = _household_sums(state) if kinds is not None else np.zeros(0)
        formal, informal = (F32(k) for k in kinds or (0.0, 0.0))
        assessed = (np.empty(p.n, dtype=F32), np.empty(p.n, dtype=F32), _household_sums(state))
        kernels.incomes_and_assessed(*args, *assessing, *assessed, p.formal_job, formal, informal,
                                     kinds is not None, hidden)
        assessed = (*assessed, hidden if kinds is not None else None)
    total += other
    return Incomes(person_own=own, earned=earned, household_total=total, other=other,
                   alive_count=alive_count), assessed


def month_incomes(state: SimState, scenario: Scenario, z_trans: Transitory, month: int,
                  renewed: renewal.RenewalOutcome | None) -> tuple[Incomes, Incomes]:
    """This month's incomes (:func:`compute_incomes`) and the incomes the means test counts
    (:func:`assessed_incomes`), in one pass over the persons once the assessed averages run."""
    months = scenario.dibao.income_months
    if months <= 1 or state.assessed_earned is None:
        incomes = compute_incomes(state, scenario, z_trans, month)
        return incomes, assessed_incomes(state, scenario, incomes, renewed)
    weight = F32(2.0 / (months + 1))
    earned, other = state.assessed_earned, state.assessed_other
    arrivals = np.empty(0, dtype=np.intp)
    if renewed is not None:
        earned[renewed.moved_to] = earned[renewed.left_home]
        arrivals = np.sort(renewed.arrivals)
    incomes, (assessed_earned, own, total, hidden) = _incomes(state, scenario, z_trans, month, (earned, weight, arrivals))
    if renewed is not None:
        other[renewed.arrived] = incomes.other[renewed.arrived]
    other_now = np.empty_like(other)
    kernels.assessed_other_income(other, incomes.other, weight, total, other_now)
    return incomes, Incomes(person_own=own, earned=assessed_earned, household_total=total, other=other_now,
                            hidden=hidden)


def assessed_incomes(state: SimState, scenario: Scenario, incomes: Incomes,
                     renewed: renewal.RenewalOutcome | None = None, *, start: bool = False) -> Incomes:
    """The income the means test counts (``dibao.income_months``): local rules count a household's
    income over the last months (commonly 6 or 12), not one month's, so a month's slump or a
    short job loss alone does not make a household eligible, and a short upturn does not end its
    dibao. The window is approximated by an exponentially weighted mean with the same mean age
    (weight ``2 / (months + 1)`` on this month), kept per person for earnings and per household
    for other income; pensions count as paid this month. At the start the averages begin at
    the start's incomes; persons who arrive (in-migrants) begin at theirs, young adults who
    leave home take theirs with them. With ``income_months: 1`` this is this month's income."""
    months = scenario.dibao.income_months
    if months <= 1:
        return incomes
    pop = state.population
    weight = F32(2.0 / (months + 1))
    update = not (start or state.assessed_earned is None)
    if not update:
        state.assessed_earned, state.assessed_other = incomes.earned.copy(), incomes.other.copy()
    else:
        earned, other = state.assessed_earned, state.assessed_other
        if renewed is not None:
            earned[renewed.moved_to] = earned[renewed.left_home]
            earned[renewed.arrivals] = incomes.earned[renewed.arrivals]
            other[renewed.arrived] = incomes.other[renewed.arrived]
        other += weight * (incomes.other - other)
    # The earnings' moving average (assessed += weight·(earned − assessed)), the living's
    # (np.where(alive, assessed, 0)), own = person_own − earned + that; then the household sums.
    earned, own = np.empty(pop.n_persons, dtype=F32), np.empty(pop.n_persons, dtype=F32)
    kernels.assessed_persons(state.assessed_earned, incomes.earned, weight, np.empty(0, dtype=np.intp), update,
                             pop.persons.alive, incomes.person_own, earned, own)
    total = kernels.segment_sum(own, pop.persons.household, pop.n_households)
    total += state.assessed_other
    return Incomes(person_own=own, earned=earned, household_total=total, other=state.assessed_other.copy())


def standards(scenario: Scenario, month: int) -> tuple[float, float]:
    """The urban and rural dibao standards in force at ``month``: as written, and with
    ``dibao.standard_indexation: income`` grown each January after the later of the first reported
    month and the standard's last dated change, at the income growth rate of its hukou."""
    db, first = scenario.dibao, scenario.simulation.start_month
    urban, rural = db.standard.urban.at(month), db.standard.rural.at(month)
    if db.standard_indexation == "income":
        rate = scenario.shocks.income.growth
        urban *= income.growth_index(rate.urban, max(first, db.standard.urban.changes[-1][0]), month)
        rural *= income.growth_index(rate.rural, max(first, db.standard.rural.changes[-1][0]), month)
    return urban, rural


def dibao_lines(state: SimState, scenario: Scenario, month: int) -> tuple[np.ndarray, tuple[float, float]]:
    """The dibao standard in force for each household (float64, kept while the standards stay the
    same, read only): the dibao line that the programmes and the poverty measures use as a
    yardstick; and the urban and rural standards, from which the rules that compare a person with
    the line take that person's by hukou (no person-sized array is kept for it)."""
    urban, rural = standards(scenario, month)
    urban_h = state.population.households.urban
    std_h = state.cached(("dibao_h", urban, rural), lambda: by_hukou(urban_h, urban, rural))
    return std_h, (urban, rural)


def income_keys(state: SimState, scenario: Scenario, incomes: Incomes, assessed: Incomes, month: int,
                alive_count: np.ndarray) -> dict[str, object]:
    """The frame keys of incomes and lines, shared by the month and the start."""
    std_h, by_hukou_std = dibao_lines(state, scenario, month)
    hidden, kinds = assessed.hidden, hidden_kinds(scenario)
    if hidden is None and kinds is not None:
        hidden = declaring.hidden_sums(state.population, assessed.earned, kinds)
    return {"household.alive_count": alive_count, "incomes.person_own": incomes.person_own,
            "incomes.earned": incomes.earned, "incomes.household_total": incomes.household_total,
            "incomes.other": incomes.other, "assessed.person_own": assessed.person_own,
            "assessed.earned": assessed.earned, "assessed.household_total": assessed.household_total,
            "assessed.other": assessed.other, "assessed.hidden_earnings": hidden, "lines.dibao_h": std_h,
            "lines.dibao": by_hukou_std}


def month_keys(state: SimState, scenario: Scenario, streams: Streams, month: int) -> dict[str, object]:
    """Draw the month's shocks, disasters and incomes (in place) → the engine's frame keys."""
    p, h = state.population.persons, state.population.households
    shocks = apply_shocks(state, scenario, streams, month)
    # one uniform per household every month, made only in a month when a disaster starts
    u_disaster = None
    if disasters.starting(scenario.shocks.disasters, month):
        u_disaster = uniform32(streams["disaster"], h.n)
    else:
        skip_uniform32(streams["disaster"], h.n)
    hit, asset_loss = disasters.strike(scenario.shocks.disasters, month, state.household_area, u_disaster,
                                       state.disaster_until, state.disaster_loss,
                                       (state.cached(("no household hit",), lambda: np.zeros(h.n, dtype=bool)),
                                        zeros_view(h.n)))
    incomes, assessed = month_incomes(state, scenario, streams["earnings_transitory"], month, shocks.renewal)
    lost = shocks.lost_work
    usual = libm.exp(mean_log_earnings(state, scenario, lost) + p.earnings_level[lost])
    grown = growth(scenario, month)
    if grown != (1.0, 1.0):
        usual = usual * by_hukou(state.person_urban[lost], *grown, F32)
    return event_keys(state, scenario, month, shocks, incomes, hit, asset_loss, usual, assessed)


def event_keys(state: SimState, scenario: Scenario, month: int, shocks: ShockOutcome, incomes: Incomes,
               disaster_hit: np.ndarray, disaster_loss: np.ndarray,
               lost_earnings: np.ndarray, assessed: Incomes | None = None) -> dict[str, object]:
    """The engine's frame keys from what happened this month (rule cases state it directly;
    without ``assessed`` the means test counts this month's incomes)."""
    alive_count = incomes.alive_count
    if alive_count is None:
        alive_count = state.population.household_count(state.population.persons.alive)
    return income_keys(state, scenario, incomes, incomes if assessed is None else assessed, month,
                       alive_count) | {
        "household.pre_pc": means_test.per_capita(incomes.household_total, alive_count),
        "shocks.illness": shocks.illness, "shocks.died": shocks.died, "shocks.lost_work": shocks.lost_work,
        "shocks.lost_earnings": lost_earnings, "shocks.able": shocks.able,
        "disaster.hit": disaster_hit, "disaster.asset_loss": disaster_loss,
    } | living_groups(state.population.persons, scenario.definitions, month)


def start_keys(state: SimState, scenario: Scenario, month: int) -> dict[str, object]:
    """The frame keys of the initial roll: incomes without transitory noise, who is able to work."""
    p = state.population.persons
    incomes = compute_incomes(state, scenario, np.zeros(p.n, dtype=F32), month)
    assessed = assessed_incomes(state, scenario, incomes, start=True)
    return income_keys(state, scenario, incomes, assessed, month, incomes.alive_count) | {
        "shocks.able": able_persons(state, scenario)}
