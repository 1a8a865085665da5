"""Dibao, the minimum living standard guarantee (最低生活保障).

A household whose per-capita income is below the local standard (urban or rural, by hukou) and
that no exclusion bars is eligible. The benefit is the top-up (补差): standard − per-capita
income, for every member, plus categorical supplements (分类施保) for members in hard categories,
and never less than a minimum payment per member.
"""

from __future__ import annotations

from dataclasses import dataclass

import numba
import numpy as np

from aidsim.admin import declaring, process
from aidsim.admin.levers import inspection_month, levers
from aidsim.admin.pipeline import GRACE, ON, PENDING, STATUS_TEXT
from aidsim.calendar import format_month
from aidsim.population.categories import minor_months, severely_disabled, student_age
from aidsim.prefetch import prefetch_members, prefetch_rows
from aidsim.programmes import means_test
from aidsim.programmes.base import (
    LedgerLine,
    Payment,
    Programme,
    Ratio,
    Row,
    Stream,
    flow,
    for_loops,
    household_payment,
    stock,
    to_fen,
    yuan,
    zeros_view,
)
from aidsim.rows import rows_of, unique
from aidsim.scenario.schema import DibaoSupplements


def eligible(per_capita_income: np.ndarray, standard: np.ndarray, excluded: np.ndarray,
             members: np.ndarray) -> np.ndarray:
    """Per-capita income strictly below the standard, no exclusion, at least one member."""
    return (members > 0) & (per_capita_income < standard) & ~excluded


def supplement_share(age_months: np.ndarray, severely_disabled: np.ndarray, ill: np.ndarray,
                     params: DibaoSupplements, minor_months: float) -> np.ndarray:
    """Each person's categorical supplement as a share of the standard (the largest that applies).

    Categories: elderly (age ≥ ``elderly_age``), severely disabled (grades 1–2 by default,
    ``definitions``), seriously ill (in an illness episode), minor (under ``minor_months``).
    """
    share = np.where(age_months >= params.elderly_age * 12, params.elderly, 0.0)
    share = np.maximum(share, np.where(severely_disabled, params.severely_disabled, 0.0))
    share = np.maximum(share, np.where(ill, params.seriously_ill, 0.0))
    share = np.maximum(share, np.where(age_months < minor_months, params.minor, 0.0))
    return share.astype(np.float32)


def amount(standard: np.ndarray, assessed_per_capita: np.ndarray, members: np.ndarray,
           supplement_shares: np.ndarray, minimum_payment: float) -> np.ndarray:
    """Monthly dibao of a household in yuan.

    ``members × max(standard − assessed per-capita income, 0) + standard × Σ supplement shares``,
    raised to ``members × minimum_payment`` when smaller; 0 for a household with no members.

    Parameters
    ----------
    standard
        Dibao standard in force for the household, yuan/person/month, ``(n,)``.
    assessed_per_capita
        Per-capita income found by the last means test, yuan/person/month, ``(n,)``.
    members
        Members enrolled, ``(n,)``.
    supplement_shares
        Sum over enrolled members of their supplement share of the standard, ``(n,)``.
    minimum_payment
        Smallest payment, yuan/person/month.
    """
    top_up = members * np.maximum(standard - assessed_per_capita, 0.0) + standard * supplement_shares
    return np.where(members > 0, np.maximum(top_up, members * minimum_payment), 0.0)


# -------------------------------------------------------------------------------------------------
# The month: means test, casework and payment
# -------------------------------------------------------------------------------------------------


@dataclass
class Assessment:
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
    single: np.ndarray        # bool (n_households,): the unit is members enrolled alone (单人保)


def spending_deduction(sim, scenario, unit_member: np.ndarray, medical_spent: np.ndarray) -> np.ndarray:
    """Spending-type poverty (支出型贫困): the monthly medical and education spending a household may
    deduct from its income in the means test (0 when the option is off): the average medical
    cost of the last months (``medical_spent`` holds their weighted total), and the education
    cost of each member of student age who does not work."""
    sp = scenario.spending_poverty
    pop = sim.population
    if not sp.enabled:  # read-only zeros, no household-sized array
        return zeros_view(pop.n_households)
    deduction = np.zeros(pop.n_households)
    p = pop.persons
    if sp.medical:
        deduction += medical_spent / float(sp.medical_months)
    if sp.education and sp.education_cost > 0:
        students = unit_member & ~p.employed & student_age(p.age_months, scenario.definitions)
        deduction += sp.education_cost * pop.household_count(students)
    return deduction


@numba.njit(inline="always")
def _assess_unit(h: int, m: int, own: float, deduction: float, rest: tuple) -> None:
    """:func:`_assess_households`' rules for household ``h``, whose unit has ``m`` members and whose
    outside members' own income is ``own`` (``rest``: the other inputs and the outputs, in
    :func:`_assess_households`' order, the bools as bytes). Every choice is a select on a float
    comparison, so the loop over every household is vectorised (with a test of ``m > 0`` on the
    integer and the bools read as bools it was not: about half the time at 10^6 households)."""
    (total, other, standard, asset_barred, conduct_barred, members, unit_income, pc_income, excluded,
     eligible) = rest
    members[h] = m
    count = np.float64(m)
    has = count > 0.0
    o = np.float64(other[h])
    income = ((total[h] - o) - own) + (o if has else 0.0)
    unit_income[h] = income
    net = income - deduction
    pc = (0.0 if net < 0.0 else net) / (count if has else 1.0)
    pc = pc if has else np.inf
    pc_income[h] = pc
    excl = asset_barred[h] | conduct_barred[h]
    excluded[h] = excl
    eligible[h] = np.uint8(has & (pc < standard[h])) & (excl ^ np.uint8(1))


@numba.njit(cache=True)
def _assess_households(outside_household: np.ndarray, outside_own: np.ndarray, barring_household: np.ndarray,
                       alive_count: np.ndarray, total: np.ndarray, other: np.ndarray, deduction: np.ndarray,
                       standard: np.ndarray, asset_barred: np.ndarray, conduct_barred: np.ndarray,
                       members: np.ndarray, unit_income: np.ndarray, pc_income: np.ndarray, excluded: np.ndarray,
                       eligible: np.ndarray) -> None:
    """The household part of :func:`assess` (same operations as the numpy rules, in place of a
    chain of household-sized temporaries):

    - the unit: its living members less those outside it (``outside_household``: the outside
      persons' households, in row order, so each household's are one run); its income
      ``total − other − Σ outside members' own income`` (summed in row order, as a bincount
      would), plus other income when the unit has members;
    - its per-capita income (:func:`means_test.per_capita` of the income less ``deduction``,
      never below 0);
    - ``conduct_barred`` (the supporter rule) set for the households of the barring members
      (``barring_household``, non-decreasing: :func:`means_test.barred_by_conduct`), and
      :func:`eligible`.

    Every household is first assessed as if no member were outside the unit and none barred it
    (subtracting an outside income of 0 changes nothing): a pass without inner loops; the few
    households with outside or barring members are then done again."""
    # the rest of the unit's inputs and its outputs, the bools as their bytes
    rest = (total, other, standard, asset_barred.view(np.uint8), conduct_barred.view(np.uint8), members, unit_income,
            pc_income, excluded.view(np.uint8), eligible.view(np.uint8))
    one = deduction.shape[0] == 1  # every household's (for_loops)
    if one:  # a loop each way, both vectorised
        d = deduction[0]
        for h in range(alive_count.shape[0]):
            _assess_unit(h, alive_count[h], 0.0, d, rest)
    else:
        for h in range(alive_count.shape[0]):
            _assess_unit(h, alive_count[h], 0.0, deduction[h], rest)
    for k in range(barring_household.shape[0]):
        conduct_barred[barring_household[k]] = True
    j, n_out = 0, outside_household.shape[0]
    while j < n_out:
        h = outside_household[j]
        count, own = 0, 0.0
        while j < n_out and outside_household[j] == h:
            count += 1
            own += outside_own[j]
            j += 1
        _assess_unit(h, alive_count[h] - count, own, deduction[0] if one else deduction[h], rest)
    for k in range(barring_household.shape[0]):
        h = barring_household[k]
        excluded[h] = True
        eligible[h] = False


@numba.njit(cache=True)
def _unit_flags(alive: np.ndarray, tekun_paid: np.ndarray, orphans_covered: np.ndarray, public_sector: np.ndarray,
                employed: np.ndarray, refuses_work: np.ndarray, own_income: np.ndarray, urban: np.ndarray,
                standards: tuple, switches: tuple, unit_member: np.ndarray, outside: np.ndarray,
                barring: np.ndarray) -> None:
    """Person by person, without branches: ``unit_member`` (alive, not on tekun or the orphan
    allowance), ``outside`` (alive and on one of them) and ``barring`` (a unit member whose
    situation bars the household, :func:`means_test.member_bars_household`; ``switches``: public
    sector, refusing work, own income above the standard of the member's hukou, ``standards``:
    urban and rural, float32) in one pass in place of the masks' chain."""
    bar_public, bar_refuses, bar_income = switches
    std_urban, std_rural = standards
    for i in range(alive.shape[0]):
        a = alive[i]
        out = a & (tekun_paid[i] | orphans_covered[i])
        member = a & ~out
        unit_member[i] = member
        outside[i] = out
        emp = employed[i]
        bars = (bar_public & public_sector[i] & emp) | (bar_refuses & refuses_work[i] & ~emp)
        if bar_income:
            bars |= own_income[i] > (std_urban if urban[i] else std_rural)
        barring[i] = member & bars


def assess(frame) -> Assessment:
    """The means test of each household less its members on tekun or the orphan allowance."""
    sim, scenario = frame.sim, frame.scenario
    pop, db = sim.population, scenario.dibao
    p, h = pop.persons, pop.households
    n, ex = h.n, db.exclusions
    own = frame["assessed.person_own"]
    unit_member, outside, barring = (np.empty(p.n, dtype=bool) for _ in range(3))
    _unit_flags(p.alive, frame["tekun.paid"], frame["orphans.covered"], p.public_sector, p.employed, p.refuses_work,
                own, sim.person_urban, tuple(np.float32(s) for s in frame["lines.dibao"]),
                (ex.public_sector, ex.refuses_work, ex.member_income_above_standard), unit_member, outside, barring)
    # The outside and the barring members are few (about 0.4% and 3% of the persons): lists, in
    # place of counts per household, found eight flags at a time (half flatnonzero's time).
    outside, barring = rows_of(outside).copy(), rows_of(barring).copy()
    deduction = spending_deduction(sim, scenario, unit_member, frame["medical.spent_recent"])
    assets = means_test.barred_by_assets(ex, vehicle=h.vehicle, business=h.business, two_dwellings=h.two_dwellings)
    conduct = h.outside_supporter.copy() if ex.supporter_not_supporting else np.zeros(n, dtype=bool)
    members, unit_income, pc_income = np.empty(n, dtype=np.int64), np.empty(n), np.empty(n)
    excluded, eligible_ = np.empty(n, dtype=bool), np.empty(n, dtype=bool)
    std_h = frame["lines.dibao_h"]
    _assess_households(p.household[outside], own[outside], p.household[barring], frame["household.alive_count"],
                       frame["assessed.household_total"], frame["assessed.other"], for_loops(deduction), std_h, assets,
                       conduct, members, unit_income, pc_income, excluded, eligible_)
    single = np.zeros(n, dtype=bool)
    if db.single_member.enabled:
        single = single_member_units(
            pop, unit_member, members, unit_income, deduction, pc_income, own,
            low_income=~eligible_ & ~excluded & (pc_income < db.single_member.income_multiple * std_h),
            qualifies=severely_disabled(p.disability, scenario.definitions) | p.ill,
            adult=p.age_months >= minor_months(scenario.definitions, frame.month))
        changed = np.flatnonzero(single)
        eligible_[changed] = eligible(pc_income[changed], std_h[changed], excluded[changed], members[changed])
    return Assessment(unit_member, members, pc_income, excluded, eligible_, deduction, unit_income, assets,
                      conduct, outside, single)


def single_member_units(population, unit_member: np.ndarray, members: np.ndarray, unit_income: np.ndarray,
                        deduction: np.ndarray, pc_income: np.ndarray, own_income: np.ndarray, *,
                        low_income: np.ndarray, qualifies: np.ndarray, adult: np.ndarray) -> np.ndarray:
    """Single-member enrolment (单人保): in each ``low_income`` household (it fails the means test,
    no exclusion bars it, income under the multiple of the standard), the adult unit members who
    ``qualify`` (severely disabled or seriously ill) become the unit on their own: the unit's
    members, income (their own income) and per-capita income are replaced in place, with no
    spending deduction. Returns the households whose unit changed, ``(n_households,)``."""
    p = population.persons
    alone = np.flatnonzero(unit_member & qualifies & adult & low_income[p.household])
    single = np.zeros(members.shape[0], dtype=bool)
    if not alone.shape[0]:
        return single
    hh = p.household[alone]
    households = unique(hh)
    single[households] = True
    unit_member[population.members_of(households)] = False
    unit_member[alone] = True
    n = members.shape[0]
    members[households] = np.bincount(hh, minlength=n)[households]
    unit_income[households] = np.bincount(hh, weights=own_income[alone], minlength=n)[households]
    if deduction.flags.writeable:  # else the shared zeros of no spending-type poverty
        deduction[households] = 0.0
    pc_income[households] = means_test.per_capita(np.maximum(unit_income[households], 0), members[households])
    return single


@numba.njit(cache=True)
def _able_members(member_offsets: np.ndarray, households: np.ndarray, able: np.ndarray, unit_member: np.ndarray,
                  employed: np.ndarray, formal_job: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per household of ``households``: its unit members able to work, and those of them without a
    formal job (the review category's counts); a loop over their rows in place of gathering them
    and two bincounts. The households are scattered: each asks for the rows of those ahead of it
    (:func:`aidsim.prefetch.prefetch_members`)."""
    k = households.shape[0]
    n_able = np.zeros(k, dtype=np.int64)
    n_unsteady = np.zeros(k, dtype=np.int64)
    for j in range(k):
        prefetch_members(member_offsets, households, j, able, unit_member, employed, formal_job)
        h = households[j]
        for i in range(member_offsets[h], member_offsets[h + 1]):
            if able[i] and unit_member[i]:
                n_able[j] += 1
                if not (employed[i] and formal_job[i]):
                    n_unsteady[j] += 1
    return n_able, n_unsteady


@numba.njit(cache=True)
def _rows_room(offsets: np.ndarray, households: np.ndarray) -> int:
    """How many rows the ``households`` have, ``Σ offsets[h + 1] − offsets[h]`` (a list of their
    members' room), without the index arrays numpy's expression makes."""
    room, n = 0, households.shape[0]
    for j in range(n):
        prefetch_rows(households, j, n, offsets, offsets, offsets, offsets)  # scattered: ask ahead
        h = households[j]
        room += offsets[h + 1] - offsets[h]
    return room


@numba.njit(cache=True)
def _enrolled_shares(offsets: np.ndarray, households: np.ndarray, unit_member: np.ndarray, age_months: np.ndarray,
                     disability: np.ndarray, ill: np.ndarray, severe_grades: np.ndarray, elderly_months: float,
                     minor_months: float, shares: tuple, enrolled: np.ndarray, out: np.ndarray) -> int:
    """The unit members of ``households`` (their rows, written to ``enrolled`` in row order; returns
    how many) and each household's Σ of their :func:`supplement_share` (the largest share of
    ``shares``, elderly, severely disabled, seriously ill and minor, that applies, as float32;
    summed as float64 in row order, as a weighted bincount would) into ``out``: a loop over their
    rows in place of gathering them (``members_with_owner``), the share's array chain and a
    bincount; each household asks for the rows of those ahead of it
    (:func:`aidsim.prefetch.prefetch_members`)."""
    elderly, severe, seriously_ill, minor = shares
    k = 0
    for j in range(households.shape[0]):
        prefetch_members(offsets, households, j, unit_member, age_months, disability, ill)
        h = households[j]
        total = 0.0
        for i in range(offsets[h], offsets[h + 1]):
            if not unit_member[i]:
                continue
            enrolled[k] = i
            k += 1
            age = age_months[i]
            share = elderly if age >= elderly_months else 0.0
            grade_severe = False
            for g in severe_grades:
                grade_severe |= disability[i] == g
            share = max(share, severe if grade_severe else 0.0)
            share = max(share, seriously_ill if ill[i] else 0.0)
            share = max(share, minor if age < minor_months else 0.0)
            total += np.float64(np.float32(share))
        out[j] = total
    return k


@dataclass
class CaseFacts:
    """Answers :class:`~aidsim.admin.process.CaseFacts` for this month's cases: the administrative
    process asks, the dibao rules answer."""

    scenario: object
    population: object
    earned: np.ndarray        # float32 (n_persons,): this month's earnings
    other: np.ndarray         # float32 (n_households,): other income
    unit_member: np.ndarray   # bool (n_persons,): in the dibao unit
    able: np.ndarray          # bool (n_persons,): able to work
    members: np.ndarray       # int (n_households,)
    standard: np.ndarray      # float64 (n_households,)
    propensity: np.ndarray    # float64 (n_households,)
    minor_months: float       # age of majority this month, in months

    def hidden(self, idx: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        return declaring.hidden_by_kind(self.population, idx, earned=self.earned, other=self.other,
                                        unit_member=self.unit_member, members=self.members,
                                        shares=self.scenario.admin.declaring.hidden_share,
                                        propensity=self.propensity)

    def review_interval(self, idx: np.ndarray) -> np.ndarray:
        """Category of dynamic management: no able-bodied member → stable (yearly); an able
        member without a formal job → unstable (monthly); otherwise regular (quarterly)."""
        iv = self.scenario.admin.reviews
        p = self.population.persons
        n_able, n_unsteady = _able_members(self.population.member_offsets, idx, self.able, self.unit_member,
                                           p.employed, p.formal_job)
        return np.where(n_able == 0, iv.stable, np.where(n_unsteady > 0, iv.unstable, iv.regular)).astype(np.int32)

    def enrolled_and_shares(self, idx: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The enrolled (unit members) of the households ``idx`` (increasing rows when ``idx``
        increases) and the Σ of their categorical supplement shares, per household of ``idx``."""
        pop, sup = self.population, self.scenario.dibao.supplements
        p = pop.persons
        offsets = pop.member_offsets
        room = _rows_room(offsets, idx)  # their rows: a person-sized room cost more to get
        enrolled, shares = np.empty(room, dtype=np.intp), np.empty(idx.shape[0])
        k = _enrolled_shares(pop.member_offsets, idx, self.unit_member, p.age_months, p.disability, p.ill,
                             np.asarray(self.scenario.definitions.severe_disability_grades, dtype=p.disability.dtype),
                             float(sup.elderly_age * 12), float(self.minor_months),
                             (float(sup.elderly), float(sup.severely_disabled), float(sup.seriously_ill),
                              float(sup.minor)), enrolled, shares)
        return enrolled[:k].copy(), shares

    def supplement_shares(self, idx: np.ndarray) -> np.ndarray:
        """Σ of the enrolled members' categorical supplement shares, per household of ``idx``."""
        return self.enrolled_and_shares(idx)[1]

    def benefit(self, idx: np.ndarray, assessed_pc: np.ndarray) -> np.ndarray:
        return amount(self.standard[idx], assessed_pc, self.members[idx],
                      self.supplement_shares(idx), self.scenario.dibao.minimum_payment)


@numba.njit(inline="always")
def _unit_hides(h: int, hidden: np.ndarray, adds_other: bool, other_share: np.float32, other: np.ndarray,
                members: np.ndarray) -> float:
    """What household ``h``'s unit hides: its hidden earnings, plus ``other_share × other`` (a
    float32 product) when ``adds_other`` and the unit has members (a select, not a branch)."""
    hid = hidden[h]
    with_other = hid + other_share * other[h]
    return with_other if adds_other & (np.float64(members[h]) > 0.0) else hid


@numba.njit(inline="always")
def _declare_unit(h: int, hid: float, deduction: float, rest: tuple) -> None:
    """:func:`_declare`'s rules for household ``h`` whose unit hides ``hid`` (``rest``: the other
    inputs and the outputs, the bools as bytes): every choice a select on a float comparison, so
    that the loop over every household is vectorised."""
    members, propensity, unit_income, pc_income, standard, declared_pc, alive, above_line = rest
    count = np.float64(members[h])
    has = count > 0.0
    declared = (unit_income[h] - hid * propensity[h]) - deduction
    declared = 0.0 if declared < 0.0 else declared
    declared_pc[h] = declared / (count if has else 1.0) if has else np.inf
    alive[h] = has
    above_line[h] = pc_income[h] >= standard[h]


@numba.njit(cache=True)
def _declare(hidden: np.ndarray, other_share: np.float32, other: np.ndarray, members: np.ndarray,
             propensity: np.ndarray, unit_income: np.ndarray, deduction: np.ndarray, alone: np.ndarray,
             alone_hidden: np.ndarray, pc_income: np.ndarray, standard: np.ndarray, alive: np.ndarray,
             above_line: np.ndarray) -> None:
    """Each household's declared per-capita income, written over ``hidden`` (the earnings its unit
    hides): the hidden income is those earnings plus ``other_share × other`` (float32 product) for
    a unit with members, or ``alone_hidden`` for the households ``alone`` (increasing), times the
    household's propensity; declared = ``max(unit income − hidden − deduction, 0)`` per member
    (:func:`means_test.per_capita`). Also the view's ``alive`` (members > 0) and ``above_line``
    (true per-capita income at or above the standard). Every household is first done as if none
    were alone, in a loop without branches (vectorised: at 10^6 households about 0.65 of the
    time of a loop with branches on the unit's size and on a negative income), then the few
    alone again."""
    one = deduction.shape[0] == 1  # every household's (no spending-type poverty: zeros)
    d0 = deduction[0] if one else 0.0
    adds_other = other_share != 0
    rest = (members, propensity, unit_income, pc_income, standard, hidden, alive.view(np.uint8),
            above_line.view(np.uint8))
    if one:  # a loop each way, both vectorised
        for h in range(hidden.shape[0]):
            _declare_unit(h, _unit_hides(h, hidden, adds_other, other_share, other, members), d0, rest)
    else:
        for h in range(hidden.shape[0]):
            _declare_unit(h, _unit_hides(h, hidden, adds_other, other_share, other, members), deduction[h], rest)
    for j in range(alone.shape[0]):
        h = alone[j]
        _declare_unit(h, alone_hidden[j], d0 if one else deduction[h], rest)


def casework(frame, test: Assessment) -> tuple[CaseFacts, process.HouseholdView]:
    """What households declare this month and what offices can learn of them: the declared
    per-capita income hides a share of each kind of income, by its verifiability, scaled by the
    household's propensity (:mod:`aidsim.admin.declaring`)."""
    sim, scenario = frame.sim, frame.scenario
    pop = sim.population
    h = pop.households
    share = scenario.admin.declaring.hidden_share
    spread = scenario.admin.declaring.propensity_spread
    earned, other = frame["assessed.earned"], frame["assessed.other"]
    # Fixed for a run: cached on the state, keyed by the parameters they depend on.
    prop = sim.cached(("propensity", spread), lambda: declaring.propensity(pop, spread))
    alone = np.flatnonzero(test.single)
    alone_hidden = np.zeros(0)
    if alone.shape[0]:  # members enrolled alone hide only from their own earnings
        formal, informal, _ = declaring.hidden_by_kind(
            pop, alone, earned=earned, other=other, unit_member=test.unit_member, members=test.members,
            shares=share, propensity=np.ones(h.n))
        alone_hidden = formal + informal
    standard = frame["lines.dibao_h"]
    kinds = (share.formal, share.informal) if share.formal or share.informal else None
    declared = declaring.hidden_earnings(pop, earned=earned, outside=test.outside, kind_shares=kinds,
                                         sums=frame["assessed.hidden_earnings"])
    alive, above_line = np.empty(h.n, dtype=bool), np.empty(h.n, dtype=bool)
    _declare(declared, np.float32(share.other), other, test.members, prop, test.unit_income, for_loops(test.deduction),
             alone, alone_hidden, test.per_capita_income, standard, alive, above_line)
    facts = CaseFacts(scenario=scenario, population=pop, earned=earned, other=other,
                      unit_member=test.unit_member, able=frame["shocks.able"], members=test.members,
                      standard=standard, propensity=prop,
                      minor_months=minor_months(scenario.definitions, frame.month))
    connected_share = scenario.admin.favour.connected_share
    connected = sim.cached(("connected", connected_share), lambda: h.connection_u < connected_share)
    view = process.HouseholdView(
        alive=alive, eligible=test.eligible, members=test.members, standard=standard,
        declared_pc=declared, above_line=above_line,
        asset_barred=test.asset_barred, other_barred=test.conduct_barred, connected=connected,
        distance_km=h.office_km, area=sim.household_area)
    return facts, view


#: The measures :func:`_roll_sums` returns, in its rows' order.
_ROLL_SUMS = ("dibao_households", "dibao_pending", "dibao_grace", "dibao_applications", "dibao_entries",
              "dibao_exits", "dibao_single_member", "dibao_persons", "dibao_persons_entering",
              "dibao_persons_leaving")


@numba.njit(cache=True)
def _roll_sums(area: np.ndarray, n_areas: int, paid: np.ndarray, status: np.ndarray, single: np.ndarray,
               members: np.ndarray, pending: np.ndarray, applied: np.ndarray, entered: np.ndarray,
               exited: np.ndarray) -> np.ndarray:
    """The roll's counts by area (rows in :data:`_ROLL_SUMS`' order): households paid (on the roll
    or in gradual exit), pending, in gradual exit, applying, entering, leaving, paid for members
    enrolled alone, and the unit members of those paid, entering and leaving. ``paid``,
    ``pending``, ``applied``, ``entered`` and ``exited`` are the few households concerned (rows,
    each once): a loop over them instead of a mask and a bincount per measure (counts are whole
    numbers: exact in any order)."""
    out = np.zeros((10, n_areas))
    for i in paid:
        a = area[i]
        out[0, a] += 1
        out[7, a] += members[i]
        if single[i]:
            out[6, a] += 1
        if status[i] == GRACE:
            out[2, a] += 1
    for i in pending:
        out[1, area[i]] += 1
    for i in applied:
        out[3, area[i]] += 1
    for i in entered:
        out[4, area[i]] += 1
        out[8, area[i]] += members[i]
    for i in exited:
        out[5, area[i]] += 1
        out[9, area[i]] += members[i]
    return out


def _inspection_month(scenario, month: int) -> bool:
    return inspection_month(scenario.admin, month, scenario.simulation.start_month)


class Dibao(Programme):
    """Dibao: means test, the administrative process (:mod:`aidsim.admin.process`) and the top-up."""

    name = "dibao"
    section = "dibao"
    label = "Minimum living standard guarantee (最低生活保障)"
    lines = (LedgerLine("dibao", "households", label, recipients_measure=None),)
    streams = (
        Stream("draws.take_up_dibao", "take_up_dibao", "households"),  # read for 1 household in 8
        Stream("draws.dibao_cases", "dibao_cases", "households", kind="raw2", deferred=True),
        # Keyed by month, so a month's inspection draws do not depend on other inspections.
        Stream("draws.inspection", "inspection {month}", "households", kind="raw2", when=_inspection_month,
               deferred=True),
    )
    start_streams = (Stream("draws.dibao_enrol", "initial_roll", "households", slot=2),)
    needs = ("orphans.covered", "tekun.paid", "assessed.person_own", "assessed.household_total",
             "assessed.other", "assessed.earned", "assessed.hidden_earnings", "household.alive_count",
             "lines.dibao_h", "lines.dibao", "shocks.able", "medical.spent_recent", "offices.plan")
    start_needs = tuple(k for k in needs if k != "offices.plan")
    provides = {
        "dibao.unit_member": "bool (n_persons,): in the dibao unit (alive, not on tekun or the orphan allowance)",
        "dibao.members": "int64 (n_households,): members of the unit",
        "dibao.per_capita_income": "float64 (n_households,): true per-capita income in the means test",
        "dibao.deduction": "float64 (n_households,): spending deducted (spending-type poverty)",
        "dibao.excluded": "bool (n_households,): barred by an asset or conduct rule",
        "dibao.eligible": "bool (n_households,): truly eligible",
        "dibao.paid": "bool (n_households,): paid this month (on the roll or in gradual exit)",
        "dibao.paid_rows": "intp: the households paid this month, increasing (flatnonzero(dibao.paid))",
        "dibao.pending": "bool (n_households,): an application waiting for its decision after this month",
        "dibao.enrolled": "intp: persons enrolled in a paid household",
        "dibao.shares": "float64 (paid households,): Σ of enrolled members' supplement shares, in the "
                        "order of flatnonzero(dibao.paid)",
        "dibao.single": "bool (n_households,): the unit is members enrolled alone (单人保)",
        "dibao.view": "process.HouseholdView: what the office sees (declarations)",
        "dibao.flows": "process.DibaoFlows: this month's casework",
        "dibao.payment": "Payment: this month's dibao, per household",
        "dibao.office_books": "dict of (n_areas,): each office's dibao cost, work done and capacity used",
    }

    measures = {
        "dibao_households": stock("households", "Households paid dibao (incl. gradual exit)."),
        "dibao_persons": stock("persons", "Enrolled members of households paid dibao."),
        "dibao_pending": stock("households", "Dibao applications waiting for a decision."),
        "dibao_grace": stock("households", "Dibao households in gradual exit."),
        "dibao_applications": flow("households", "Dibao applications made."),
        "dibao_entries": flow("households", "Households that started receiving dibao."),
        "dibao_exits": flow("households", "Households that stopped receiving dibao."),
        "dibao_persons_entering": flow("persons", "Enrolled members of the households that started receiving dibao "
                                                  "(新增, as the seeds count them: person-times)."),
        "dibao_persons_leaving": flow("persons", "Members of the households that stopped receiving dibao (清退)."),
        "dibao_single_member": stock("households", "Households paid dibao for members enrolled alone (单人保)."),
    }
    ratios = {
        "dibao_coverage": Ratio("dibao_persons", "persons", "share", "Share of residents enrolled in dibao."),
        "dibao_avg_subsidy": Ratio("dibao_cost", "dibao_persons", "yuan/person/month",
                                   "Average dibao per enrolled member (月人均补助水平)."),
        "dibao_persons_per_household": Ratio("dibao_persons", "dibao_households", "persons",
                                             "Enrolled members per recipient household."),
        "dibao_entry_rate": Ratio("dibao_persons_entering", "dibao_persons", "per month",
                                  "Persons entering ÷ enrolled person-months: the monthly entry rate."),
        "dibao_exit_rate": Ratio("dibao_persons_leaving", "dibao_persons", "per month",
                                 "Persons leaving ÷ enrolled person-months: the monthly exit rate."),
        "dibao_single_member_share": Ratio("dibao_single_member", "dibao_households", "share",
                                           "Share of recipient households paid for members enrolled alone."),
    }

    def init_state(self, sim) -> process.DibaoRoll:
        return process.DibaoRoll.empty(sim.population.n_households)

    def start(self, frame, state: process.DibaoRoll) -> None:
        if not self.enabled(frame.scenario):
            return
        test = assess(frame)
        started = process.enrol_initial_dibao(state, test.eligible, test.per_capita_income,
                                              frame["draws.dibao_enrol"], frame.scenario.admin.initial_enrolment)
        # Each household's reviews on its category's cycle, spread evenly over the cycle.
        facts, _ = casework(frame, test)
        interval = facts.review_interval(started)
        state.next_review[started] = frame.month + 1 + (started % interval).astype(np.int32)

    def step(self, frame, state: process.DibaoRoll) -> dict[str, Payment]:
        sim, scenario, month = frame.sim, frame.scenario, frame.month
        pop = sim.population
        h = pop.households
        test = assess(frame)
        # The persons' own incomes are read by the means test only: freed before the casework,
        # the month's peak.
        frame.done("assessed.person_own")
        facts, view = casework(frame, test)
        inspection = frame["draws.inspection"] if "draws.inspection" in frame else None
        if not self.enabled(scenario):  # nobody applies: the roll stays empty
            flows = process.DibaoFlows.none(h.n, pop.n_areas)
        else:
            flows = process.advance_dibao(
                state, month=month, hh=view, facts=facts,
                draws=process.Draws(apply=frame["draws.take_up_dibao"], raw=frame["draws.dibao_cases"],
                                    inspection=inspection),
                plan=frame["offices.plan"], lv=levers(scenario, month, pop.n_areas))
        # The earnings the casework reads and the month's draws are read for the last time:
        # freed now, before the payments are made, which lowers the month's peak.
        inspection = None
        frame.done("assessed.earned", "draws.take_up_dibao", "draws.dibao_cases", "draws.inspection")
        paid = state.paid
        paid_h = flows.paid_rows if self.enabled(scenario) else np.flatnonzero(paid)
        pending = np.zeros(h.n, dtype=bool)
        pending[flows.pending_rows] = True
        # The enrolled (the paid households' unit members) and each paid household's supplement
        # shares, summed over its enrolled in row order.
        enrolled, shares = facts.enrolled_and_shares(paid_h)
        pay = household_payment(sim, paid_h, to_fen(amount(
            frame["lines.dibao_h"][paid_h], state.assessed[paid_h], test.members[paid_h], shares,
            scenario.dibao.minimum_payment)))
        for key, value in (("unit_member", test.unit_member), ("members", test.members),
                           ("per_capita_income", test.per_capita_income), ("deduction", test.deduction),
                           ("excluded", test.excluded), ("eligible", test.eligible), ("paid", paid),
                           ("paid_rows", paid_h),
                           ("enrolled", enrolled), ("shares", shares), ("single", test.single),
                           ("view", view), ("flows", flows),
                           ("payment", pay), ("pending", pending)):
            frame[f"dibao.{key}"] = value
        frame["dibao.office_books"] = {
            "dibao_cost": np.bincount(sim.household_area[pay.households], weights=pay.fen,
                                      minlength=pop.n_areas) / 100.0,
            "work_done": flows.work_done, "utilisation": flows.utilisation,
        }
        return {"dibao": pay}

    def measure(self, frame, state: process.DibaoRoll) -> dict[str, np.ndarray]:
        sim = frame.sim
        area, n_areas = sim.household_area, sim.population.n_areas
        flows = frame["dibao.flows"]
        sums = _roll_sums(area, n_areas, frame["dibao.paid_rows"], state.status, frame["dibao.single"],
                          frame["dibao.members"], flows.pending_rows, flows.applied_rows, flows.entered_rows,
                          flows.exited_rows)
        return dict(zip(_ROLL_SUMS, sums, strict=True))

    def explain(self, frame, state: process.DibaoRoll, household: int) -> list[Row]:
        h = household
        sim, scenario = frame.sim, frame.scenario
        members = sim.population.members_of(np.array([h]))
        unit_member = frame["dibao.unit_member"]
        urban = bool(sim.population.households.urban[h])
        std = float(frame["lines.dibao_h"][h])
        status = int(state.status[h])
        n = int(frame["dibao.members"][h])
        unit = [int(i) for i in members if unit_member[i]]
        rows = [("standard", f"{yuan(std)} per person ({'urban' if urban else 'rural'})"),
                ("members in the dibao unit",
                 f"{n} (persons {unit}; tekun and orphan-allowance recipients are outside)"),
                ("spending deducted (spending-type poverty)", yuan(float(frame["dibao.deduction"][h]))),
                ("per-capita income found by the means test", yuan(float(frame["dibao.per_capita_income"][h]))),
                ("barred by an asset or conduct exclusion", "yes" if frame["dibao.excluded"][h] else "no"),
                ("members enrolled alone (单人保: severely disabled or seriously ill adults of a low-income "
                 "household)", "yes" if frame["dibao.single"][h] else "no"),
                ("eligible (income below the standard, not barred)", "yes" if frame["dibao.eligible"][h] else "no"),
                ("roll", STATUS_TEXT[status] + _stage(state, h, status))]
        view, flows = frame["dibao.view"], frame["dibao.flows"]
        rows += [("per-capita income the household declares", yuan(float(view.declared_pc[h]))),
                 ("distance to the office", f"{float(view.distance_km[h]):.1f} km"),
                 ("connected to officials (favour cases)", "yes" if view.connected[h] else "no"),
                 ("this month", ", ".join(name for name, mask in (
                     ("applied", flows.applied), ("surveyed", flows.surveyed), ("refused", flows.refused),
                     ("wrongly refused", flows.wrongly_refused), ("reviewed", flows.reviewed),
                     ("approved or kept by favour", flows.favour_approved), ("entered", flows.entered),
                     ("left", flows.exited), ("removed by an inspection", flows.inspected_out)) if mask[h])
                  or "no casework")]
        pay = frame["dibao.payment"]
        k = np.searchsorted(pay.households, h)
        paid = pay.fen[k] / 100 if k < pay.households.shape[0] and pay.households[k] == h else 0.0
        if status in (ON, GRACE):
            paid_h = np.flatnonzero(frame["dibao.paid"])
            assessed = float(state.assessed[h])
            shares = float(frame["dibao.shares"][np.searchsorted(paid_h, h)])
            rows += [("next review", format_month(int(state.next_review[h]))),
                     ("eligible at its last means test", "yes" if state.sound[h] else "no"),
                     ("on the roll by favour", "yes" if state.favour[h] else "no"),
                     ("income assessed at the last review", yuan(assessed)),
                     ("categorical supplements (shares of the standard)", f"{shares:.2f}"),
                     ("amount", f"{n} × max({std:g} − {assessed:.2f}, 0) + {std:g} × {shares:.2f}, "
                                f"at least {n} × {scenario.dibao.minimum_payment:g} = {paid:,.2f}")]
        return rows


def _stage(roll: process.DibaoRoll, h: int, status: int) -> str:
    """Where a pending application stands."""
    if status != PENDING:
        return ""
    stage = int(roll.stage[h])
    text = {process.QUEUED: "waiting for a caseworker's survey",
            process.APPROVING: "in review, notice and approval",
            process.RATIONED_QUOTA: "approved, held back by the quota",
            process.RATIONED_BUDGET: "approved, held back by the budget"}[stage]
    text = f" ({text}; applied {format_month(int(roll.applied_month[h]))}"
    if stage == process.APPROVING:
        text += f", first payment due {format_month(int(roll.decision_month[h]))}"
    return text + ")"
