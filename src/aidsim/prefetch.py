"""A software prefetch for compiled loops that gather from household or person arrays at rows
the hardware cannot foresee.

The administrative process and some programmes handle a few tens of thousands of households a
month, scattered over every row: each one read from half a dozen household- or person-sized
arrays (struct of arrays) costs a trip to memory per array, and the processor cannot guess the
next row. Asking for the rows a dozen cases ahead (LLVM's ``llvm.prefetch``) lets those trips
overlap: :func:`aidsim.admin.process._verified` took 0.44 of its time with it.
"""

from __future__ import annotations

from llvmlite import ir
from numba import types
from numba.core import cgutils
from numba.extending import intrinsic

#: How many cases ahead the loops ask for their rows: far enough for a trip to memory (about a
#: hundred nanoseconds) to end before the row is read, near enough for the rows to stay cached.
AHEAD = 12


def _hint(context, builder, array_type, array, index) -> None:
    """Codegen: ``llvm.prefetch`` of ``array[index]`` (read, high temporal locality, data cache)."""
    view = context.make_array(array_type)(context, builder, array)
    pointer = cgutils.get_item_pointer(context, builder, array_type, view, [index], wraparound=False)
    byte_pointer = ir.IntType(8).as_pointer()
    i32 = ir.IntType(32)
    hint = builder.module.declare_intrinsic(
        "llvm.prefetch", [byte_pointer], ir.FunctionType(ir.VoidType(), [byte_pointer, i32, i32, i32]))
    builder.call(hint, [builder.bitcast(pointer, byte_pointer), ir.Constant(i32, 0), ir.Constant(i32, 3),
                        ir.Constant(i32, 1)])


def _element(context, builder, array_type, array, index):
    """Codegen: ``array[index]`` (a non-negative index) as an intp."""
    view = context.make_array(array_type)(context, builder, array)
    value = builder.load(cgutils.get_item_pointer(context, builder, array_type, view, [index], wraparound=False))
    intp = context.get_value_type(types.intp)
    return context.cast(builder, value, array_type.dtype, types.intp) if value.type != intp else value


def _ahead(context, builder, signature, args, rows_at: int, distance: int):
    """Codegen: ``(k + distance < n, k + distance)`` for the loop position ``args[rows_at + 1]`` and
    count ``args[rows_at + 2]``, compared unsigned (both are non-negative)."""
    intp = context.get_value_type(types.intp)
    k = context.cast(builder, args[rows_at + 1], signature.args[rows_at + 1], types.intp)
    n = context.cast(builder, args[rows_at + 2], signature.args[rows_at + 2], types.intp)
    at = builder.add(k, ir.Constant(intp, distance))
    return builder.icmp_unsigned("<", at, n), at


def _one_dimension(*arrays) -> bool:
    return all(isinstance(a, types.Array) and a.ndim == 1 for a in arrays)


@intrinsic
def prefetch(typingctx, array, index):
    """Ask for ``array[index]`` (one dimension, a non-negative index) to be brought into the
    cache: a hint, with no effect on any result; an index past the end is harmless (a prefetch
    never faults)."""
    if not _one_dimension(array) or not isinstance(index, types.Integer):
        return None

    def codegen(context, builder, signature, args):
        _hint(context, builder, signature.args[0], args[0], args[1])
        return context.get_dummy_value()

    return types.void(array, index), codegen


# The helpers below are intrinsics, not jitted functions: numba keeps the reference counts of the
# arrays passed to a function, even one inlined, at every call, which in a loop over the cases
# took longer than the prefetches saved (a loop over dibao's paid households: 2.8 → 1.8 ms a
# month at 10^6 with the prefetches written out, 1.6 times as long through a jitted helper).

@intrinsic
def prefetch_rows(typingctx, rows, k, n, first, second, third, fourth):
    """For a loop over the first ``n`` of ``rows`` (scattered rows), at position ``k``: ask for the
    row ``AHEAD`` on in the four arrays given (pass an array twice when fewer are read)."""
    if not (_one_dimension(rows, first, second, third, fourth) and isinstance(k, types.Integer)
            and isinstance(n, types.Integer)):
        return None

    def codegen(context, builder, signature, args):
        inside, at = _ahead(context, builder, signature, args, 0, AHEAD)
        with builder.if_then(inside, likely=True):
            row = _element(context, builder, signature.args[0], args[0], at)
            for a in range(3, 7):
                _hint(context, builder, signature.args[a], args[a], row)
        return context.get_dummy_value()

    return types.void(rows, k, n, first, second, third, fourth), codegen


@intrinsic
def prefetch_households(typingctx, rows, k, n, household, first, second):
    """With :func:`prefetch_rows` asking for the persons' rows (``household`` among them): ask for
    the household of the row ``AHEAD // 2`` on in the two household arrays given, its
    ``household`` entry having been asked for earlier."""
    if not (_one_dimension(rows, household, first, second) and isinstance(k, types.Integer)
            and isinstance(n, types.Integer)):
        return None

    def codegen(context, builder, signature, args):
        inside, at = _ahead(context, builder, signature, args, 0, AHEAD // 2)
        with builder.if_then(inside, likely=True):
            row = _element(context, builder, signature.args[0], args[0], at)
            h = _element(context, builder, signature.args[3], args[3], row)
            for a in (4, 5):
                _hint(context, builder, signature.args[a], args[a], h)
        return context.get_dummy_value()

    return types.void(rows, k, n, household, first, second), codegen


@intrinsic
def prefetch_members(typingctx, offsets, households, j, first, second, third, fourth):
    """For a loop over ``households[j]`` whose members are the rows ``offsets[h]`` to
    ``offsets[h + 1]`` (persons are stored household by household): ask for the offsets of the
    household ``2 AHEAD`` on, and for the members' rows, in the four person arrays given, of the
    household ``AHEAD`` on (whose offsets were asked for earlier). Pass an array twice when
    fewer are read."""
    if not (_one_dimension(offsets, households, first, second, third, fourth) and isinstance(j, types.Integer)):
        return None

    def codegen(context, builder, signature, args):
        intp = context.get_value_type(types.intp)
        view = context.make_array(signature.args[1])(context, builder, args[1])
        n = cgutils.unpack_tuple(builder, view.shape, 1)[0]
        k = context.cast(builder, args[2], signature.args[2], types.intp)
        far = builder.add(k, ir.Constant(intp, 2 * AHEAD))
        with builder.if_then(builder.icmp_unsigned("<", far, n), likely=True):
            _hint(context, builder, signature.args[0], args[0],
                  _element(context, builder, signature.args[1], args[1], far))
        near = builder.add(k, ir.Constant(intp, AHEAD))
        with builder.if_then(builder.icmp_unsigned("<", near, n), likely=True):
            h = _element(context, builder, signature.args[1], args[1], near)
            row = _element(context, builder, signature.args[0], args[0], h)
            for a in range(3, 7):
                _hint(context, builder, signature.args[a], args[a], row)
        return context.get_dummy_value()

    return types.void(offsets, households, j, first, second, third, fourth), codegen
