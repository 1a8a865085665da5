"""This month's payments of each programme, from the month's assessments (vectorised).

Each function takes the month's :class:`Context` and returns a :class:`Payment`: fen per household
plus recipients by area. Person-level programmes work on the few persons concerned (index arrays),
never on every person when a subset will do.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from aidsim.calendar import calendar_month
from aidsim.engine.ledger import to_fen
from aidsim.engine.state import SimState
from aidsim.programmes import disability, elderly, medical, one_off, orphans, temporary
from aidsim.scenario.schema import Scenario
from aidsim.shocks.health import IllnessOutcome

F32 = np.float32


@dataclass
class Payment:
    """One programme's payments this month, kept sparse: most households receive nothing."""

    households: np.ndarray   # intp, increasing: the households paid
    fen: np.ndarray          # int64, same length: what each was paid
    recipients: np.ndarray   # float64 (n_areas,): recipients by area, in the programme's unit

    @classmethod
    def nothing(cls, n_areas: int) -> Payment:
        return cls(np.zeros(0, np.intp), np.zeros(0, np.int64), np.zeros(n_areas))

    def dense(self, n_households: int) -> np.ndarray:
        """Fen per household, ``(n_households,)``."""
        out = np.zeros(n_households, dtype=np.int64)
        out[self.households] = self.fen
        return out


@dataclass
class Context:
    """What the month's assessments found, shared by the programmes that follow."""

    month: int
    std_h: np.ndarray               # float64 (n_households,): dibao standard in force
    std_p: np.ndarray               # float32 (n_persons,)
    household_income: np.ndarray    # float64 (n_households,): all income before transfers
    alive_count: np.ndarray         # int64 (n_households,)
    pre_pc: np.ndarray              # float64 (n_households,): per-capita income before transfers
    orphan_paid: np.ndarray         # bool (n_persons,)
    tekun_paid: np.ndarray          # bool (n_persons,)
    unit_member: np.ndarray         # bool (n_persons,): in the dibao unit
    dibao_paid: np.ndarray          # bool (n_households,)
    dibao_enrolled: np.ndarray      # intp: persons enrolled in a paid dibao household
    margin: np.ndarray              # bool (n_households,): low-income margin household
    extra: dict[str, np.ndarray] = field(default_factory=dict)  # for explain traces


def person_payment(state: SimState, persons: np.ndarray, yuan: np.ndarray) -> Payment:
    """Book yuan amounts paid to ``persons`` (row indices): fen per household, recipients by area."""
    pop = state.population
    fen = to_fen(yuan)
    paid = fen > 0
    persons, fen = persons[paid], fen[paid]
    order = np.argsort(persons, kind="stable")  # rows are stored household by household
    persons, fen = persons[order], fen[order]
    hh = pop.persons.household[persons]
    starts = np.flatnonzero(np.concatenate(([True], hh[1:] != hh[:-1]))) if hh.shape[0] else hh[:0]
    return Payment(
        households=hh[starts], fen=np.add.reduceat(fen, starts) if starts.shape[0] else fen,
        recipients=np.bincount(state.person_area[persons], minlength=pop.n_areas).astype(float),
    )


def household_payment(state: SimState, households: np.ndarray, fen: np.ndarray) -> Payment:
    """Book fen paid to ``households`` (increasing rows; one recipient each)."""
    keep = fen > 0
    households, fen = households[keep], fen[keep]
    return Payment(households, fen, np.bincount(state.household_area[households],
                                                minlength=state.population.n_areas).astype(float))


def _category_rate(ctx: Context, state: SimState, idx: np.ndarray, rates) -> np.ndarray:
    """The best medical-assistance rate of the categories each person in ``idx`` belongs to."""
    hh = state.population.persons.household[idx]
    rate = np.where(ctx.unit_member[idx] & ctx.dibao_paid[hh], rates.dibao, 0.0)
    rate = np.maximum(rate, np.where(ctx.tekun_paid[idx], rates.tekun, 0.0))
    rate = np.maximum(rate, np.where(ctx.orphan_paid[idx], rates.orphan, 0.0))
    return np.maximum(rate, np.where(ctx.margin[hh], rates.margin, 0.0))


@dataclass
class MedicalOutcome:
    payment: Payment
    episode_aid: np.ndarray       # float64 (n_persons in onset,): inpatient + catastrophic aid
    onset: np.ndarray             # intp: persons with a new episode
    out_of_pocket_after_aid: np.ndarray  # float64 (len(onset),)


def medical_assistance(ctx: Context, state: SimState, scenario: Scenario,
                       illness: IllnessOutcome) -> MedicalOutcome:
    """Premium subsidy (in the premium month), inpatient and catastrophic aid on this month's
    episodes, outpatient aid for chronic illness. Updates the yearly counters."""
    med = scenario.medical
    p = state.population.persons
    onset = np.flatnonzero(illness.onset)
    oop = illness.out_of_pocket[onset].astype(np.float64)
    if not med.enabled:
        return MedicalOutcome(Payment.nothing(state.population.n_areas), np.zeros(onset.shape[0]),
                              onset, oop)
    rate = _category_rate(ctx, state, onset, med.inpatient_rate)
    inpatient = medical.inpatient_aid(oop, rate, med.deductible, state.medical_aid_year[onset],
                                      med.annual_cap)
    state.medical_aid_year[onset] += inpatient.astype(F32)
    hh = p.household[onset]
    qualifies = ctx.pre_pc[hh] < med.catastrophic_income_limit * ctx.std_h[hh]
    catastrophic = medical.catastrophic_aid(oop - inpatient, state.medical_spent_year[onset],
                                            med.catastrophic_threshold, med.catastrophic_rate, qualifies)
    episode_aid = inpatient + catastrophic
    after = oop - episode_aid
    state.medical_spent_year[onset] += after.astype(F32)

    persons, amounts = [onset], [episode_aid]
    chronic = np.flatnonzero(p.chronic & p.alive) if med.outpatient_chronic > 0 else onset[:0]
    chronic = chronic[ctx.orphan_paid[chronic] | ctx.tekun_paid[chronic]
                      | (ctx.unit_member[chronic] & ctx.dibao_paid[p.household[chronic]])]
    persons.append(chronic)
    amounts.append(np.full(chronic.shape[0], med.outpatient_chronic))
    if calendar_month(ctx.month) == med.premium_month:
        # The categories' members: dibao enrolees, tekun and orphans, and margin households' members.
        covered = np.unique(np.concatenate([
            ctx.dibao_enrolled, np.flatnonzero(ctx.tekun_paid), np.flatnonzero(ctx.orphan_paid),
            state.population.members_of(np.flatnonzero(ctx.margin))]))
        covered = covered[p.alive[covered]]
        share = _category_rate(ctx, state, covered, med.premium_share)
        keep = share > 0
        persons.append(covered[keep])
        amounts.append(medical.premium_subsidy(med.premium.at(ctx.month), share[keep]))
    idx = np.concatenate(persons)
    yuan = np.concatenate(amounts)
    pay = person_payment(state, idx, yuan)
    # A person counts once as a recipient however many parts of the programme paid them.
    paid_persons = np.unique(idx[yuan > 0])
    pay.recipients = np.bincount(state.person_area[paid_persons],
                                 minlength=state.population.n_areas).astype(float)
    return MedicalOutcome(pay, episode_aid, onset, after)


@dataclass
class TemporaryOutcome:
    payment: Payment
    events: np.ndarray    # bool (n_households,)


def temporary_assistance(ctx: Context, state: SimState, scenario: Scenario, *, died: np.ndarray,
                         lost_work: np.ndarray, lost_earnings: np.ndarray, disaster_hit: np.ndarray,
                         disaster_loss: np.ndarray, medical_out: MedicalOutcome,
                         uniform: np.ndarray) -> TemporaryOutcome:
    """Cases opened by this month's events; township cases paid after the township delay, county
    cases after the county delay (one waiting case per household at a time).

    ``lost_work`` are the persons (rows) who lost work this month, the dead among them, and
    ``lost_earnings`` their usual monthly earnings.
    """
    tp = scenario.temporary
    pop = state.population
    p, n_h = pop.persons, pop.n_households
    big = medical_out.out_of_pocket_after_aid >= tp.hospital_oop_threshold
    hospital_h = np.bincount(p.household[medical_out.onset[big]],
                             weights=medical_out.out_of_pocket_after_aid[big], minlength=n_h)
    hh = p.household[lost_work]
    earnings_h = np.bincount(hh, weights=lost_earnings, minlength=n_h)
    death_event = np.bincount(hh[died[lost_work]], minlength=n_h) > 0
    # A job loss is an event when no one in the household works any more.
    touched = np.unique(hh[p.alive[lost_work]])
    members = pop.members_of(touched)
    working = np.bincount(p.household[members], weights=p.employed[members] & p.alive[members],
                          minlength=n_h)
    job_event = np.zeros(n_h, dtype=bool)
    job_event[touched] = working[touched] == 0
    loss = hospital_h + np.where(job_event | death_event, earnings_h, 0) + disaster_loss
    events = (hospital_h > 0) | job_event | death_event | disaster_hit
    pay = Payment.nothing(pop.n_areas)
    if tp.enabled:
        eligible = temporary.eligible(events, ctx.household_income, loss, ctx.alive_count, ctx.std_h,
                                      tp.resource_threshold, tp.resource_months,
                                      state.temporary_cases_year, tp.max_per_year)
        waiting = state.temporary_due_fen > 0
        new = np.flatnonzero(eligible & ~waiting & (uniform < tp.take_up))
        amount = temporary.amount(ctx.std_h[new], ctx.alive_count[new], loss[new], tp.standard_months,
                                  tp.loss_share, tp.cap)
        county = temporary.county_approves(amount, tp.township_limit.at(ctx.month))
        state.temporary_due_fen[new] = to_fen(amount)
        state.temporary_due_month[new] = ctx.month + np.where(county, tp.county_delay_months,
                                                              tp.township_delay_months)
        state.temporary_cases_year[new] += 1
        due = np.flatnonzero((state.temporary_due_fen > 0) & (state.temporary_due_month <= ctx.month)
                             & (ctx.alive_count > 0))
        pay = household_payment(state, due, state.temporary_due_fen[due].copy())
        state.temporary_due_fen[due] = 0
        state.temporary_due_month[due] = np.iinfo(np.int32).max
        gone = np.flatnonzero((state.temporary_due_fen > 0) & (ctx.alive_count == 0))
        state.temporary_due_fen[gone] = 0
    ctx.extra["temporary_loss"] = loss
    return TemporaryOutcome(pay, events)


def orphan_allowance(ctx: Context, state: SimState, scenario: Scenario) -> Payment:
    """Each covered child's allowance by placement."""
    paid = np.flatnonzero(ctx.orphan_paid)
    yuan = orphans.amount(state.orphan_institutional[paid], scenario.orphans.dispersed.at(ctx.month),
                          scenario.orphans.institutional.at(ctx.month))
    return person_payment(state, paid, yuan)


def disability_subsidies(ctx: Context, state: SimState, scenario: Scenario) -> tuple[Payment, Payment]:
    """Living subsidy (disabled members of dibao and margin households) and care subsidy (grades 1–2)."""
    p = state.population.persons
    on = scenario.disability.enabled
    disabled = np.flatnonzero((p.disability > 0) & p.alive) if on else np.zeros(0, np.intp)
    hh = p.household[disabled]
    poor = (ctx.unit_member[disabled] & ctx.dibao_paid[hh]) | ctx.margin[hh]
    grade = p.disability[disabled]
    living = disability.living_subsidy(grade, poor, scenario.disability.living_subsidy)
    care = disability.care_subsidy(grade, scenario.disability.care_subsidy)
    return person_payment(state, disabled, living), person_payment(state, disabled, care)


def old_age(ctx: Context, state: SimState, scenario: Scenario) -> tuple[Payment, Payment]:
    """Old-age allowance for the 80+, and home care for poor dependent elders up to capacity."""
    el = scenario.elderly
    p = state.population.persons
    # Home care is for elders (60+); an allowance band may start earlier.
    youngest = min([60, *el.allowance_ages])
    old = np.flatnonzero(p.alive & (p.age_months >= youngest * 12)) if el.enabled else np.zeros(0, np.intp)
    allowance = elderly.allowance(p.age_months[old], p.alive[old], el.allowance_ages, el.allowance)
    hh = p.household[old]
    poor = ((ctx.unit_member[old] & ctx.dibao_paid[hh]) | ctx.margin[hh]
            | (ctx.tekun_paid[old] & ~state.tekun_institutional[old]))
    dependent = old[poor & (p.selfcare[old] > 0) & (p.age_months[old] >= 60 * 12)]
    served = elderly.home_care_served(dependent, ctx.pre_pc[p.household[dependent]],
                                      el.home_care_capacity)
    return (person_payment(state, old, allowance),
            person_payment(state, served, np.full(served.shape[0], el.home_care_cost)))


def one_off_payments(ctx: Context, state: SimState, scenario: Scenario) -> tuple[Payment, Payment]:
    """Spring Festival subsidy (in its month) and the price-linked subsidy (when inflation is high),
    per recipient of dibao, tekun or the orphan allowance."""
    oo = scenario.one_off
    none = Payment.nothing(state.population.n_areas)
    festival = one_off.spring_festival_due(calendar_month(ctx.month), oo.spring_festival_month)
    price = one_off.price_subsidy_due(oo.price_index.at(ctx.month), oo.price_threshold)
    if not oo.enabled or not (festival or price):
        return none, none
    recipients = np.unique(np.concatenate([ctx.dibao_enrolled, np.flatnonzero(ctx.tekun_paid),
                                           np.flatnonzero(ctx.orphan_paid)]))
    urban = state.person_urban[recipients]
    festival_pay = person_payment(state, recipients, np.where(
        urban, oo.spring_festival.urban, oo.spring_festival.rural)) if festival else none
    price_pay = person_payment(state, recipients, np.full(recipients.shape[0], oo.price_subsidy)) \
        if price else none
    return festival_pay, price_pay
