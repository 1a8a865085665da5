"""aidsim.rows: unique is numpy's unique, flagged its flatnonzero, for every integer array."""

import numpy as np
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from aidsim.rows import flagged, unique


@given(arrays(np.intp, st.integers(0, 200), elements=st.integers(0, 50)))
def test_unique_is_numpys(rows):
    out = unique(rows)
    assert out.dtype == rows.dtype
    assert np.array_equal(out, np.unique(rows))


def test_unique_copies_and_keeps_sorted_input_as_it_is():
    rows = np.array([1, 3, 3, 7])
    out = unique(rows)
    assert out.tolist() == [1, 3, 7] and rows.tolist() == [1, 3, 3, 7]
    one = np.array([5])
    assert unique(one) is not one and unique(one).tolist() == [5]


@given(arrays(np.int8, st.integers(0, 300), elements=st.integers(-3, 3)))
def test_flagged_is_flatnonzero(flag):
    assert np.array_equal(flagged(flag), np.flatnonzero(flag))
    as_bytes = (flag != 0).view(np.uint8)
    assert np.array_equal(flagged(as_bytes), np.flatnonzero(as_bytes))
