"""What households declare to the office: the income they hide, by how verifiable it is.

Each household hides a share of its formal wages, its informal earnings and its other income
(``admin.declaring.hidden_share``), scaled by a fixed propensity drawn once per household. The
office sees the declaration; verification (:mod:`aidsim.admin.process`) finds part of the rest.
"""

from __future__ import annotations

import numba
import numpy as np

from aidsim.population.arrays import Population
from aidsim.prefetch import prefetch_members, prefetch_rows

F32 = np.float32


def propensity(population: Population, spread: float) -> np.ndarray:
    """Each household's fixed propensity to hide income, uniform in [1 − spread, 1 + spread]."""
    return 1.0 + spread * (2.0 * population.households.honesty_u.astype(np.float64) - 1.0)


def hidden_earnings(population: Population, *, earned: np.ndarray, outside: np.ndarray,
                    kind_shares: tuple[float, float] | None, sums: np.ndarray | None = None) -> np.ndarray:
    """Earnings each household's unit leaves out of its declaration before the propensity,
    yuan/month, ``(n_households,)`` (float64).

    ``kind_shares`` are the hidden shares of earnings from a formal job and from informal work
    (``None``: none hidden), each person's by ``persons.formal_job``; persons ``outside`` the
    unit (tekun, orphans) do not count. Other income is hidden too, by its own share: the caller
    adds it, with the propensity, as it makes the declaration. ``sums``: :func:`hidden_sums` of
    ``earned`` as the engine's income pass made them (the month's frame), from which the persons
    outside are subtracted in place; without it they are summed here.
    """
    if kind_shares is None:
        return np.zeros(population.n_households)
    p = population.persons
    formal, informal = F32(kind_shares[0]), F32(kind_shares[1])
    if sums is None:
        sums = hidden_sums(population, earned, kind_shares)
    _less_outside(p.household, earned, p.formal_job, formal, informal, outside, sums)
    return sums


def hidden_sums(population: Population, earned: np.ndarray, kind_shares: tuple[float, float]) -> np.ndarray:
    """Σ over each household's persons of ``earned`` × the hidden share of their kind of job
    (``kind_shares``: formal, informal), float64 ``(n_households,)``; the engine's income pass
    makes the same sums in its loop."""
    p = population.persons
    hidden = np.zeros(population.n_households)  # numpy's large allocations fault in fewer pages
    _hidden_sums(p.household, earned, p.formal_job, F32(kind_shares[0]), F32(kind_shares[1]), hidden)
    return hidden


@numba.njit(cache=True)
def _hidden_sums(household: np.ndarray, earned: np.ndarray, formal_job: np.ndarray, formal: np.float32,
                 informal: np.float32, hidden: np.ndarray) -> None:
    """Σ over each household's persons of earnings × the hidden share of their kind of job
    (float32 products, float64 sums in row order): one loop in place of a per-person share
    array and ``bincount(household, weights=earned * share)`` (same order, same sums), added to
    ``hidden``."""
    for i in range(household.shape[0]):
        hidden[household[i]] += earned[i] * (formal if formal_job[i] else informal)


@numba.njit(cache=True)
def _less_outside(household: np.ndarray, earned: np.ndarray, formal_job: np.ndarray, formal: np.float32,
                  informal: np.float32, outside: np.ndarray, hidden: np.ndarray) -> None:
    """``subtract.at(hidden, household[outside], earned[outside] * share[outside])`` in order."""
    for j in range(outside.shape[0]):
        i = outside[j]
        hidden[household[i]] -= earned[i] * (formal if formal_job[i] else informal)


def hidden_by_kind(population: Population, households: np.ndarray, *, earned: np.ndarray,
                   other: np.ndarray, unit_member: np.ndarray, members: np.ndarray, shares,
                   propensity: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The same rule for a few ``households`` (the cases an office works), by kind of income:
    formal wages, informal earnings and other income hidden, yuan/month, propensity applied
    (``shares``: ``admin.declaring.hidden_share``). In numpy: ``formal_wages · share · prop``,
    and ``where(members > 0, other, 0) · share · prop`` with ``other`` float32 (numpy multiplies a
    float32 array by a Python float in float32, then by the float64 propensity in float64)."""
    return _hidden_by_kind(population.member_offsets, households, unit_member, earned,
                           population.persons.formal_job, propensity, members, other, float(shares.formal),
                           float(shares.informal), F32(shares.other))


@numba.njit(cache=True)
def _hidden_by_kind(member_offsets: np.ndarray, households: np.ndarray, unit_member: np.ndarray,
                    earned: np.ndarray, formal_job: np.ndarray, propensity: np.ndarray, members: np.ndarray,
                    other: np.ndarray, formal_share: float, informal_share: float,
                    other_share: np.float32) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """:func:`hidden_by_kind`'s arithmetic, case by case: the unit's wages by kind
    (:func:`_unit_wages_by_kind`), then the shares and the propensity. The households are
    scattered: each asks for its propensity, members and other income :data:`~aidsim.prefetch.AHEAD` of use (with
    numpy's gathers in their place the month's calls took 3.8 ms at 10^6 households, 3.2 in one
    pass)."""
    formal, informal = _unit_wages_by_kind(member_offsets, households, unit_member, earned, formal_job)
    k = households.shape[0]
    hidden_formal, hidden_informal, hidden_other = np.empty(k), np.empty(k), np.empty(k)
    for j in range(k):
        prefetch_rows(households, j, k, propensity, members, other, other)
        h = households[j]
        prop = propensity[h]
        hidden_formal[j] = formal[j] * formal_share * prop
        hidden_informal[j] = informal[j] * informal_share * prop
        kept = other[h] if members[h] > 0 else np.float32(0.0)
        hidden_other[j] = np.float64(np.float32(kept * other_share)) * prop
    return hidden_formal, hidden_informal, hidden_other


@numba.njit(cache=True)
def _unit_wages_by_kind(member_offsets: np.ndarray, households: np.ndarray, unit_member: np.ndarray,
                        earned: np.ndarray, formal_job: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each household's unit members' earnings, formal and informal (float64 sums in row order),
    for the few ``households``: a loop over their members' rows in place of gathering them
    (``members_with_owner``) and two weighted bincounts. The households are scattered: each asks
    for the rows of those ahead of it (:func:`aidsim.prefetch.prefetch_members`)."""
    k = households.shape[0]
    formal = np.zeros(k)
    informal = np.zeros(k)
    for j in range(k):
        prefetch_members(member_offsets, households, j, unit_member, formal_job, earned, earned)
        h = households[j]
        for i in range(member_offsets[h], member_offsets[h + 1]):
            if unit_member[i]:
                if formal_job[i]:
                    formal[j] += np.float64(earned[i])
                else:
                    informal[j] += np.float64(earned[i])
    return formal, informal
