import numpy as np

from aidsim.rng import Streams


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
