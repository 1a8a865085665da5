"""Does the C library's float exponential depend on the processor? (README, "One run")

glibc picks its code by the processor: on x86-64 with fused multiply-adds (FMA) its ``expf`` is
compiled with them, elsewhere without. ``aidsim.libm.expf_into`` is glibc's ``expf`` algorithm
(Szabolcs Nagy's, shared with ARM's optimized-routines: ``2^(k/32)`` from a 32-entry table and a
cubic in double precision) with its multiply-adds always fused: the model's float32 exponential,
the same on every CPU. This script compares it, and the same algorithm computed without fused
multiply-adds (as glibc runs on processors without them), with the C library of this machine on
every one of the 2^32 float inputs (about a minute each):

    .venv/bin/python benchmarks/libm_fma.py

It prints, for each, how many inputs differ and the first few of them. On this project's machine
(an AMD EPYC with FMA) aidsim's copy matched every input and the way without FMA differed on two
(0x4202422f, about 32.56, and 0xc27c65d9, about -63.10).
"""

from __future__ import annotations

import math
import struct
import sys
import time
from collections.abc import Callable

import numba
import numpy as np
from llvmlite import ir
from numba import types
from numba.extending import intrinsic

from aidsim import libm


def _bitcast(source, target, llvm_target):
    """A compiled function reading the bits of a ``source`` value as a ``target`` value."""
    @intrinsic
    def cast(typingctx, value):
        def codegen(context, builder, signature, args):
            return builder.bitcast(args[0], llvm_target)
        return target(source), codegen
    return cast


_bits64 = _bitcast(types.float64, types.uint64, ir.IntType(64))
_double = _bitcast(types.uint64, types.float64, ir.DoubleType())

# glibc's table and constants, as aidsim.libm has them
TAB, N = libm.EXPF_TABLE, libm.EXPF_N
INV_LN2_N, SHIFT = libm.EXPF_INV_LN2_N, libm.EXPF_SHIFT
C0, C1, C2 = libm.EXPF_C0, libm.EXPF_C1, libm.EXPF_C2
OVERFLOW, UNDERFLOW = libm.EXPF_OVERFLOW, libm.EXPF_UNDERFLOW


@numba.njit
def expf_without_fma(x: np.ndarray, out: np.ndarray) -> None:
    """glibc's ``expf`` algorithm with each multiplication and addition rounded on its own (as GCC
    compiles it when it may not use FMA), with glibc's special cases."""
    for i in range(x.shape[0]):
        xd = np.float64(x[i])
        z = INV_LN2_N * xd
        kd = z + SHIFT
        ki = _bits64(kd)
        kd -= SHIFT
        r = z - kd
        z = C0 * r + C1
        y = z * (r * r) + (C2 * r + 1.0)
        v = np.float32(y * _double(TAB[ki % np.uint64(N)] + (ki << np.uint64(47))))
        out[i] = np.float32(np.inf) if x[i] > OVERFLOW else (np.float32(0.0) if x[i] < UNDERFLOW else v)


@numba.njit
def _c_library_exp(x: np.ndarray, out: np.ndarray) -> None:
    for i in range(x.shape[0]):
        out[i] = math.exp(x[i])  # float32: the C library's expf


def differences(expf: Callable[[np.ndarray, np.ndarray], None]) -> tuple[int, list[int]]:
    """How many float inputs ``expf`` (``expf(x, out)``) gives otherwise than the C library (NaN
    counts as NaN whatever its payload), and the first few, in chunks of 2^24."""
    total, first = 0, []
    for lo in range(0, 1 << 32, 1 << 24):
        x = np.arange(lo, lo + (1 << 24), dtype=np.uint64).astype(np.uint32).view(np.float32)
        want, got = np.empty_like(x), np.empty_like(x)
        _c_library_exp(x, want)
        expf(x, got)
        differ = (want.view(np.uint32) != got.view(np.uint32)) & ~(np.isnan(want) & np.isnan(got))
        total += int(differ.sum())
        first += [int(b) for b in x[differ][:4].view(np.uint32)]
    return total, first


def main() -> int:
    for name, expf in (("aidsim.libm.expf_into (with FMA)", libm.expf_into), ("without FMA", expf_without_fma)):
        start = time.perf_counter()
        total, first = differences(expf)
        shown = ", ".join(f"0x{b:08x} ({struct.unpack('<f', struct.pack('<I', b))[0]:.6g})" for b in first[:4])
        print(f"{name}: {total} of 2^32 float inputs differ from the C library's expf"
              f"{': ' + shown if shown else ''} ({time.perf_counter() - start:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
