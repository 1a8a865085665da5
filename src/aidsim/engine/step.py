"""One month of the simulation, in one fixed order of vectorised operations.

demography → disability → illness → jobs → incomes → extreme-poverty support → dibao →
ledger and indicator sums.

Every stream draws one number per person (or household) every month, whatever the policy, so
that a baseline and a reform run with the same seed meet the same shocks and the same take-up
draws (common random numbers). No step loops over households in Python.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from aidsim.admin import pipeline
from aidsim.engine.ledger import PROGRAMMES, to_fen
from aidsim.engine.state import SimState
from aidsim.metrics.indicators import MEASURE_NAMES
from aidsim.metrics.poverty import gap_sums
from aidsim.population.synth import able_to_work
from aidsim.programmes import dibao, means_test, tekun
from aidsim.rng import Streams
from aidsim.scenario.schema import Scenario
from aidsim.shocks import demography, health, income, labour

F32 = np.float32


@dataclass
class MonthResult:
    """What one month produced: indicator sums and ledger entries by area."""

    month: int
    sums: np.ndarray          # float64 (n_measures, n_areas), rows in MEASURE_NAMES order
    fen: np.ndarray           # int64 (n_programmes, n_areas)
    recipients: np.ndarray    # int64 (n_programmes, n_areas): households (dibao), persons (tekun)

    def total(self, measure: str) -> float:
        return float(self.sums[MEASURE_NAMES.index(measure)].sum())


@dataclass
class Incomes:
    """This month's incomes (yuan/month)."""

    person_own: np.ndarray    # float32 (n_persons,): earnings + pension
    household_total: np.ndarray  # float64 (n_households,): all members' own income + other income
    other: np.ndarray         # float32 (n_households,)


def _by_hukou(urban: np.ndarray, urban_value: float, rural_value: float,
              dtype: type = np.float64) -> np.ndarray:
    """The urban or rural value for each element of ``urban``, as ``dtype``."""
    return np.where(urban, dtype(urban_value), dtype(rural_value))


def apply_shocks(state: SimState, scenario: Scenario, streams: Streams) -> health.IllnessOutcome:
    """Demography, disability, illness, jobs and income levels for one month (in place)."""
    pop, sh = state.population, scenario.shocks
    p, h = pop.persons, pop.households
    n_p, n_h = p.n, h.n
    u_death = streams["mortality"].random(n_p, dtype=F32)
    u_disability = streams["disability"].random(n_p, dtype=F32)
    u_illness = streams["illness"].random(n_p, dtype=F32)
    u_cost = streams["hospital_cost"].random(n_p, dtype=F32)
    u_job = streams["jobs"].random(n_p, dtype=F32)
    z_earn = streams["earnings_persistent"].standard_normal(n_p, dtype=F32)
    z_other = streams["other_income"].standard_normal(n_h, dtype=F32)

    died = demography.deaths(p.alive, p.age_months, u_death, sh.mortality.band_starts,
                             sh.mortality.annual_probability)
    p.alive &= ~died
    demography.age_one_month(p.age_months, p.alive)
    labour.disability_onset(p.disability, p.selfcare, p.alive, p.age_months, u_disability,
                            sh.disability.onset_rate, sh.disability.onset_rate_60_plus,
                            scenario.population.disability_grades)
    illness = health.illness_step(p.ill, p.alive, p.chronic, p.age_months, u_illness, u_cost, sh.health)
    able = p.alive & able_to_work(p.age_months / F32(12), p.disability, p.selfcare,
                                  tuple(scenario.tekun.working_age))
    labour.job_transitions(p.employed, able, p.refuses_work, u_job, sh.labour.job_loss_rate,
                           sh.labour.job_finding_rate)
    income.update_persistent(p.earnings_level, z_earn, sh.income.persistent_rho, sh.income.persistent_sd)
    income.update_persistent(h.other_income_level, z_other, sh.income.other_income_rho,
                             sh.income.other_income_sd)
    return illness


def compute_incomes(state: SimState, scenario: Scenario, z_trans: np.ndarray) -> Incomes:
    """Earnings (with this month's transitory noise ``z_trans``), pensions and other income."""
    pop, inc, prof = state.population, scenario.shocks.income, scenario.population
    p, h = pop.persons, pop.households
    mean_log = _by_hukou(state.person_urban, inc.mean_log_earnings.urban,
                         inc.mean_log_earnings.rural, F32)
    earned = income.earnings(p.employed & p.alive, p.ill, mean_log, p.earnings_level, z_trans,
                             inc.transitory_sd)
    own = earned + np.where(p.alive, p.pension, F32(0))
    median = _by_hukou(h.urban, prof.other_income_median.urban, prof.other_income_median.rural, F32)
    other = income.other_income(h.has_other_income, median, h.other_income_level)
    total = pop.household_sum(own) + other
    return Incomes(person_own=own, household_total=total, other=other)


def _by_selfcare(selfcare: np.ndarray, shares) -> np.ndarray:
    """Look up a :class:`~aidsim.scenario.schema.BySelfCare` value for each person."""
    return np.array([shares.full, shares.partial, shares.none], dtype=F32)[selfcare]


@dataclass
class DibaoAssessment:
    """The dibao means test of every household this month (true values)."""

    unit_member: np.ndarray   # bool (n_persons,): in the dibao unit (alive, not on tekun)
    members: np.ndarray       # int64 (n_households,)
    per_capita_income: np.ndarray  # float64 (n_households,)
    eligible: np.ndarray      # bool (n_households,)


def standards(state: SimState, scenario: Scenario, month: int) -> tuple[np.ndarray, np.ndarray]:
    """The dibao standard in force for each household (float64) and each person (float32)."""
    std = scenario.dibao.standard
    std_h = _by_hukou(state.population.households.urban, std.urban.at(month), std.rural.at(month))
    std_p = _by_hukou(state.person_urban, std.urban.at(month), std.rural.at(month), F32)
    return std_h, std_p


def assess_tekun(state: SimState, scenario: Scenario, own_income: np.ndarray,
                 std_p: np.ndarray) -> np.ndarray:
    """Who is truly eligible for extreme-poverty support (三无) this month, ``(n_persons,)``."""
    pop, tk = state.population, scenario.tekun
    p, h = pop.persons, pop.households
    able = p.alive & able_to_work(p.age_months / F32(12), p.disability, p.selfcare, tuple(tk.working_age))
    has_supporter = ((pop.household_count(able) > 0) | h.outside_supporter)[p.household]
    return tekun.eligible(p.alive, able, own_income, tk.income_threshold * std_p, has_supporter)


def assess_dibao(state: SimState, scenario: Scenario, incomes: Incomes, std_h: np.ndarray,
                 std_p: np.ndarray) -> DibaoAssessment:
    """The dibao means test of each household less its members paid extreme-poverty support."""
    pop, db = state.population, scenario.dibao
    p, h = pop.persons, pop.households
    unit_member = p.alive & ~state.tekun.paid
    members = pop.household_count(unit_member)
    unit_income = pop.household_sum(np.where(unit_member, incomes.person_own, F32(0)))
    unit_income += np.where(members > 0, incomes.other, 0)
    pc_income = means_test.per_capita(unit_income, members)
    barring = unit_member & means_test.member_bars_household(
        db.exclusions, public_sector=p.public_sector, employed=p.employed,
        refuses_work=p.refuses_work, own_income=incomes.person_own, standard=std_p)
    excluded = means_test.excluded(
        db.exclusions, vehicle=h.vehicle, business=h.business, two_dwellings=h.two_dwellings,
        outside_supporter=h.outside_supporter, barring_members=pop.household_count(barring))
    return DibaoAssessment(unit_member, members, pc_income,
                           dibao.eligible(pc_income, std_h, excluded, members))


def _area_sums(area: np.ndarray, n_areas: int, **values: np.ndarray) -> dict[str, np.ndarray]:
    """Sum each of ``values`` by ``area`` (all arrays of one length) → ``{name: (n_areas,)}``."""
    return {name: np.bincount(area, weights=v, minlength=n_areas) for name, v in values.items()}


def run_month(state: SimState, scenario: Scenario, streams: Streams, month: int,
              *, record: bool) -> MonthResult:
    """Advance ``state`` by one month. When ``record`` is false (warm-up) nothing is booked."""
    pop = state.population
    p, h = pop.persons, pop.households
    illness = apply_shocks(state, scenario, streams)
    incomes = compute_incomes(state, scenario,
                              streams["earnings_transitory"].standard_normal(p.n, dtype=F32))
    u_take_tekun = streams["take_up_tekun"].random(p.n, dtype=F32)
    u_take_dibao = streams["take_up_dibao"].random(h.n, dtype=F32)

    db, tk, adm = scenario.dibao, scenario.tekun, scenario.admin
    std_h, std_p = standards(state, scenario, month)
    alive_count = pop.household_count(p.alive)

    # Extreme-poverty support, person by person. Amounts are computed for recipients only.
    tekun_eligible = assess_tekun(state, scenario, incomes.person_own, std_p)
    tekun_flows = pipeline.advance(
        state.tekun, month=month, alive=p.alive, eligible=tekun_eligible, income=incomes.person_own,
        take_up_uniform=u_take_tekun, take_up_rate=adm.take_up_rate.tekun,
        delay_months=adm.approval_delay_months, review_interval=adm.review_interval_months.tekun,
        grace_months=0,
    )
    # Placement at application: given take-up (u < rate), u / rate is a fresh uniform.
    applied = np.flatnonzero(tekun_flows.applied)
    placement_u = u_take_tekun[applied] / F32(max(adm.take_up_rate.tekun, 1e-12))
    state.tekun_institutional[applied] = placement_u < _by_selfcare(p.selfcare[applied],
                                                                    tk.institutional_share)
    tekun_paid = state.tekun.paid & p.alive
    paid_p = np.flatnonzero(tekun_paid)
    urban_paid = state.person_urban[paid_p]
    min_wage = _by_hukou(urban_paid, tk.minimum_wage.urban.at(month), tk.minimum_wage.rural.at(month))
    tekun_fen_paid = to_fen(tekun.amount(std_p[paid_p], tk.basic_multiplier, min_wage,
                                         _by_selfcare(p.selfcare[paid_p], tk.care_share)))
    tekun_fen_h = np.bincount(p.household[paid_p], weights=tekun_fen_paid,
                              minlength=h.n).astype(np.int64)

    # Dibao: the household less its members on extreme-poverty support.
    test = assess_dibao(state, scenario, incomes, std_h, std_p)
    members, dibao_eligible = test.members, test.eligible
    dibao_flows = pipeline.advance(
        state.dibao, month=month, alive=members > 0, eligible=dibao_eligible,
        income=test.per_capita_income, take_up_uniform=u_take_dibao,
        take_up_rate=adm.take_up_rate.dibao, delay_months=adm.approval_delay_months,
        review_interval=adm.review_interval_months.dibao, grace_months=db.gradual_exit_months,
    )
    dibao_paid = state.dibao.paid
    enrolled = np.flatnonzero(test.unit_member & dibao_paid[p.household])
    shares = np.bincount(p.household[enrolled], minlength=h.n, weights=dibao.supplement_share(
        p.age_months[enrolled], p.disability[enrolled], p.ill[enrolled], db.supplements))
    dibao_fen = np.where(dibao_paid, to_fen(dibao.amount(
        std_h, state.dibao.assessed, members, shares, db.minimum_payment)), 0)

    n_areas = pop.n_areas
    if not record:
        return MonthResult(month, np.zeros((0, n_areas)), np.zeros((0, n_areas), np.int64),
                           np.zeros((0, n_areas), np.int64))
    state.paid_fen[:, PROGRAMMES.index("dibao")] += dibao_fen
    state.paid_fen[:, PROGRAMMES.index("tekun")] += tekun_fen_h

    # Indicator sums by area. Person-level measures are summed over the few persons concerned.
    area_h = state.household_area
    dibao_ineligible = dibao_paid & ~dibao_eligible
    sums = _area_sums(
        area_h, n_areas,
        households=alive_count > 0, persons=alive_count,
        dibao_households=dibao_paid, dibao_persons=np.where(dibao_paid, members, 0),
        dibao_pending=state.dibao.status == pipeline.PENDING,
        dibao_grace=state.dibao.status == pipeline.GRACE,
        dibao_eligible_households=dibao_eligible,
        dibao_eligible_persons=np.where(dibao_eligible, members, 0),
        dibao_included_ineligible=dibao_ineligible,
        dibao_excluded_eligible=dibao_eligible & ~dibao_paid,
        dibao_cost=dibao_fen / 100.0,
        dibao_leakage=np.where(dibao_ineligible, dibao_fen, 0) / 100.0,
        dibao_applications=dibao_flows.applied, dibao_entries=dibao_flows.entered,
        dibao_exits=dibao_flows.exited,
    )
    concerned = np.flatnonzero(tekun_paid | tekun_eligible | tekun_flows.applied | tekun_flows.exited)
    paid_c, eligible_c = tekun_paid[concerned], tekun_eligible[concerned]
    fen_c = np.zeros(concerned.shape[0])
    fen_c[np.searchsorted(concerned, paid_p)] = tekun_fen_paid
    sums |= _area_sums(
        state.person_area[concerned], n_areas,
        tekun_persons=paid_c,
        tekun_institutional=paid_c & state.tekun_institutional[concerned],
        tekun_eligible=eligible_c,
        tekun_included_ineligible=paid_c & ~eligible_c,
        tekun_excluded_eligible=eligible_c & ~paid_c,
        tekun_cost=fen_c / 100.0,
        tekun_leakage=np.where(paid_c & ~eligible_c, fen_c, 0) / 100.0,
        tekun_applications=tekun_flows.applied[concerned],
        tekun_entries=tekun_flows.entered[concerned],
        tekun_exits=tekun_flows.exited[concerned],
    )
    onset = np.flatnonzero(illness.onset)
    sums |= _area_sums(
        state.person_area[onset], n_areas,
        hospital_episodes=np.ones(onset.shape[0]), medical_cost=illness.cost[onset],
        medical_out_of_pocket=illness.out_of_pocket[onset],
    )
    pre_pc = means_test.per_capita(incomes.household_total, alive_count)
    post_pc = pre_pc + (dibao_fen + tekun_fen_h) / (100.0 * np.maximum(alive_count, 1))
    pl = _by_hukou(h.urban, scenario.measures.poverty_line.urban.at(month) / 12.0,
                   scenario.measures.poverty_line.rural.at(month) / 12.0)
    for line_name, line in (("pl", pl), ("dl", std_h)):
        for when, pc in (("pre", pre_pc), ("post", post_pc)):
            g = gap_sums(pc, line, alive_count, area_h, n_areas)
            sums[f"poor_{when}_{line_name}"] = g.poor
            sums[f"gap_yuan_{when}_{line_name}"] = g.gap_yuan
            sums[f"gap1_{when}_{line_name}"] = g.gap1
            sums[f"gap2_{when}_{line_name}"] = g.gap2

    matrix = np.stack([sums[name] for name in MEASURE_NAMES])
    fen = np.stack([np.bincount(area_h, weights=dibao_fen, minlength=n_areas),
                    np.bincount(state.person_area[paid_p], weights=tekun_fen_paid,
                                minlength=n_areas)]).astype(np.int64)
    recipients = np.stack([sums["dibao_households"], sums["tekun_persons"]]).astype(np.int64)
    return MonthResult(month, matrix, fen, recipients)


def enrol_at_start(state: SimState, scenario: Scenario, streams: Streams, month: int) -> None:
    """The roll when the simulation begins: a share of those eligible then (``initial_roll`` stream).

    Eligibility is judged on the initial incomes without transitory noise; reviews of the initial
    caseload are spread evenly over the review cycle.
    """
    p, h = state.population.persons, state.population.households
    rng = streams["initial_roll"]
    u_tekun, u_place = rng.random(p.n, dtype=F32), rng.random(p.n, dtype=F32)
    u_dibao = rng.random(h.n, dtype=F32)
    adm = scenario.admin
    incomes = compute_incomes(state, scenario, np.zeros(p.n, dtype=F32))
    std_h, std_p = standards(state, scenario, month)
    tekun_eligible = assess_tekun(state, scenario, incomes.person_own, std_p)
    pipeline.enrol_initial(state.tekun, tekun_eligible, incomes.person_own, u_tekun,
                           adm.initial_enrolment.tekun, month, adm.review_interval_months.tekun)
    inst_share = _by_selfcare(p.selfcare, scenario.tekun.institutional_share)
    state.tekun_institutional[:] = state.tekun.paid & (u_place < inst_share)
    test = assess_dibao(state, scenario, incomes, std_h, std_p)
    pipeline.enrol_initial(state.dibao, test.eligible, test.per_capita_income, u_dibao,
                           adm.initial_enrolment.dibao, month, adm.review_interval_months.dibao)
