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
from aidsim.rows import RUN_SLACK, run_bits, store_run
from aidsim.scenario.schema import Definitions

#: The frame keys of the groups (documented in :data:`aidsim.programmes.base.MONTH_KEYS`).
GROUP_KEYS: tuple[str, ...] = ("groups.minors", "groups.elderly", "groups.disabled", "groups.chronic")


@numba.njit(cache=True)
def _group_flags(alive: np.ndarray, age_months: np.ndarray, disability: np.ndarray, chronic: np.ndarray,
                 minor_below: int, elderly_from: int, flags: np.ndarray) -> tuple[int, int, int, int]:
    """Each row's groups as the bits of ``flags`` (bit 0: living and under ``minor_below`` months,
    1: living and at or above ``elderly_from``, 2: living with a disability of any grade, 3:
    living with a chronic illness); returns how many of each. Two loops, both vectorised, without
    branches: the flags, then their counts (counted in the first loop: 1.6 times as long)."""
    young, old = np.int16(min(minor_below, 32767)), np.int16(min(elderly_from, 32767))  # ages are int16
    living, chronic8, disabled8 = alive.view(np.uint8), chronic.view(np.uint8), disability.view(np.uint8)
    for i in range(living.shape[0]):
        a, age = living[i], age_months[i]
        minor = a & np.uint8(age < young)
        elder = a & np.uint8(age >= old)
        disabled = a & np.uint8(disabled8[i] != 0)
        ill = a & chronic8[i]
        flags[i] = minor | (elder << np.uint8(1)) | (disabled << np.uint8(2)) | (ill << np.uint8(3))
    c_m = c_e = c_d = c_c = np.int64(0)
    for i in range(flags.shape[0]):
        f = np.uint32(flags[i])
        c_m += f & np.uint32(1)
        c_e += (f >> np.uint32(1)) & np.uint32(1)
        c_d += (f >> np.uint32(2)) & np.uint32(1)
        c_c += (f >> np.uint32(3)) & np.uint32(1)
    return c_m, c_e, c_d, c_c


@numba.njit(cache=True)
def _group_rows(flags: np.ndarray, minors: np.ndarray, elderly: np.ndarray, disabled: np.ndarray,
                ill: np.ndarray) -> None:
    """The rows of each group of :func:`_group_flags`' ``flags``, increasing, into the four
    outputs (each with room for its rows and :data:`~aidsim.rows.RUN_SLACK` more): eight rows at
    a time, each group's eight flags gathered into a byte and its rows written at once
    (:func:`~aidsim.rows.store_run`). A loop storing every row in two lists a pass and advancing
    by its flags took about twice the time of the flags and this listing together."""
    whole = flags.shape[0] // 8
    words = flags[:whole * 8].view(np.uint64)  # a run's eight flags, row j in byte j
    n_m = n_e = n_d = n_c = np.uint64(0)
    for r in range(whole):
        word, first = words[r], 8 * r
        n_m = store_run(minors, n_m, first, run_bits(word, 0))
        n_e = store_run(elderly, n_e, first, run_bits(word, 1))
        n_d = store_run(disabled, n_d, first, run_bits(word, 2))
        n_c = store_run(ill, n_c, first, run_bits(word, 3))
    for i in range(whole * 8, flags.shape[0]):
        f = np.uint64(flags[i])
        minors[n_m] = i
        elderly[n_e] = i
        disabled[n_d] = i
        ill[n_c] = i
        n_m += f & np.uint64(1)
        n_e += (f >> np.uint64(1)) & np.uint64(1)
        n_d += (f >> np.uint64(2)) & np.uint64(1)
        n_c += (f >> np.uint64(3)) & np.uint64(1)


def living_groups(persons: Persons, definitions: Definitions, month: int) -> dict[str, np.ndarray]:
    """The month's groups of the living as frame keys (:data:`GROUP_KEYS`), each the increasing
    int32 rows of: minors (under ``definitions.age_of_majority``), the elderly (at or above
    ``definitions.elderly_age``), the disabled (any grade) and the chronically ill. Ages are whole
    months, so each age threshold is a whole number of months (age < m ⇔ age < ⌈m⌉, age ≥ m ⇔
    age ≥ ⌈m⌉)."""
    p = persons
    flags = np.empty(p.alive.shape[0], np.uint8)
    counts = _group_flags(p.alive, p.age_months, p.disability, p.chronic,
                          math.ceil(minor_months(definitions, month)), math.ceil(elderly_months(definitions, month)),
                          flags)
    out = [np.empty(n + RUN_SLACK, np.int32) for n in counts]
    _group_rows(flags, *out)
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
