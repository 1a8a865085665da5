"""The aidsim month written the way a typical Mesa user would write it, as a reference.

One :class:`HouseholdAgent` (a :class:`mesa.Agent`) per household holds its members as small
Python objects; its ``step()`` runs that household's month in plain Python: deaths and ageing,
disability, illness, jobs, incomes, extreme-poverty support (tekun) and dibao, each with the
application → decision → review → gradual-exit process. :class:`ReferenceModel` calls
``self.agents.shuffle_do("step")`` once a month and a :class:`mesa.DataCollector` sums the
agents' figures.

The rules and parameters are those of ``aidsim.engine.step`` (read from the same
:class:`~aidsim.scenario.schema.Scenario`), and the run starts from the same population
(:func:`aidsim.population.synth.build_population` with ``Streams(seed, 0)``) and the same initial
roll (:func:`aidsim.engine.step.start_rolls`). Only the monthly random draws differ (Python's
``random`` here, aidsim's named numpy streams there), so the two agree within Monte Carlo error,
not exactly; ``tests/integration/test_mesa_reference.py`` checks that.

A person reaching 60 without a pension starts one (an employees' pension for the urban share
that has one, else the resident pension), as aidsim does. The means tests (tekun and dibao) count each household's usual income, an average over past
months (``dibao.income_months``), kept per member and for other income as aidsim keeps it.

Serious illness here only changes health, earnings and the dibao supplement; the hospital cost
and insurance of an episode (aidsim's medical indicators) affect none of the compared aggregates
and are left out.

Run from the project root::

    .venv/bin/python benchmarks/mesa_reference.py [--households 2000] [--months 12]

It times both implementations over the reported months on the same population (aidsim after one
untimed run that loads its compiled kernels, a once-per-process cost), prints their aggregates
side by side and ends with the line
``reference_hh_months_per_s=A vectorised_hh_months_per_s=B ratio=C``.
"""

from __future__ import annotations

import argparse
import math
import statistics
import time
from bisect import bisect_right
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from itertools import accumulate

import mesa
import numpy as np

from aidsim.admin.pipeline import GRACE, NEVER, OFF, ON, PENDING
from aidsim.admin.process import DAYS_PER_MONTH
from aidsim.engine.events import standards
from aidsim.engine.model import AidModel
from aidsim.engine.state import SimState
from aidsim.engine.step import start_rolls
from aidsim.population.arrays import SELFCARE_FULL, SELFCARE_NONE, SELFCARE_PARTIAL
from aidsim.population.synth import build_population
from aidsim.rng import Streams
from aidsim.scenario.load import merge_overrides, validate_scenario
from aidsim.scenario.presets import IDEAL_ADMIN
from aidsim.scenario.schema import Scenario

#: The compared aggregates: monthly averages over the reported months.
AGGREGATES: dict[str, str] = {
    "persons": "persons alive",
    "dibao_eligible_households": "households eligible for dibao",
    "dibao_households": "dibao households",
    "dibao_persons": "dibao persons",
    "dibao_cost": "dibao cost, yuan/month",
    "tekun_eligible": "persons eligible for tekun",
    "tekun_persons": "tekun persons",
    "tekun_institutional": "tekun persons in institutions",
    "tekun_cost": "tekun cost, yuan/month",
    "poor_pre_pl": "poor before transfers (poverty line)",
    "poor_post_pl": "poor after transfers (poverty line)",
}
#: Averages derived from them: name → (numerator, denominator, label).
RATIOS: dict[str, tuple[str, str, str]] = {
    "dibao_avg_subsidy": ("dibao_cost", "dibao_persons", "dibao per member, yuan/month"),
    "tekun_avg_support": ("tekun_cost", "tekun_persons", "tekun per recipient, yuan/month"),
}
#: Every figure that :func:`run_reference` and :func:`run_vectorised` return, with its label.
FIGURES: dict[str, str] = AGGREGATES | {name: label for name, (_, _, label) in RATIOS.items()}


# ---------------------------------------------------------------------------------------------
# Parameters
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Params:
    """The scenario's constant parameters as plain Python numbers (read once per model)."""

    death_band_starts: list[int]        # months
    death_monthly: list[float]          # monthly death probability per band
    disability_rate: float
    disability_rate_60: float
    disability_grade_cum: list[float]   # cumulative shares of grades 1–3
    illness_onset: float
    illness_onset_60: float
    chronic_multiplier: float
    recovery_rate: float
    working_age: tuple[int, int]        # months, [from, to)
    job_loss: float
    job_finding: float
    mean_log_earnings: tuple[float, float]  # urban, rural
    earnings_rho: float
    earnings_innovation_sd: float
    transitory_sd: float
    other_rho: float
    other_innovation_sd: float
    other_median: tuple[float, float]   # urban, rural
    income_weight: float                # weight of this month in the means test's income average
    pension_age: int                    # months: a pension starts at this age
    employee_pension_share: float       # urban share with an employees' pension
    employee_pension: tuple[float, float]  # median, log spread
    resident_pension: tuple[float, float]  # urban, rural
    tekun_threshold: float
    tekun_multiplier: float
    care_share: tuple[float, float, float]  # by self-care: full, partial, none
    institutional_share: tuple[float, float, float]
    tekun_take_up: float
    tekun_review: int
    tekun_delay: int
    dibao_take_up: float
    dibao_review: int
    dibao_delay: int
    gradual_exit: int
    minimum_payment: float
    exclusions: dict[str, bool]
    elderly_age: int                    # months
    elderly: float
    severely_disabled: float
    seriously_ill: float
    minor: float

    @classmethod
    def from_scenario(cls, s: Scenario) -> Params:
        sh, inc, prof = s.shocks, s.shocks.income, s.population
        return cls(
            death_band_starts=[12 * a for a in sh.mortality.band_starts],
            death_monthly=[1 - (1 - q) ** (1 / 12) for q in sh.mortality.annual_probability],
            disability_rate=sh.disability.onset_rate,
            disability_rate_60=sh.disability.onset_rate_60_plus,
            disability_grade_cum=list(accumulate(prof.disability_grades))[:-1],
            illness_onset=sh.health.illness_onset,
            illness_onset_60=sh.health.illness_onset_60_plus,
            chronic_multiplier=sh.health.chronic_multiplier,
            recovery_rate=sh.health.recovery_rate,
            working_age=(12 * s.tekun.working_age[0], 12 * s.tekun.working_age[1]),
            job_loss=sh.labour.job_loss_rate,
            job_finding=sh.labour.job_finding_rate,
            mean_log_earnings=(inc.mean_log_earnings.urban, inc.mean_log_earnings.rural),
            earnings_rho=inc.persistent_rho,
            earnings_innovation_sd=inc.persistent_sd * math.sqrt(1 - inc.persistent_rho ** 2),
            transitory_sd=inc.transitory_sd,
            other_rho=inc.other_income_rho,
            other_innovation_sd=inc.other_income_sd * math.sqrt(1 - inc.other_income_rho ** 2),
            other_median=(prof.other_income_median.urban, prof.other_income_median.rural),
            income_weight=2.0 / (s.dibao.income_months + 1),
            pension_age=int(12 * s.definitions.elderly_age.at(s.simulation.start_month)),
            employee_pension_share=prof.employee_pension_share_urban,
            employee_pension=(prof.employee_pension_median, prof.pension_spread),
            resident_pension=(prof.resident_pension.urban, prof.resident_pension.rural),
            tekun_threshold=s.tekun.income_threshold,
            tekun_multiplier=s.tekun.basic_multiplier,
            care_share=(s.tekun.care_share.full, s.tekun.care_share.partial, s.tekun.care_share.none),
            institutional_share=(s.tekun.institutional_share.full,
                                 s.tekun.institutional_share.partial,
                                 s.tekun.institutional_share.none),
            tekun_take_up=s.admin.tekun.take_up_rate,
            tekun_review=s.admin.tekun.review_interval_months,
            tekun_delay=s.admin.tekun.delay_months,
            dibao_take_up=s.admin.applying.monthly_rate,
            dibao_review=s.admin.reviews.unstable,
            dibao_delay=round(s.admin.approval.routes.township.mean_days / DAYS_PER_MONTH),
            gradual_exit=s.dibao.gradual_exit_months,
            minimum_payment=s.dibao.minimum_payment,
            exclusions=s.dibao.exclusions.model_dump(),
            elderly_age=12 * s.dibao.supplements.elderly_age,
            elderly=s.dibao.supplements.elderly,
            severely_disabled=s.dibao.supplements.severely_disabled,
            seriously_ill=s.dibao.supplements.seriously_ill,
            minor=s.dibao.supplements.minor,
        )


@dataclass(frozen=True)
class MonthValues:
    """Dated parameters in force this month, for urban and rural hukou (yuan/month)."""

    standard: tuple[float, float]
    minimum_wage: tuple[float, float]
    poverty_line: tuple[float, float]   # monthly

    @classmethod
    def at(cls, s: Scenario, month: int) -> MonthValues:
        wage, line = s.tekun.minimum_wage, s.measures.poverty_line
        return cls(standard=standards(s, month),
                   minimum_wage=(wage.urban.at(month), wage.rural.at(month)),
                   poverty_line=(line.urban.at(month) / 12, line.rural.at(month) / 12))


# ---------------------------------------------------------------------------------------------
# Agents
# ---------------------------------------------------------------------------------------------


@dataclass(slots=True)
class RollEntry:
    """One unit's place on a programme's roll (a household for dibao, a person for tekun)."""

    status: int = OFF
    decision_month: int = NEVER
    next_review: int = NEVER
    exit_month: int = NEVER
    assessed: float = 0.0   # income found by the last means test

    @property
    def paid(self) -> bool:
        return self.status >= ON

    def advance(self, month: int, *, exists: bool, eligible: bool, income: float,
                take_up: float, rand: Callable[[], float], delay: int, review: int,
                grace: int) -> bool:
        """One month of exits, review, application and decision; True if the unit applied."""
        if self.status != OFF and not exists:
            self.status = OFF                              # died / dissolved
        elif self.status == GRACE and month >= self.exit_month:
            self.status = OFF                              # gradual exit over
        if self.status == ON and month >= self.next_review:
            if eligible:
                self.assessed, self.next_review = income, month + review
            else:
                if grace > 0:
                    self.status, self.exit_month = GRACE, month + grace
                else:
                    self.status = OFF
                self.next_review = NEVER
        applied = exists and eligible and self.status == OFF and rand() < take_up
        if applied:
            self.status, self.decision_month = PENDING, month + delay
        if self.status == PENDING and month >= self.decision_month:
            if eligible and exists:
                self.status, self.assessed, self.next_review = ON, income, month + review
            else:
                self.status = OFF
            self.decision_month = NEVER
        return applied

    def advance_surveyed(self, month: int, *, exists: bool, eligible: bool, income: float,
                         standard: float, take_up: float, rand: Callable[[], float], delay: int,
                         review: int, grace: int) -> None:
        """Dibao's month under aidsim's administrative process with every friction off: a
        household whose income is below the standard applies (barred ones too, and are refused);
        the survey decides at once and the first payment follows ``delay`` months later; a review
        that finds income above the line starts the gradual exit, any other bar ends it at once;
        households in gradual exit are still reviewed."""
        if self.status != OFF and not exists:
            self.status = OFF
        elif self.status == GRACE and month >= self.exit_month:
            self.status = OFF
        if self.status >= ON and month >= self.next_review:
            self.next_review = month + review
            if eligible:
                self.status, self.assessed, self.exit_month = ON, income, NEVER
            elif self.status == ON:
                if grace > 0 and income >= standard:
                    self.status, self.exit_month = GRACE, month + grace
                else:
                    self.status, self.next_review = OFF, NEVER
        if exists and self.status == OFF and income < standard and rand() < take_up:
            if eligible:
                self.status, self.assessed, self.decision_month = PENDING, income, month + delay
        if self.status == PENDING and month >= self.decision_month:
            if exists:
                self.status, self.next_review = ON, month + review
            else:
                self.status = OFF
            self.decision_month = NEVER


@dataclass(slots=True)
class Member:
    """A household member."""

    age_months: int
    alive: bool
    disability: int          # 0 none, 1 (most severe) … 4
    selfcare: int            # SELFCARE_FULL / PARTIAL / NONE
    chronic: bool
    ill: bool
    employed: bool
    earnings_level: float    # persistent log-earnings component
    pension: float
    public_sector: bool
    refuses_work: bool
    tekun: RollEntry = field(default_factory=RollEntry)
    institutional: bool = False
    own_income: float = 0.0  # this month's earnings + pension
    assessed_earned: float = 0.0  # the earnings the means test counts (an average of past months)
    assessed_own: float = 0.0     # the own income it counts: that average + pension

    def able_to_work(self, working_age: tuple[int, int]) -> bool:
        """Working age, no grade 1–2 disability, full self-care (the tekun notion)."""
        return (self.alive and working_age[0] <= self.age_months < working_age[1]
                and self.disability not in (1, 2) and self.selfcare == SELFCARE_FULL)


class HouseholdAgent(mesa.Agent):
    """A household: its members, assets, other income and its place on the dibao roll."""

    def __init__(self, model: ReferenceModel, *, urban: bool, vehicle: bool, business: bool,
                 two_dwellings: bool, outside_supporter: bool, other_income_level: float,
                 has_other_income: bool, members: list[Member], dibao: RollEntry,
                 assessed_other: float = 0.0):
        super().__init__(model)
        self.urban = urban
        self.vehicle, self.business, self.two_dwellings = vehicle, business, two_dwellings
        self.outside_supporter = outside_supporter
        self.other_income_level, self.has_other_income = other_income_level, has_other_income
        self.members = members
        self.dibao = dibao
        self.assessed_other = assessed_other  # the other income the means test counts
        # This month's figures, read by the model's DataCollector.
        self.persons = 0
        self.dibao_eligible = self.dibao_paid = self.dibao_persons = 0
        self.dibao_fen = self.tekun_fen = 0
        self.tekun_eligible = self.tekun_persons = self.tekun_institutional = 0
        self.poor_pre_pl = self.poor_post_pl = 0

    def step(self) -> None:
        """This household's month: shocks, incomes, tekun, dibao, then its figures."""
        self.shocks()
        other = self.incomes()
        self.extreme_poverty_support()
        self.minimum_living_guarantee()
        self.poverty(other)

    # -- shocks and incomes -------------------------------------------------------------------
    def shocks(self) -> None:
        """Deaths and ageing, disability, illness, jobs and the persistent income components."""
        par, rand, gauss = self.model.par, self.random.random, self.random.gauss
        for p in self.members:
            if not p.alive:
                continue
            band = bisect_right(par.death_band_starts, p.age_months) - 1
            if rand() < par.death_monthly[band]:
                p.alive = p.employed = p.ill = False
                continue
            p.age_months += 1
            if p.age_months == par.pension_age and p.pension == 0:  # a pension starts at 60
                if self.urban and rand() < par.employee_pension_share:
                    median, spread = par.employee_pension
                    p.pension = median * math.exp(spread * gauss(0.0, 1.0))
                else:
                    p.pension = par.resident_pension[0 if self.urban else 1]
            old = p.age_months >= 720
            if p.disability == 0:
                hazard = par.disability_rate_60 if old else par.disability_rate
                u = rand()
                if u < hazard:  # the grade from the same draw, rescaled to [0, 1)
                    p.disability = 1 + bisect_right(par.disability_grade_cum, u / hazard)
                    if p.disability == 1:
                        p.selfcare = SELFCARE_NONE
                    elif p.disability == 2:
                        p.selfcare = max(p.selfcare, SELFCARE_PARTIAL)
            if p.ill:
                p.ill = rand() >= par.recovery_rate
            else:
                hazard = par.illness_onset_60 if old else par.illness_onset
                if p.chronic:
                    hazard *= par.chronic_multiplier
                p.ill = rand() < hazard
            able = p.able_to_work(par.working_age)
            if p.employed:
                p.employed = able and rand() >= par.job_loss
            elif able and not p.refuses_work:
                p.employed = rand() < par.job_finding
            p.earnings_level = (par.earnings_rho * p.earnings_level
                                + par.earnings_innovation_sd * gauss(0.0, 1.0))
        self.other_income_level = (par.other_rho * self.other_income_level
                                   + par.other_innovation_sd * gauss(0.0, 1.0))

    def incomes(self) -> float:
        """Set each member's own income this month and the averages the means test counts;
        return the household's other income this month."""
        par, gauss = self.model.par, self.random.gauss
        hukou = 0 if self.urban else 1
        mean_log = par.mean_log_earnings[hukou]
        w = par.income_weight
        for p in self.members:
            earned = 0.0
            if p.alive and p.employed and not p.ill:  # a sick worker earns nothing that month
                earned = math.exp(mean_log + p.earnings_level + par.transitory_sd * gauss(0.0, 1.0))
            p.own_income = earned + p.pension if p.alive else 0.0
            p.assessed_earned += w * (earned - p.assessed_earned)
            p.assessed_own = p.assessed_earned + p.pension if p.alive else 0.0
        other = (par.other_median[hukou] * math.exp(self.other_income_level)
                 if self.has_other_income else 0.0)
        self.assessed_other += w * (other - self.assessed_other)
        return other

    # -- programmes ---------------------------------------------------------------------------
    def extreme_poverty_support(self) -> None:
        """Tekun (三无), person by person: no ability to work, no income, no supporter."""
        model, par = self.model, self.model.par
        hukou = 0 if self.urban else 1
        standard = model.values.standard[hukou]
        able = [p.able_to_work(par.working_age) for p in self.members]
        has_supporter = any(able) or self.outside_supporter
        self.tekun_eligible = self.tekun_persons = self.tekun_institutional = self.tekun_fen = 0
        for p, p_able in zip(self.members, able, strict=True):
            eligible = (p.alive and not p_able and not has_supporter
                        and p.assessed_own < par.tekun_threshold * standard)
            self.tekun_eligible += eligible
            applied = p.tekun.advance(
                model.month, exists=p.alive, eligible=eligible, income=p.assessed_own,
                take_up=par.tekun_take_up, rand=self.random.random, delay=par.tekun_delay,
                review=par.tekun_review, grace=0)
            if applied:  # placed at home or in an institution when applying
                p.institutional = self.random.random() < par.institutional_share[p.selfcare]
            if p.tekun.paid and p.alive:
                support = (par.tekun_multiplier * standard
                           + par.care_share[p.selfcare] * model.values.minimum_wage[hukou])
                self.tekun_fen += round(support * 100)
                self.tekun_persons += 1
                self.tekun_institutional += p.institutional

    def minimum_living_guarantee(self) -> None:
        """Dibao for the household less its members on tekun: top-up, supplements, minimum."""
        model, par = self.model, self.model.par
        ex = par.exclusions
        standard = model.values.standard[0 if self.urban else 1]
        unit = [p for p in self.members if p.alive and not p.tekun.paid]
        n = len(unit)
        per_capita = (sum(p.assessed_own for p in unit) + self.assessed_other) / n if n else math.inf
        barred = ((ex["vehicle"] and self.vehicle) or (ex["business"] and self.business)
                  or (ex["two_dwellings"] and self.two_dwellings)
                  or (ex["supporter_not_supporting"] and self.outside_supporter))
        for p in unit:
            barred = barred or ((ex["public_sector"] and p.public_sector and p.employed)
                                or (ex["refuses_work"] and p.refuses_work and not p.employed)
                                or (ex["member_income_above_standard"] and p.assessed_own > standard))
        eligible = n > 0 and per_capita < standard and not barred
        self.dibao.advance_surveyed(model.month, exists=n > 0, eligible=eligible, income=per_capita,
                                    standard=standard, take_up=par.dibao_take_up,
                                    rand=self.random.random, delay=par.dibao_delay,
                                    review=par.dibao_review, grace=par.gradual_exit)
        self.dibao_eligible = int(eligible)
        self.dibao_paid = int(self.dibao.paid)
        self.dibao_persons = n if self.dibao.paid else 0
        self.dibao_fen = 0
        if self.dibao.paid and n:
            shares = sum(self.supplement(p) for p in unit)
            top_up = n * max(standard - self.dibao.assessed, 0.0) + standard * shares
            self.dibao_fen = round(max(top_up, n * par.minimum_payment) * 100)

    def supplement(self, p: Member) -> float:
        """A member's categorical supplement as a share of the standard (the largest applies)."""
        par = self.model.par
        share = par.elderly if p.age_months >= par.elderly_age else 0.0
        if p.disability in (1, 2):
            share = max(share, par.severely_disabled)
        if p.ill:
            share = max(share, par.seriously_ill)
        if p.age_months < 18 * 12:
            share = max(share, par.minor)
        return share

    def poverty(self, other: float) -> None:
        """Persons below the poverty line before and after this month's transfers."""
        line = self.model.values.poverty_line[0 if self.urban else 1]
        alive = sum(p.alive for p in self.members)
        self.persons = alive
        self.poor_pre_pl = self.poor_post_pl = 0
        if alive:
            before = (sum(p.own_income for p in self.members) + other) / alive
            after = before + (self.dibao_fen + self.tekun_fen) / (100 * alive)
            self.poor_pre_pl = alive if before < line else 0
            self.poor_post_pl = alive if after < line else 0


# ---------------------------------------------------------------------------------------------
# Model
# ---------------------------------------------------------------------------------------------


def _total(attribute: str, scale: float = 1.0) -> Callable[[ReferenceModel], float]:
    return lambda model: sum(getattr(a, attribute) for a in model.agents) * scale


class ReferenceModel(mesa.Model):
    """Households as Mesa agents under dibao and tekun, one month per step.

    The population is aidsim's (``Streams(seed, 0)``) and the initial roll comes from
    :func:`~aidsim.engine.step.start_rolls` with ``Streams(seed, replication)``, exactly as in
    :class:`~aidsim.engine.model.AidModel` given the same population; monthly draws come from
    the model's own ``random``, seeded from ``(seed, replication)``.
    """

    def __init__(self, scenario: Scenario, *, replication: int = 0):
        seed = scenario.simulation.seed
        own_seed = int(np.random.SeedSequence([seed, replication, 0x4D455341]).generate_state(1)[0])
        super().__init__(seed=own_seed)
        self.scenario = scenario
        self.par = Params.from_scenario(scenario)
        sim = scenario.simulation
        self.start_month = sim.start_month
        self.end_month = sim.start_month + sim.months
        self.month = sim.start_month - sim.warmup_months
        self.values = MonthValues.at(scenario, self.month)
        self._add_households(scenario, seed, replication)
        self.datacollector = mesa.DataCollector(model_reporters={
            "persons": _total("persons"),
            "dibao_eligible_households": _total("dibao_eligible"),
            "dibao_households": _total("dibao_paid"),
            "dibao_persons": _total("dibao_persons"),
            "dibao_cost": _total("dibao_fen", 0.01),
            "tekun_eligible": _total("tekun_eligible"),
            "tekun_persons": _total("tekun_persons"),
            "tekun_institutional": _total("tekun_institutional"),
            "tekun_cost": _total("tekun_fen", 0.01),
            "poor_pre_pl": _total("poor_pre_pl"),
            "poor_post_pl": _total("poor_post_pl"),
        })

    def _add_households(self, scenario: Scenario, seed: int, replication: int) -> None:
        """aidsim's population and initial roll, copied into agents."""
        state = SimState.start(build_population(scenario, Streams(seed, 0)))
        start_rolls(state, scenario, Streams(seed, replication), self.month)
        p, h = state.population.persons, state.population.households
        cols = {name: getattr(p, name).tolist() for name in (
            "age_months", "alive", "disability", "selfcare", "chronic", "ill", "employed",
            "earnings_level", "pension", "public_sector", "refuses_work")}
        roll = {name: state.programmes['tekun'].roll.dense(name).tolist() for name in (
            "status", "decision_month", "next_review", "exit_month", "assessed")}
        institutional = state.programmes['tekun'].institutional.tolist()
        # The means test's income averages begin where aidsim's begin (the start's incomes).
        assessed_earned = (state.assessed_earned if state.assessed_earned is not None
                           else np.zeros(p.n)).tolist()
        assessed_other = (state.assessed_other if state.assessed_other is not None
                          else np.zeros(h.n)).tolist()
        members: list[list[Member]] = [[] for _ in range(h.n)]
        for i, household in enumerate(p.household.tolist()):
            members[household].append(Member(
                **{name: col[i] for name, col in cols.items()},
                tekun=RollEntry(**{name: col[i] for name, col in roll.items()}),
                institutional=institutional[i], assessed_earned=assessed_earned[i],
            ))
        hcols = {name: getattr(h, name).tolist() for name in (
            "urban", "vehicle", "business", "two_dwellings", "outside_supporter",
            "other_income_level", "has_other_income")}
        droll = {name: getattr(state.programmes['dibao'], name).tolist() for name in (
            "status", "decision_month", "next_review", "exit_month", "assessed")}
        for j in range(h.n):
            HouseholdAgent(self, members=members[j],
                           dibao=RollEntry(**{name: col[j] for name, col in droll.items()}),
                           assessed_other=assessed_other[j],
                           **{name: col[j] for name, col in hcols.items()})

    def step(self) -> None:
        """One month for every household; collect the figures in reported months."""
        self.values = MonthValues.at(self.scenario, self.month)
        self.agents.shuffle_do("step")
        if self.month >= self.start_month:
            self.datacollector.collect(self)
        self.month += 1
        if self.month >= self.end_month:
            self.running = False


# ---------------------------------------------------------------------------------------------
# Running both implementations
# ---------------------------------------------------------------------------------------------


#: The reference implements the month of dibao and extreme-poverty support only, so both sides
#: run with the other programmes switched off.
DIBAO_AND_TEKUN_ONLY: dict[str, object] = {
    f"{section}.enabled": False
    for section in ("orphans", "temporary", "medical", "disability", "elderly", "one_off")
}


#: The reference implements dibao's administration with every friction off except take-up (at a
#: fixed monthly rate), one approval delay and one review interval for all households.
SIMPLE_ADMIN: dict[str, object] = {
    **IDEAL_ADMIN,
    "admin.applying.monthly_rate": 0.06,
    "admin.applying.reapply_wait_months": 0,
    "admin.approval.routes": {"township": {"minimum_days": 30, "mean_days": 30},
                              "county": {"minimum_days": 30, "mean_days": 30}},
    "admin.reviews": {"unstable": 6, "regular": 6, "stable": 6},
    # the reference's households neither grow nor form: no population renewal
    "population.renewal.enabled": False,
}


def with_overrides(scenario: Scenario, overrides: Mapping[str, object]) -> Scenario:
    """``scenario`` with dotted-path ``overrides`` applied (and the programmes and administrative
    frictions the reference does not implement switched off), validated again."""
    merged = {**DIBAO_AND_TEKUN_ONLY, **SIMPLE_ADMIN, **overrides}
    return validate_scenario(merge_overrides(scenario.resolved(), merged), source=scenario.name)


def build_reference(scenario: Scenario, months: int, *, replication: int = 0) -> ReferenceModel:
    """A reference model for ``months`` reported months (warm-up from the scenario)."""
    return ReferenceModel(with_overrides(scenario, {"simulation.months": months}),
                          replication=replication)


def build_vectorised(scenario: Scenario, months: int, *, replication: int = 0,
                     monthly_replication: int | None = None) -> AidModel:
    """An :class:`AidModel` on the reference's population (``Streams(seed, 0)``).

    ``replication`` picks the initial roll, as in the reference. ``monthly_replication``, when
    given, replaces the model's streams after the initial roll, so that runs differing only in
    their monthly draws (same population, same roll) can be made; by default the monthly draws
    are those of ``replication``, i.e. a plain ``AidModel`` run.
    """
    scenario = with_overrides(scenario, {"simulation.months": months})
    seed = scenario.simulation.seed
    model = AidModel(scenario, seed=seed, replication=replication,
                     population=build_population(scenario, Streams(seed, 0)))
    if monthly_replication is not None:
        model.streams = Streams(seed, monthly_replication)
    return model


def run_timed(model: mesa.Model) -> float:
    """Step the warm-up months untimed, then the reported months; return their seconds."""
    while model.month < model.start_month:
        model.step()
    seconds = 0.0
    while model.running:
        start = time.perf_counter()
        model.step()
        seconds += time.perf_counter() - start
    return seconds


def _with_ratios(averages: dict[str, float]) -> dict[str, float]:
    """Add the :data:`RATIOS` (NaN when the denominator is 0)."""
    return averages | {name: averages[num] / averages[den] if averages[den] else math.nan
                       for name, (num, den, _) in RATIOS.items()}


def reference_aggregates(model: ReferenceModel) -> dict[str, float]:
    """:data:`FIGURES`: monthly averages over the reported months of a finished run."""
    frame = model.datacollector.get_model_vars_dataframe()
    return _with_ratios({name: float(frame[name].mean()) for name in AGGREGATES})


def vectorised_aggregates(model: AidModel) -> dict[str, float]:
    """:data:`FIGURES`: monthly averages over the reported months of a finished run."""
    return _with_ratios({name: statistics.fmean(r.total(name) for r in model.history)
                         for name in AGGREGATES})


def run_reference(scenario: Scenario, months: int, *, replication: int = 0) -> dict[str, float]:
    """Run the Mesa reference for ``months`` reported months → :data:`FIGURES`.

    ``replication`` picks the initial roll (``Streams(seed, replication)``, as in aidsim) and
    seeds the reference's own monthly draws; the population is always ``Streams(seed, 0)``'s.
    """
    model = build_reference(scenario, months, replication=replication)
    run_timed(model)
    return reference_aggregates(model)


def run_vectorised(scenario: Scenario, months: int, *, replication: int = 0,
                   monthly_replication: int | None = None) -> dict[str, float]:
    """Run aidsim's :class:`AidModel` the same way → :data:`FIGURES` (see :func:`build_vectorised`)."""
    model = build_vectorised(scenario, months, replication=replication,
                             monthly_replication=monthly_replication)
    run_timed(model)
    return vectorised_aggregates(model)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--households", type=int, default=2_000)
    parser.add_argument("--months", type=int, default=12, help="reported months (timed)")
    parser.add_argument("--warmup", type=int, default=2, help="warm-up months (untimed)")
    parser.add_argument("--seed", type=int, default=Scenario().simulation.seed)
    parser.add_argument("--spread", type=int, default=20, metavar="R",
                        help="extra vectorised runs (same population and roll, other monthly "
                        "draws) to show the Monte Carlo spread; 0 to skip")
    args = parser.parse_args(argv)
    scenario = with_overrides(Scenario(), {
        "population.households": args.households, "simulation.months": args.months,
        "simulation.warmup_months": args.warmup, "simulation.seed": args.seed})
    hh_months = args.households * args.months

    reference = build_reference(scenario, args.months)
    ref_seconds = run_timed(reference)
    # aidsim's compiled kernels are loaded once per process (from numba's disk cache): a run
    # first, untimed, so that the timed one measures the month and not that fixed cost.
    run_timed(build_vectorised(scenario, args.months, monthly_replication=999))
    vectorised = build_vectorised(scenario, args.months)
    vec_seconds = run_timed(vectorised)
    ref, vec = reference_aggregates(reference), vectorised_aggregates(vectorised)
    spread = [run_vectorised(scenario, args.months, monthly_replication=1000 + r)
              for r in range(args.spread)]

    print(f"{args.households:,} households, {args.months} reported months after "
          f"{args.warmup} warm-up months, seed {args.seed}; same population and initial roll.")
    print(f"{'monthly average':<38} {'Mesa agents':>13} {'aidsim':>13} {'MC sd':>10} {'z':>6}")
    for name, label in FIGURES.items():
        sd = statistics.stdev(s[name] for s in spread) if len(spread) > 1 else math.nan
        z = (ref[name] - vec[name]) / (sd * math.sqrt(2)) if sd > 0 else math.nan
        print(f"{label:<38} {ref[name]:>13,.1f} {vec[name]:>13,.1f} {sd:>10,.1f} {z:>6.2f}")
    if spread:
        print(f"MC sd: spread of one aidsim run over {len(spread)} runs with other monthly draws; "
              "z = difference / (sd * sqrt 2).\nOne run each, so |z| near 3 on some of these correlated "
              "figures happens by chance; tests/integration/test_mesa_reference.py compares 30 "
              "paired runs.")
    ref_rate, vec_rate = hh_months / ref_seconds, hh_months / vec_seconds
    print(f"\n{'':<20} {'seconds':>9} {'hh-months/s':>13}")
    print(f"{'Mesa agents':<20} {ref_seconds:>9.3f} {ref_rate:>13,.0f}")
    print(f"{'aidsim vectorised':<20} {vec_seconds:>9.3f} {vec_rate:>13,.0f}")
    print("(at this size aidsim's rate is bound by fixed per-month costs; "
          "benchmarks/throughput.py measures it on large populations)")
    print(f"reference_hh_months_per_s={ref_rate:.0f} vectorised_hh_months_per_s={vec_rate:.0f} "
          f"ratio={vec_rate / ref_rate:.1f}")


if __name__ == "__main__":
    main()
