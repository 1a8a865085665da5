"""Sets of rows (household or person indices) as increasing arrays without repeats, and the rows
where a flag is set.

``np.unique`` (and ``np.union1d``, built on it) takes 13 to 15 times as long as a sort on this
project's integer rows with numpy 2.4 (25,000 rows: 3.9 ms against 0.27 ms), and the month
makes such sets every month (the households that entered, left or were reviewed).
"""

from __future__ import annotations

import numba
import numpy as np


def unique(rows: np.ndarray) -> np.ndarray:
    """``np.unique(rows)`` for integer rows: sorted (when not already), repeats dropped."""
    rows = np.asarray(rows)
    if rows.shape[0] < 2:
        return rows.copy()
    if np.any(rows[1:] < rows[:-1]):
        rows = np.sort(rows)
    return rows[np.concatenate(([True], rows[1:] != rows[:-1]))]


@numba.njit(cache=True)
def flagged(flag: np.ndarray) -> np.ndarray:
    """``np.flatnonzero(flag)`` for an integer ``flag`` (0 unset, anything else set; a bool mask as
    its uint8 view), in compiled code: counted in a loop the compiler vectorises, then listed
    without a branch (each row stored, the position advanced by its flag), with no mask made:
    half the time of ``np.flatnonzero(status != 0)`` on a household-sized int8 array."""
    n = 0
    for i in range(flag.shape[0]):
        n += flag[i] != 0
    rows = np.empty(n + 1, np.intp)
    j = 0
    for i in range(flag.shape[0]):
        rows[j] = i
        j += flag[i] != 0
    return rows[:n]
