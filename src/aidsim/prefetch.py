"""A software prefetch for compiled loops that gather from household or person arrays at rows
the hardware cannot foresee.

The administrative process and some programmes handle a few tens of thousands of households a
month, scattered over every row: each one read from half a dozen household- or person-sized
arrays (struct of arrays) costs a trip to memory per array, and the processor cannot guess the
next row. Asking for the rows a dozen cases ahead (LLVM's ``llvm.prefetch``) lets those trips
overlap: :func:`aidsim.admin.process._verified` took 0.44 of its time with it.
"""

from __future__ import annotations

import numba
import numpy as np
from llvmlite import ir
from numba import types
from numba.core import cgutils
from numba.extending import intrinsic

#: How many cases ahead the loops ask for their rows: far enough for a trip to memory (about a
#: hundred nanoseconds) to end before the row is read, near enough for the rows to stay cached.
AHEAD = 12


@intrinsic
def prefetch(typingctx, array, index):
    """Ask for ``array[index]`` (one dimension, a non-negative index) to be brought into the
    cache: a hint, with no effect on any result; an index past the end is harmless (a prefetch
    never faults)."""
    if not isinstance(array, types.Array) or array.ndim != 1 or not isinstance(index, types.Integer):
        return None

    def codegen(context, builder, signature, args):
        array_type = signature.args[0]
        view = context.make_array(array_type)(context, builder, args[0])
        pointer = cgutils.get_item_pointer(context, builder, array_type, view, [args[1]], wraparound=False)
        byte_pointer = ir.IntType(8).as_pointer()
        i32 = ir.IntType(32)
        hint = builder.module.declare_intrinsic(
            "llvm.prefetch", [byte_pointer], ir.FunctionType(ir.VoidType(), [byte_pointer, i32, i32, i32]))
        # read (0), high temporal locality (3), data cache (1)
        builder.call(hint, [builder.bitcast(pointer, byte_pointer), ir.Constant(i32, 0), ir.Constant(i32, 3),
                            ir.Constant(i32, 1)])
        return context.get_dummy_value()

    return types.void(array, index), codegen


@numba.njit(inline="always")
def prefetch_members(offsets: np.ndarray, households: np.ndarray, j: int, first: np.ndarray, second: np.ndarray,
                     third: np.ndarray, fourth: np.ndarray) -> None:
    """For a loop over ``households[j]`` whose members are the rows ``offsets[h]`` to
    ``offsets[h + 1]`` (persons are stored household by household): ask for the offsets of the
    household ``2 AHEAD`` on, and for the members' rows, in the four person arrays given, of the
    household ``AHEAD`` on (whose offsets were asked for earlier). Pass an array twice when
    fewer are read."""
    n = households.shape[0]
    if j + 2 * AHEAD < n:
        prefetch(offsets, households[j + 2 * AHEAD])
    if j + AHEAD < n:
        row = offsets[households[j + AHEAD]]
        prefetch(first, row)
        prefetch(second, row)
        prefetch(third, row)
        prefetch(fourth, row)


@numba.njit(inline="always")
def prefetch_rows(rows: np.ndarray, k: int, n: int, first: np.ndarray, second: np.ndarray, third: np.ndarray,
                  fourth: np.ndarray) -> None:
    """For a loop over the first ``n`` of ``rows`` (scattered, increasing or not), at ``k``: ask
    for the row ``AHEAD`` on in the four arrays given (pass an array twice when fewer are read).
    ``k`` and ``n`` may be signed or unsigned (the comparison is made unsigned)."""
    ahead = np.uint64(k) + np.uint64(AHEAD)
    if ahead < np.uint64(n):
        row = rows[ahead]
        prefetch(first, row)
        prefetch(second, row)
        prefetch(third, row)
        prefetch(fourth, row)


@numba.njit(inline="always")
def prefetch_households(rows: np.ndarray, k: int, n: int, household: np.ndarray, first: np.ndarray,
                        second: np.ndarray) -> None:
    """With :func:`prefetch_rows` asking for the persons' rows (``household`` among them): ask
    for the household of the row ``AHEAD // 2`` on in the two household arrays given, once its
    ``household`` entry has come."""
    nearer = np.uint64(k) + np.uint64(AHEAD // 2)
    if nearer < np.uint64(n):
        h = household[rows[nearer]]
        prefetch(first, h)
        prefetch(second, h)
