import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from aidsim.rng import Streams, uniform32


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
