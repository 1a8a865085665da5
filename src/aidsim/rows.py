"""Sets of rows (household or person indices) as increasing arrays without repeats, and the rows
where a flag is set (:func:`flagged`; :func:`rows_of` and :func:`rows_above` when they are few).

``np.unique`` (and ``np.union1d``, built on it) takes 13 to 15 times as long as a sort on this
project's integer rows with numpy 2.4 (25,000 rows: 3.9 ms against 0.27 ms), and the month
makes such sets every month (the households that entered, left or were reviewed).
"""

from __future__ import annotations

import numba
import numpy as np
from llvmlite import ir
from numba import types
from numba.extending import intrinsic


def unique(rows: np.ndarray) -> np.ndarray:
    """``np.unique(rows)`` for integer rows: sorted (when not already), repeats dropped."""
    rows = np.asarray(rows)
    if rows.shape[0] < 2:
        return rows.copy()
    if np.any(rows[1:] < rows[:-1]):
        rows = np.sort(rows)
    return rows[np.concatenate(([True], rows[1:] != rows[:-1]))]


#: For each byte ``b``, the positions (0 to 7) of its set bits, lowest first, then zeros: eight
#: int32 a byte, so that the rows of a run of eight whose flags are ``b`` are written at once
#: (:func:`_store_run`).
RUN_ROWS = np.array([[j for j in range(8) if b >> j & 1] + [0] * (8 - bin(b).count("1")) for b in range(256)],
                    dtype=np.int32).ravel()
#: How many bits each byte has set.
RUN_COUNT = np.array([bin(b).count("1") for b in range(256)], dtype=np.uint8)
#: Room a list of rows needs past its last row: a run's rows are written eight at once.
RUN_SLACK = 8

_LOW_BITS = np.uint64(0x0101010101010101)
_GATHER = np.uint64(0x0102040810204080)  # bit 8j (byte j's lowest) to bit 56 + j


@numba.njit(inline="always")
def run_bits(word: np.uint64, bit: int) -> np.uint64:
    """The eight flags of a run of eight rows as the bits of one byte (row ``j`` of the run at bit
    ``j``): bit ``bit`` of each byte of ``word``, the run's eight one-byte flags read as one
    little-endian uint64. One multiplication gathers the eight bits (no carry: they land on
    distinct bits)."""
    return (((word >> np.uint64(bit)) & _LOW_BITS) * _GATHER) >> np.uint64(56)


@numba.njit(inline="always")
def run_nonzero(word: np.uint64) -> np.uint64:
    """:func:`run_bits` for flags that are any non-zero byte: each byte's bits or-ed into its lowest
    (the shifts bring a higher byte's bits only into bits above the lowest)."""
    word |= word >> np.uint64(4)
    word |= word >> np.uint64(2)
    word |= word >> np.uint64(1)
    return run_bits(word, 0)


@intrinsic
def _store_run(typingctx, out, at, first, bits, table):
    """``out[at + j] = first + table[8 bits + j]`` for ``j`` in 0..7 (``table``: :data:`RUN_ROWS`;
    ``out`` int32 or int64, with room to ``at + 8``): one unaligned vector store of the eight, of
    which the first ``RUN_COUNT[bits]`` are the run's rows; the rest are written over next."""
    if not (isinstance(out, types.Array) and out.dtype in (types.int32, types.int64) and out.ndim == 1):
        return None
    sig = types.void(out, at, first, bits, table)

    def codegen(context, builder, signature, args):
        i32 = ir.IntType(32)
        width = 32 if signature.args[0].dtype == types.int32 else 64
        lanes = ir.VectorType(ir.IntType(width), 8)

        def pointer(k, index, vector):
            data = context.make_array(signature.args[k])(context, builder, args[k]).data
            return builder.bitcast(builder.gep(data, [index]), vector.as_pointer())
        run = builder.load(pointer(4, builder.mul(args[3], ir.Constant(args[3].type, 8)), ir.VectorType(i32, 8)),
                           align=4)
        if width == 64:
            run = builder.sext(run, lanes)
        start = builder.trunc(args[2], lanes.element) if args[2].type.width > width \
            else builder.sext(args[2], lanes.element) if args[2].type.width < width else args[2]
        splat = builder.insert_element(ir.Constant(lanes, ir.Undefined), start, ir.Constant(i32, 0))
        splat = builder.shuffle_vector(splat, ir.Constant(lanes, ir.Undefined), ir.Constant(ir.VectorType(i32, 8), [0] * 8))
        builder.store(builder.add(run, splat), pointer(0, args[1], lanes), align=width // 8)
        return context.get_dummy_value()
    return sig, codegen


@numba.njit(inline="always")
def store_run(out: np.ndarray, at: np.uint64, first: int, bits: np.uint64) -> np.uint64:
    """The rows of a run of eight from row ``first`` whose flags are ``bits`` (:func:`run_bits`)
    written to ``out`` from ``at`` (room to ``at + RUN_SLACK``), eight at once; returns the next
    position. Without a branch: a loop storing each row and advancing by its flag made four
    dependent stores a row, this one vector store a run (groups' listing: 0.2 of the time)."""
    _store_run(out, at, first, bits, RUN_ROWS)
    return at + np.uint64(RUN_COUNT[bits])


@numba.njit(cache=True)
def flagged(flag: np.ndarray) -> np.ndarray:
    """``np.flatnonzero(flag)`` for a one-byte integer ``flag`` (0 unset, anything else set; a bool
    mask as its uint8 view), in compiled code: counted in a loop the compiler vectorises, then
    listed eight rows at a time (:func:`store_run`), with no mask made."""
    n = 0
    for i in range(flag.shape[0]):
        n += flag[i] != 0
    rows = np.empty(n + RUN_SLACK, np.intp)
    whole = flag.shape[0] // 8
    words = flag[:whole * 8].view(np.uint8).view(np.uint64)
    j = np.uint64(0)
    for r in range(whole):
        j = store_run(rows, j, 8 * r, run_nonzero(words[r]))
    for i in range(whole * 8, flag.shape[0]):
        rows[j] = i
        j += np.uint64(flag[i] != 0)
    return rows[:n]


@numba.njit(cache=True)
def rows_of(mask: np.ndarray) -> np.ndarray:
    """``np.flatnonzero(mask)`` for a sparse bool mask: eight bytes at a time, listing only the
    runs with a row set (:func:`store_run`). The result is a view of room for every row, of
    which only the pages written are touched."""
    m = mask.view(np.uint8)
    n = m.shape[0]
    full = n // 8
    words = m[:full * 8].view(np.uint64)
    rows = np.empty(n + RUN_SLACK, dtype=np.intp)
    k = np.uint64(0)
    for j in range(full):
        if words[j]:
            k = store_run(rows, k, 8 * j, run_bits(words[j], 0))
    for i in range(full * 8, n):
        rows[k] = i
        k += np.uint64(m[i])
    return rows[:k]


@numba.njit(cache=True)
def rows_above(values: np.ndarray, bound: int) -> np.ndarray:
    """``np.flatnonzero(values > bound)`` when few are above: one pass, no mask (a view of room
    for every row, of which only the pages written are touched)."""
    rows = np.empty(values.shape[0], dtype=np.intp)
    k = 0
    for i in range(values.shape[0]):
        if values[i] > bound:
            rows[k] = i
            k += 1
    return rows[:k]
