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

A month (:func:`aidsim.admin.sparse_roll.advance`) runs: deaths leave the roll → graces end →
reviews (dynamic management, 动态管理) → applications (take-up) → decisions. Applying in month m with a delay of d months gives the first
payment in month m + d. The means test here is exact (assessed = true income); declarations,
verification errors, office capacity, favour, inspections, quotas and budgets are dibao's, in
:mod:`aidsim.admin.process`.
"""

from __future__ import annotations

from dataclasses import dataclass

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
