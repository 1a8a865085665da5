"""The simple roll (:mod:`aidsim.admin.pipeline`) kept sparse, for a roll of persons.

Extreme-poverty support has one unit per person, and about 1% of persons are on its roll at any
time: a dense :class:`~aidsim.admin.pipeline.Roll` spends four person-sized arrays (16 bytes a
person) on months and incomes that matter only for those few. :class:`SparseRoll` keeps the
status of every unit (one byte, which is what most of the month reads) and the other fields
only for the units that have an entry: those pending, on the roll or in gradual exit, sorted.

The month (:func:`advance`) runs the steps of :mod:`aidsim.admin.pipeline` unit by unit (deaths
and ends of gradual exits, reviews, applications, decisions) and returns its flows as index
arrays. A field is read only in the statuses that use it (the decision month while pending, the
next review and the assessed income while paid, the exit month in gradual exit), and the month
writes it before it reads it in any other status: so a unit that leaves the roll loses its entry,
and one that applies starts from the fields of :meth:`SparseRoll.empty`. The tests run it month
by month against the same month over dense arrays (``tests/unit/dense_roll.py``), which keeps
every field of every unit.
"""

from __future__ import annotations

from dataclasses import dataclass

import numba
import numpy as np

from aidsim.admin.pipeline import GRACE, NEVER, OFF, ON, PENDING
from aidsim.deferred import DeferredUniforms

#: The fields a unit's entry holds (the dense roll's arrays other than ``status``).
FIELDS = ("decision_month", "next_review", "exit_month", "assessed")


@dataclass
class SparseRoll:
    """A roll's status per unit, and its other fields for the units with an entry.

    ``rows`` holds the units with an entry, increasing; every unit not off the roll has one (an
    off unit may keep one, as the dense roll keeps its stale fields, until the next month drops
    it). The field arrays are aligned with ``rows``.
    """

    status: np.ndarray           # int8 (n_units,): OFF / PENDING / ON / GRACE
    rows: np.ndarray             # intp (k,), increasing: the units with an entry
    decision_month: np.ndarray   # int32 (k,): when a PENDING application is decided
    next_review: np.ndarray      # int32 (k,): when an ON unit is next reviewed
    exit_month: np.ndarray       # int32 (k,): when a GRACE unit leaves
    assessed: np.ndarray         # float32 (k,): income found by the last means test (yuan/month)

    @classmethod
    def empty(cls, n: int) -> SparseRoll:
        """A roll of ``n`` units, all off, no entries."""
        return cls(status=np.zeros(n, dtype=np.int8), rows=np.zeros(0, dtype=np.intp),
                   decision_month=np.zeros(0, dtype=np.int32), next_review=np.zeros(0, dtype=np.int32),
                   exit_month=np.zeros(0, dtype=np.int32), assessed=np.zeros(0, dtype=np.float32))

    @property
    def paid(self) -> np.ndarray:
        """Units receiving a payment this month (on the roll or in gradual exit)."""
        return self.status >= ON

    def entries(self, units: np.ndarray) -> np.ndarray:
        """The positions in the field arrays of ``units`` (increasing, unique), giving an entry
        with the fields of an empty roll to those that have none."""
        units = np.asarray(units, dtype=np.intp)
        new = units[~np.isin(units, self.rows, assume_unique=True)]
        if new.shape[0]:
            rows = sorted_union(self.rows, new)
            old = np.searchsorted(rows, self.rows)
            for name in FIELDS:
                values = getattr(self, name)
                grown = np.zeros(rows.shape[0], dtype=values.dtype) if name == "assessed" \
                    else np.full(rows.shape[0], NEVER, dtype=values.dtype)
                grown[old] = values
                setattr(self, name, grown)
            self.rows = rows
        return np.searchsorted(self.rows, units)

    def value(self, name: str, unit: int) -> float | int:
        """One field of one unit, as the dense roll would hold it for a unit with an entry (the
        empty roll's value for a unit without one)."""
        k = int(np.searchsorted(self.rows, unit))
        if k < self.rows.shape[0] and self.rows[k] == unit:
            return getattr(self, name)[k].item()
        return 0.0 if name == "assessed" else NEVER

    def dense(self, name: str) -> np.ndarray:
        """One field for every unit, ``(n_units,)`` (a copy: for tests and reference models)."""
        if name == "status":
            return self.status.copy()
        values = getattr(self, name)
        out = np.zeros(self.status.shape[0], dtype=values.dtype) if name == "assessed" \
            else np.full(self.status.shape[0], NEVER, dtype=values.dtype)
        out[self.rows] = values
        return out


@dataclass
class UnitFlows:
    """What happened on a sparse roll this month: the units concerned, increasing (intp)."""

    applied: np.ndarray
    entered: np.ndarray
    refused: np.ndarray
    exited: np.ndarray

    @classmethod
    def none(cls) -> UnitFlows:
        """A month with no casework (the programme switched off)."""
        return cls(*(np.zeros(0, dtype=np.intp) for _ in range(4)))


def enrol_initial(roll: SparseRoll, eligible: np.ndarray, income: np.ndarray, uniform: np.ndarray,
                  share: float, month: int, review_interval: int) -> None:
    """Put a share of the eligible (those whose ``uniform`` is under ``share``) on the roll at the
    start, their incomes assessed, reviews spread over the cycle by unit number."""
    start = np.flatnonzero(eligible & (uniform < share))
    at = roll.entries(start)
    roll.status[start] = ON
    roll.assessed[at] = income[start]
    roll.next_review[at] = month + 1 + (start % review_interval).astype(np.int32)


def advance(roll: SparseRoll, *, month: int, alive: np.ndarray, eligible: np.ndarray,
            income: np.ndarray, take_up_uniform: np.ndarray | DeferredUniforms, take_up_rate: float,
            delay_months: int, review_interval: int, grace_months: int,
            above_line: np.ndarray | None = None, eligible_rows: np.ndarray | None = None) -> UnitFlows:
    """Run one month of the process on ``roll`` (in place) and return the month's flows.

    ``alive``: the unit still exists; ``eligible``: true eligibility this month under the rules in
    force; ``income``: what a means test would find this month; ``take_up_uniform``: one uniform
    per unit, drawn every month whether used or not (common random numbers), compared with
    ``take_up_rate`` in its own type (a draw made when read, :mod:`aidsim.deferred`, is read for
    the living eligible units only, the ones that may apply; ``eligible_rows``: the eligible
    units, increasing, when the caller has them); ``above_line``: the units whose income is above
    the line, the only ones given a gradual exit when a review finds them ineligible (``None``:
    all)."""
    if isinstance(take_up_uniform, DeferredUniforms):
        take_up_rows = np.flatnonzero(eligible) if eligible_rows is None else eligible_rows
        take_up_rows = take_up_rows[alive[take_up_rows]]
        take_up_uniform = take_up_uniform[take_up_rows]
    else:
        take_up_rows = None
    rate = np.result_type(take_up_uniform, take_up_rate).type(take_up_rate)
    # The units that can have an entry after the month: those with one, and those that may apply.
    cap = roll.rows.shape[0] + int(np.count_nonzero(eligible))
    rows = np.empty(cap, dtype=np.intp)
    fields = (np.empty(cap, dtype=np.int32), np.empty(cap, dtype=np.int32), np.empty(cap, dtype=np.int32),
              np.empty(cap, dtype=np.float32))
    flows = [np.empty(cap, dtype=np.intp) for _ in range(4)]
    # Only the units with an entry (every unit not off the roll has one) and the eligible (who may
    # apply) have a month to run: the others are off and stay off.
    units = sorted_union(roll.rows, np.flatnonzero(eligible) if eligible_rows is None else eligible_rows)
    counts = _advance_entries(roll.status, roll.rows, roll.decision_month, roll.next_review, roll.exit_month,
                              roll.assessed, units, month, alive, eligible, income, take_up_uniform,
                              np.zeros(0, np.intp) if take_up_rows is None else take_up_rows,
                              take_up_rows is None, rate, delay_months,
                              review_interval, grace_months,
                              np.ones(1, dtype=bool) if above_line is None else above_line, above_line is None,
                              rows, *fields, *flows)
    k = counts[0]
    roll.rows = rows[:k].copy()
    roll.decision_month, roll.next_review, roll.exit_month, roll.assessed = (f[:k].copy() for f in fields)
    return UnitFlows(*(f[:c].copy() for f, c in zip(flows, counts[1:], strict=True)))


@numba.njit(cache=True)
def sorted_union(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``np.union1d(a, b)`` of two increasing arrays without repeats: one merge, in place of
    concatenating, hashing and sorting them."""
    out = np.empty(a.shape[0] + b.shape[0], dtype=np.intp)
    i = j = k = 0
    while i < a.shape[0] and j < b.shape[0]:
        x, y = a[i], b[j]
        out[k] = min(x, y)
        i += x <= y
        j += y <= x
        k += 1
    for t in range(i, a.shape[0]):
        out[k] = a[t]
        k += 1
    for t in range(j, b.shape[0]):
        out[k] = b[t]
        k += 1
    return out[:k]


@numba.njit(cache=True)
def _advance_entries(status: np.ndarray, rows: np.ndarray, decision_month: np.ndarray, next_review: np.ndarray,
                     exit_month: np.ndarray, assessed: np.ndarray, units: np.ndarray, month: int, alive: np.ndarray,
                     eligible: np.ndarray, income: np.ndarray, take_up_uniform: np.ndarray,
                     take_up_rows: np.ndarray, take_up_dense: bool, take_up_rate, delay_months: int,
                     review_interval: int, grace_months: int, above_line: np.ndarray, all_above: bool,
                     out_rows: np.ndarray, out_decision: np.ndarray, out_review: np.ndarray, out_exit: np.ndarray,
                     out_assessed: np.ndarray, applied: np.ndarray, entered: np.ndarray, refused: np.ndarray,
                     exited: np.ndarray) -> np.ndarray:
    """:func:`advance` unit by unit (each unit's month depends on its own state only), for the
    ``units`` (increasing) that hold every unit not off the roll and every eligible one: deaths and
    ends of gradual exits, reviews due (kept, back from gradual exit, into gradual exit or off),
    applications, decisions. Each unit's fields are read from its entry (or an empty roll's); the
    entries of the units not off the roll afterwards are written to ``out_*`` in unit order, and
    the flows' units to ``applied``, ``entered``, ``refused`` and ``exited``. Returns how many of
    each were written (entries first)."""
    n_in = rows.shape[0]
    j = t = 0
    k = n_app = n_ent = n_ref = n_exi = 0
    for u in range(units.shape[0]):
        i = units[u]
        while j < n_in and rows[j] < i:
            j += 1  # an off unit's stale entry that this month does not read: dropped
        st = status[i]
        if st == OFF and not (alive[i] and eligible[i]):
            continue  # most units: off the roll and not applying
        if j < n_in and rows[j] == i:
            dm, nr, em, ass = decision_month[j], next_review[j], exit_month[j], assessed[j]
            j += 1
        else:
            dm, nr, em, ass = np.int32(NEVER), np.int32(NEVER), np.int32(NEVER), np.float32(0)
        gone = False
        if st != OFF and (not alive[i] or (st == GRACE and month >= em)):
            st = OFF
            gone = True
        if (st == ON or st == GRACE) and month >= nr:
            was_on = st == ON
            if eligible[i]:  # still eligible, or eligible again during gradual exit
                ass = income[i]
                st = ON
                em = NEVER
            nr = month + review_interval
            if was_on and not eligible[i]:
                if grace_months > 0 and (all_above or above_line[i]):
                    st = GRACE
                    em = month + grace_months
                else:
                    st = OFF
                    nr = NEVER
                    gone = True
        if gone:
            exited[n_exi] = i
            n_exi += 1
        if st == OFF and alive[i] and eligible[i]:
            if take_up_dense:
                u = take_up_uniform[i]
            else:  # the uniforms of take_up_rows (increasing), which hold every living eligible unit
                while take_up_rows[t] < i:
                    t += 1
                u = take_up_uniform[t]
            if u < take_up_rate:
                st = PENDING
                dm = month + delay_months
                applied[n_app] = i
                n_app += 1
        if st == PENDING and month >= dm:
            if eligible[i] and alive[i]:
                st = ON
                ass = income[i]
                nr = month + review_interval
                entered[n_ent] = i
                n_ent += 1
            else:
                st = OFF
                refused[n_ref] = i
                n_ref += 1
            dm = NEVER
        status[i] = st
        if st != OFF:
            out_rows[k] = i
            out_decision[k] = dm
            out_review[k] = nr
            out_exit[k] = em
            out_assessed[k] = ass
            k += 1
    out = np.empty(5, dtype=np.int64)
    out[0], out[1], out[2], out[3], out[4] = k, n_app, n_ent, n_ref, n_exi
    return out
