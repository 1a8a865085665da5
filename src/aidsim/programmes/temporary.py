"""Temporary assistance (临时救助): a one-off payment after a sudden event.

A household hit this month by an event (a hospital episode with a large out-of-pocket cost, the
death of an earner, a disaster, or a job lost with no worker left while its dibao application
waits: temporary assistance bridges the wait, 过渡) whose resources — a year's income less the
loss, per member and month — fall below the threshold may receive: months of the dibao standard
per member (plus a share of the loss, none by default: the State Council's rule, 国发〔2014〕47号,
makes temporary assistance secure basic living, while medical bills are medical assistance's and
disaster losses disaster relief's), capped per case, at most a number of cases a year. The township approves up to its limit
(2,000 yuan, raised to 4,000 during the epidemic, seed 002); the county approves larger cases.
"""

from __future__ import annotations

from dataclasses import dataclass

import numba
import numpy as np

from aidsim.calendar import calendar_month, format_month
from aidsim.prefetch import prefetch_members
from aidsim.programmes.base import (
    LedgerLine,
    Payment,
    Programme,
    Row,
    Stream,
    flow,
    for_loops,
    household_payment,
    non_decreasing,
    to_fen,
    yuan,
)
from aidsim.rows import flagged, rows_above, unique


def resources(income: np.ndarray, loss: np.ndarray, members: np.ndarray, resource_months: int) -> np.ndarray:
    """A household's resources per member and month after the loss:
    ``(resource_months × income − loss) / (resource_months × members)``."""
    return (resource_months * income - loss) / (resource_months * np.maximum(members, 1))


def eligible(event: np.ndarray, resources_per_member: np.ndarray, members: np.ndarray,
             standard: np.ndarray, threshold: float, cases_this_year: np.ndarray,
             max_per_year: int) -> np.ndarray:
    """An event; resources per member and month (:func:`resources`) below ``threshold ×
    standard``; fewer than ``max_per_year`` cases so far this year."""
    return (event & (members > 0) & (resources_per_member < threshold * standard)
            & (cases_this_year < max_per_year))


def amount(standard: np.ndarray, members: np.ndarray, loss: np.ndarray, standard_months: float,
           loss_share: float, cap: float) -> np.ndarray:
    """``min(cap, standard_months × standard × members + loss_share × loss)`` in yuan."""
    return np.minimum(cap, standard_months * standard * members + loss_share * loss)


def county_approves(amount_yuan: np.ndarray, township_limit: float) -> np.ndarray:
    """Cases above the township's approval limit go to the county."""
    return amount_yuan > township_limit


def _in_row_order(households: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``households`` and ``values`` in household order, each household's values in their given
    order (a stable sort, only when not already in order)."""
    if non_decreasing(households):
        return households, values
    order = np.argsort(households, kind="stable")
    return households[order], values[order]


def losses_and_resources(hospital_household: np.ndarray, hospital_cost: np.ndarray, lost_household: np.ndarray,
                         lost_earnings: np.ndarray, personal: np.ndarray, asset_loss: np.ndarray,
                         disaster_hit: np.ndarray, income: np.ndarray, members: np.ndarray,
                         resource_months: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Whether an event hit each household this month (large hospital costs, a job loss or a death
    that is an event for it, ``personal``: those households, increasing, or a disaster), the
    households hit (increasing), and for each of those its loss (the hospital costs, plus the
    earnings lost when ``personal``, plus the disaster's asset loss) and its :func:`resources`
    after the loss → ``(loss, events, per_member, hit)``, ``loss`` and ``per_member`` one per
    household of ``hit``. The hospital costs and lost earnings are summed per household in their
    given order, as a bincount would. The households not hit are not looked at: their loss is
    their asset loss (none without a disaster), their resources those of their income alone."""
    events = np.empty(income.shape[0], dtype=bool)
    asset_loss = for_loops(asset_loss)  # the same value for all (a zeros_view): read once
    hit, loss, per_member = _losses_and_resources(
        *_in_row_order(np.asarray(hospital_household, np.intp), hospital_cost),
        *_in_row_order(np.asarray(lost_household, np.intp), lost_earnings), np.asarray(personal, np.intp),
        asset_loss, disaster_hit, income, members, resource_months, events)
    return loss, events, per_member, hit


@numba.njit(cache=True)
def _losses_and_resources(hospital_household: np.ndarray, hospital_cost: np.ndarray, lost_household: np.ndarray,
                          lost_earnings: np.ndarray, personal: np.ndarray, asset_loss: np.ndarray,
                          disaster_hit: np.ndarray, income: np.ndarray, members: np.ndarray, resource_months: int,
                          events: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """:func:`losses_and_resources` into ``events`` (returns the households hit, their losses and
    their resources), in place of the dense bincounts, masks and the chain of
    :func:`resources` over every household: the disaster's events copied in a loop the compiler
    vectorises; the households in the sparse lists (``hospital_household``, ``lost_household``,
    ``personal``: non-decreasing) summed in the lists' order and their events set; the households
    hit listed; then each one's loss, ``(hospital + earnings) + asset loss`` (``(0 + 0) + asset
    loss`` for a household only a disaster hit), and resources. ``asset_loss`` of one value is
    every household's."""
    uniform = asset_loss.shape[0] == 1  # one asset loss for every household (none, mostly)
    for h in range(income.shape[0]):
        events[h] = disaster_hit[h]
    n_hospital, n_lost, n_personal = hospital_household.shape[0], lost_household.shape[0], personal.shape[0]
    sparse = np.empty(n_hospital + n_personal, np.intp)  # the households of the lists, increasing
    sums = np.empty(n_hospital + n_personal)  # each one's hospital + earnings
    m = 0
    jh = je = jp = 0
    while jh < n_hospital or jp < n_personal:
        h = min(hospital_household[jh] if jh < n_hospital else np.iinfo(np.int64).max,
                personal[jp] if jp < n_personal else np.iinfo(np.int64).max)
        hospital = 0.0
        while jh < n_hospital and hospital_household[jh] == h:
            hospital += hospital_cost[jh]
            jh += 1
        is_personal = jp < n_personal and personal[jp] == h
        earnings = 0.0
        if is_personal:
            jp += 1
            while je < n_lost and lost_household[je] < h:
                je += 1
            while je < n_lost and lost_household[je] == h:
                earnings += lost_earnings[je]
                je += 1
        sparse[m] = h
        sums[m] = hospital + (earnings if is_personal else 0.0)
        m += 1
        events[h] = (hospital > 0) | is_personal | disaster_hit[h]
    hit = flagged(events.view(np.uint8))
    n_hit = hit.shape[0]
    loss, per_member = np.empty(n_hit), np.empty(n_hit)
    j = 0
    for k in range(n_hit):
        h = hit[k]
        while j < m and sparse[j] < h:
            j += 1
        before = sums[j] if j < m and sparse[j] == h else 0.0 + 0.0
        value = before + asset_loss[0 if uniform else h]
        loss[k] = value
        per_member[k] = (resource_months * income[h] - value) / np.float64(resource_months * max(members[h], 1))
    return hit, loss, per_member


@numba.njit(cache=True)
def _working_members(member_offsets: np.ndarray, households: np.ndarray, employed: np.ndarray,
                     alive: np.ndarray) -> np.ndarray:
    """The living members in work of each of ``households``: a loop over their rows in place of
    listing the members (``members_with_owner``) and a weighted bincount. The households are
    scattered: each asks for the rows of those ahead of it
    (:func:`aidsim.prefetch.prefetch_members`)."""
    working = np.zeros(households.shape[0], np.int64)
    for j in range(households.shape[0]):
        prefetch_members(member_offsets, households, j, employed, alive, employed, alive)
        h = households[j]
        count = 0
        for i in range(member_offsets[h], member_offsets[h + 1]):
            count += employed[i] & alive[i]
        working[j] = count
    return working


@dataclass
class TemporaryState:
    cases_year: np.ndarray  # int8 (n_households,): cases received this calendar year
    due_fen: np.ndarray     # int64 (n_households,): approved case awaiting payment
    due_month: np.ndarray   # int32 (n_households,): month it is paid


class Temporary(Programme):
    """Temporary assistance: cases opened by this month's events, paid after the approval delay."""

    name = "temporary"
    section = "temporary"
    label = "Temporary assistance (临时救助)"
    lines = (LedgerLine("temporary", "cases", label),)
    streams = (Stream("draws.temporary", "temporary", "households", deferred=True),)
    needs = ("shocks.died", "shocks.lost_work", "shocks.lost_earnings", "disaster.hit", "disaster.asset_loss",
             "medical.onset", "medical.out_of_pocket_after_aid", "assessed.household_total",
             "household.alive_count", "lines.dibao_h", "dibao.pending")
    provides = {
        "temporary.events": "bool (n_households,): hit by an event this month",
        "temporary.loss": "float64, one per household of temporary.hit: the event's loss, yuan",
        "temporary.resources": "float64, one per household of temporary.hit: resources per member and "
                               "month after the loss",
        "temporary.hit": "intp, increasing: the households hit by an event this month",
    }

    measures = {"temporary_events": flow(
        "households", "Households hit by an event (illness, job loss, death, disaster).")}

    def init_state(self, sim) -> TemporaryState:
        n = sim.population.n_households
        return TemporaryState(np.zeros(n, dtype=np.int8), np.zeros(n, dtype=np.int64),
                              np.full(n, np.iinfo(np.int32).max, dtype=np.int32))

    def new_month(self, state: TemporaryState, month: int) -> None:
        if calendar_month(month) == 1:  # case limits are per calendar year
            state.cases_year[:] = 0

    def step(self, frame, state: TemporaryState) -> dict[str, Payment]:
        """Cases opened by this month's events; township cases paid after the township delay,
        county cases after the county delay (one waiting case per household at a time).

        An event is a hospital episode leaving a large cost after medical assistance, a job lost
        with no worker left (while a dibao application waits, by default), the death of a member,
        or a disaster; the loss is that cost, the usual
        earnings lost and the disaster's asset loss.
        """
        tp, sim, month = frame.scenario.temporary, frame.sim, frame.month
        pop = sim.population
        p = pop.persons
        onset, after = frame["medical.onset"], frame["medical.out_of_pocket_after_aid"]
        big = after >= tp.hospital_oop_threshold
        lost_work, died = frame["shocks.lost_work"], frame["shocks.died"]
        hh = p.household[lost_work]
        # A job loss is an event when no one in the household works any more.
        touched = unique(hh[p.alive[lost_work]])
        job_event = _working_members(pop.member_offsets, touched, p.employed, p.alive) == 0
        if tp.job_loss_while_applying:  # a bridge while the dibao decision waits (过渡)
            job_event &= frame["dibao.pending"][touched]
        personal = unique(np.concatenate([touched[job_event], hh[died[lost_work]]]))  # a job loss or a death
        alive_count, std_h = frame["household.alive_count"], frame["lines.dibao_h"]
        loss, events, per_member, hit = losses_and_resources(
            p.household[onset[big]], after[big], hh, frame["shocks.lost_earnings"], personal,
            frame["disaster.asset_loss"], frame["disaster.hit"], frame["assessed.household_total"], alive_count,
            tp.resource_months)
        pay = Payment.nothing(pop.n_areas)
        if tp.enabled:
            # Only households hit by an event can open a case (the rules, on those few; ``loss`` and
            # ``per_member`` are theirs).
            ok = eligible(events[hit], per_member, alive_count[hit], std_h[hit], tp.resource_threshold,
                          state.cases_year[hit], tp.max_per_year)
            waiting = state.due_fen[hit] > 0
            opened = ok & ~waiting & (frame["draws.temporary"][hit] < tp.take_up)
            new = hit[opened]
            yuan_new = amount(std_h[new], alive_count[new], loss[opened], tp.standard_months,
                              tp.loss_share, tp.cap)
            county = county_approves(yuan_new, tp.township_limit.at(month))
            state.due_fen[new] = to_fen(yuan_new)
            state.due_month[new] = month + np.where(county, tp.county_delay_months, tp.township_delay_months)
            state.cases_year[new] += 1
            open_cases = rows_above(state.due_fen, 0)  # few: one pass, no mask
            gone_now = alive_count[open_cases] == 0
            due = open_cases[(state.due_month[open_cases] <= month) & ~gone_now]
            pay = household_payment(sim, due, state.due_fen[due].copy())
            state.due_fen[due] = 0
            state.due_month[due] = np.iinfo(np.int32).max
            state.due_fen[open_cases[gone_now]] = 0
        frame["temporary.events"] = events
        frame["temporary.loss"] = loss
        frame["temporary.resources"] = per_member
        frame["temporary.hit"] = hit
        return {"temporary": pay}

    def measure(self, frame, state: TemporaryState) -> dict[str, np.ndarray]:
        sim = frame.sim
        return {"temporary_events": np.bincount(sim.household_area[frame["temporary.hit"]],
                                                minlength=sim.population.n_areas).astype(float)}

    def explain(self, frame, state: TemporaryState, household: int) -> list[Row]:
        h, tp = household, frame.scenario.temporary
        std = float(frame["lines.dibao_h"][h])
        hit = frame["temporary.hit"]
        k = int(np.searchsorted(hit, h))
        if k < hit.shape[0] and hit[k] == h:
            loss, per_member = float(frame["temporary.loss"][k]), float(frame["temporary.resources"][k])
        else:  # not hit: its asset loss (none without a disaster) and its income alone, as for the hit
            loss = float(0.0 + 0.0 + frame["disaster.asset_loss"][h])
            per_member = float(resources(frame["assessed.household_total"][h], loss,
                                         frame["household.alive_count"][h], tp.resource_months))
        rows = [("event this month", "yes" if frame["temporary.events"][h] else "no"),
                ("loss", yuan(loss)),
                ("resources per member and month",
                 f"{per_member:,.2f} (threshold {tp.resource_threshold:g} × {std:g})"),
                ("cases this year", str(int(state.cases_year[h]))),
                ("township approval limit", yuan(tp.township_limit.at(frame.month)))]
        if state.due_fen[h] > 0:
            rows.append(("approved case awaiting payment",
                         f"{yuan(state.due_fen[h] / 100)} in {format_month(int(state.due_month[h]))}"))
        return rows
