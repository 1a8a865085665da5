"""One month of the simulation, in one fixed order of vectorised operations.

demography → disability → illness → jobs → disasters → incomes → orphans → extreme-poverty
support → dibao (means test, roll, payment) → margin households → medical assistance →
temporary assistance → disability, old-age and one-off payments → ledger and indicator sums.

Every stream draws one number per person (or household) every month, whatever the policy, so
that a baseline and a reform run with the same seed meet the same shocks and the same take-up
draws (common random numbers). No step loops over households in Python.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from aidsim.admin import pipeline, process
from aidsim.admin.levers import inspection_month, levers
from aidsim.admin.offices import default_plan
from aidsim.calendar import calendar_month
from aidsim.engine import casework, payments
from aidsim.engine.ledger import to_fen
from aidsim.engine.payments import Context, Payment
from aidsim.engine.state import SimState
from aidsim.metrics.indicators import INCLUSION_CAUSES, MEASURE_NAMES
from aidsim.metrics.poverty import gap_sums
from aidsim.population.synth import able_to_work
from aidsim.programmes import CASH_PROGRAMMES, PROGRAMMES, dibao, margin, means_test, orphans, tekun
from aidsim.rng import Streams
from aidsim.scenario.schema import Scenario
from aidsim.shocks import demography, disasters, health, income, labour

F32 = np.float32


@dataclass
class MonthResult:
    """What one month produced: indicator sums and ledger entries by area."""

    month: int
    sums: np.ndarray          # float64 (n_measures, n_areas), rows in MEASURE_NAMES order
    fen: np.ndarray           # int64 (n_programmes, n_areas)
    recipients: np.ndarray    # int64 (n_programmes, n_areas): households (dibao), persons (tekun)
    # By area, every month (warm-up included), for the office agents: residents, dibao_cost,
    # work_done, utilisation.
    office: dict[str, np.ndarray] = field(default_factory=dict)

    def total(self, measure: str) -> float:
        return float(self.sums[MEASURE_NAMES.index(measure)].sum())


@dataclass
class Incomes:
    """This month's incomes (yuan/month)."""

    person_own: np.ndarray    # float32 (n_persons,): earnings + pension
    earned: np.ndarray        # float32 (n_persons,): earnings
    household_total: np.ndarray  # float64 (n_households,): all members' own income + other income
    other: np.ndarray         # float32 (n_households,)


def _by_hukou(urban: np.ndarray, urban_value: float, rural_value: float,
              dtype: type = np.float64) -> np.ndarray:
    """The urban or rural value for each element of ``urban``, as ``dtype``."""
    return np.where(urban, dtype(urban_value), dtype(rural_value))


@dataclass
class ShockOutcome:
    illness: health.IllnessOutcome
    died: np.ndarray        # bool (n_persons,)
    lost_work: np.ndarray   # intp: persons who lost work this month (the dead among them)
    able: np.ndarray        # bool (n_persons,): alive and able to work after this month's shocks


def apply_shocks(state: SimState, scenario: Scenario, streams: Streams) -> ShockOutcome:
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
    able = able_persons(state, scenario)
    lost = labour.job_transitions(p.employed, able, p.refuses_work, u_job, sh.labour.job_loss_rate,
                                  sh.labour.job_finding_rate)
    income.update_persistent(p.earnings_level, z_earn, sh.income.persistent_rho, sh.income.persistent_sd)
    income.update_persistent(h.other_income_level, z_other, sh.income.other_income_rho,
                             sh.income.other_income_sd)
    return ShockOutcome(illness, died, np.flatnonzero(lost), able)


def mean_log_earnings(state: SimState, scenario: Scenario, persons: np.ndarray | None = None) -> np.ndarray:
    """Mean log earnings by hukou, for all persons or the rows ``persons``."""
    inc = scenario.shocks.income
    if persons is None:
        return state.by_hukou_per_person(inc.mean_log_earnings.urban, inc.mean_log_earnings.rural)
    return _by_hukou(state.person_urban[persons], inc.mean_log_earnings.urban,
                     inc.mean_log_earnings.rural, F32)


def compute_incomes(state: SimState, scenario: Scenario, z_trans: np.ndarray, month: int) -> Incomes:
    """Earnings (with this month's transitory noise ``z_trans``), pensions and other income, less
    the share lost by households still under a disaster."""
    pop, inc, prof = state.population, scenario.shocks.income, scenario.population
    p, h = pop.persons, pop.households
    earned = income.earnings(p.employed & p.alive, p.ill, mean_log_earnings(state, scenario),
                             p.earnings_level, z_trans, inc.transitory_sd)
    median = _by_hukou(h.urban, prof.other_income_median.urban, prof.other_income_median.rural, F32)
    other = income.other_income(h.has_other_income, median, h.other_income_level)
    struck = np.flatnonzero(state.disaster_until > month)
    if struck.shape[0]:
        keep = np.ones(h.n, dtype=F32)
        keep[struck] = 1 - state.disaster_loss[struck]
        earned *= keep[p.household]
        other *= keep
    own = earned + np.where(p.alive, p.pension, F32(0))
    total = pop.household_sum(own) + other
    return Incomes(person_own=own, earned=earned, household_total=total, other=other)


def _by_selfcare(selfcare: np.ndarray, shares) -> np.ndarray:
    """Look up a :class:`~aidsim.scenario.schema.BySelfCare` value for each person."""
    return np.array([shares.full, shares.partial, shares.none], dtype=F32)[selfcare]


@dataclass
class DibaoAssessment:
    """The dibao means test of every household this month (true values)."""

    unit_member: np.ndarray   # bool (n_persons,): in the dibao unit (alive, not on tekun or orphan allowance)
    members: np.ndarray       # int64 (n_households,)
    per_capita_income: np.ndarray  # float64 (n_households,): assessed, after spending deductions
    excluded: np.ndarray      # bool (n_households,): barred by an asset or conduct rule
    eligible: np.ndarray      # bool (n_households,)
    deduction: np.ndarray     # float64 (n_households,): spending deducted (spending-type poverty)
    unit_income: np.ndarray   # float64 (n_households,): the unit's income before deductions
    asset_barred: np.ndarray  # bool (n_households,): barred by an asset
    conduct_barred: np.ndarray  # bool (n_households,): barred by a member's job or conduct
    outside: np.ndarray       # intp: living persons outside the unit (tekun, orphans)


def standards(state: SimState, scenario: Scenario, month: int) -> tuple[np.ndarray, np.ndarray]:
    """The dibao standard in force for each household (float64) and each person (float32)."""
    std = scenario.dibao.standard
    std_h = _by_hukou(state.population.households.urban, std.urban.at(month), std.rural.at(month))
    return std_h, state.by_hukou_per_person(std.urban.at(month), std.rural.at(month))


def assess_orphans(state: SimState, scenario: Scenario, alive_count: np.ndarray) -> np.ndarray:
    """Children covered by the orphan allowance this month, ``(n_persons,)`` (checked on children only)."""
    pop = state.population
    p = pop.persons
    if not scenario.orphans.enabled:
        return np.zeros(p.n, dtype=bool)
    children = np.flatnonzero(p.alive & (p.age_months < 18 * 12))
    adults = alive_count - np.bincount(p.household[children], minlength=pop.n_households)
    covered = np.zeros(p.n, dtype=bool)
    covered[children] = orphans.eligible(p.alive[children], p.age_months[children], p.orphan[children],
                                         adults[p.household[children]])
    return covered


def able_persons(state: SimState, scenario: Scenario) -> np.ndarray:
    """Alive and able to work (the tekun notion of 劳动能力), ``(n_persons,)``."""
    p = state.population.persons
    return p.alive & able_to_work(p.age_months / F32(12), p.disability, p.selfcare,
                                  tuple(scenario.tekun.working_age))


def assess_tekun(state: SimState, scenario: Scenario, own_income: np.ndarray,
                 std_p: np.ndarray, orphan_paid: np.ndarray, able: np.ndarray) -> np.ndarray:
    """Who is truly eligible for extreme-poverty support (三无) this month, ``(n_persons,)``.
    Children on the orphan allowance are not also supported as tekun."""
    pop, tk = state.population, scenario.tekun
    p, h = pop.persons, pop.households
    has_supporter = ((pop.household_count(able) > 0) | h.outside_supporter)[p.household]
    return tekun.eligible(p.alive & ~orphan_paid, able, own_income, tk.income_threshold * std_p,
                          has_supporter)


def spending_deduction(state: SimState, scenario: Scenario, unit_member: np.ndarray) -> np.ndarray:
    """Spending-type poverty (支出型贫困): the monthly medical and education spending a household may
    deduct from its income in the dibao means test (0 when the option is off)."""
    sp = scenario.spending_poverty
    pop = state.population
    deduction = np.zeros(pop.n_households)
    if not sp.enabled:
        return deduction
    p = pop.persons
    if sp.medical:
        deduction += state.medical_spent_12m / 12.0
    if sp.education and sp.education_cost > 0:
        students = unit_member & ~p.employed & (p.age_months >= 16 * 12) & (p.age_months < 23 * 12)
        deduction += sp.education_cost * pop.household_count(students)
    return deduction


def assess_dibao(state: SimState, scenario: Scenario, incomes: Incomes, std_h: np.ndarray,
                 std_p: np.ndarray, orphan_paid: np.ndarray, alive_count: np.ndarray) -> DibaoAssessment:
    """The dibao means test of each household less its members on tekun or the orphan allowance."""
    pop, db = state.population, scenario.dibao
    p, h = pop.persons, pop.households
    outside = np.flatnonzero(p.alive & (state.tekun.paid | orphan_paid))  # few: tekun and orphans
    unit_member = p.alive.copy()
    unit_member[outside] = False
    hh_out = p.household[outside]
    members = alive_count - np.bincount(hh_out, minlength=h.n)
    unit_income = (incomes.household_total - incomes.other
                   - np.bincount(hh_out, weights=incomes.person_own[outside], minlength=h.n))
    unit_income += np.where(members > 0, incomes.other, 0)
    deduction = spending_deduction(state, scenario, unit_member)
    pc_income = means_test.per_capita(np.maximum(unit_income - deduction, 0), members)
    barring = unit_member & means_test.member_bars_household(
        db.exclusions, public_sector=p.public_sector, employed=p.employed,
        refuses_work=p.refuses_work, own_income=incomes.person_own, standard=std_p)
    assets = means_test.barred_by_assets(db.exclusions, vehicle=h.vehicle, business=h.business,
                                         two_dwellings=h.two_dwellings)
    conduct = means_test.barred_by_conduct(
        db.exclusions, outside_supporter=h.outside_supporter, barring_members=pop.household_count(barring))
    excluded = assets | conduct
    return DibaoAssessment(unit_member, members, pc_income, excluded,
                           dibao.eligible(pc_income, std_h, excluded, members), deduction,
                           unit_income, assets, conduct, outside)


def dibao_casework(state: SimState, scenario: Scenario, incomes: Incomes, test: DibaoAssessment,
                   able: np.ndarray, std_h: np.ndarray) -> tuple[casework.DibaoCaseFacts, process.HouseholdView]:
    """What households declare this month and what offices can learn of them (see
    :mod:`aidsim.engine.casework`): the declared per-capita income of every household hides a
    share of each kind of income, by its verifiability, scaled by the household's propensity."""
    pop = state.population
    p, h = pop.persons, pop.households
    share = scenario.admin.declaring.hidden_share
    spread = scenario.admin.declaring.propensity_spread
    # Fixed for a run: cached on the state, keyed by the parameters they depend on.
    prop = state.cached(("propensity", spread), lambda: casework.propensity(pop, spread))
    hidden = np.zeros(h.n)
    if share.formal or share.informal:
        kind = state.cached(("hidden share", share.formal, share.informal),
                            lambda: np.where(p.formal_job, F32(share.formal), F32(share.informal)))
        out = test.outside
        hidden = np.bincount(p.household, weights=incomes.earned * kind, minlength=h.n)
        np.subtract.at(hidden, p.household[out], incomes.earned[out] * kind[out])  # outside the unit
    if share.other:
        hidden += share.other * np.where(test.members > 0, incomes.other, F32(0))
    declared = casework.declared_per_capita(test.unit_income, hidden * prop, test.deduction, test.members)
    facts = casework.DibaoCaseFacts(
        scenario=scenario, population=pop, earned=incomes.earned, other=incomes.other,
        unit_member=test.unit_member, able=able, members=test.members, standard=std_h, propensity=prop)
    connected_share = scenario.admin.favour.connected_share
    connected = state.cached(("connected", connected_share), lambda: h.connection_u < connected_share)
    view = casework.household_view(
        pop, eligible=test.eligible, members=test.members, standard=std_h,
        true_pc=test.per_capita_income, declared_pc=declared, asset_barred=test.asset_barred,
        other_barred=test.conduct_barred, connected=connected, area=state.household_area)
    return facts, view


def _area_sums(area: np.ndarray, n_areas: int, **values: np.ndarray) -> dict[str, np.ndarray]:
    """Sum each of ``values`` by ``area`` (all arrays of one length) → ``{name: (n_areas,)}``.
    Masks are counted over their true elements only (they are mostly sparse)."""
    return {name: (np.bincount(area[v], minlength=n_areas).astype(float) if v.dtype == bool
                   else np.bincount(area, weights=v, minlength=n_areas))
            for name, v in values.items()}


def tekun_support(state: SimState, scenario: Scenario, month: int, persons: np.ndarray,
                  std_p: np.ndarray) -> np.ndarray:
    """The monthly tekun support of ``persons`` (rows): basic living plus care, yuan."""
    tk = scenario.tekun
    wage = _by_hukou(state.person_urban[persons], tk.minimum_wage.urban.at(month),
                     tk.minimum_wage.rural.at(month))
    care = _by_selfcare(state.population.persons.selfcare[persons], tk.care_share)
    return tekun.amount(std_p[persons], tk.basic_multiplier, wage, care)


def _new_year(state: SimState, month: int) -> None:
    """Yearly counters start again each January (caps and case limits are per calendar year)."""
    if calendar_month(month) == 1:
        state.medical_aid_year[:] = 0
        state.medical_spent_year[:] = 0
        state.temporary_cases_year[:] = 0


@dataclass
class MonthEvents:
    """What happened to people this month before the rules apply: shocks, disasters, incomes and
    the administrative draws. :func:`run_month` draws it; rule cases may state it directly."""

    shocks: ShockOutcome
    disaster_hit: np.ndarray     # bool (n_households,): struck by a disaster this month
    disaster_loss: np.ndarray    # float64 (n_households,): one-off asset loss, yuan
    incomes: Incomes
    take_up_tekun: np.ndarray    # float32 (n_persons,): uniform draws
    take_up_dibao: np.ndarray    # float32 (n_households,)
    temporary: np.ndarray        # float32 (n_households,)
    dibao_cases: np.ndarray      # uint64 (2, n_households): the dibao casework's draws
    inspection: np.ndarray | None  # uint64 (2, n_households): a special inspection's draws


def run_month(state: SimState, scenario: Scenario, streams: Streams, month: int,
              *, record: bool, trace: dict[str, object] | None = None,
              plan: process.OfficePlan | None = None) -> MonthResult:
    """Advance ``state`` by one month. When ``record`` is false (warm-up) nothing is booked.

    ``trace``, when given, receives the month's intermediate arrays (for ``aidsim explain``);
    ``plan`` is what each office can do this month (by default: from the scenario, no budget limit).
    """
    p, h = state.population.persons, state.population.households
    _new_year(state, month)
    shocks = apply_shocks(state, scenario, streams)
    hit, asset_loss = disasters.strike(scenario.shocks.disasters, month, state.household_area,
                                       streams["disaster"].random(h.n, dtype=F32),
                                       state.disaster_until, state.disaster_loss)
    incomes = compute_incomes(state, scenario,
                              streams["earnings_transitory"].standard_normal(p.n, dtype=F32), month)
    events = MonthEvents(
        shocks=shocks, disaster_hit=hit, disaster_loss=asset_loss, incomes=incomes,
        take_up_tekun=streams["take_up_tekun"].random(p.n, dtype=F32),
        take_up_dibao=streams["take_up_dibao"].random(h.n, dtype=F32),
        temporary=streams["temporary"].random(h.n, dtype=F32),
        dibao_cases=streams["dibao_cases"].bit_generator.random_raw((2, h.n)),
        # Keyed by month, so a month's inspection draws do not depend on other inspections.
        inspection=(streams[f"inspection {month}"].bit_generator.random_raw((2, h.n))
                    if inspection_month(scenario.admin, month, scenario.simulation.start_month)
                    else None),
    )
    return apply_rules(state, scenario, month, events, record=record, trace=trace, plan=plan)


def apply_rules(state: SimState, scenario: Scenario, month: int, events: MonthEvents, *,
                record: bool, trace: dict[str, object] | None = None,
                plan: process.OfficePlan | None = None) -> MonthResult:
    """The programmes' rules for one month, given what happened (``events``): assessments, the
    rolls, every payment, the ledger and the indicator sums."""
    pop = state.population
    p, h = pop.persons, pop.households
    shocks, incomes = events.shocks, events.incomes
    u_take_tekun, u_take_dibao, u_temporary = events.take_up_tekun, events.take_up_dibao, events.temporary
    hit, asset_loss = events.disaster_hit, events.disaster_loss

    db, tk, adm = scenario.dibao, scenario.tekun, scenario.admin
    std_h, std_p = standards(state, scenario, month)
    alive_count = pop.household_count(p.alive)
    orphan_paid = assess_orphans(state, scenario, alive_count)

    # Extreme-poverty support, person by person.
    tekun_eligible = assess_tekun(state, scenario, incomes.person_own, std_p, orphan_paid, shocks.able)
    tekun_flows = pipeline.advance(
        state.tekun, month=month, alive=p.alive & ~orphan_paid, eligible=tekun_eligible,
        income=incomes.person_own, take_up_uniform=u_take_tekun, take_up_rate=adm.tekun.take_up_rate,
        delay_months=adm.tekun.delay_months, review_interval=adm.tekun.review_interval_months,
        grace_months=0,
    )
    # Placement at application: given take-up (u < rate), u / rate is a fresh uniform.
    applied = np.flatnonzero(tekun_flows.applied)
    placement_u = u_take_tekun[applied] / F32(max(adm.tekun.take_up_rate, 1e-12))
    state.tekun_institutional[applied] = placement_u < _by_selfcare(p.selfcare[applied],
                                                                    tk.institutional_share)
    tekun_paid = state.tekun.paid & p.alive
    paid_p = np.flatnonzero(tekun_paid)
    tekun_pay = payments.person_payment(state, paid_p, tekun_support(state, scenario, month, paid_p, std_p))

    # Dibao: the household less its members on extreme-poverty support or the orphan allowance.
    test = assess_dibao(state, scenario, incomes, std_h, std_p, orphan_paid, alive_count)
    members = test.members
    facts, view = dibao_casework(state, scenario, incomes, test, shocks.able, std_h)
    if plan is None:
        plan = default_plan(scenario, np.bincount(state.household_area, weights=alive_count,
                                                  minlength=pop.n_areas), pop.area_urban)
    dibao_flows = process.advance_dibao(
        state.dibao, month=month, hh=view, facts=facts,
        draws=process.Draws(apply=u_take_dibao, raw=events.dibao_cases, inspection=events.inspection),
        plan=plan, lv=levers(scenario, month, pop.n_areas))
    dibao_paid = state.dibao.paid
    paid_h = np.flatnonzero(dibao_paid)
    enrolled = pop.members_of(paid_h)
    enrolled = enrolled[test.unit_member[enrolled]]
    shares = np.bincount(p.household[enrolled], minlength=h.n, weights=dibao.supplement_share(
        p.age_months[enrolled], p.disability[enrolled], p.ill[enrolled], db.supplements))
    dibao_pay = payments.household_payment(state, paid_h, to_fen(dibao.amount(
        std_h[paid_h], state.dibao.assessed[paid_h], members[paid_h], shares[paid_h],
        db.minimum_payment)))

    pre_pc = means_test.per_capita(incomes.household_total, alive_count)
    ctx = Context(
        month=month, std_h=std_h, std_p=std_p,
        household_income=incomes.household_total, alive_count=alive_count, pre_pc=pre_pc,
        orphan_paid=orphan_paid, tekun_paid=tekun_paid, unit_member=test.unit_member,
        dibao_paid=dibao_paid, dibao_enrolled=enrolled,
        margin=margin.margin_household(test.per_capita_income, std_h, scenario.margin.multiple,
                                       test.excluded, dibao_paid, members),
    )
    medical_out = payments.medical_assistance(ctx, state, scenario, shocks.illness)
    lost = shocks.lost_work
    temporary_out = payments.temporary_assistance(
        ctx, state, scenario, died=shocks.died, lost_work=lost,
        lost_earnings=np.exp(mean_log_earnings(state, scenario, lost) + p.earnings_level[lost]),
        disaster_hit=hit, disaster_loss=asset_loss, medical_out=medical_out, uniform=u_temporary)
    living, care = payments.disability_subsidies(ctx, state, scenario)
    allowance, home_care = payments.old_age(ctx, state, scenario)
    festival, price = payments.one_off_payments(ctx, state, scenario)
    paid: dict[str, Payment] = {
        "dibao": dibao_pay, "tekun": tekun_pay,
        "orphans": payments.orphan_allowance(ctx, state, scenario),
        "temporary": temporary_out.payment, "medical": medical_out.payment,
        "disability_living": living, "disability_care": care, "old_age_allowance": allowance,
        "home_care": home_care, "spring_festival": festival, "price_subsidy": price,
    }
    # Out-of-pocket medical spending of the last 12 months (exponentially weighted), for the
    # spending-type means test of the months that follow.
    spent = np.bincount(p.household[medical_out.onset], weights=medical_out.out_of_pocket_after_aid,
                        minlength=h.n)
    state.medical_spent_12m *= F32(11 / 12)
    state.medical_spent_12m += spent.astype(F32)

    if trace is not None:
        trace.update(ctx=ctx, test=test, incomes=incomes, tekun_eligible=tekun_eligible,
                     paid={k: v.dense(h.n) for k, v in paid.items()}, shares=shares,
                     medical=medical_out, temporary_events=temporary_out.events)
    n_areas = pop.n_areas
    office = {
        "residents": np.bincount(state.household_area, weights=alive_count, minlength=n_areas),
        "dibao_cost": np.bincount(state.household_area[dibao_pay.households], weights=dibao_pay.fen,
                                  minlength=n_areas) / 100.0,
        "work_done": dibao_flows.work_done, "utilisation": dibao_flows.utilisation,
    }
    if trace is not None:
        trace.update(dibao_flows=dibao_flows, view=view)
    if not record:
        return MonthResult(month, np.zeros((0, n_areas)), np.zeros((0, n_areas), np.int64),
                           np.zeros((0, n_areas), np.int64), office)
    for i, name in enumerate(PROGRAMMES):
        state.paid_fen[i, paid[name].households] += paid[name].fen
    result = _book(state, scenario, month, ctx, paid, test, dibao_flows, tekun_eligible, tekun_flows,
                   shocks.illness, medical_out, temporary_out, plan)
    result.office = office
    return result


def _book(state: SimState, scenario: Scenario, month: int, ctx: Context, paid: dict[str, Payment],
          test: DibaoAssessment, dibao_flows: process.DibaoFlows, tekun_eligible: np.ndarray,
          tekun_flows: pipeline.AdminFlows, illness: health.IllnessOutcome,
          medical_out: payments.MedicalOutcome, temporary_out: payments.TemporaryOutcome,
          plan: process.OfficePlan) -> MonthResult:
    """The month's indicator sums by area, and its ledger rows."""
    pop = state.population
    p, h = pop.persons, pop.households
    n_areas, area_h = pop.n_areas, state.household_area
    members, dibao_eligible, dibao_paid = test.members, test.eligible, ctx.dibao_paid
    dibao_fen = paid["dibao"]
    dibao_ineligible = dibao_paid & ~dibao_eligible
    dibao_unpaid_eligible = dibao_eligible & ~dibao_paid
    alive_count = ctx.alive_count
    sums = _area_sums(
        area_h, n_areas,
        households=alive_count > 0, persons=alive_count,
        dibao_households=dibao_paid, dibao_persons=np.where(dibao_paid, members, 0),
        dibao_pending=state.dibao.status == pipeline.PENDING,
        dibao_grace=state.dibao.status == pipeline.GRACE,
        dibao_eligible_households=dibao_eligible,
        dibao_eligible_persons=np.where(dibao_eligible, members, 0),
        dibao_included_ineligible=dibao_ineligible,
        dibao_excluded_eligible=dibao_unpaid_eligible,
        dibao_applications=dibao_flows.applied, dibao_entries=dibao_flows.entered,
        dibao_exits=dibao_flows.exited,
        margin_households=ctx.margin, margin_persons=np.where(ctx.margin, members, 0),
        temporary_events=temporary_out.events,
    )
    wrongly = dibao_ineligible[dibao_fen.households]
    sums["dibao_leakage"] = np.bincount(area_h[dibao_fen.households[wrongly]],
                                        weights=dibao_fen.fen[wrongly], minlength=n_areas) / 100.0
    sums |= _admin_sums(state, month, dibao_unpaid_eligible, dibao_ineligible, dibao_flows, dibao_fen, plan)
    tekun_paid = ctx.tekun_paid
    concerned = np.flatnonzero(tekun_paid | tekun_eligible | tekun_flows.applied | tekun_flows.exited)
    paid_c, eligible_c = tekun_paid[concerned], tekun_eligible[concerned]
    tekun_fen_c = to_fen(tekun_support(state, scenario, month, concerned, ctx.std_p))
    sums |= _area_sums(
        state.person_area[concerned], n_areas,
        tekun_institutional=paid_c & state.tekun_institutional[concerned],
        tekun_eligible=eligible_c,
        tekun_included_ineligible=paid_c & ~eligible_c,
        tekun_excluded_eligible=eligible_c & ~paid_c,
        tekun_leakage=np.where(paid_c & ~eligible_c, tekun_fen_c, 0) / 100.0,
        tekun_applications=tekun_flows.applied[concerned],
        tekun_entries=tekun_flows.entered[concerned],
        tekun_exits=tekun_flows.exited[concerned],
    )
    orphan_idx = np.flatnonzero(ctx.orphan_paid)
    sums["orphans_eligible"] = np.bincount(state.person_area[orphan_idx], minlength=n_areas).astype(float)

    # Medical burden: what new episodes left to households, and who it pushed below the line.
    onset = medical_out.onset
    pl = _by_hukou(h.urban, scenario.measures.poverty_line.urban.at(month) / 12.0,
                   scenario.measures.poverty_line.rural.at(month) / 12.0)
    hh = p.household[onset]
    oop_h = np.bincount(hh, weights=illness.out_of_pocket[onset], minlength=h.n)
    after_h = np.bincount(hh, weights=medical_out.out_of_pocket_after_aid, minlength=h.n)
    above = ctx.pre_pc >= pl
    size = np.maximum(alive_count, 1)
    sums |= _area_sums(
        state.person_area[onset], n_areas,
        hospital_episodes=np.ones(onset.shape[0]), hospital_cost=illness.cost[onset],
        medical_out_of_pocket=illness.out_of_pocket[onset],
        medical_episode_aid=medical_out.episode_aid,
        medical_out_of_pocket_after_aid=medical_out.out_of_pocket_after_aid,
    )
    # Pushed below the line: a year's income less the cost, per member and month, under the line.
    touched = np.flatnonzero(oop_h > 0)
    yearly = 12 * size[touched]
    sums |= _area_sums(
        area_h[touched], n_areas,
        medical_impoverished_before_aid=np.where(
            above[touched] & (ctx.pre_pc[touched] - oop_h[touched] / yearly < pl[touched]),
            alive_count[touched], 0),
        medical_impoverished_after_aid=np.where(
            above[touched] & (ctx.pre_pc[touched] - after_h[touched] / yearly < pl[touched]),
            alive_count[touched], 0),
    )

    # Programmes: cost, recipients and the cost going to households poor before transfers.
    poor_before = ctx.pre_pc < pl
    fen_rows, recipient_rows = [], []
    cash = np.zeros(h.n, dtype=np.int64)
    for name in PROGRAMMES:
        pay = paid[name]
        idx = pay.households
        by_area = np.bincount(area_h[idx], weights=pay.fen, minlength=n_areas)
        sums[f"{name}_cost"] = by_area / 100.0
        sums[f"{name}_cost_to_poor"] = np.bincount(
            area_h[idx], weights=np.where(poor_before[idx], pay.fen, 0), minlength=n_areas) / 100.0
        if name not in ("dibao", "tekun"):
            sums[f"{name}_recipients"] = pay.recipients
        fen_rows.append(by_area)
        recipient_rows.append(pay.recipients)
        if name in CASH_PROGRAMMES:
            cash[idx] += pay.fen  # households are unique within a payment
    sums["tekun_persons"] = paid["tekun"].recipients
    post_pc = ctx.pre_pc + cash / (100.0 * size)
    for line_name, line in (("pl", pl), ("dl", ctx.std_h)):
        for when, pc in (("pre", ctx.pre_pc), ("post", post_pc)):
            g = gap_sums(pc, line, alive_count, area_h, n_areas)
            sums[f"poor_{when}_{line_name}"] = g.poor
            sums[f"gap_yuan_{when}_{line_name}"] = g.gap_yuan
            sums[f"gap1_{when}_{line_name}"] = g.gap1
            sums[f"gap2_{when}_{line_name}"] = g.gap2

    matrix = np.stack([sums[name] for name in MEASURE_NAMES])
    return MonthResult(month, matrix, np.stack(fen_rows).astype(np.int64),
                       np.stack(recipient_rows).astype(np.int64))


def _admin_sums(state: SimState, month: int, excluded_mask: np.ndarray, included_mask: np.ndarray,
                flows: process.DibaoFlows, dibao_fen: Payment, plan: process.OfficePlan) -> dict[str, np.ndarray]:
    """The dibao offices' month (work, backlog, days to payment) and the targeting errors split by
    cause: each eligible household not paid has one cause of exclusion, each ineligible household
    paid one cause of inclusion, so the parts add up to the totals."""
    roll, area_h, n_areas = state.dibao, state.household_area, state.population.n_areas
    status, stage = roll.status, roll.stage
    pending = np.flatnonzero(status == pipeline.PENDING)
    queued = pending[stage[pending] == process.QUEUED]
    on = np.flatnonzero(status >= pipeline.ON)
    out = _area_sums(area_h[queued], n_areas, dibao_backlog=np.ones(queued.shape[0], dtype=bool))
    out |= _area_sums(area_h[on], n_areas, dibao_overdue_reviews=roll.next_review[on] <= month)
    out |= _area_sums(area_h, n_areas, dibao_surveys=flows.surveyed, dibao_refusals=flows.refused,
                      dibao_wrongful_refusals=flows.wrongly_refused, dibao_reviews=flows.reviewed,
                      dibao_favour_approvals=flows.favour_approved,
                      dibao_inspection_removals=flows.inspected_out)
    entered = np.flatnonzero(flows.entered)
    out["dibao_days_to_payment"] = np.bincount(area_h[entered], weights=roll.days[entered], minlength=n_areas)
    out["dibao_work_done"] = flows.work_done
    out["dibao_capacity"] = np.where(np.isfinite(plan.capacity), plan.capacity, 0.0)

    excluded = np.flatnonzero(excluded_mask)
    st, sg = status[excluded], stage[excluded]
    waiting = st == pipeline.PENDING
    refused = (st == pipeline.OFF) & ((roll.refused_until[excluded] > month) | flows.refused[excluded])
    out |= _area_sums(
        area_h[excluded], n_areas,
        dibao_excluded_not_applied=(st == pipeline.OFF) & ~refused, dibao_excluded_refused=refused,
        dibao_excluded_backlog=waiting & (sg == process.QUEUED),
        dibao_excluded_delay=waiting & (sg == process.APPROVING),
        dibao_excluded_quota=waiting & (sg == process.RATIONED_QUOTA),
        dibao_excluded_budget=waiting & (sg == process.RATIONED_BUDGET),
    )
    # Inclusion causes, in this order: gradual exit, favour, undetected income or assets at the
    # last means test (verification), circumstances changed since it (review lag).
    included = np.flatnonzero(included_mask)
    cause = np.where(status[included] == pipeline.GRACE, 0,
                     np.where(roll.favour[included], 1, np.where(~roll.sound[included], 2, 3)))
    fen_of = np.zeros(included.shape[0])  # yuan paid to each included household (0 if none)
    if dibao_fen.households.shape[0] and included.shape[0]:
        pos = np.minimum(np.searchsorted(dibao_fen.households, included), dibao_fen.households.shape[0] - 1)
        found = dibao_fen.households[pos] == included
        fen_of[found] = dibao_fen.fen[pos[found]] / 100.0
    for code, name in enumerate(INCLUSION_CAUSES):
        rows = included[cause == code]
        out[f"dibao_included_{name}"] = np.bincount(area_h[rows], minlength=n_areas).astype(float)
        out[f"dibao_leakage_{name}"] = np.bincount(area_h[rows], weights=fen_of[cause == code],
                                                   minlength=n_areas)
    return out


def enrol_at_start(state: SimState, scenario: Scenario, streams: Streams, month: int) -> None:
    """The roll when the simulation begins: a share of those eligible then (``initial_roll`` stream).

    Eligibility is judged on the initial incomes without transitory noise; reviews of the initial
    caseload are spread evenly over the review cycle. Orphans' placements are drawn here too.
    """
    p, h = state.population.persons, state.population.households
    rng = streams["initial_roll"]
    u_tekun, u_place = rng.random(p.n, dtype=F32), rng.random(p.n, dtype=F32)
    u_dibao = rng.random(h.n, dtype=F32)
    u_orphan = rng.random(p.n, dtype=F32)
    state.orphan_institutional[:] = u_orphan < scenario.orphans.institutional_share
    adm = scenario.admin
    incomes = compute_incomes(state, scenario, np.zeros(p.n, dtype=F32), month)
    std_h, std_p = standards(state, scenario, month)
    alive_count = state.population.household_count(p.alive)
    orphan_paid = assess_orphans(state, scenario, alive_count)
    tekun_eligible = assess_tekun(state, scenario, incomes.person_own, std_p, orphan_paid,
                                  able_persons(state, scenario))
    pipeline.enrol_initial(state.tekun, tekun_eligible, incomes.person_own, u_tekun,
                           adm.tekun.initial_enrolment, month, adm.tekun.review_interval_months)
    inst_share = _by_selfcare(p.selfcare, scenario.tekun.institutional_share)
    state.tekun_institutional[:] = state.tekun.paid & (u_place < inst_share)
    test = assess_dibao(state, scenario, incomes, std_h, std_p, orphan_paid, alive_count)
    started = process.enrol_initial_dibao(state.dibao, test.eligible, test.per_capita_income, u_dibao,
                                          adm.initial_enrolment)
    # Each household's reviews on its category's cycle, spread evenly over the cycle.
    facts, _ = dibao_casework(state, scenario, incomes, test, able_persons(state, scenario), std_h)
    interval = facts.review_interval(started)
    state.dibao.next_review[started] = month + 1 + (started % interval).astype(np.int32)
