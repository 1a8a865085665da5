"""Medical's yearly counters, kept for the persons who have one, read and add as a dense float32
array per person would."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from aidsim.programmes.medical import PersonTotals

F32 = np.float32


@settings(max_examples=80, deadline=None)
@given(st.lists(st.tuples(st.lists(st.integers(0, 49), unique=True, max_size=12),
                          st.lists(st.floats(0, 1e5, width=32), min_size=12, max_size=12),
                          st.booleans(), st.booleans()), max_size=8))
def test_sparse_totals_equal_a_dense_array(months):
    """Rows in any order, and increasing (the month's episodes: merged in one pass)."""
    dense, sparse = np.zeros(50, dtype=F32), PersonTotals()
    for rows, amounts, new_year, in_order in months:
        if new_year:
            dense[:] = 0
            sparse.clear()
        rows = np.array(sorted(rows) if in_order else rows, dtype=np.intp)
        add = np.array(amounts[:rows.shape[0]], dtype=F32)
        np.testing.assert_array_equal(sparse[rows], dense[rows])
        dense[rows] += add
        sparse.add(rows, add)
        np.testing.assert_array_equal(sparse[np.arange(50)], dense)
        assert np.all(np.diff(sparse.rows) > 0)


def test_a_case_sets_one_persons_total():
    totals = PersonTotals()
    totals[7] = 28_000.0
    totals[3] = 5.5
    totals[7] = 100.0
    assert totals[np.array([3, 7, 9])].tolist() == [5.5, 100.0, 0.0]
