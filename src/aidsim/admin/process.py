"""The dibao administrative process, one month at a time, vectorised over households.

A household is ``OFF`` the roll, ``PENDING`` (applied), ``ON`` it, or in ``GRACE`` (gradual exit,
低保渐退). A pending application is at one stage:

- ``QUEUED``: waiting for a caseworker's household survey (入户调查), the office's backlog;
- ``APPROVING``: surveyed and found eligible, going through democratic review, public notice
  (公示) and approval by the township or the county, until ``decision_month``;
- ``RATIONED_QUOTA`` / ``RATIONED_BUDGET``: approved but waiting for a place under the office's
  quota or budget (a queue, oldest first).

A month runs, in this order:

1. deaths and the ends of gradual exits leave the roll;
2. a special inspection (专项治理), in its months, re-checks the whole roll: cases wrongly on it
   (favour, income or assets missed) leave at once, households whose income rose start their
   gradual exit;
3. households apply (申请): the probability rises with the benefit they expect from the income
   they would declare, falls with stigma and distance, and rises with campaigns and online access;
4. each office works through its queue, oldest first, within its capacity: new applications'
   surveys and due reviews (dynamic management, 动态管理) share the caseworkers' time, so reviews
   that do not fit wait (review lag) and applications that do not fit stay queued (backlog);
5. every case worked is verified: assessed income = declared income + the hidden income found,
   with detection by income kind that data matching (信息核对) raises and caseworker load lowers;
   a connected household found ineligible may be approved anyway (favour case, 人情保); an
   eligible applicant may be refused wrongly;
6. approvals due this month enter the roll within the office's quota and budget.

Eligibility truth, declared incomes and benefits come from the engine (``admin`` does not import
the programmes); random draws are one fixed set per household per month (common random numbers).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Protocol

import numba
import numpy as np

from aidsim import libm
from aidsim.admin.pipeline import GRACE, NEVER, OFF, ON, PENDING, Roll, leave_or_grace
from aidsim.deferred import DeferredWords
from aidsim.prefetch import AHEAD, prefetch, prefetch_rows
from aidsim.rows import flagged, unique

QUEUED, APPROVING, RATIONED_QUOTA, RATIONED_BUDGET = 0, 1, 2, 3
DAYS_PER_MONTH = 365.25 / 12
_U16 = np.float32(1 / 65536)


@dataclass
class DibaoRoll(Roll):
    """The dibao roll: the process state of each household, arrays of shape ``(n_households,)``."""

    stage: np.ndarray          # int8: QUEUED / APPROVING / RATIONED_* while PENDING
    applied_month: np.ndarray  # int32: month of the current (or last) application
    days: np.ndarray           # float32: days from application to first payment, as far as known
    favour: np.ndarray         # bool: on the roll (or approved) through a favour
    sound: np.ndarray          # bool: truly eligible at its last means test
    refused_until: np.ndarray  # int32: a refused household applies again from this month

    @classmethod
    def empty(cls, n: int) -> DibaoRoll:
        base = Roll.empty(n)
        return cls(
            status=base.status, decision_month=base.decision_month, next_review=base.next_review,
            exit_month=base.exit_month, assessed=base.assessed,
            stage=np.zeros(n, dtype=np.int8), applied_month=np.full(n, NEVER, dtype=np.int32),
            days=np.zeros(n, dtype=np.float32), favour=np.zeros(n, dtype=bool),
            sound=np.zeros(n, dtype=bool), refused_until=np.zeros(n, dtype=np.int32),
        )

    def arrays(self) -> list[np.ndarray]:
        return [self.status, self.decision_month, self.next_review, self.exit_month, self.assessed,
                self.stage, self.applied_month, self.days, self.favour, self.sound, self.refused_until]


class CaseFacts(Protocol):
    """What an office learns about the households whose cases it works (rows ``idx``)."""

    def hidden(self, idx: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Income each household leaves out of its declaration: formal wages, informal earnings
        and other income, yuan/month (household totals)."""

    def review_interval(self, idx: np.ndarray) -> np.ndarray:
        """Months until the next review, by the household's category."""

    def benefit(self, idx: np.ndarray, assessed_pc: np.ndarray) -> np.ndarray:
        """Monthly dibao the household would receive on the assessed per-capita income, yuan."""


@dataclass
class HouseholdView:
    """This month's truth and declarations for every household (the engine computes them)."""

    alive: np.ndarray         # bool: the dibao unit has a living member (members > 0)
    eligible: np.ndarray      # bool: truly eligible
    members: np.ndarray       # int: members of the dibao unit
    standard: np.ndarray      # float64: dibao standard in force, yuan/person/month
    declared_pc: np.ndarray   # float64: per-capita income the household declares (inf with no member)
    above_line: np.ndarray    # bool: true per-capita income at or above the standard
    asset_barred: np.ndarray  # bool: owns an asset the exclusions bar (found only if detected)
    other_barred: np.ndarray  # bool: barred by conduct or a member's job (always known)
    connected: np.ndarray     # bool: connected to officials (favour cases)
    distance_km: np.ndarray   # float32: distance to the office
    area: np.ndarray          # intp: office


@dataclass
class Levers:
    """The month's administrative parameters, as plain numbers (from the scenario and the offices)."""

    apply_rate: float
    reference_benefit: float
    benefit_elasticity: float
    stigma: float
    distance_cost: float          # per km, after any online cut
    hopeful_multiple: float
    hopeful_benefit: float
    favour_ceiling_multiple: float
    campaign_factor: np.ndarray   # float (n_areas,)
    reapply_wait: int
    detection: tuple[float, float, float, float]  # formal, informal, other, assets
    load_penalty: float
    wrongful_refusal: float
    favour_probability: float
    township_limit: float         # yuan/month; inf: the township approves all
    township_days: tuple[float, float]  # minimum, mean
    county_days: tuple[float, float]
    days_saved: float
    grace_months: int
    review_effort: float
    inspect: bool
    inspection_detection: float
    inspection_favour_detection: float
    # Income growth since the first reported month, by office (1 when incomes do not grow): the
    # yuan amounts of the application rule (reference and hoped-for benefit) are in yuan of the
    # first reported month, so take-up does not drift up as nominal benefits grow with incomes.
    benefit_scale: np.ndarray | None = None   # float (n_areas,)


@dataclass
class OfficePlan:
    """What each office can do this month, ``(n_areas,)`` arrays set by the office agents."""

    capacity: np.ndarray        # case-equivalents of work (inf: unlimited)
    quota_persons: np.ndarray   # most persons the roll may hold (inf: no quota)
    budget_headroom: np.ndarray  # yuan/month of new benefits the budget allows (inf: no limit)

    @classmethod
    def unlimited(cls, n_areas: int) -> OfficePlan:
        inf = np.full(n_areas, np.inf)
        return cls(capacity=inf, quota_persons=inf.copy(), budget_headroom=inf.copy())


def _decode(raw: np.ndarray | DeferredWords, idx: np.ndarray, k: int) -> np.ndarray:
    """The ``k``-th (0–7) 16-bit uniform in (0, 1) of rows ``idx`` of ``raw`` (uint64, (2, n), or
    the deferred draw of those words)."""
    if isinstance(raw, DeferredWords):
        return raw.uniform16(idx, k)
    bits = (raw[k // 4, idx] >> np.uint64(16 * (k % 4))) & np.uint64(0xFFFF)
    return (bits.astype(np.float32) + np.float32(0.5)) * _U16


@dataclass
class Draws:
    """One month's uniforms, drawn for every household whether used or not (common random
    numbers): 64 random bits give four 16-bit uniforms, so eight cost two words a household.
    The month passes the case draws as draws made when read (:mod:`aidsim.deferred`: the office
    reads the households it handles); rule tests may state them as arrays."""

    apply: np.ndarray                              # float32 (n_households,)
    raw: np.ndarray | DeferredWords                # uint64 (2, n_households): the case's eight uniforms
    inspection: np.ndarray | DeferredWords | None  # uint64 (2, n_households), in inspection months only

    def uniform(self, idx: np.ndarray, k: int) -> np.ndarray:
        return _decode(self.raw, idx, k)

    def inspection_uniform(self, idx: np.ndarray, k: int) -> np.ndarray:
        assert self.inspection is not None, "no inspection draws this month"
        return _decode(self.inspection, idx, k)


# The uniforms' uses (Draws.uniform's k).
U_FORMAL, U_INFORMAL, U_OTHER, U_ASSET, U_FAVOUR, U_REFUSAL, U_DELAY, U_ORDER = range(8)


#: The month's flows on the dibao roll, each kept as the rows of the households concerned.
FLOWS = ("applied", "surveyed", "refused", "entered", "exited", "reviewed", "favour_approved", "wrongly_refused",
         "inspected_out")


def _flow_mask(flow: str) -> property:
    """A flow's mask ``(n_households,)``, made from its rows when read."""
    def mask(self: DibaoFlows) -> np.ndarray:
        out = np.zeros(self.n_households, dtype=bool)
        out[getattr(self, f"{flow}_rows")] = True
        return out
    return property(mask, doc=f"The households of ``{flow}_rows`` as a mask (made when read).")


@dataclass
class DibaoFlows:
    """What happened on the roll this month: each flow (:data:`FLOWS`) as the rows of the
    households concerned (``applied_rows`` …: intp, increasing, each once), and per-office
    figures. A flow's mask ``(n_households,)`` is made when read (``flows.applied`` …): the
    month's sums go over the few rows, and nine household-sized masks a month cost more."""

    n_households: int
    applied_rows: np.ndarray
    surveyed_rows: np.ndarray         # applications surveyed this month
    refused_rows: np.ndarray          # of which refused
    entered_rows: np.ndarray
    exited_rows: np.ndarray
    reviewed_rows: np.ndarray
    favour_approved_rows: np.ndarray  # favour approvals (applications and reviews kept)
    wrongly_refused_rows: np.ndarray  # eligible applicants refused
    inspected_out_rows: np.ndarray    # removed by a special inspection
    work_done: np.ndarray       # float (n_areas,): case-equivalents worked
    utilisation: np.ndarray     # float (n_areas,): share of capacity used (0 when unlimited)
    pending_rows: np.ndarray    # pending after the month (an application waiting for its decision)
    paid_rows: np.ndarray       # paid after the month (on the roll or in gradual exit), increasing

    applied = _flow_mask("applied")
    surveyed = _flow_mask("surveyed")
    refused = _flow_mask("refused")
    entered = _flow_mask("entered")
    exited = _flow_mask("exited")
    reviewed = _flow_mask("reviewed")
    favour_approved = _flow_mask("favour_approved")
    wrongly_refused = _flow_mask("wrongly_refused")
    inspected_out = _flow_mask("inspected_out")

    @classmethod
    def none(cls, n: int, n_areas: int) -> DibaoFlows:
        """A month with no casework (dibao switched off)."""
        rows = {f"{f}_rows": np.zeros(0, dtype=np.intp) for f in (*FLOWS, "pending", "paid")}
        return cls(n_households=n, work_done=np.zeros(n_areas), utilisation=np.zeros(n_areas), **rows)


def application_probability(expected_benefit: np.ndarray, distance_km: np.ndarray,
                            campaign: np.ndarray, lv: Levers) -> np.ndarray:
    """Monthly probability that a household applies for dibao (take-up, 应保尽保 in practice).

    ``rate × (benefit / reference) ** elasticity × exp(−stigma − cost × km) × campaign``, at most 1.
    """
    ratio = np.maximum(expected_benefit, 0) / lv.reference_benefit
    scale = libm.power(ratio, lv.benefit_elasticity) if lv.benefit_elasticity else np.ones_like(ratio)
    friction = libm.exp(-lv.stigma - lv.distance_cost * distance_km.astype(np.float64))
    return np.minimum(lv.apply_rate * scale * friction * campaign, 1.0)


def expected_benefit(declared_pc: np.ndarray, standard: np.ndarray, members: np.ndarray,
                     hopeful_benefit: float) -> np.ndarray:
    """The benefit a household expects from what it would declare: the top-up to the standard,
    or a hoped-for ``hopeful_benefit`` when its declared income is above the standard."""
    gap = (standard - declared_pc) * members
    return np.where(declared_pc < standard, gap, hopeful_benefit)


def route_days(u: np.ndarray, county: np.ndarray, lv: Levers) -> np.ndarray:
    """Days from survey to first payment: the route's minimum plus an exponential tail with the
    route's mean (审批权下放 shortens the township route), less days saved by 容缺受理."""
    low = np.where(county, lv.county_days[0], lv.township_days[0])
    mean = np.where(county, lv.county_days[1], lv.township_days[1])
    days = low - (mean - low) * libm.log(u.astype(np.float64))
    return np.maximum(days - lv.days_saved, 0.0)


@numba.njit(cache=True)
def _index_order_within_ties(sort: np.ndarray, keys: np.ndarray) -> None:
    """Put ``sort`` (indices that sort ``keys``, by an unstable sort) in index order within each
    run of equal keys, in place: the order of a stable sort (ties are few and short: an insertion
    sort per run)."""
    n = sort.shape[0]
    i = 0
    while i < n:
        j = i + 1
        while j < n and keys[sort[j]] == keys[sort[i]]:
            j += 1
        for a in range(i + 1, j):
            v = sort[a]
            b = a - 1
            while b >= i and sort[b] > v:
                sort[b + 1] = sort[b]
                b -= 1
            sort[b + 1] = v
        i = j


def take_in_order(area: np.ndarray, order: np.ndarray, cost: np.ndarray, limit: np.ndarray) -> np.ndarray:
    """Which items each office takes: going through items in ``order`` (ascending) within each
    area, take them while the running total of ``cost`` stays within the area's ``limit``.

    Vectorised: the order of ``np.lexsort((order, area))`` (a quick sort of ``order`` made stable,
    then a stable sort by area), a cumulative sum per area. Returns a bool mask over the items.
    When every area's items fit within its limit with room to spare (the usual month: offices
    work far below capacity), every item is taken without sorting: the running totals'
    roundings, at most about ``n × 1e-16`` of the costs' sum, are far inside the room of
    ``1e-6`` of it asked for."""
    if area.shape[0] == 0:
        return np.zeros(0, dtype=bool)
    totals = np.bincount(area, weights=cost, minlength=limit.shape[0])
    if np.all(totals + 1e-6 * (1.0 + float(np.sum(cost))) <= limit):
        return np.ones(area.shape[0], dtype=bool)
    by_order = np.argsort(order)
    _index_order_within_ties(by_order, order)
    sort = by_order[np.argsort(area[by_order], kind="stable")]
    a, c = area[sort], cost[sort].astype(np.float64)
    running = np.cumsum(c)
    first = np.flatnonzero(np.r_[True, a[1:] != a[:-1]])
    before = np.repeat(running[first] - c[first], np.diff(np.r_[first, a.shape[0]]))
    # Costs are non-negative, so the running total only grows: once an item does not fit, the
    # later ones of that area wait too (a queue, not a knapsack).
    taken_sorted = (running - before) <= limit[a] + 1e-9
    taken = np.zeros(area.shape[0], dtype=bool)
    taken[sort] = taken_sorted
    return taken


#: Relative margin of :func:`_maybe_applicants`' bound on the application probability: far above the
#: few ulps by which its libm ``exp`` and ``pow`` may differ from numpy's.
_BOUND_MARGIN = 1e-6


@numba.njit(cache=True)
def _maybe_applicants(status: np.ndarray, refused_until: np.ndarray, month: int, declared_pc: np.ndarray,
                      standard: np.ndarray, connected: np.ndarray, members: np.ndarray, area: np.ndarray,
                      distance_km: np.ndarray, apply_u: np.ndarray, benefit_scale: np.ndarray,
                      campaign: np.ndarray, lv: tuple, out: np.ndarray) -> int:
    """Households that may apply this month, written to ``out`` (increasing); returns how many.

    A household may apply when it is off the roll, not waiting after a refusal
    (``refused_until``), declares under ``hopeful_multiple`` × the standard (under
    ``favour_ceiling_multiple`` × the standard when connected), and its take-up draw
    ``apply_u`` is under its application probability (:func:`expected_benefit`,
    :func:`application_probability`) computed here with a relative margin
    (:data:`_BOUND_MARGIN`): an upper bound, so the few it keeps include every applicant and
    the caller decides them with numpy's own ``exp`` and ``power``, as for all.
    ``lv``: the hopeful and favour multiples, the hoped-for benefit, the reference benefit,
    the benefit elasticity, the stigma, the distance cost, the monthly rate."""
    hopeful_multiple, favour_multiple, hopeful_benefit, reference, elasticity, stigma, distance_cost, rate = lv
    # The candidates, in a pass without branches: each row is stored, the count advances by its flag.
    k = 0
    for h in range(status.shape[0]):
        d, s = declared_pc[h], standard[h]
        hopeful = (d < hopeful_multiple * s) | (connected[h] & (d < favour_multiple * s))
        out[k] = h
        k += hopeful & (status[h] == OFF) & (refused_until[h] <= month)
    # Their bound, overwriting the list in place (kept ones never overtake the reading position).
    # Where the distance costs something, the friction is at most exp(−stigma): a first bound
    # without exp; with an elasticity of 1, a bound before it without divisions, each office's
    # factors multiplied once (a wider margin for their few roundings).
    closest = math.exp(-stigma)
    factor = np.empty(benefit_scale.shape[0])
    for a in range(factor.shape[0]):
        factor[a] = rate * campaign[a] * closest * (1.0 + 2.0 * _BOUND_MARGIN) / (benefit_scale[a] * reference)
    kept = 0
    for c in range(k):
        h = out[c]
        a = area[h]
        d, s, scale = declared_pc[h], standard[h], benefit_scale[a]
        expect = (s - d) * members[h] if d < s else hopeful_benefit * scale
        u, cost = apply_u[h], distance_cost * np.float64(distance_km[h])
        if cost >= 0 and elasticity == 1.0 and u >= factor[a] * max(expect, 0.0):
            continue
        ratio = max(expect / scale, 0.0) / reference
        p = rate * (ratio if elasticity == 1.0 else ratio ** elasticity if elasticity else 1.0) * campaign[a]
        if cost >= 0 and u >= p * closest * (1.0 + _BOUND_MARGIN):
            continue
        if u < p * math.exp(-stigma - cost) * (1.0 + _BOUND_MARGIN):
            out[kept] = h
            kept += 1
    return kept


@numba.njit(cache=True)
def _verified(idx: np.ndarray, words: np.ndarray, formal: np.ndarray, informal: np.ndarray, other: np.ndarray,
              detect: tuple, factor: np.ndarray, declared_pc: np.ndarray, members: np.ndarray, standard: np.ndarray,
              alive: np.ndarray, asset_barred: np.ndarray, other_barred: np.ndarray, assessed: np.ndarray,
              passes: np.ndarray) -> None:
    """:func:`_verify`'s arithmetic case by case (the same float32 draws, float64 products and sums
    in the same order as its numpy expressions), in place of a dozen temporaries per case.
    ``words``: each case's first draw word, which holds its four verification uniforms. The
    cases are scattered over the households: each asks for the rows of the case :data:`AHEAD`
    of it (:func:`~aidsim.prefetch.prefetch`)."""
    n = idx.shape[0]
    for j in range(n):
        if j + AHEAD < n:
            g = idx[j + AHEAD]
            prefetch(declared_pc, g)
            prefetch(members, g)
            prefetch(standard, g)
            prefetch(alive, g)
            prefetch(asset_barred, g)
            prefetch(other_barred, g)
        h, f, w = idx[j], factor[j], words[j]
        found = (formal[j] * np.float64(_uniform16(w, U_FORMAL) < detect[0] * f)
                 + informal[j] * np.float64(_uniform16(w, U_INFORMAL) < detect[1] * f)
                 + other[j] * np.float64(_uniform16(w, U_OTHER) < detect[2] * f))
        m = members[h]
        value = declared_pc[h] + found / np.float64(max(m, 1))
        assessed[j] = value
        asset_found = asset_barred[h] & (_uniform16(w, U_ASSET) < detect[3] * f)
        passes[j] = alive[h] & (m > 0) & (value < standard[h]) & ~other_barred[h] & ~asset_found


@numba.njit(cache=True)
def _uniform16(word: np.uint64, k: int) -> np.float32:
    """:func:`_decode`'s ``k``-th uniform (0–3) of one word."""
    bits = (word >> np.uint64(16 * k)) & np.uint64(0xFFFF)
    return (np.float32(bits) + np.float32(0.5)) * _U16


def _verify(idx: np.ndarray, hh: HouseholdView, facts: CaseFacts, detect: tuple[float, ...],
            factor: np.ndarray, raw: np.ndarray | DeferredWords) -> tuple[np.ndarray, np.ndarray]:
    """Assessed per-capita income and the means test's verdict for households ``idx``.

    ``detect`` are the detection probabilities (formal, informal, other, assets), ``factor`` a
    multiplier per case (caseworker load), ``raw`` the draws (:class:`Draws`): a hidden income is
    found when its uniform is under its detection × the factor, and the assessed income adds what
    is found, per member, to the declared one; the case passes when it has members, its assessed
    income is under the standard and no exclusion (one found among the assets) bars it."""
    formal, informal, other = facts.hidden(idx)
    assessed, passes = np.empty(idx.shape[0]), np.empty(idx.shape[0], dtype=bool)
    # the four verification uniforms (U_FORMAL … U_ASSET) are the first word's
    words = raw.word(0, idx) if isinstance(raw, DeferredWords) else raw[0, idx]
    _verified(idx, words, formal, informal, other, tuple(float(d) for d in detect), np.asarray(factor, dtype=np.float64),
              hh.declared_pc, hh.members, hh.standard, hh.alive, hh.asset_barred, hh.other_barred, assessed, passes)
    return assessed, passes


def inspect(roll: DibaoRoll, hh: HouseholdView, facts: CaseFacts, draws: Draws, lv: Levers,
            month: int) -> np.ndarray:
    """A special inspection (专项治理): every household on the roll (not those already in gradual
    exit) re-checked with the inspection's detection. Cases wrongly on the roll, by favour or by
    income or assets missed at their last means test, leave at once; a favour goes unnoticed
    with probability 1 − ``inspection_favour_detection``. A household correctly enrolled whose
    income has since risen above the line starts its gradual exit, as at a review; one barred
    for another reason leaves at once. Returns the households removed at once (indices)."""
    assert draws.inspection is not None, "no inspection draws this month"
    on = np.flatnonzero(roll.status == ON)
    d = lv.inspection_detection
    _, passes = _verify(on, hh, facts, (d, d, d, d), np.ones(on.shape[0]), draws.inspection)
    favour_found = roll.favour[on] & (draws.inspection_uniform(on, U_FAVOUR) < lv.inspection_favour_detection)
    found = ~passes & (~roll.favour[on] | favour_found)
    wrongly_on = found & (favour_found | ~roll.sound[on])
    out = leave_or_grace(roll, on[found], (~wrongly_on & hh.above_line[on])[found], month, lv.grace_months)
    roll.exit_month[out] = NEVER
    roll.favour[out] = False
    roll.refused_until[out] = month + lv.reapply_wait  # removed like a refusal: wait to apply again
    return out


@numba.njit(cache=True)
def _start_of_month(status: np.ndarray, alive: np.ndarray, exit_month: np.ndarray, favour: np.ndarray,
                    month: int) -> tuple[np.ndarray, np.ndarray]:
    """The month's first step (in place): the households on the roll or pending (``status`` not
    ``OFF``; returned, increasing) whose members are all gone, or whose gradual exit ends this
    month (``GRACE`` and ``exit_month`` reached), are set ``OFF`` and lose their favour; returns
    them and, of them, those gone while paid (on the roll or in gradual exit) or ending their
    exit (the households leaving the roll, increasing). One pass over the few concerned in place
    of a mask and a gather per condition."""
    active = flagged(status)  # status != OFF: OFF is 0
    n = active.shape[0]
    leaving = np.empty(n, np.intp)
    k = 0
    for j in range(n):
        prefetch_rows(active, j, n, alive, exit_month, alive, exit_month)  # scattered: ask ahead
        i = active[j]
        st = status[i]
        gone = not alive[i]
        ends = (st == GRACE) & (month >= exit_month[i])
        leaving[k] = i
        k += (gone & (st >= ON)) | ends
        if gone | ends:
            status[i] = OFF
            favour[i] = False
    return active, leaving[:k]


@numba.njit(cache=True)
def _rows_at(rows: np.ndarray, status: np.ndarray, low: int, high: int, next_review: np.ndarray,
             by: int) -> np.ndarray:
    """The ``rows`` (kept in their order) whose ``status`` is from ``low`` to ``high`` and whose
    ``next_review`` is at most ``by``: ``rows[(low <= status[rows]) & (status[rows] <= high) &
    (next_review[rows] <= by)]`` without the gathered copies and masks."""
    n = rows.shape[0]
    out = np.empty(n, np.intp)
    k = 0
    for j in range(n):
        prefetch_rows(rows, j, n, status, next_review, status, next_review)  # scattered: ask ahead
        i = rows[j]
        st = status[i]
        out[k] = i
        k += (st >= low) & (st <= high) & (next_review[i] <= by)
    return out[:k]


def advance_dibao(roll: DibaoRoll, *, month: int, hh: HouseholdView, facts: CaseFacts, draws: Draws,
                  plan: OfficePlan, lv: Levers) -> DibaoFlows:
    """Run one month of the dibao process on ``roll`` (in place); see the module docstring."""
    n = roll.status.shape[0]
    n_areas = plan.capacity.shape[0]
    status = roll.status

    # 1. Deaths and the ends of gradual exits; applications of households gone are dropped.
    # Only households on the roll or pending are concerned: work on that (small) subset.
    active, gone_or_ended = _start_of_month(status, hh.alive, roll.exit_month, roll.favour, month)
    left = [gone_or_ended]

    # 2. Special inspection.
    inspected_out = np.zeros(0, dtype=np.intp)
    if lv.inspect:
        inspected_out = inspect(roll, hh, facts, draws, lv, month)
        left.append(inspected_out)

    # Pending from earlier months: taken before this month's applications, so that a household
    # that left the roll at the start (its gradual exit ended) and applies again is listed once.
    earlier = _rows_at(active, status, PENDING, PENDING, roll.next_review, NEVER)

    # 3. Applications, judged on what the household would declare (a household with no member
    # declares an infinite per-capita income, so it never applies).
    connected = hh.connected
    # Households that think they may qualify: declared income under the hopeful ceiling, or under
    # the favour ceiling for the (few) connected ones; off the roll and not waiting after a refusal.
    # Of those, only the few whose draw is under a bound of their probability can apply: the rule
    # is applied to them.
    scales = np.ones(n_areas) if lv.benefit_scale is None else lv.benefit_scale
    maybe = np.empty(n, dtype=np.intp)  # only its first pages are written
    maybe = maybe[:_maybe_applicants(
        status, roll.refused_until, month, hh.declared_pc, hh.standard, connected, hh.members, hh.area,
        hh.distance_km, draws.apply, scales, lv.campaign_factor,
        tuple(float(x) for x in (lv.hopeful_multiple, lv.favour_ceiling_multiple, lv.hopeful_benefit,
                                 lv.reference_benefit, lv.benefit_elasticity, lv.stigma, lv.distance_cost,
                                 lv.apply_rate)), maybe)].copy()
    scale = 1.0 if lv.benefit_scale is None else lv.benefit_scale[hh.area[maybe]]
    expect = expected_benefit(hh.declared_pc[maybe], hh.standard[maybe], hh.members[maybe],
                              lv.hopeful_benefit * scale)
    p = application_probability(expect / scale, hh.distance_km[maybe], lv.campaign_factor[hh.area[maybe]], lv)
    new = maybe[draws.apply[maybe] < p]
    status[new] = PENDING
    roll.stage[new] = QUEUED
    roll.applied_month[new] = month

    # 4. The office's month of work: queued surveys and due reviews, oldest first.
    pending = np.concatenate([earlier, new])
    queued = pending[roll.stage[pending] == QUEUED]
    due = _rows_at(active, status, ON, GRACE, roll.next_review, month)
    items = np.concatenate([queued, due])
    waited = np.concatenate([month - roll.applied_month[queued], month - roll.next_review[due]])
    effort = np.concatenate([np.ones(queued.shape[0]), np.full(due.shape[0], lv.review_effort)])
    # Oldest first; among equals, a fixed random order (the 16-bit draw is the tie-break).
    order = -waited.astype(np.float64) + draws.uniform(items, U_ORDER) * 0.5
    area_items = hh.area[items]
    worked = take_in_order(area_items, order, effort, plan.capacity)
    work_done = np.bincount(area_items[worked], weights=effort[worked], minlength=n_areas)
    finite = np.isfinite(plan.capacity) & (plan.capacity > 0)
    utilisation = np.zeros(n_areas)
    utilisation[finite] = np.minimum(work_done[finite] / plan.capacity[finite], 1.0)
    load = 1.0 - lv.load_penalty * utilisation

    # 5. Verification of the cases worked.
    cases = items[worked]
    assessed, passes = _verify(cases, hh, facts, lv.detection, load[hh.area[cases]], draws.raw)
    # A connected household found ineligible is approved anyway with some probability; once a
    # favour case, it stays one at its reviews (only an inspection undoes it).
    favour_ok = connected[cases] & ~passes & (
        (draws.uniform(cases, U_FAVOUR) < lv.favour_probability) | roll.favour[cases])
    is_survey = np.zeros(cases.shape[0], dtype=bool)
    is_survey[: int(worked[: queued.shape[0]].sum())] = True  # queued items come first in `items`
    wrongly = is_survey & passes & (draws.uniform(cases, U_REFUSAL) < lv.wrongful_refusal)
    approved = (passes & ~wrongly) | favour_ok
    sound = hh.eligible[cases]

    surveys = cases[is_survey]
    ok = approved[is_survey]
    refused_idx = surveys[~ok]
    status[refused_idx] = OFF
    roll.refused_until[refused_idx] = month + lv.reapply_wait
    go = surveys[ok]
    benefit = facts.benefit(go, assessed[is_survey][ok])
    county = benefit > lv.township_limit
    days = route_days(draws.uniform(go, U_DELAY), county, lv)
    roll.stage[go] = APPROVING
    roll.decision_month[go] = month + np.rint(days / DAYS_PER_MONTH).astype(np.int32)
    roll.days[go] = ((month - roll.applied_month[go]) * DAYS_PER_MONTH + days).astype(np.float32)
    roll.assessed[go] = assessed[is_survey][ok]
    roll.favour[go] = favour_ok[is_survey][ok]
    roll.sound[go] = sound[is_survey][ok]

    reviews = cases[~is_survey]
    keep = approved[~is_survey]
    stay = reviews[keep]
    status[stay] = ON
    roll.assessed[stay] = assessed[~is_survey][keep]
    roll.exit_month[stay] = NEVER
    roll.favour[stay] = favour_ok[~is_survey][keep]
    roll.sound[stay] = sound[~is_survey][keep]
    roll.next_review[reviews] = month + facts.review_interval(reviews)
    lose = reviews[~keep & (status[reviews] == ON)]
    # Gradual exit for a household whose income rose above the line; others leave at once.
    leave = leave_or_grace(roll, lose, hh.above_line[lose], month, lv.grace_months)
    roll.favour[leave] = False
    left.append(leave)

    # 6. Decisions due, within the office's quota and budget (oldest application first).
    waiting = pending[(roll.stage[pending] != QUEUED) & (status[pending] == PENDING)]  # incl. `go`
    decide = waiting[roll.decision_month[waiting] <= month]
    area_d = hh.area[decide]
    order_d = roll.applied_month[decide] + draws.uniform(decide, U_ORDER) * 0.5
    fits = np.ones(decide.shape[0], dtype=bool)
    on_roll = status >= ON
    if np.isfinite(plan.quota_persons).any():
        persons_now = np.bincount(hh.area[on_roll], weights=hh.members[on_roll], minlength=n_areas)
        fits = take_in_order(area_d, order_d, hh.members[decide], plan.quota_persons - persons_now)
        roll.stage[decide[~fits]] = RATIONED_QUOTA
    if np.isfinite(plan.budget_headroom).any():
        sub = np.flatnonzero(fits)
        cost = facts.benefit(decide[sub], roll.assessed[decide[sub]])
        affordable = take_in_order(area_d[sub], order_d[sub], cost, plan.budget_headroom)
        roll.stage[decide[sub[~affordable]]] = RATIONED_BUDGET
        fits[sub[~affordable]] = False
    enter = decide[fits]
    status[enter] = ON
    late = np.maximum(month - roll.decision_month[enter], 0)
    roll.days[enter] += (late * DAYS_PER_MONTH).astype(np.float32)
    roll.decision_month[enter] = NEVER
    roll.exit_month[enter] = NEVER
    roll.next_review[enter] = month + facts.review_interval(enter)

    # The paid were on the roll or pending at the start, or applied this month (and entered at
    # once; one that left at the start may be among both): found among those, in place of a pass
    # over every household.
    paid_rows = _rows_at(active, status, ON, GRACE, roll.next_review, NEVER)
    at_once = new[status[new] >= ON]
    if at_once.shape[0]:  # a few, increasing: put in place those not there yet
        pos = np.searchsorted(paid_rows, at_once)
        there, inside = np.zeros(at_once.shape[0], dtype=bool), pos < paid_rows.shape[0]
        there[inside] = paid_rows[pos[inside]] == at_once[inside]
        paid_rows = np.insert(paid_rows, pos[~there], at_once[~there])
    return DibaoFlows(
        n_households=n, applied_rows=new, surveyed_rows=unique(surveys), refused_rows=unique(refused_idx),
        entered_rows=unique(enter), exited_rows=unique(np.concatenate(left)), reviewed_rows=unique(reviews),
        favour_approved_rows=unique(cases[favour_ok]), wrongly_refused_rows=unique(cases[wrongly]),
        inspected_out_rows=unique(inspected_out), work_done=work_done, utilisation=utilisation,
        pending_rows=unique(pending[status[pending] == PENDING]), paid_rows=paid_rows,
    )


def enrol_initial_dibao(roll: DibaoRoll, eligible: np.ndarray, income: np.ndarray, uniform: np.ndarray,
                        share: float) -> np.ndarray:
    """Put a share of the eligible on the roll at the start, assessed at their true income;
    return them (the engine sets their first reviews by category)."""
    start = np.flatnonzero(eligible & (uniform < share))
    roll.status[start] = ON
    roll.assessed[start] = income[start]
    roll.sound[start] = True
    return start
