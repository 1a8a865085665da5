"""Exponential, logarithm and power with the same numbers on every CPU.

numpy computes ``exp``, ``log`` and ``power`` with SIMD code that it picks by the CPU at import
time (one version for AVX2, others for AVX-512, the C library's where neither applies), and the
versions differ in the last bit of some results. A simulation is chaotic in such bits: an income a
bit above or below a standard changes a means test, then the draws the household reads, and the
run's figures drift apart (a 10,000-household baseline differed by 0.4 % of its dibao payments
between two x86-64 machines). The functions here call the C library's ``exp``, ``log`` and
``pow`` (``expf``… for float32) element by element through numba, whatever the CPU, so the same
scenario and seed give the same result on every machine. They take and return numpy arrays (any
shape) or scalars, in the input's float type (float32 stays float32, anything else is float64).
"""

from __future__ import annotations

import math

import numba
import numpy as np


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


def _flat(x: np.ndarray | float) -> tuple[np.ndarray, tuple[int, ...], bool]:
    arr = np.asarray(x)
    scalar = arr.ndim == 0
    dtype = np.float32 if arr.dtype == np.float32 else np.float64
    return np.ascontiguousarray(arr, dtype=dtype).reshape(-1), arr.shape, scalar


def _shaped(out: np.ndarray, shape: tuple[int, ...], scalar: bool) -> np.ndarray | float:
    return out.dtype.type(out[0]) if scalar else out.reshape(shape)


def exp(x: np.ndarray | float, out: np.ndarray | None = None) -> np.ndarray | float:
    """``np.exp(x)`` by the C library's ``exp`` (``expf`` for float32); ``out`` (a contiguous
    array of ``x``'s shape and float type, possibly ``x`` itself) receives it when given."""
    flat, shape, scalar = _flat(x)
    if out is not None and not (out.flags.c_contiguous and out.dtype == flat.dtype and out.size == flat.size):
        raise ValueError(f"out must be a contiguous {flat.dtype} array of {flat.size} elements")
    target = np.empty_like(flat) if out is None else out.reshape(-1)
    _exp(flat, target)
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
