"""The software prefetch is a hint: loops that use it give what they give without it, at every
index, the last rows and past them included."""

import numba
import numpy as np

from aidsim.prefetch import AHEAD, prefetch, prefetch_members


@numba.njit
def _gathered_sum(values: np.ndarray, rows: np.ndarray) -> float:
    total = 0.0
    for j in range(rows.shape[0]):
        prefetch(values, rows[j] + values.shape[0])  # past the end: a prefetch never faults
        if j + AHEAD < rows.shape[0]:
            prefetch(values, rows[j + AHEAD])
        total += values[rows[j]]
    return total


@numba.njit
def _member_sums(offsets: np.ndarray, households: np.ndarray, values: np.ndarray) -> np.ndarray:
    out = np.zeros(households.shape[0])
    for j in range(households.shape[0]):
        prefetch_members(offsets, households, j, values, values, values, values)
        h = households[j]
        for i in range(offsets[h], offsets[h + 1]):
            out[j] += values[i]
    return out


def test_a_gather_with_prefetches_is_the_gather():
    rng = np.random.default_rng(3)
    values = rng.random(1000)
    for n in (0, 1, AHEAD, AHEAD + 1, 500):
        rows = rng.integers(0, values.shape[0], n)
        assert _gathered_sum(values, rows) == sum(values[rows].tolist())


def test_member_sums_with_prefetches_are_the_sums():
    rng = np.random.default_rng(4)
    sizes = rng.integers(0, 5, 300)
    offsets = np.concatenate(([0], np.cumsum(sizes)))
    values = rng.random(int(offsets[-1]))
    for n in (0, 1, 2 * AHEAD, 2 * AHEAD + 1, 300):
        households = rng.integers(0, sizes.shape[0], n)
        expected = [values[offsets[h]:offsets[h + 1]].sum() for h in households]
        assert np.allclose(_member_sums(offsets, households, values), expected, rtol=0, atol=1e-12)
