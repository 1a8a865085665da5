"""Draws made when read (aidsim.deferred): numpy's numbers and generator state, to the bit."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aidsim.admin import sparse_roll
from aidsim.admin.process import Draws
from aidsim.deferred import DeferredUniforms, DeferredWords
from aidsim.rng import uniform32


def same_state(a: np.random.Generator, b: np.random.Generator) -> bool:
    sa, sb = a.bit_generator.state, b.bit_generator.state
    return sa["state"] == sb["state"] and sa["has_uint32"] == sb["has_uint32"] and (
        not sa["has_uint32"] or sa["uinteger"] == sb["uinteger"])


def reads(seed: int, n: int) -> list[np.ndarray]:
    """Reads as the rules make them: sparse increasing rows, shuffled rows with repeats, a dense
    share, negative rows, a boolean mask."""
    rng = np.random.default_rng(seed)
    sparse = np.flatnonzero(rng.random(n) < 0.01)
    shuffled = rng.integers(0, n, size=min(n, 50))
    dense = np.flatnonzero(rng.random(n) < 0.3)
    return [sparse, shuffled, dense, -1 - sparse, rng.random(n) < 0.02, np.zeros(0, np.intp)]


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 30_000), before=st.integers(0, 3),
       months=st.integers(1, 3))
def test_deferred_uniforms_are_uniform32_at_the_rows_and_leave_its_state(seed, n, before, months):
    """Month after month, a deferred draw reads the whole draw's numbers and leaves the generator
    where the whole draw leaves it (with an odd count, numpy keeps a half-word for the next)."""
    ours, whole = (np.random.Generator(np.random.PCG64(seed)) for _ in range(2))
    uniform32(ours, before), uniform32(whole, before)
    for month in range(months):
        m = n + month  # odd and even counts in turn
        draw = DeferredUniforms.draw(ours, m)
        expected = uniform32(whole, m)
        assert same_state(ours, whole)
        for rows in reads(seed + month, m):
            assert np.array_equal(draw[rows], expected[rows])
        assert np.array_equal(draw[3:m // 2], expected[3:m // 2])
    assert np.array_equal(uniform32(ours, 9), whole.random(9, dtype=np.float32))


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 20_000), kept=st.booleans())
def test_deferred_words_are_random_raw_at_the_rows_and_leave_its_state(seed, n, kept):
    ours, whole = (np.random.Generator(np.random.PCG64(seed)) for _ in range(2))
    if kept:  # a half-word numpy keeps stays kept across raw draws
        uniform32(ours, 1), whole.random(1, dtype=np.float32)
    draw = DeferredWords.draw(ours, n, 2)
    expected = whole.bit_generator.random_raw(2 * n).reshape(2, n)
    assert same_state(ours, whole)
    for rows in reads(seed, n):
        for j in range(2):
            assert np.array_equal(draw.word(j, rows), expected[j, rows])
    as_array = Draws(apply=np.zeros(n, np.float32), raw=expected, inspection=None)
    deferred = Draws(apply=np.zeros(n, np.float32), raw=draw, inspection=None)
    rows = reads(seed, n)[1]
    for k in range(8):
        assert np.array_equal(deferred.uniform(rows, k), as_array.uniform(rows, k))


def test_a_read_row_set_changed_in_place_is_read_again():
    draw = DeferredWords.draw(np.random.Generator(np.random.PCG64(4)), 1000, 2)
    rows = np.array([5, 50, 500])
    first = draw.word(0, rows).copy()
    rows[0] = 6
    assert np.array_equal(draw.word(0, rows)[1:], first[1:])
    assert draw.word(0, rows)[0] == draw.word(0, np.array([6]))[0] != first[0]


def test_rows_outside_the_draw_are_refused():
    draw = DeferredUniforms.draw(np.random.Generator(np.random.PCG64(1)), 100)
    with pytest.raises(IndexError):
        draw[np.array([100])]
    with pytest.raises(IndexError):
        draw[np.ones(99, bool)]
    with pytest.raises(IndexError):
        DeferredWords.draw(np.random.Generator(np.random.PCG64(1)), 10).word(2, np.array([0]))


def test_other_bit_generators_draw_the_whole_draw():
    ours, whole = (np.random.Generator(np.random.Philox(3)) for _ in range(2))
    draw = DeferredUniforms.draw(ours, 500)
    expected = whole.random(500, dtype=np.float32)
    assert np.array_equal(draw[np.array([0, 499, 7])], expected[[0, 499, 7]])
    assert np.array_equal(ours.random(3), whole.random(3))


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 2**20), st.floats(0, 1))
def test_the_sparse_roll_reads_a_deferred_take_up_as_the_whole_draw(seed, rate):
    """Read for the living eligible units only, the deferred take-up draw gives the month the
    whole draw gives."""
    rng = np.random.default_rng(seed)
    n = 300
    rolls = [sparse_roll.SparseRoll.empty(n) for _ in range(2)]
    gens = [np.random.Generator(np.random.PCG64(seed)) for _ in range(2)]
    for month in range(24250, 24256):
        alive, eligible = rng.random(n) < 0.97, rng.random(n) < 0.3
        income = rng.random(n).astype(np.float32)
        uniforms = (DeferredUniforms.draw(gens[0], n), uniform32(gens[1], n))
        flows = [sparse_roll.advance(roll, month=month, alive=alive, eligible=eligible, income=income,
                                     take_up_uniform=u, take_up_rate=rate, delay_months=1, review_interval=3,
                                     grace_months=0)
                 for roll, u in zip(rolls, uniforms, strict=True)]
        for a, b in zip(flows[0].__dict__.values(), flows[1].__dict__.values(), strict=True):
            assert np.array_equal(a, b)
        assert np.array_equal(rolls[0].status, rolls[1].status)


def test_a_deferred_stream_puts_a_deferred_draw_in_the_month():
    from aidsim.programmes.base import Stream
    a, b = (np.random.Generator(np.random.PCG64(7)) for _ in range(2))
    draw = Stream("draws.x", "x", "households", deferred=True).draw(a, 1000)
    assert isinstance(draw, DeferredUniforms) and len(draw) == 1000
    assert np.array_equal(draw[np.array([3, 999, 0])], uniform32(b, 1000)[[3, 999, 0]])
    words = Stream("draws.y", "y", "households", kind="raw2", deferred=True).draw(a, 10)
    assert isinstance(words, DeferredWords)
    assert np.array_equal(words.word(1, np.arange(10)), b.bit_generator.random_raw(20)[10:])
