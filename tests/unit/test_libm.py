"""aidsim.libm: numpy's exp, log and power by the C library's functions, the same on every CPU."""

import math
import os
import subprocess
import sys
from pathlib import Path

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
