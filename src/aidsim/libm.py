"""Exponential, logarithm and power with the same numbers on every CPU.

numpy computes ``exp``, ``log`` and ``power`` with SIMD code that it picks by the CPU at import
time (one version for AVX2, others for AVX-512, the C library's where neither applies), and the
versions differ in the last bit of some results. A simulation is chaotic in such bits: an income a
bit above or below a standard changes a means test, then the draws the household reads, and the
run's figures drift apart (a 10,000-household baseline differed by 0.4 % of its dibao payments
between two x86-64 machines). The functions here call the C library's ``exp``, ``log`` and
``pow`` (``logf``, ``powf`` for float32) element by element through numba, whatever the CPU, so
the same scenario and seed give the same result on every machine. They take and return numpy
arrays (any shape) or scalars, in the input's float type (float32 stays float32, anything else is
float64).

The float32 exponential, which the month takes for every person's earnings and every household's
other income, is glibc's own ``expf`` algorithm compiled here (:func:`expf_into`), four at a time:
the C library's, called once a number, cost 2.5 times as long, and glibc picks its code by the CPU
too (with fused multiply-adds where the processor has them, whose results differ on 2 of the 2^32
inputs from those without). The copy here always fuses them, as glibc does on this project's
machines, so it gives glibc's numbers there (every input: ``benchmarks/libm_fma.py``) and the same
numbers on every CPU.
"""

from __future__ import annotations

import math
import struct
from decimal import Decimal, getcontext

import numba
import numpy as np
from llvmlite import ir
from numba import types
from numba.core import cgutils
from numba.extending import intrinsic


@numba.njit(cache=True)
def _exp(x: np.ndarray, out: np.ndarray) -> None:
    for i in range(x.shape[0]):
        out[i] = math.exp(x[i])


@numba.njit(cache=True)
def _log(x: np.ndarray, out: np.ndarray) -> None:
    for i in range(x.shape[0]):
        out[i] = math.log(x[i]) if x[i] > 0 else (-math.inf if x[i] == 0 else math.nan)


@numba.njit(cache=True)
def _power(x: np.ndarray, y: float, out: np.ndarray) -> None:
    for i in range(x.shape[0]):
        out[i] = x[i] ** y


# ---------------------------------------------------------------------------------------------
# expf: glibc's algorithm (Szabolcs Nagy's, shared with ARM's optimized-routines)
# ---------------------------------------------------------------------------------------------

EXPF_N = 32  # 2**EXP2F_TABLE_BITS


def _expf_table() -> np.ndarray:
    """glibc's ``__exp2f_data.tab``: ``tab[i] = bits(2^(i/32)) − (i << 47)``, each power correctly
    rounded to a double."""
    getcontext().prec = 60
    ln2 = Decimal(2).ln()
    tab = np.empty(EXPF_N, np.uint64)
    for i in range(EXPF_N):
        bits = struct.unpack("<Q", struct.pack("<d", float((ln2 * i / EXPF_N).exp())))[0]
        tab[i] = (bits - (i << 47)) & ((1 << 64) - 1)
    return tab


EXPF_TABLE = _expf_table()
EXPF_INV_LN2_N = float.fromhex("0x1.71547652b82fep+0") * EXPF_N
EXPF_SHIFT = float.fromhex("0x1.8p+52")
EXPF_C0 = float.fromhex("0x1.c6af84b912394p-5") / EXPF_N**3
EXPF_C1 = float.fromhex("0x1.ebfce50fac4f3p-3") / EXPF_N**2
EXPF_C2 = float.fromhex("0x1.62e42ff0c52d6p-1") / EXPF_N
EXPF_OVERFLOW = np.float32(float.fromhex("0x1.62e42ep6"))    # above: +inf
EXPF_UNDERFLOW = np.float32(-float.fromhex("0x1.9fe368p6"))  # below: 0


@intrinsic
def _expf4(typingctx, x, out, x_at, out_at):
    """``out[out_at + k] = expf(x[x_at + k])`` for ``k`` < 4 (contiguous float32 arrays), in
    vectors of four doubles: ``2^(k/32)`` from glibc's table (four loads, the only part that is
    not vectorised: a loop with a table lookup is not vectorised by LLVM) times a cubic in the
    rest, its multiply-adds fused as GCC contracts glibc's code for FMA processors. NaN stays NaN;
    above :data:`EXPF_OVERFLOW` +inf, below :data:`EXPF_UNDERFLOW` 0 (glibc's special cases)."""
    f32 = types.Array(types.float32, 1, "C")
    if not (x in (f32, f32.copy(readonly=True)) and out == f32):
        return None
    sig = types.void(x, out, types.intp, types.intp)

    def codegen(context, builder, signature, args):
        f4, d4 = ir.VectorType(ir.FloatType(), 4), ir.VectorType(ir.DoubleType(), 4)
        i4, i64 = ir.VectorType(ir.IntType(64), 4), ir.IntType(64)
        module = builder.module
        fma = cgutils.get_or_insert_function(module, ir.FunctionType(d4, [d4] * 3), "llvm.fma.v4f64")
        try:
            table = module.get_global("aidsim.expf.table")
        except KeyError:
            table = cgutils.global_constant(module, "aidsim.expf.table",
                                            ir.Constant(ir.ArrayType(i64, EXPF_N), [int(t) for t in EXPF_TABLE]))

        def doubles(v: float) -> ir.Constant:
            return ir.Constant(d4, [v] * 4)

        def floats(v: float) -> ir.Constant:
            return ir.Constant(f4, [v] * 4)

        def at(k, position):  # a <4 x float> pointer to argument k's element at position
            data = context.make_array(signature.args[k])(context, builder, args[k]).data
            return builder.bitcast(builder.gep(data, [position]), f4.as_pointer())
        xf = builder.load(at(0, args[2]), align=4)
        xd = builder.fpext(xf, d4)
        kd = builder.call(fma, [doubles(EXPF_INV_LN2_N), xd, doubles(EXPF_SHIFT)])  # x·32/ln2 rounded
        ki = builder.bitcast(kd, i4)
        kd = builder.fsub(kd, doubles(EXPF_SHIFT))
        r = builder.call(fma, [doubles(EXPF_INV_LN2_N), xd, builder.fsub(doubles(-0.0), kd)])
        z = builder.call(fma, [doubles(EXPF_C0), r, doubles(EXPF_C1)])
        y = builder.call(fma, [z, builder.fmul(r, r), builder.call(fma, [doubles(EXPF_C2), r, doubles(1.0)])])
        index = builder.and_(ki, ir.Constant(i4, [EXPF_N - 1] * 4))
        t = ir.Constant(i4, ir.Undefined)
        for lane in range(4):
            k = builder.extract_element(index, ir.Constant(ir.IntType(32), lane))
            entry = builder.load(builder.gep(table, [ir.Constant(i64, 0), k]))
            t = builder.insert_element(t, entry, ir.Constant(ir.IntType(32), lane))
        scale = builder.bitcast(builder.add(t, builder.shl(ki, ir.Constant(i4, [47] * 4))), d4)
        result = builder.fptrunc(builder.fmul(y, scale), f4)
        result = builder.select(builder.fcmp_ordered(">", xf, floats(float(EXPF_OVERFLOW))), floats(math.inf), result)
        result = builder.select(builder.fcmp_ordered("<", xf, floats(float(EXPF_UNDERFLOW))), floats(0.0), result)
        builder.store(result, at(1, args[3]), align=4)
        return context.get_dummy_value()
    return sig, codegen


@numba.njit(cache=True)
def expf_into(x: np.ndarray, out: np.ndarray) -> None:
    """``out[i] = expf(x[i])`` for contiguous float32 arrays of one length (``out`` may be ``x``),
    four at a time (:func:`_expf4`); the last one to three through a padded copy."""
    n = x.shape[0]
    whole = n - n % 4
    for i in range(0, whole, 4):
        _expf4(x, out, i, i)
    if whole < n:
        pad_in, pad_out = np.zeros(4, dtype=np.float32), np.empty(4, dtype=np.float32)
        pad_in[:n - whole] = x[whole:]
        _expf4(pad_in, pad_out, 0, 0)
        out[whole:] = pad_out[:n - whole]


def _flat(x: np.ndarray | float) -> tuple[np.ndarray, tuple[int, ...], bool]:
    arr = np.asarray(x)
    scalar = arr.ndim == 0
    dtype = np.float32 if arr.dtype == np.float32 else np.float64
    return np.ascontiguousarray(arr, dtype=dtype).reshape(-1), arr.shape, scalar


def _shaped(out: np.ndarray, shape: tuple[int, ...], scalar: bool) -> np.ndarray | float:
    return out.dtype.type(out[0]) if scalar else out.reshape(shape)


def exp(x: np.ndarray | float, out: np.ndarray | None = None) -> np.ndarray | float:
    """``np.exp(x)`` by the C library's ``exp`` (glibc's ``expf`` compiled here for float32:
    :func:`expf_into`); ``out`` (a contiguous array of ``x``'s shape and float type, possibly
    ``x`` itself) receives it when given."""
    flat, shape, scalar = _flat(x)
    if out is not None and not (out.flags.c_contiguous and out.dtype == flat.dtype and out.size == flat.size):
        raise ValueError(f"out must be a contiguous {flat.dtype} array of {flat.size} elements")
    target = np.empty_like(flat) if out is None else out.reshape(-1)
    (expf_into if flat.dtype == np.float32 else _exp)(flat, target)
    return out if out is not None else _shaped(target, shape, scalar)


def log(x: np.ndarray | float) -> np.ndarray | float:
    """``np.log(x)`` by the C library's ``log`` (``logf`` for float32): −inf at 0, nan below."""
    flat, shape, scalar = _flat(x)
    target = np.empty_like(flat)
    _log(flat, target)
    return _shaped(target, shape, scalar)


def power(x: np.ndarray | float, y: float) -> np.ndarray | float:
    """``np.power(x, y)`` for a scalar exponent by the C library's ``pow`` (``powf`` for float32)."""
    flat, shape, scalar = _flat(x)
    target = np.empty_like(flat)
    _power(flat, flat.dtype.type(y), target)
    return _shaped(target, shape, scalar)
