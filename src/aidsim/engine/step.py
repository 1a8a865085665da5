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


def _by_hukou(urban: np.ndarray, urban_value: float, rural_value: float) -> np.ndarray:
    return np.where(urban, urban_value, rural_value)


def apply_shocks(state: SimState, scenario: Scenario, streams: Streams) -> health.IllnessOutcome:
    """Demography, disability, illness, jobs and income levels for one month (in place)."""
    pop, sh = state.population, scenario.shocks
    p, h = pop.persons, pop.households
    n_p, n_h = p.n, h.n
    u_death = streams["mortality"].random(n_p, dtype=F32)
    u_disability = streams["disability"].random(n_p, dtype=F32)
    u_illness = streams["illness"].random(n_p, dtype=F32)
    z_cost = streams["hospital_cost"].standard_normal(n_p, dtype=F32)
    u_job = streams["jobs"].random(n_p, dtype=F32)
    z_earn = streams["earnings_persistent"].standard_normal(n_p, dtype=F32)
    z_other = streams["other_income"].standard_normal(n_h, dtype=F32)

    died = demography.deaths(p.alive, p.age_months, u_death, sh.mortality.bands.starts,
                             sh.mortality.annual_probability)
    p.alive &= ~died
    demography.age_one_month(p.age_months, p.alive)
    labour.disability_onset(p.disability, p.selfcare, p.alive, p.age_months, u_disability,
                            sh.disability.onset_rate, sh.disability.onset_rate_60_plus,
                            scenario.population.disability_grades)
    illness = health.illness_step(p.ill, p.alive, p.chronic, p.age_months, u_illness, z_cost, sh.health)
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
    mean_log = _by_hukou(state.person_urban, F32(inc.mean_log_earnings.urban),
                         F32(inc.mean_log_earnings.rural)).astype(F32)
    earned = income.earnings(p.employed & p.alive, p.ill, mean_log, p.earnings_level, z_trans,
                             inc.transitory_sd)
    own = earned + np.where(p.alive, p.pension, F32(0))
    median = _by_hukou(h.urban, F32(prof.other_income_median.urban),
                       F32(prof.other_income_median.rural)).astype(F32)
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
    std_p = _by_hukou(state.person_urban, F32(std.urban.at(month)), F32(std.rural.at(month)))
    return std_h, std_p.astype(F32)


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
    excluded = means_test.excluded(
        db.exclusions, vehicle=h.vehicle, business=h.business, two_dwellings=h.two_dwellings,
        public_sector_members=pop.household_count(unit_member & p.public_sector & p.employed),
        refusing_members=pop.household_count(unit_member & p.refuses_work & ~p.employed),
        outside_supporter=h.outside_supporter,
        members_above_standard=pop.household_count(unit_member & (incomes.person_own > std_p)),
    )
    return DibaoAssessment(unit_member, members, pc_income,
                           dibao.eligible(pc_income, std_h, excluded, members))


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

    # Extreme-poverty support: person by person.
    tekun_eligible = assess_tekun(state, scenario, incomes.person_own, std_p)
    tekun_flows = pipeline.advance(
        state.tekun, month=month, alive=p.alive, eligible=tekun_eligible, income=incomes.person_own,
        take_up_uniform=u_take_tekun, take_up_rate=adm.take_up_rate.tekun,
        delay_months=adm.approval_delay_months, review_interval=int(adm.review_interval_months.tekun),
        grace_months=0,
    )
    # Placement at application: given take-up (u < rate), u / rate is a fresh uniform.
    placement_u = u_take_tekun / F32(max(adm.take_up_rate.tekun, 1e-12))
    inst_share = _by_selfcare(p.selfcare, tk.institutional_share)
    state.tekun_institutional[tekun_flows.applied] = (placement_u < inst_share)[tekun_flows.applied]
    tekun_paid = state.tekun.paid & p.alive
    min_wage = _by_hukou(state.person_urban, F32(tk.minimum_wage.urban.at(month)),
                         F32(tk.minimum_wage.rural.at(month))).astype(F32)
    tekun_amount = np.where(tekun_paid, tekun.amount(std_p, tk.basic_multiplier, min_wage,
                                                     _by_selfcare(p.selfcare, tk.care_share)), 0)
    tekun_fen_p = to_fen(tekun_amount)

    # Dibao: the household less its members on extreme-poverty support.
    test = assess_dibao(state, scenario, incomes, std_h, std_p)
    unit_member, members, pc_income, dibao_eligible = (
        test.unit_member, test.members, test.per_capita_income, test.eligible)
    dibao_flows = pipeline.advance(
        state.dibao, month=month, alive=members > 0, eligible=dibao_eligible, income=pc_income,
        take_up_uniform=u_take_dibao, take_up_rate=adm.take_up_rate.dibao,
        delay_months=adm.approval_delay_months, review_interval=int(adm.review_interval_months.dibao),
        grace_months=db.gradual_exit_months,
    )
    dibao_paid = state.dibao.paid
    shares = pop.household_sum(np.where(unit_member, dibao.supplement_share(
        p.age_months, p.disability, p.ill, db.supplements), F32(0)))
    dibao_amount = np.where(dibao_paid, dibao.amount(std_h, state.dibao.assessed, members, shares,
                                                     db.minimum_payment), 0)
    dibao_fen = to_fen(dibao_amount)
    tekun_fen_h = pop.household_sum(tekun_fen_p.astype(np.float64)).astype(np.int64)

    n_areas = pop.n_areas
    if not record:
        return MonthResult(month, np.zeros((0, n_areas)), np.zeros((0, n_areas), np.int64),
                           np.zeros((0, n_areas), np.int64))
    state.paid_fen[:, PROGRAMMES.index("dibao")] += dibao_fen
    state.paid_fen[:, PROGRAMMES.index("tekun")] += tekun_fen_h

    # Indicator sums by area.
    area_h, area_p = state.household_area, state.person_area

    def by_area_h(values: np.ndarray) -> np.ndarray:
        return np.bincount(area_h, weights=values, minlength=n_areas)

    def by_area_p(values: np.ndarray) -> np.ndarray:
        return np.bincount(area_p, weights=values, minlength=n_areas)

    dibao_persons = np.where(dibao_paid, members, 0)
    tekun_ineligible = tekun_paid & ~tekun_eligible
    dibao_ineligible = dibao_paid & ~dibao_eligible
    sums: dict[str, np.ndarray] = {
        "households": by_area_h(alive_count > 0),
        "persons": by_area_h(alive_count),
        "dibao_households": by_area_h(dibao_paid),
        "dibao_persons": by_area_h(dibao_persons),
        "dibao_pending": by_area_h(state.dibao.status == pipeline.PENDING),
        "dibao_grace": by_area_h(state.dibao.status == pipeline.GRACE),
        "dibao_eligible_households": by_area_h(dibao_eligible),
        "dibao_eligible_persons": by_area_h(np.where(dibao_eligible, members, 0)),
        "dibao_included_ineligible": by_area_h(dibao_ineligible),
        "dibao_excluded_eligible": by_area_h(dibao_eligible & ~dibao_paid),
        "dibao_cost": by_area_h(dibao_fen) / 100.0,
        "dibao_leakage": by_area_h(np.where(dibao_ineligible, dibao_fen, 0)) / 100.0,
        "dibao_applications": by_area_h(dibao_flows.applied),
        "dibao_entries": by_area_h(dibao_flows.entered),
        "dibao_exits": by_area_h(dibao_flows.exited),
        "tekun_persons": by_area_p(tekun_paid),
        "tekun_institutional": by_area_p(tekun_paid & state.tekun_institutional),
        "tekun_eligible": by_area_p(tekun_eligible),
        "tekun_included_ineligible": by_area_p(tekun_ineligible),
        "tekun_excluded_eligible": by_area_p(tekun_eligible & ~tekun_paid),
        "tekun_cost": by_area_p(tekun_fen_p) / 100.0,
        "tekun_leakage": by_area_p(np.where(tekun_ineligible, tekun_fen_p, 0)) / 100.0,
        "tekun_applications": by_area_p(tekun_flows.applied),
        "tekun_entries": by_area_p(tekun_flows.entered),
        "tekun_exits": by_area_p(tekun_flows.exited),
        "hospital_episodes": by_area_p(illness.onset),
        "medical_cost": by_area_p(illness.cost),
        "medical_out_of_pocket": by_area_p(illness.out_of_pocket),
    }
    pre_pc = means_test.per_capita(incomes.household_total, alive_count)
    post_pc = means_test.per_capita(incomes.household_total + (dibao_fen + tekun_fen_h) / 100.0,
                                    alive_count)
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
    fen = np.stack([by_area_h(dibao_fen), by_area_p(tekun_fen_p)]).astype(np.int64)
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
                           adm.initial_enrolment.tekun, month, int(adm.review_interval_months.tekun))
    inst_share = _by_selfcare(p.selfcare, scenario.tekun.institutional_share)
    state.tekun_institutional[:] = state.tekun.paid & (u_place < inst_share)
    test = assess_dibao(state, scenario, incomes, std_h, std_p)
    pipeline.enrol_initial(state.dibao, test.eligible, test.per_capita_income, u_dibao,
                           adm.initial_enrolment.dibao, month, int(adm.review_interval_months.dibao))
