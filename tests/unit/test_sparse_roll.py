"""The sparse roll (extreme-poverty support's) against the dense roll it stands for."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from aidsim.admin import pipeline, sparse_roll
from aidsim.admin.pipeline import GRACE, NEVER, OFF, ON, PENDING
from aidsim.admin.sparse_roll import FIELDS, SparseRoll
from tests.unit import dense_roll

F32 = np.float32


#: The statuses in which the month reads each field (in the others the dense roll may hold a
#: stale value from an earlier spell, which the month overwrites before reading it).
READ_IN = {"decision_month": (PENDING,), "next_review": (ON, GRACE), "exit_month": (GRACE,),
           "assessed": (ON, GRACE)}


def _same(dense: pipeline.Roll, sparse: SparseRoll, where) -> None:
    """Same statuses; every unit not off the roll has an entry, with the fields the month reads
    in its status equal to the dense roll's."""
    assert np.array_equal(dense.status, sparse.status), where
    assert np.all(np.diff(sparse.rows) > 0), where
    assert np.array_equal(sparse.rows, np.flatnonzero(dense.status != OFF)), where
    assert set(READ_IN) == set(FIELDS)
    for name, statuses in READ_IN.items():
        units = np.flatnonzero(np.isin(dense.status, statuses))
        assert np.array_equal(getattr(dense, name)[units], sparse.dense(name)[units]), (where, name)
        assert np.array_equal(getattr(sparse, name)[np.searchsorted(sparse.rows, units)],
                              getattr(dense, name)[units]), (where, name)


def _run(seed: int, n: int, months: int, grace: int, with_above: bool, eligible_share: float,
         alive_share: float, rate: float, delay: int, interval: int) -> None:
    rng = np.random.default_rng(seed)
    dense, sparse = pipeline.Roll.empty(n), SparseRoll.empty(n)
    start = rng.random(n) < eligible_share
    income = (rng.random(n, dtype=F32) * 500).astype(F32)
    u = rng.random(n, dtype=F32)
    dense_roll.enrol_initial(dense, start, income, u, 0.5, 0, interval)
    sparse_roll.enrol_initial(sparse, start, income, u, 0.5, 0, interval)
    _same(dense, sparse, "start")
    for month in range(1, months + 1):
        alive = rng.random(n) < alive_share
        eligible = rng.random(n) < eligible_share
        income = (rng.random(n, dtype=F32) * 500).astype(F32)
        u = rng.random(n, dtype=F32)
        u[: n // 10] = F32(rate)  # on the rate: compared as numpy compares it
        above = rng.random(n) < 0.5 if with_above else None
        kw = dict(month=month, alive=alive, eligible=eligible, income=income, take_up_uniform=u,
                  take_up_rate=rate, delay_months=delay, review_interval=interval, grace_months=grace,
                  above_line=above)
        fd, fs = dense_roll.advance(dense, **kw), sparse_roll.advance(sparse, **kw)
        for name in ("applied", "entered", "refused", "exited"):
            assert np.array_equal(np.flatnonzero(getattr(fd, name)), getattr(fs, name)), (month, name)
        _same(dense, sparse, month)


def test_sparse_roll_months_match_the_dense_roll() -> None:
    for grace, with_above in ((0, False), (3, False), (3, True)):
        _run(8, 4000, 30, grace, with_above, 0.3, 0.97, 0.3, 2, 3)


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(0, 60), months=st.integers(1, 12),
       grace=st.integers(0, 3), with_above=st.booleans(), eligible_share=st.floats(0, 1),
       alive_share=st.floats(0.5, 1), rate=st.floats(0, 1), delay=st.integers(0, 3), interval=st.integers(1, 6))
def test_sparse_roll_matches_the_dense_roll_on_any_draws(seed, n, months, grace, with_above, eligible_share,
                                                         alive_share, rate, delay, interval) -> None:
    _run(seed, n, months, grace, with_above, eligible_share, alive_share, rate, delay, interval)


def test_only_units_on_the_roll_keep_an_entry() -> None:
    roll = SparseRoll.empty(5)
    flows = sparse_roll.advance(roll, month=1, alive=np.ones(5, bool), eligible=np.array([1, 0, 1, 0, 1], bool),
                                income=np.arange(5, dtype=F32), take_up_uniform=np.zeros(5, F32),
                                take_up_rate=0.5, delay_months=0, review_interval=6, grace_months=0)
    assert roll.rows.tolist() == [0, 2, 4] and roll.status.tolist() == [ON, OFF, ON, OFF, ON]
    assert flows.applied.tolist() == flows.entered.tolist() == [0, 2, 4]
    assert roll.value("next_review", 2) == 7 and roll.value("assessed", 4) == 4.0
    assert roll.value("next_review", 1) == NEVER and roll.dense("assessed").tolist() == [0, 0, 2, 0, 4]
    # a review that finds unit 2 ineligible takes it off the roll, and its entry with it
    sparse_roll.advance(roll, month=7, alive=np.ones(5, bool), eligible=np.array([1, 0, 0, 0, 1], bool),
                        income=np.arange(5, dtype=F32), take_up_uniform=np.ones(5, F32),
                        take_up_rate=0.5, delay_months=2, review_interval=6, grace_months=0)
    assert roll.rows.tolist() == [0, 4] and roll.status[2] == OFF


def test_entries_keep_the_others_fields() -> None:
    roll = SparseRoll.empty(6)
    at = roll.entries(np.array([3]))
    roll.status[3], roll.next_review[at] = PENDING, 9
    at = roll.entries(np.array([1, 3, 5]))
    assert roll.rows.tolist() == [1, 3, 5] and at.tolist() == [0, 1, 2]
    assert roll.next_review.tolist() == [NEVER, 9, NEVER] and roll.assessed.tolist() == [0, 0, 0]


@settings(max_examples=60, deadline=None)
@given(a=st.sets(st.integers(0, 300), max_size=80), b=st.sets(st.integers(0, 300), max_size=80))
def test_sorted_union_is_union1d(a: set[int], b: set[int]) -> None:
    """The merge that lists the units with a month to run gives what ``np.union1d`` gives."""
    left, right = np.array(sorted(a), dtype=np.intp), np.array(sorted(b), dtype=np.intp)
    got = sparse_roll.sorted_union(left, right)
    assert got.dtype == np.intp and np.array_equal(got, np.union1d(left, right))
