"""The compiled person-level loops give exactly what the numpy expressions they replace give."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from aidsim.rng import uniform32
from aidsim.shocks import kernels


def _same_state(a: np.random.Generator, b: np.random.Generator) -> bool:
    sa, sb = a.bit_generator.state, b.bit_generator.state
    return (sa["state"] == sb["state"] and sa["has_uint32"] == sb["has_uint32"]
            and (not sa["has_uint32"] or sa["uinteger"] == sb["uinteger"]))


@pytest.mark.parametrize("n", [1, 2, 3, 7, 64, 1001, 300_001])
@pytest.mark.parametrize("odd_start", [False, True])
def test_standard_normal32_is_numpys_float32_normals(n: int, odd_start: bool) -> None:
    ours, numpys = (np.random.Generator(np.random.PCG64(12345)) for _ in range(2))
    if odd_start:  # a half-word kept by the generator from an earlier float32 draw
        uniform32(ours, 3), numpys.random(3, dtype=np.float32)
    got = kernels.standard_normal32(ours, n, block=1 << 16)
    want = numpys.standard_normal(n, dtype=np.float32)
    assert got.dtype == np.float32 and np.array_equal(got, want)
    assert _same_state(ours, numpys)
    assert np.array_equal(ours.random(5, dtype=np.float32), numpys.random(5, dtype=np.float32))


def test_standard_normal32_covers_the_tail_and_the_wedges() -> None:
    # 2·10^6 draws take the slow paths (wedges ~1 %, tail beyond r ~0.03 %) thousands of times.
    ours, numpys = (np.random.Generator(np.random.PCG64(7)) for _ in range(2))
    got = kernels.standard_normal32(ours, 2_000_000)
    assert np.array_equal(got, numpys.standard_normal(2_000_000, dtype=np.float32))
    assert np.abs(got).max() > 3.6541528853610088  # some beyond the ziggurat's last box
    assert abs(got.mean()) < 0.005 and abs(got.var() - 1) < 0.005
    assert stats.kstest(got[:1_000_000], stats.norm.cdf).pvalue > 1e-3


def test_ziggurat_tables_are_the_standard_ones() -> None:
    assert kernels.ZIG_KI[1] == 0 and kernels.ZIG_KI[0] == 0x7799EC and kernels.ZIG_KI[255] == 0x78D2D2
    assert kernels.ZIG_FI[0] == 1 and np.all(np.diff(kernels.ZIG_FI) < 0)
    assert np.all(np.diff(kernels.ZIG_WI[1:]) > 0)


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 5000), skip=st.integers(0, 3))
def test_standard_normal32_property(seed: int, n: int, skip: int) -> None:
    ours, numpys = (np.random.Generator(np.random.PCG64(seed)) for _ in range(2))
    uniform32(ours, skip), numpys.random(skip, dtype=np.float32)
    assert np.array_equal(kernels.standard_normal32(ours, n, block=977),
                          numpys.standard_normal(n, dtype=np.float32))
    assert _same_state(ours, numpys)
