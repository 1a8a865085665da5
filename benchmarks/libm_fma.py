"""Does the C library's float exponential depend on the processor? (README, "One run")

glibc picks its code by the processor: on x86-64 with fused multiply-adds (FMA) its ``expf`` is
compiled with them, elsewhere without. This script computes glibc's ``expf`` algorithm (Szabolcs
Nagy's, shared with ARM's optimized-routines: ``2^(k/32)`` from a 32-entry table and a cubic in
double precision) both ways, in compiled code, and compares each with the C library of this
machine on every one of the 2^32 float inputs (about 45 s each); first it compares in the same way
``aidsim.libm.expf_into``, the vectorised copy of the way with FMA that the model uses for its
float32 exponentials (the same numbers on every CPU):

    .venv/bin/python benchmarks/libm_fma.py

It prints, for each, how many inputs differ and the first few of them. On this project's machine
(an AMD EPYC with FMA) aidsim's copy and the way with FMA matched every input and the way without
differed on two (0x4202422f, about 32.56, and 0xc27c65d9, about -63.10).
"""

from __future__ import annotations

import math
import struct
import sys
import time

import numba
import numpy as np
from llvmlite import ir
from numba import types
from numba.extending import intrinsic

from aidsim import libm


@intrinsic
def _fma(typingctx, a, b, c):
    """``a × b + c`` rounded once (LLVM's ``llvm.fma``)."""
    sig = types.float64(types.float64, types.float64, types.float64)

    def codegen(context, builder, signature, args):
        double = ir.DoubleType()
        fn = builder.module.declare_intrinsic("llvm.fma", [double], ir.FunctionType(double, [double] * 3))
        return builder.call(fn, args)
    return sig, codegen


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
_bits32 = _bitcast(types.float32, types.uint32, ir.IntType(32))


# glibc's table and constants, as aidsim.libm has them for its own copy of the algorithm
TAB = libm.EXPF_TABLE
N = libm.EXPF_N
INV_LN2_N, SHIFT = libm.EXPF_INV_LN2_N, libm.EXPF_SHIFT
C0, C1, C2 = libm.EXPF_C0, libm.EXPF_C1, libm.EXPF_C2
OVERFLOW, UNDERFLOW = libm.EXPF_OVERFLOW, libm.EXPF_UNDERFLOW
TOP_88 = (struct.unpack("<I", struct.pack("<f", 88.0))[0] >> 20) & 0x7FF
TOP_INF = (struct.unpack("<I", struct.pack("<f", math.inf))[0] >> 20) & 0x7FF


def _expf(fused: bool):
    """glibc's ``expf`` algorithm, its multiply-adds fused (as GCC contracts them when it may use
    FMA) or not."""
    @numba.njit(inline="always")
    def expf(x):
        xd = np.float64(x)
        top = (_bits32(x) >> np.uint32(20)) & np.uint32(0x7FF)
        if top >= TOP_88:
            if x == -np.inf:
                return np.float32(0.0)
            if top >= TOP_INF:
                return x + x
            if x > OVERFLOW:
                return np.float32(np.inf)
            if x < UNDERFLOW:
                return np.float32(0.0)
        if fused:
            kd = _fma(INV_LN2_N, xd, SHIFT)
            ki = _bits64(kd)
            kd -= SHIFT
            r = _fma(INV_LN2_N, xd, -kd)
            z = _fma(C0, r, C1)
            y = _fma(z, r * r, _fma(C2, r, 1.0))
        else:
            z = INV_LN2_N * xd
            kd = z + SHIFT
            ki = _bits64(kd)
            kd -= SHIFT
            r = z - kd
            z = C0 * r + C1
            y = z * (r * r) + (C2 * r + 1.0)
        return np.float32(y * _double(TAB[ki % np.uint64(N)] + (ki << np.uint64(47))))
    return expf


def _differences(expf):
    @numba.njit
    def differences(lo: int, hi: int, found: np.ndarray) -> int:
        """How many float inputs with bits in ``lo``..``hi`` − 1 ``expf`` gives otherwise than the
        C library (``math.exp`` of a float32 is ``expf``); the first few go to ``found``."""
        count = 0
        bits = np.empty(1, np.uint32)
        value = bits.view(np.float32)
        for b in range(lo, hi):
            bits[0] = np.uint32(b)
            x = value[0]
            want, got = math.exp(x), expf(x)
            if want != got and not (want != want and got != got):  # NaN is NaN
                if count < found.shape[0]:
                    found[count] = np.uint32(b)
                count += 1
        return count
    return differences


@numba.njit
def _c_library_exp(x: np.ndarray, out: np.ndarray) -> None:
    for i in range(x.shape[0]):
        out[i] = math.exp(x[i])


def aidsims_differences() -> tuple[int, list[int]]:
    """How many float inputs ``aidsim.libm.expf_into`` (the vectorised copy the model uses) gives
    otherwise than the C library, and the first few, in chunks of 2^24."""
    total, first = 0, []
    for lo in range(0, 1 << 32, 1 << 24):
        x = np.arange(lo, lo + (1 << 24), dtype=np.uint64).astype(np.uint32).view(np.float32)
        want, got = np.empty_like(x), np.empty_like(x)
        _c_library_exp(x, want)
        libm.expf_into(x, got)
        differ = (want.view(np.uint32) != got.view(np.uint32)) & ~(np.isnan(want) & np.isnan(got))
        total += int(differ.sum())
        first += [int(b) for b in x[differ][:4].view(np.uint32)]
    return total, first


def main() -> int:
    start = time.perf_counter()
    total, first = aidsims_differences()
    shown = ", ".join(f"0x{b:08x}" for b in first[:4])
    print(f"aidsim.libm.expf_into: {total} of 2^32 float inputs differ from the C library's expf"
          f"{': ' + shown if shown else ''} ({time.perf_counter() - start:.0f} s)")
    step = 1 << 28
    for name, fused in (("with FMA", True), ("without FMA", False)):
        differences = _differences(_expf(fused))
        start, total, first = time.perf_counter(), 0, []
        for lo in range(0, 1 << 32, step):
            found = np.zeros(4, np.uint32)
            count = differences(lo, lo + step, found)
            first += [int(b) for b in found[:min(count, 4)]]
            total += count
        shown = ", ".join(f"0x{b:08x} ({struct.unpack('<f', struct.pack('<I', b))[0]:.6g})" for b in first[:4])
        print(f"{name}: {total} of 2^32 float inputs differ from the C library's expf"
              f"{': ' + shown if shown else ''} ({time.perf_counter() - start:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
