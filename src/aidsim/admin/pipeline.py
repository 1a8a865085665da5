"""The simple roll, from application to exit, vectorised over units: extreme-poverty support's
process (one unit per person, kept sparse by :mod:`aidsim.admin.sparse_roll`), and the states and
arrays dibao's fuller process (:mod:`aidsim.admin.process`) builds on. Each unit is in one state:

- ``OFF``: not on the roll;
- ``PENDING``: applied, waiting for the decision (household survey, review, public notice,
  approval) until ``decision_month``;
- ``ON``: receiving, with income assessed at the last means test, reviewed at ``next_review``;
- ``GRACE``: a review found the unit's income above the line; under gradual exit (低保渐退) it keeps its
  benefit, at the last assessed level, until ``exit_month``. It is still reviewed on its cycle,
  and goes back to ``ON`` if a review finds it eligible again.

A month runs: deaths leave the roll → graces end → reviews (dynamic management, 动态管理) →
applications (take-up) → decisions. Applying in month m with a delay of d months gives the first
payment in month m + d. The means test here is exact (assessed = true income); declarations,
verification errors, office capacity, favour, inspections, quotas and budgets are dibao's, in
:mod:`aidsim.admin.process`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numba
import numpy as np

OFF, PENDING, ON, GRACE = 0, 1, 2, 3
#: How ``aidsim explain`` names each state.
STATUS_TEXT = {OFF: "not on the roll", PENDING: "applied, awaiting decision", ON: "on the roll",
               GRACE: "in gradual exit"}
NEVER = np.iinfo(np.int32).max


@dataclass
class Roll:
    """The roll of one programme: state arrays of shape ``(n_units,)``."""

    status: np.ndarray           # int8: OFF / PENDING / ON / GRACE
    decision_month: np.ndarray   # int32: when a PENDING application is decided
    next_review: np.ndarray      # int32: when an ON unit is next reviewed
    exit_month: np.ndarray       # int32: when a GRACE unit leaves
    assessed: np.ndarray         # float32: income found by the last means test (yuan/month)

    @classmethod
    def empty(cls, n: int) -> Roll:
        return cls(
            status=np.zeros(n, dtype=np.int8),
            decision_month=np.full(n, NEVER, dtype=np.int32),
            next_review=np.full(n, NEVER, dtype=np.int32),
            exit_month=np.full(n, NEVER, dtype=np.int32),
            assessed=np.zeros(n, dtype=np.float32),
        )

    @property
    def paid(self) -> np.ndarray:
        """Units receiving a payment this month (on the roll or in gradual exit)."""
        return self.status >= ON


@dataclass
class AdminFlows:
    """What happened on a roll this month, as masks of shape ``(n_units,)``."""

    applied: np.ndarray
    entered: np.ndarray
    refused: np.ndarray
    exited: np.ndarray

    @classmethod
    def none(cls, n: int) -> AdminFlows:
        """A month with no casework (the programme switched off)."""
        return cls(*(np.zeros(n, dtype=bool) for _ in range(4)))


def leave_or_grace(roll: Roll, units: np.ndarray, above_line: np.ndarray, month: int,
                   grace_months: int) -> np.ndarray:
    """Units on the roll found no longer eligible (``units``, indices): those whose income rose
    above the line (``above_line``, one flag per unit) start their gradual exit (低保渐退) and
    keep the benefit until ``month + grace_months``; the others, and all when there is no grace,
    leave at once. Returns the units that left."""
    graced = units[above_line] if grace_months > 0 else units[:0]
    roll.status[graced] = GRACE
    roll.exit_month[graced] = month + grace_months
    leave = np.setdiff1d(units, graced, assume_unique=True)
    roll.status[leave] = OFF
    roll.next_review[leave] = NEVER
    return leave


def enrol_initial(roll: Roll, eligible: np.ndarray, income: np.ndarray, uniform: np.ndarray,
                  share: float, month: int, review_interval: int) -> None:
    """Put a share of the eligible on the roll at the start, reviews spread over the cycle."""
    start = eligible & (uniform < share)
    roll.status[start] = ON
    roll.assessed[start] = income[start]
    stagger = (np.arange(roll.status.shape[0]) % review_interval).astype(np.int32)
    roll.next_review[start] = month + 1 + stagger[start]


def advance(roll: Roll, *, month: int, alive: np.ndarray, eligible: np.ndarray,
            income: np.ndarray, take_up_uniform: np.ndarray, take_up_rate: float,
            delay_months: int, review_interval: int, grace_months: int,
            above_line: np.ndarray | None = None) -> AdminFlows:
    """Run one month of the process on ``roll`` (in place) and return the month's flows.

    Parameters
    ----------
    alive
        The unit still exists (a household with a living member, a living person).
    eligible
        True eligibility this month under the rules in force.
    income
        The income a means test would find this month (per capita for households).
    take_up_uniform
        One uniform draw per unit, drawn every month whether used or not (common random numbers).
    above_line
        Units whose income is above the line. Only they get the gradual exit when a review finds
        them ineligible; a unit barred for another reason (an asset, conduct) leaves at once.
        ``None``: every unit that loses eligibility gets it.
    """
    # The rate in the type numpy compares it in (a Python float with float32 uniforms: float32).
    rate = np.result_type(take_up_uniform, take_up_rate).type(take_up_rate)
    flows = AdminFlows.none(roll.status.shape[0])
    _advance_units(roll.status, roll.decision_month, roll.next_review, roll.exit_month, roll.assessed, month, alive,
                   eligible, income, take_up_uniform, rate, delay_months, review_interval, grace_months,
                   np.ones(1, dtype=bool) if above_line is None else above_line, above_line is None,
                   flows.applied, flows.entered, flows.refused, flows.exited)
    return flows


@numba.njit(cache=True)
def _advance_units(status: np.ndarray, decision_month: np.ndarray, next_review: np.ndarray,
                   exit_month: np.ndarray, assessed: np.ndarray, month: int, alive: np.ndarray,
                   eligible: np.ndarray, income: np.ndarray, take_up_uniform: np.ndarray, take_up_rate,
                   delay_months: int, review_interval: int, grace_months: int, above_line: np.ndarray,
                   all_above: bool, applied: np.ndarray, entered: np.ndarray, refused: np.ndarray,
                   exited: np.ndarray) -> None:
    """:func:`advance` unit by unit (each unit's month depends on its own state only), in the same
    order of steps: deaths and ends of gradual exits, reviews due (kept, back from gradual exit,
    into gradual exit or off, :func:`leave_or_grace`), applications, decisions. One loop in place
    of a dozen unit-sized masks. Marks the flows in ``applied``, ``entered``, ``refused`` and
    ``exited`` (all false on entry).
    Outputs are allocated by the caller: numpy's large allocations fault in fewer pages (huge
    pages) than allocations made inside a compiled function.
    """
    for i in range(status.shape[0]):
        st = status[i]
        if st == OFF and not (alive[i] and eligible[i]):
            continue  # most units: off the roll and not applying
        if st != OFF and (not alive[i] or (st == GRACE and month >= exit_month[i])):
            st = OFF
            exited[i] = True
        if (st == ON or st == GRACE) and month >= next_review[i]:
            was_on = st == ON
            if eligible[i]:  # still eligible, or eligible again during gradual exit
                assessed[i] = income[i]
                st = ON
                exit_month[i] = NEVER
            next_review[i] = month + review_interval
            if was_on and not eligible[i]:
                if grace_months > 0 and (all_above or above_line[i]):
                    st = GRACE
                    exit_month[i] = month + grace_months
                else:
                    st = OFF
                    next_review[i] = NEVER
                    exited[i] = True
        if st == OFF and alive[i] and eligible[i] and take_up_uniform[i] < take_up_rate:
            st = PENDING
            decision_month[i] = month + delay_months
            applied[i] = True
        if st == PENDING and month >= decision_month[i]:
            if eligible[i] and alive[i]:
                st = ON
                assessed[i] = income[i]
                next_review[i] = month + review_interval
                entered[i] = True
            else:
                st = OFF
                refused[i] = True
            decision_month[i] = NEVER
        status[i] = st
