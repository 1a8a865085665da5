"""The living persons by group, listed once a month after the shocks (deaths, ageing, renewal):
minors, the elderly, the disabled and the chronically ill, each as the increasing rows of its
members (int32).

Several programmes look only at a few persons (the orphan allowance at minors, the old-age
allowance and home care at the elderly, the disability subsidies at the disabled, outpatient aid
at the chronically ill), and the month's measures count minors and the elderly by area. Each
used to scan every person for its own; here one pass lists them all, and each reader filters its
short list. Rows stay increasing, so a household's members in a list are consecutive.
"""

from __future__ import annotations

import math

import numba
import numpy as np

from aidsim.population.arrays import Persons
from aidsim.population.categories import elderly_months, minor_months
from aidsim.scenario.schema import Definitions

#: The frame keys of the groups (documented in :data:`aidsim.programmes.base.MONTH_KEYS`).
GROUP_KEYS: tuple[str, ...] = ("groups.minors", "groups.elderly", "groups.disabled", "groups.chronic")


@numba.njit(cache=True)
def _group_rows(alive: np.ndarray, age_months: np.ndarray, disability: np.ndarray, chronic: np.ndarray,
                minor_below: int, elderly_from: int, minors: np.ndarray, elderly: np.ndarray,
                disabled: np.ndarray, ill: np.ndarray) -> tuple[int, int, int, int]:
    """The rows of the living under ``minor_below`` months, at or above ``elderly_from``, with a
    disability (any grade) and with a chronic illness, increasing, written to the four outputs;
    returns how many of each. Branch-free. Called twice: with empty outputs it only counts; then
    with outputs of the counts + 1 (the loops write each row before deciding to keep it)."""
    living, chronic8 = alive.view(np.uint8), chronic.view(np.uint8)  # 0/1 bytes: no bool conversions
    if minors.shape[0] == 0:  # in int64 throughout, which lets the compiler vectorise the counts
        c_m = c_e = c_d = c_c = np.int64(0)
        for i in range(living.shape[0]):
            a, age = np.int64(living[i]), age_months[i]
            c_m += a & np.int64(age < minor_below)
            c_e += a & np.int64(age >= elderly_from)
            c_d += a & np.int64(disability[i] > 0)
            c_c += a & np.int64(chronic8[i])
        return c_m, c_e, c_d, c_c
    return _list_rows(living, age_months, disability, chronic8, minor_below, elderly_from, minors, elderly,
                      disabled, ill)


@numba.njit(cache=True)
def _list_rows(living: np.ndarray, age_months: np.ndarray, disability: np.ndarray, chronic8: np.ndarray,
               minor_below: int, elderly_from: int, minors: np.ndarray, elderly: np.ndarray,
               disabled: np.ndarray, ill: np.ndarray) -> tuple[int, int, int, int]:
    """:func:`_group_rows`' second call: each row is written before it is known to be kept.

    Two groups a pass: four running counts and stores in one loop took about a tenth longer.
    Unsigned counts and ages compared in their own int16 took 0.84 of the time of int64 counts
    (no negative-index check on the stores), but only in a function of their own: the same loops
    inside :func:`_group_rows` ran as slowly as before."""
    young, old = np.int16(min(minor_below, 32767)), np.int16(min(elderly_from, 32767))  # ages are int16
    n_m = n_e = np.uint64(0)
    for i in range(living.shape[0]):
        a, age = np.uint64(living[i]), age_months[i]
        minors[n_m] = i
        elderly[n_e] = i
        n_m += a & np.uint64(age < young)
        n_e += a & np.uint64(age >= old)
    n_d = n_c = np.uint64(0)
    for i in range(living.shape[0]):
        a = np.uint64(living[i])
        disabled[n_d] = i
        ill[n_c] = i
        n_d += a & np.uint64(disability[i] > 0)
        n_c += a & np.uint64(chronic8[i])
    return np.int64(n_m), np.int64(n_e), np.int64(n_d), np.int64(n_c)


def living_groups(persons: Persons, definitions: Definitions, month: int) -> dict[str, np.ndarray]:
    """The month's groups of the living as frame keys (:data:`GROUP_KEYS`), each the increasing
    int32 rows of: minors (under ``definitions.age_of_majority``), the elderly (at or above
    ``definitions.elderly_age``), the disabled (any grade) and the chronically ill. Ages are whole
    months, so each age threshold is a whole number of months (age < m ⇔ age < ⌈m⌉, age ≥ m ⇔
    age ≥ ⌈m⌉)."""
    p = persons
    args = (p.alive, p.age_months, p.disability, p.chronic, math.ceil(minor_months(definitions, month)),
            math.ceil(elderly_months(definitions, month)))
    none = np.empty(0, np.int32)
    counts = _group_rows(*args, none, none, none, none)
    out = [np.empty(n + 1, np.int32) for n in counts]
    _group_rows(*args, *out)
    return {key: rows[:n] for key, rows, n in zip(GROUP_KEYS, out, counts, strict=True)}


@numba.njit(cache=True)
def age_counts(minors: np.ndarray, elderly: np.ndarray, age_months: np.ndarray, area: np.ndarray, n_areas: int,
               old_from: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The living by area: minors, elderly and, among the elderly, those at or above
    ``old_from`` months, each float64 ``(n_areas,)`` (numpy: ``bincount(area[rows])``). Each
    elderly person adds one to the cell of its area and of whether it is that old."""
    minor = np.zeros(n_areas, dtype=np.int64)
    for k in range(minors.shape[0]):
        minor[area[minors[k]]] += 1
    cells = np.zeros(2 * n_areas, dtype=np.int64)
    for k in range(elderly.shape[0]):
        i = elderly[k]
        cells[2 * np.intp(area[i]) + (age_months[i] >= old_from)] += 1
    by_area = cells.reshape(n_areas, 2)
    return (minor.astype(np.float64), (by_area[:, 0] + by_area[:, 1]).astype(np.float64),
            by_area[:, 1].astype(np.float64))
