"""aidsim.rows: unique is numpy's unique; flagged, rows_of and rows_above its flatnonzero."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from aidsim.rows import flagged, rows_above, rows_of, unique


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


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**31), n=st.integers(0, 200), share=st.floats(0, 1))
def test_rows_of_is_flatnonzero(seed: int, n: int, share: float) -> None:
    mask = np.random.default_rng(seed).random(n) < share
    got = rows_of(mask)
    assert got.dtype == np.intp and np.array_equal(got, np.flatnonzero(mask))
    assert np.array_equal(rows_of(mask[1:]), np.flatnonzero(mask[1:]))  # an offset start


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 2**31), n=st.integers(0, 300), bound=st.integers(-3, 3))
def test_rows_above_is_flatnonzero(seed: int, n: int, bound: int) -> None:
    values = np.random.default_rng(seed).integers(-5, 5, n).astype(np.int32)
    got = rows_above(values, bound)
    assert got.dtype == np.intp and np.array_equal(got, np.flatnonzero(values > bound))
