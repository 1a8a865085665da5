"""What households declare to the office: the income they hide, by how verifiable it is.

Each household hides a share of its formal wages, its informal earnings and its other income
(``admin.declaring.hidden_share``), scaled by a fixed propensity drawn once per household. The
office sees the declaration; verification (:mod:`aidsim.admin.process`) finds part of the rest.
"""

from __future__ import annotations

import numba
import numpy as np

from aidsim.population.arrays import Population

F32 = np.float32


def propensity(population: Population, spread: float) -> np.ndarray:
    """Each household's fixed propensity to hide income, uniform in [1 − spread, 1 + spread]."""
    return 1.0 + spread * (2.0 * population.households.honesty_u.astype(np.float64) - 1.0)


def hidden_income(population: Population, *, earned: np.ndarray, other: np.ndarray,
                  members: np.ndarray, outside: np.ndarray, kind_shares: tuple[float, float] | None,
                  other_share: float) -> np.ndarray:
    """Income each household's unit leaves out of its declaration before the propensity, yuan/month.

    ``kind_shares`` are the hidden shares of earnings from a formal job and from informal work
    (``None``: none hidden), each person's by ``persons.formal_job``; persons ``outside`` the
    unit (tekun, orphans) do not count; other income is hidden only by households with members.
    """
    p, n_h = population.persons, population.n_households
    hidden = np.zeros(n_h)
    if kind_shares is not None:
        _hidden_earnings(p.household, earned, p.formal_job, F32(kind_shares[0]), F32(kind_shares[1]), outside,
                         hidden)
    if other_share:
        _add_hidden_other(hidden, F32(other_share), other, members)
    return hidden


@numba.njit(cache=True)
def _hidden_earnings(household: np.ndarray, earned: np.ndarray, formal_job: np.ndarray, formal: np.float32,
                     informal: np.float32, outside: np.ndarray, hidden: np.ndarray) -> None:
    """Σ over each household's persons of earnings × the hidden share of their kind of job
    (float32 products, float64 sums in row order), less the same for the persons ``outside`` the
    unit: one loop in place of a per-person share array, ``bincount(household, weights=earned *
    share)`` and ``subtract.at`` (same order, same sums), added to ``hidden`` (zeros, allocated by
    the caller: numpy's large allocations fault in fewer pages)."""
    for i in range(household.shape[0]):
        hidden[household[i]] += earned[i] * (formal if formal_job[i] else informal)
    for j in range(outside.shape[0]):
        i = outside[j]
        hidden[household[i]] -= earned[i] * (formal if formal_job[i] else informal)


@numba.njit(cache=True)
def _add_hidden_other(hidden: np.ndarray, other_share: np.float32, other: np.ndarray, members: np.ndarray) -> None:
    """``hidden += other_share × other`` (float32 product) for households with members, in place."""
    for h in range(hidden.shape[0]):
        if members[h] > 0:
            hidden[h] += other_share * other[h]


def hidden_by_kind(population: Population, households: np.ndarray, *, earned: np.ndarray,
                   other: np.ndarray, unit_member: np.ndarray, members: np.ndarray, shares,
                   propensity: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The same rule for a few ``households`` (the cases an office works), by kind of income:
    formal wages, informal earnings and other income hidden, yuan/month, propensity applied
    (``shares``: ``admin.declaring.hidden_share``)."""
    formal_wages, informal_wages = _unit_wages_by_kind(population.member_offsets, households, unit_member,
                                                       earned, population.persons.formal_job)
    prop = propensity[households]
    hidden_formal = formal_wages * shares.formal * prop
    hidden_informal = informal_wages * shares.informal * prop
    hidden_other = np.where(members[households] > 0, other[households], 0.0) * shares.other * prop
    return hidden_formal, hidden_informal, hidden_other


@numba.njit(cache=True)
def _unit_wages_by_kind(member_offsets: np.ndarray, households: np.ndarray, unit_member: np.ndarray,
                        earned: np.ndarray, formal_job: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each household's unit members' earnings, formal and informal (float64 sums in row order),
    for the few ``households``: a loop over their members' rows in place of gathering them
    (``members_with_owner``) and two weighted bincounts."""
    k = households.shape[0]
    formal = np.zeros(k)
    informal = np.zeros(k)
    for j in range(k):
        h = households[j]
        for i in range(member_offsets[h], member_offsets[h + 1]):
            if unit_member[i]:
                if formal_job[i]:
                    formal[j] += np.float64(earned[i])
                else:
                    informal[j] += np.float64(earned[i])
    return formal, informal


def declared_income(unit_income: np.ndarray, hidden_total: np.ndarray,
                    deduction: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """The income a household's unit declares: its income less what it hides, less the spending it
    may deduct (never below 0), yuan/month. ``out`` (may be ``hidden_total`` itself) receives it
    when given, without the two household-sized temporaries."""
    if out is None:
        return np.maximum(unit_income - hidden_total - deduction, 0)
    np.subtract(unit_income, hidden_total, out=out)
    np.subtract(out, deduction, out=out)
    return np.maximum(out, 0, out=out)
