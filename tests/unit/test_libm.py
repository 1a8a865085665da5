"""aidsim.libm: numpy's exp, log and power by the C library's functions, the same on every CPU."""

import math
import os
import subprocess
import sys
from pathlib import Path

import numba
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aidsim import libm

ROOT = Path(__file__).resolve().parents[2]


def test_by_hand() -> None:
    assert libm.exp(0.0) == 1.0 and libm.log(1.0) == 0.0 and libm.power(9.0, 0.5) == 3.0
    assert libm.exp(np.float32(1.0)) == np.float32(math.e)
    got = libm.log(np.array([1.0, 0.0, -1.0]))
    assert got[0] == 0.0 and got[1] == -np.inf and np.isnan(got[2])
    grid = np.arange(6, dtype=np.float64).reshape(2, 3)
    assert libm.exp(grid).shape == (2, 3) and libm.exp(grid)[1, 2] == math.exp(5.0)


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**31), n=st.integers(0, 500), y=st.floats(-3, 3))
def test_each_element_is_the_c_librarys(seed: int, n: int, y: float) -> None:
    x = np.random.default_rng(seed).normal(size=n) * 5
    assert libm.exp(x).dtype == np.float64 and libm.exp(x.astype(np.float32)).dtype == np.float32
    assert [float(v) for v in libm.exp(x)] == [math.exp(v) for v in x]
    assert [float(v) for v in libm.log(np.abs(x) + 0.1)] == [math.log(v) for v in np.abs(x) + 0.1]
    assert [float(v) for v in libm.power(np.abs(x), y)] == [math.pow(v, y) for v in np.abs(x)]
    # float32 stays float32, within a rounding of the float64 result
    x32 = x.astype(np.float32)
    assert np.allclose(libm.exp(x32), np.exp(x32.astype(np.float64)), rtol=2e-7, atol=0)
    out = x32.copy()
    assert libm.exp(out, out=out) is out and np.array_equal(out, libm.exp(x32))


@numba.njit
def _c_library_exp(x: np.ndarray, out: np.ndarray) -> None:
    for i in range(x.shape[0]):
        out[i] = math.exp(x[i])  # float32: the C library's expf


#: The float inputs on which glibc's expf computed without fused multiply-adds (on processors
#: without them) differs from the way with them, and the results with them (benchmarks/libm_fma.py).
_FMA_ONLY = {0x4202422F: 0x56FC9F1C, 0xC27C65D9: 0x11FA2993}


def test_the_float_exponential_is_glibcs_on_every_kind_of_input() -> None:
    """:func:`libm.expf_into` gives the C library's float32 exponential bit for bit on a spread of
    a million float inputs (every 4,093rd bit pattern: normals and subnormals of both signs, the
    infinities, NaNs, results that overflow or underflow) and on the edges of its special cases,
    with any length (the last one to three through a padded copy) and in place."""
    bits = np.arange(0, 1 << 32, 4093, dtype=np.uint64).astype(np.uint32)
    edges = [libm.EXPF_OVERFLOW, libm.EXPF_UNDERFLOW, np.float32(88.0), np.float32(-88.0), np.float32(0.0),
             np.float32(-0.0), np.float32(np.inf), np.float32(-np.inf), np.float32(np.nan)]
    edges += [np.nextafter(e, np.float32(d)) for e in edges[:4] for d in (-np.inf, np.inf)]
    x = np.concatenate([bits[~np.isin(bits, list(_FMA_ONLY))].view(np.float32), np.array(edges, np.float32)])
    want, got = np.empty_like(x), np.empty_like(x)
    _c_library_exp(x, want)
    libm.expf_into(x, got)
    same = (want.view(np.uint32) == got.view(np.uint32)) | (np.isnan(want) & np.isnan(got))
    assert same.all(), x[~same][:5]
    fma = np.array(list(_FMA_ONLY), np.uint32).view(np.float32)
    libm.expf_into(fma, got[:2])
    assert got[:2].view(np.uint32).tolist() == list(_FMA_ONLY.values())
    for n in range(10):
        part = x[1000:1000 + n].copy()
        libm.expf_into(part, part)
        assert np.array_equal(part, want[1000:1000 + n])
    assert libm.exp(np.float32(-200.0)) == 0 and libm.exp(np.float32(89.0)) == np.inf


def test_out_must_be_able_to_hold_the_result() -> None:
    x = np.arange(6, dtype=np.float64)
    for bad in (np.empty(12)[::2], np.empty(6, np.float32), np.empty(5)):
        with pytest.raises(ValueError, match="out must be"):
            libm.exp(x, out=bad)


_FINGERPRINT = """
import json
from aidsim import load_scenario, run
r = run(load_scenario("scenarios/baseline.yaml", {"population.households": 2000, "simulation.months": 12}))
print(json.dumps(r.payments_total_yuan(), sort_keys=True))
"""


def test_a_run_does_not_depend_on_numpys_simd_code() -> None:
    """The same run with numpy's AVX2 code switched off (its baseline SSE code instead) pays every
    programme the same to the fen: numpy's transcendental functions and unstable sorts, which
    differ in the last bit or the order of ties from one CPU to another, are not on the path."""
    outputs = []
    for disabled in ("", "X86_V3"):
        env = {**os.environ, "NPY_DISABLE_CPU_FEATURES": disabled}
        done = subprocess.run([sys.executable, "-c", _FINGERPRINT], cwd=ROOT, env=env, capture_output=True,
                              text=True, check=True)
        outputs.append(done.stdout.strip().splitlines()[-1])
    assert outputs[0] == outputs[1]
