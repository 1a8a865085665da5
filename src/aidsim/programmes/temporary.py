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
from aidsim.programmes.base import (
    LedgerLine,
    Payment,
    Programme,
    Row,
    Stream,
    flow,
    household_payment,
    to_fen,
    yuan,
)


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


@numba.njit(cache=True)
def _losses_and_resources(hospital_household: np.ndarray, hospital_cost: np.ndarray, lost_household: np.ndarray,
                          lost_earnings: np.ndarray, job_event: np.ndarray, death_event: np.ndarray,
                          asset_loss: np.ndarray, disaster_hit: np.ndarray, income: np.ndarray,
                          members: np.ndarray, resource_months: int, hospital: np.ndarray, earnings: np.ndarray,
                          loss: np.ndarray, events: np.ndarray, per_member: np.ndarray) -> None:
    """Each household's loss this month (large hospital costs, plus the earnings lost when a job
    loss or a death is an event, plus the disaster's asset loss), whether an event hit it, and
    its :func:`resources` after the loss, into ``loss``, ``events`` and ``per_member``. The hospital
    costs and lost earnings are summed per household in the given order into ``hospital`` and
    ``earnings`` (zeros), as a bincount would; then one loop over the households in place of the
    dense bincounts, masks and the chain of :func:`resources`.
    Outputs are allocated by the caller: numpy's large allocations fault in fewer pages (huge
    pages) than allocations made inside a compiled function.
    """
    n = income.shape[0]
    for j in range(hospital_household.shape[0]):
        hospital[hospital_household[j]] += hospital_cost[j]
    for j in range(lost_household.shape[0]):
        earnings[lost_household[j]] += lost_earnings[j]
    for h in range(n):  # bitwise, not short-circuit, logic: no branches, so the loop vectorises
        personal = job_event[h] | death_event[h]
        value = (hospital[h] + (earnings[h] if personal else 0.0)) + asset_loss[h]
        loss[h] = value
        events[h] = (hospital[h] > 0) | personal | disaster_hit[h]
        per_member[h] = (resource_months * income[h] - value) / np.float64(resource_months * max(members[h], 1))


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
        "temporary.loss": "float64 (n_households,): the event's loss, yuan",
        "temporary.resources": "float64 (n_households,): resources per member and month after the loss",
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
        p, n_h = pop.persons, pop.n_households
        onset, after = frame["medical.onset"], frame["medical.out_of_pocket_after_aid"]
        big = after >= tp.hospital_oop_threshold
        lost_work, died = frame["shocks.lost_work"], frame["shocks.died"]
        hh = p.household[lost_work]
        death_event = np.zeros(n_h, dtype=bool)
        death_event[hh[died[lost_work]]] = True
        # A job loss is an event when no one in the household works any more.
        touched = np.unique(hh[p.alive[lost_work]])
        members, owner = pop.members_with_owner(touched)
        working = np.bincount(owner, weights=p.employed[members] & p.alive[members], minlength=touched.shape[0])
        job_event = np.zeros(n_h, dtype=bool)
        job_event[touched] = working == 0
        if tp.job_loss_while_applying:  # a bridge while the dibao decision waits (过渡)
            job_event[touched] &= frame["dibao.pending"][touched]
        alive_count, std_h = frame["household.alive_count"], frame["lines.dibao_h"]
        loss, events, per_member = np.empty(n_h), np.empty(n_h, dtype=bool), np.empty(n_h)
        _losses_and_resources(
            p.household[onset[big]], after[big], hh, frame["shocks.lost_earnings"], job_event, death_event,
            frame["disaster.asset_loss"], frame["disaster.hit"], frame["assessed.household_total"], alive_count,
            tp.resource_months, np.zeros(n_h), np.zeros(n_h), loss, events, per_member)
        pay = Payment.nothing(pop.n_areas)
        if tp.enabled:
            # Only households hit by an event can open a case (the rules, on those few).
            hit = np.flatnonzero(events)
            ok = eligible(events[hit], per_member[hit], alive_count[hit], std_h[hit], tp.resource_threshold,
                          state.cases_year[hit], tp.max_per_year)
            waiting = state.due_fen[hit] > 0
            new = hit[ok & ~waiting & (frame["draws.temporary"][hit] < tp.take_up)]
            yuan_new = amount(std_h[new], alive_count[new], loss[new], tp.standard_months,
                              tp.loss_share, tp.cap)
            county = county_approves(yuan_new, tp.township_limit.at(month))
            state.due_fen[new] = to_fen(yuan_new)
            state.due_month[new] = month + np.where(county, tp.county_delay_months, tp.township_delay_months)
            state.cases_year[new] += 1
            open_cases = np.flatnonzero(state.due_fen > 0)
            gone_now = alive_count[open_cases] == 0
            due = open_cases[(state.due_month[open_cases] <= month) & ~gone_now]
            pay = household_payment(sim, due, state.due_fen[due].copy())
            state.due_fen[due] = 0
            state.due_month[due] = np.iinfo(np.int32).max
            state.due_fen[open_cases[gone_now]] = 0
        frame["temporary.events"] = events
        frame["temporary.loss"] = loss
        frame["temporary.resources"] = per_member
        return {"temporary": pay}

    def measure(self, frame, state: TemporaryState) -> dict[str, np.ndarray]:
        sim = frame.sim
        return {"temporary_events": np.bincount(sim.household_area[frame["temporary.events"]],
                                                minlength=sim.population.n_areas).astype(float)}

    def explain(self, frame, state: TemporaryState, household: int) -> list[Row]:
        h, tp = household, frame.scenario.temporary
        std = float(frame["lines.dibao_h"][h])
        rows = [("event this month", "yes" if frame["temporary.events"][h] else "no"),
                ("loss", yuan(float(frame["temporary.loss"][h]))),
                ("resources per member and month",
                 f"{float(frame['temporary.resources'][h]):,.2f} (threshold {tp.resource_threshold:g} × {std:g})"),
                ("cases this year", str(int(state.cases_year[h]))),
                ("township approval limit", yuan(tp.township_limit.at(frame.month)))]
        if state.due_fen[h] > 0:
            rows.append(("approved case awaiting payment",
                         f"{yuan(state.due_fen[h] / 100)} in {format_month(int(state.due_month[h]))}"))
        return rows
