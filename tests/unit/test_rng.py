import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aidsim.rng import Streams, pcg_jump, raw_words, skip_uniform32, uniform32, words_from


def test_streams_are_keyed_by_name_not_creation_order():
    a, b = Streams(7), Streams(7)
    a_income = a["income"].random(5)
    b["illness"].random(3)  # created first in b
    assert np.array_equal(a_income, b["income"].random(5))


def test_streams_differ_by_name_seed_and_replication():
    base = Streams(7)["income"].random(5)
    assert not np.array_equal(base, Streams(7)["illness"].random(5))
    assert not np.array_equal(base, Streams(8)["income"].random(5))
    assert not np.array_equal(base, Streams(7, replication=1)["income"].random(5))


def test_a_county_of_a_province_has_streams_of_its_own():
    alone = Streams(7)["income"].random(5)
    county0 = Streams(7, shard=0)["income"].random(5)
    assert not np.array_equal(alone, county0)
    assert not np.array_equal(county0, Streams(7, shard=1)["income"].random(5))
    assert np.array_equal(county0, Streams(7, shard=0)["income"].random(5))


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 9), st.sampled_from(["fast", "numpy", "integers"])), max_size=12))
def test_uniform32_draws_what_numpy_draws_and_leaves_the_same_state(calls):
    """Any sequence of float32 draws, made with uniform32 or numpy in turn (and 32-bit integers,
    which read the half-word numpy keeps), gives numpy's numbers."""
    fast, ref = np.random.Generator(np.random.PCG64(11)), np.random.Generator(np.random.PCG64(11))
    for n, how in calls:
        expected = ref.random(n, dtype=np.float32) if how != "integers" else ref.integers(0, 2**32, n, np.uint32)
        if how == "fast":
            got = uniform32(fast, n)
        elif how == "numpy":
            got = fast.random(n, dtype=np.float32)
        else:
            got = fast.integers(0, 2**32, n, np.uint32)
        assert got.dtype == expected.dtype
        np.testing.assert_array_equal(got, expected)
    a, b = fast.bit_generator.state, ref.bit_generator.state
    assert (a["state"], a["has_uint32"]) == (b["state"], b["has_uint32"])
    if b["has_uint32"]:  # the kept half-word (numpy leaves a stale one when none is kept)
        assert a["uinteger"] == b["uinteger"]


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 2**63), st.lists(st.integers(0, 20_000), min_size=1, max_size=5), st.booleans())
def test_raw_words_are_numpy_pcg64_words_and_state(seed, sizes, kept_half):
    """The compiled PCG64 gives numpy's words (any length, above and below the size where it takes
    over, any number of words not a multiple of its four chains) and leaves the generator where
    numpy's ``random_raw`` would, the half-word kept for float32 draws included."""
    ours, numpys = np.random.PCG64(seed), np.random.PCG64(seed)
    if kept_half:  # a float32 draw of odd length keeps the high half of its last word
        np.random.Generator(ours).random(3, dtype=np.float32)
        np.random.Generator(numpys).random(3, dtype=np.float32)
    for n in sizes:
        words = raw_words(ours, n)
        assert words.dtype == np.uint64 and words.shape == (n,)
        assert np.array_equal(words, numpys.random_raw(n))
        assert ours.state == numpys.state
    # and the stream goes on the same way afterwards
    assert np.array_equal(np.random.Generator(ours).random(5), np.random.Generator(numpys).random(5))


def test_pcg_jump_is_numpy_advance():
    bits = np.random.PCG64(2024)
    start = bits.state["state"]
    for steps in (0, 1, 2, 3, 1000, 2**40 + 7):
        ahead = np.random.PCG64(2024)
        ahead.advance(steps)
        assert pcg_jump(start["state"], start["inc"], steps) == ahead.state["state"]["state"]


def test_raw_words_of_other_bit_generators_are_numpys():
    assert np.array_equal(raw_words(np.random.SFC64(3), 10_000), np.random.SFC64(3).random_raw(10_000))


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 50_000), picks=st.integers(0, 200))
def test_words_from_a_state_are_raw_words_at(seed, n, picks):
    bits = np.random.PCG64(seed)
    state = bits.state["state"]
    at = np.sort(np.random.default_rng(seed).integers(0, n, picks))
    assert np.array_equal(words_from(state["state"], state["inc"], at), bits.random_raw(n)[at])


def test_words_from_a_state_across_gaps_of_every_size():
    """Gaps at the edges of the one-jump table (0, 1, 255, 256, 257) and far beyond it."""
    bits = np.random.PCG64(11)
    state = bits.state["state"]
    gaps = [0, 0, 1, 255, 256, 257, 2, 511, 512, 65_535, 65_536, 65_537, 3, 700_001]
    at = np.cumsum(gaps)
    assert np.array_equal(words_from(state["state"], state["inc"], at), bits.random_raw(int(at[-1]) + 1)[at])


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(0, 20_000), skip=st.integers(0, 3))
def test_skip_uniform32_moves_as_the_draw_would(seed, n, skip):
    ours, numpys = (np.random.Generator(np.random.PCG64(seed)) for _ in range(2))
    uniform32(ours, skip), numpys.random(skip, dtype=np.float32)
    skip_uniform32(ours, n)
    numpys.random(n, dtype=np.float32)
    assert np.array_equal(ours.random(7, dtype=np.float32), numpys.random(7, dtype=np.float32))
    assert ours.bit_generator.state == numpys.bit_generator.state


@pytest.mark.parametrize("skip", [0, 1, 2, 3])
@pytest.mark.parametrize("n", [0, 1, 2, 3, 4, 5000, 5001])
def test_skip_uniform32_leaves_numpys_state(skip, n):
    ours, numpys = (np.random.Generator(np.random.PCG64(5)) for _ in range(2))
    ours.random(skip, dtype=np.float32), numpys.random(skip, dtype=np.float32)
    skip_uniform32(ours, n)
    numpys.random(n, dtype=np.float32)
    assert ours.bit_generator.state == numpys.bit_generator.state
