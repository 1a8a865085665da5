"""The simple roll's month over dense arrays: the reference the model's sparse roll
(:mod:`aidsim.admin.sparse_roll`) is tested against, unit by unit. Every field is kept for every
unit here, so the month reads as the rule states it; the model keeps the fields only for the
units with an entry."""

from __future__ import annotations

from dataclasses import dataclass

import numba
import numpy as np

from aidsim.admin.pipeline import GRACE, NEVER, OFF, ON, PENDING, Roll


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
