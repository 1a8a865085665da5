"""Compiled loops for the person-level month: each replaces a chain of numpy array operations
(named in its docstring) by one pass over the persons, with the same float32 arithmetic in the
same order, so results are bit-identical and no person-sized temporaries are made.

Persons are stored household by household (``Population.member_offsets``), so a sum over a
household's members is a run over consecutive rows.
"""

from __future__ import annotations

import math

import numba
import numpy as np
from llvmlite import ir
from numba import types
from numba.extending import intrinsic

from aidsim.libm import expf_into
from aidsim.rng import fill_words, jump_halves, raw_words
from aidsim.rows import RUN_SLACK, store_run

_MASK64 = (1 << 64) - 1

F32 = np.float32


# ---------------------------------------------------------------------------------------------
# Standard normals: numpy's float32 ziggurat on raw PCG64 words
# ---------------------------------------------------------------------------------------------

def _ziggurat_tables() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The 256-box ziggurat of Marsaglia and Tsang (2000) for float32 normals, as numpy builds
    it: ``ki`` (uint32, acceptance bounds on 23-bit integers), ``wi`` (float32, box widths over
    2**23) and ``fi`` (float32, the density at each box edge). Computed in float64 from the
    tail start ``r`` and the common box area ``v``, then rounded."""
    r, v, m1 = 3.6541528853610088, 0.00492867323399, 2.0**23
    x = np.empty(257)  # box edges, x[255] = r, x[256] unused
    f = np.empty(256)
    q = v / math.exp(-0.5 * r * r)
    ki, wi = np.empty(256), np.empty(256)
    ki[0], ki[1] = (r / q) * m1, 0.0
    wi[0], wi[255] = q / m1, r / m1
    f[0], f[255] = 1.0, math.exp(-0.5 * r * r)
    x[255] = r
    dn = tn = r
    for i in range(254, 0, -1):
        dn = math.sqrt(-2.0 * math.log(v / dn + math.exp(-0.5 * dn * dn)))
        ki[i + 1] = (dn / tn) * m1
        tn = dn
        f[i] = math.exp(-0.5 * dn * dn)
        wi[i] = dn / m1
    # numpy's bounds are the products rounded to the nearest integer (none lies near a half)
    return np.rint(ki).astype(np.uint32), wi.astype(np.float32), f.astype(np.float32)


ZIG_KI, ZIG_WI, ZIG_FI = _ziggurat_tables()
_ZIG_KI_SIGNED = ZIG_KI.astype(np.int32)  # every bound is below 2**23
#: Each box's bound (low half) and width's bits (high half), read at once by :func:`_first_tries8`.
_ZIG_BOXES = ZIG_KI.astype(np.uint64) | (ZIG_WI.view(np.uint32).astype(np.uint64) << np.uint64(32))
_ZIG_R = F32(3.6541528853610087963519472518)
_ZIG_INV_R = F32(0.27366123732975827203)
_U24 = F32(1.0 / 16777216.0)


@numba.njit(inline="always")
def _rest_of_try(word: np.uint32, halves: np.ndarray, pos: int, wi: np.ndarray, fi: np.ndarray, r: np.float32,
                 inv_r: np.float32, u24: np.float32) -> tuple[int, np.float32, int]:
    """A try whose first word ``word`` was not accepted at once, going on at ``halves[pos]``: the
    tail beyond ``r`` (box 0) or the wedge test. Returns (1 accepted, 0 rejected: try again with
    the next word, -1 the words ran out), the value and the next position."""
    idx = word & np.uint32(0xFF)
    rabs = (word >> np.uint32(9)) & np.uint32(0x7FFFFF)
    x = np.float32(rabs) * wi[idx]
    if (word >> np.uint32(8)) & np.uint32(1):
        x = -x
    n_halves = halves.shape[0]
    if idx == 0:  # the tail beyond r
        while True:
            if pos + 1 >= n_halves:
                return -1, x, pos
            xx = -inv_r * np.float32(math.log1p(-(np.float32(halves[pos] >> np.uint32(8)) * u24)))
            yy = -np.float32(math.log1p(-(np.float32(halves[pos + 1] >> np.uint32(8)) * u24)))
            pos += 2
            if yy + yy > xx * xx:
                return 1, (-(r + xx) if (rabs >> np.uint32(8)) & np.uint32(1) else r + xx), pos
    if pos >= n_halves:
        return -1, x, pos
    u = np.float32(halves[pos] >> np.uint32(8)) * u24
    pos += 1
    if (fi[idx - 1] - fi[idx]) * u + fi[idx] < math.exp(-0.5 * x * x):
        return 1, x, pos
    return 0, x, pos


@intrinsic
def _f32_bits(typingctx, value):
    """The bits of a float32 as a uint32 (LLVM's ``bitcast``)."""
    def codegen(context, builder, signature, args):
        return builder.bitcast(args[0], ir.IntType(32))
    return types.uint32(types.float32), codegen


@intrinsic
def _f32_of_bits(typingctx, bits):
    """The float32 whose bits are the uint32 ``bits`` (LLVM's ``bitcast``)."""
    def codegen(context, builder, signature, args):
        return builder.bitcast(args[0], ir.FloatType())
    return types.float32(types.uint32), codegen


@numba.njit(inline="always")
def _kept(x: np.float32, flag: np.uint8) -> np.float32:
    """``x if flag else 0`` (``flag`` 0 or 1) without a branch: x86 has no conditional move
    between float registers, so the select becomes a branch, mispredicted where the flag is
    random; here the bits are masked (+0.0 when not kept, as ``np.float32(0)``)."""
    return _f32_of_bits(_f32_bits(x) & (np.uint32(0) - np.uint32(flag)))


@numba.njit(inline="always")
def _chosen(if_0: np.float32, if_1: np.float32, flag: np.uint8) -> np.float32:
    """``if_1 if flag else if_0`` (``flag`` 0 or 1) by the floats' bits: without a branch (see
    :func:`_kept`) and without a lookup in a two-entry table, which kept the compiler from
    vectorising the loop (:func:`earnings_and_own`: 0.7 of the time)."""
    bits_0 = _f32_bits(if_0)
    return _f32_of_bits(bits_0 ^ ((bits_0 ^ _f32_bits(if_1)) & (np.uint32(0) - np.uint32(flag))))


def _gather8(context, builder, table, index, lane=None):
    """Codegen: the eight entries ``table[index]`` side by side (``table`` a pointer to the
    table's first entry, ``index`` <8 x i32>; each entry of type ``lane``, by default i32), read
    one by one into a vector register, the same code on every x86-64. AVX2's gather instruction
    took longer and varied more: the tries of :func:`_first_tries8` took 1.1 ns a normal in the
    middle of 30 runs with it, 0.8 read one by one; the deaths (:func:`_deaths8`) 3.7 against
    3.4 ms on 2.9 million rows."""
    i32, i64 = ir.IntType(32), ir.IntType(64)
    lane = lane or i32
    entries = builder.bitcast(table, lane.as_pointer())
    out = ir.Constant(ir.VectorType(lane, 8), ir.Undefined)
    for t in range(8):
        at = builder.zext(builder.extract_element(index, ir.Constant(i32, t)), i64)
        out = builder.insert_element(out, builder.load(builder.gep(entries, [at])), ir.Constant(i32, t))
    return out


@intrinsic
def _first_tries8(typingctx, halves, j, boxes, vals):
    """The first tries of the eight half-words ``halves[j:j+8]`` (uint32), side by side in vector
    registers: each one's value ``±rabs·wi[idx]`` (``idx`` its low 8 bits, the sign from bit 8,
    ``rabs`` bits 9 to 31) into ``vals[j:j+8]`` as the float32 values' bits (the sign set by an
    xor of the sign bit, which equals numpy's ``-x``). Each box's bound ``ki`` and width ``wi``
    are one 8-byte entry of ``boxes`` (:data:`_ZIG_BOXES`), so that eight reads
    (:func:`_gather8`) fetch both: with a table for each, the tries took about 1.3 times as
    long. Returns the eight "not accepted at once" flags (``rabs ≥ ki[idx]``, about 1.2 % each)
    as the bits of a byte."""
    u32 = types.Array(types.uint32, 1, "C")
    if not (halves == u32 and vals == u32 and boxes == types.Array(types.uint64, 1, "C")):
        return None
    sig = types.uint64(halves, j, boxes, vals)

    def codegen(context, builder, signature, args):
        i8, i32, i64 = ir.IntType(8), ir.IntType(32), ir.IntType(64)
        v8i, v8f = ir.VectorType(i32, 8), ir.VectorType(ir.FloatType(), 8)

        def at(k, index):  # a <8 x i32> pointer to argument k's element at index
            data = context.make_array(signature.args[k])(context, builder, args[k]).data
            return builder.bitcast(builder.gep(data, [index]), v8i.as_pointer())

        def splat(value: int) -> ir.Constant:
            return ir.Constant(v8i, [value] * 8)
        word = builder.load(at(0, args[1]), align=4)
        idx = builder.and_(word, splat(0xFF))
        rabs = builder.and_(builder.lshr(word, splat(9)), splat(0x7FFFFF))
        sign = builder.shl(builder.and_(word, splat(0x100)), splat(23))
        pairs = builder.bitcast(_gather8(context, builder, at(2, ir.Constant(i64, 0)), idx, i64),
                                ir.VectorType(i32, 16))  # little-endian: the bound, then the width
        bound = builder.shuffle_vector(pairs, pairs, ir.Constant(v8i, list(range(0, 16, 2))))
        width = builder.shuffle_vector(pairs, pairs, ir.Constant(v8i, list(range(1, 16, 2))))
        value = builder.fmul(builder.sitofp(rabs, v8f), builder.bitcast(width, v8f))
        builder.store(builder.xor(builder.bitcast(value, v8i), sign), at(3, args[1]), align=4)
        return builder.zext(builder.bitcast(builder.icmp_signed(">=", rabs, bound), i8), i64)
    return sig, codegen


@numba.njit(cache=True)
def _words_and_first_tries(s_hi: np.uint64, s_lo: np.uint64, inc_hi: np.uint64, inc_lo: np.uint64, q: int,
                           words: np.ndarray, boxes: np.ndarray, vals: np.ndarray, rejected: np.ndarray) -> int:
    """The next ``2 q`` words (``q`` even) of the PCG64 stream whose state is ``s`` into ``words``
    (:func:`aidsim.rng.fill_words`), then the first try of each of their half-words, low half
    first, eight at a time (:func:`_first_tries8`): half ``j``'s value into ``vals[j]``, and the
    halves not accepted at once listed in increasing order in ``rejected`` (room for ``4 q +
    RUN_SLACK``; :func:`aidsim.rows.store_run`). Returns how many. The tries made one at a time
    in the generator's loop, to overlap its multiplications, took about 1.2 times as long."""
    fill_words(s_hi, s_lo, inc_hi, inc_lo, words[:2 * q])
    halves = words[:2 * q].view(np.uint32)
    bits = vals.view(np.uint32)  # the values are stored as their bits (_first_tries8)
    count = np.uint64(0)
    for j in range(0, 4 * q, 8):
        count = store_run(rejected, count, j, _first_tries8(halves, j, boxes, bits))
    return int(count)


@numba.njit(cache=True)
def _settle(halves: np.ndarray, first: int, vals: np.ndarray, rejected: np.ndarray, n: int, ki: np.ndarray,
            wi: np.ndarray, fi: np.ndarray, r: np.float32, inv_r: np.float32, u24: np.float32,
            runs: np.ndarray, singles: np.ndarray, single_values: np.ndarray) -> tuple[int, int, int]:
    """Where ``n`` standard normals come from, exactly as numpy's ``random_standard_normal_f``
    makes them from a stream of 32-bit words: ``first`` (≥ 0: the half-word the generator kept)
    then ``halves``, whose first tries are valued in ``vals`` and the ones not accepted at once
    listed in ``rejected`` (:func:`_words_and_first_tries`). Between two rejections the normals
    are a run of ``vals`` (row ``k`` of ``runs``: first normal, first value, count); a rejected
    try goes on (:func:`_rest_of_try`) with the next half-words, which it uses up whatever their
    first tries said, and gives a single normal (``singles``, ``single_values``). Nothing else is
    written, so that a block whose half-words ran out is made again from the same state before
    any normal is used (:func:`_put_normals` then uses them). Returns the counts of runs and of
    singles and how many of ``halves`` were used (-1: they ran out)."""
    n_halves, n_rejected = halves.shape[0], rejected.shape[0]
    i, pos, k, n_runs, n_singles = 0, 0, 0, 0, 0
    if first >= 0 and n > 0:
        word = np.uint32(first)
        idx = word & np.uint32(0xFF)
        rabs = (word >> np.uint32(9)) & np.uint32(0x7FFFFF)
        if rabs < ki[idx]:
            x = np.float32(rabs) * wi[idx]
            singles[0], single_values[0] = 0, -x if (word >> np.uint32(8)) & np.uint32(1) else x
            n_singles, i = 1, 1
        else:
            status, x, pos = _rest_of_try(word, halves, 0, wi, fi, r, inv_r, u24)
            if status < 0:
                return 0, 0, -1
            if status:
                singles[0], single_values[0] = 0, x
                n_singles, i = 1, 1
    while i < n:
        while k < n_rejected and rejected[k] < pos:  # used up by a try that went on
            k += 1
        stop = rejected[k] if k < n_rejected else n_halves
        stop = min(stop, pos + (n - i))
        if stop > pos:
            runs[n_runs, 0], runs[n_runs, 1], runs[n_runs, 2] = i, pos, stop - pos
            n_runs += 1
        i += stop - pos
        pos = stop
        if i == n:
            break
        if pos >= n_halves:
            return 0, 0, -1
        status, x, pos = _rest_of_try(halves[pos], halves, pos + 1, wi, fi, r, inv_r, u24)
        if status < 0:
            return 0, 0, -1
        if status:
            singles[n_singles], single_values[n_singles] = i, x
            n_singles += 1
            i += 1
    return n_runs, n_singles, pos


@numba.njit(inline="always")
def _put(mode: int, at: np.uint64, z: np.float32, out: np.ndarray, level: np.ndarray, rho: np.float32,
         scale: np.float32, urban: np.ndarray, mean_rural: np.float32, mean_urban: np.float32) -> None:
    """Normal ``z`` used for row ``at``: stored (mode 0), the AR(1) update ``level = level·rho +
    scale·z`` (1, :func:`ar1_update`), or the log earnings ``out = (mean by hukou + level) +
    scale·z`` (2, :func:`log_earnings`)."""
    if mode == 0:
        out[at] = z
    elif mode == 1:
        level[at] = level[at] * rho + scale * z
    else:
        mean = mean_urban if urban[at] else mean_rural
        out[at] = (mean + level[at]) + scale * z


@numba.njit(cache=True)
def _put_normals(mode: int, runs: np.ndarray, n_runs: int, singles: np.ndarray, single_values: np.ndarray,
                 n_singles: int, vals: np.ndarray, out: np.ndarray, level: np.ndarray, rho: np.float32,
                 scale: np.float32, urban: np.ndarray, mean_rural: np.float32, mean_urban: np.float32) -> None:
    """The block's normals (:func:`_settle`'s runs and singles) used as :func:`_put` uses each:
    each run in a loop the compiler vectorises (unsigned indices need no check for a negative
    value), in place of copying them to an array that a second loop reads."""
    for k in range(n_runs):
        at_out, at_vals, count = np.uint64(runs[k, 0]), np.uint64(runs[k, 1]), runs[k, 2]
        for t in range(count):  # the mode's test is taken out of the loop by the compiler
            _put(mode, at_out + np.uint64(t), vals[at_vals + np.uint64(t)], out, level, rho, scale, urban, mean_rural,
                 mean_urban)
    for k in range(n_singles):
        _put(mode, np.uint64(singles[k]), single_values[k], out, level, rho, scale, urban, mean_rural, mean_urban)


@numba.njit(cache=True)
def _normals(state: np.ndarray, first: int, out: np.ndarray, n: int, block: int, level: np.ndarray,
             rho: np.float32, scale: np.float32, urban: np.ndarray, means: np.ndarray, earned: np.ndarray,
             boxes: np.ndarray, ki: np.ndarray, wi: np.ndarray, fi: np.ndarray, r: np.float32, inv_r: np.float32,
             u24: np.float32) -> int:
    """:func:`standard_normal32`'s loop: ``n`` normals made block by block from the PCG64 stream
    whose state (high, low) and increment (high, low) are ``state``, after the kept half-word
    ``first`` (-1: none), into ``out``; or, when ``level`` has ``n`` rows
    (:func:`ar1_normal_update`), each block's normals used at once in the AR(1) update ``level =
    level·rho + scale·normal``; or, when ``earned`` has ``n`` rows (:func:`noisy_log_earnings`),
    in the log earnings ``earned = (means[urban] + level) + scale·normal`` (``means``: rural,
    urban): no array of normals is written and read back (:func:`_put_normals`). The state
    moves on by the words used; returns the half-word kept for the next draw (-1: none), as
    numpy keeps the high half of a last word of which only the low half was used."""
    s_hi, s_lo, inc_hi, inc_lo = state[0], state[1], state[2], state[3]
    logs = earned.shape[0] == n
    mode = 2 if logs else 1 if level.shape[0] == n else 0
    capacity = 0
    words = np.empty(0, dtype=np.uint64)
    vals = np.empty(0, dtype=np.float32)
    rejected = np.empty(0, dtype=np.int64)
    runs = np.empty((0, 3), dtype=np.int64)
    singles, single_values = np.empty(0, dtype=np.int64), np.empty(0, dtype=np.float32)
    for start in range(0, n, block):
        m = min(block, n - start)
        q = -(-(m // 2 + m // 32 + 64) // 4) * 2  # ~1.5 % of draws take an extra half-word or two; even
        while True:
            if 2 * q > capacity:
                capacity = 2 * q
                words = np.empty(capacity, dtype=np.uint64)
                vals = np.empty(2 * capacity, dtype=np.float32)
                rejected = np.empty(2 * capacity + RUN_SLACK, dtype=np.int64)
            count = _words_and_first_tries(s_hi, s_lo, inc_hi, inc_lo, q, words, boxes, vals, rejected)
            if count + 2 > singles.shape[0]:  # a run or a single per rejection, and one more of each
                runs = np.empty((2 * count + 2, 3), dtype=np.int64)
                singles = np.empty(2 * count + 2, dtype=np.int64)
                single_values = np.empty(2 * count + 2, dtype=np.float32)
            halves = words[:2 * q].view(np.uint32)
            n_runs, n_singles, used = _settle(halves, first, vals, rejected[:count], m, ki, wi, fi, r, inv_r, u24,
                                              runs, singles, single_values)
            if used >= 0:
                break
            q *= 2  # ran out (rare): again from the same state with more words
        rows = slice(start, start + m)
        _put_normals(mode, runs, n_runs, singles, single_values, n_singles, vals,
                     earned[rows] if logs else out[rows] if mode == 0 else out[:0], level[rows] if mode else level,
                     rho, scale, urban[rows] if logs else urban, means[0] if logs else F32(0),
                     means[1] if logs else F32(0))
        # The generator drew ⌈used / 2⌉ words; an odd count leaves the high half of the last for
        # the next draw, as numpy keeps it.
        s_hi, s_lo = jump_halves(s_hi, s_lo, inc_hi, inc_lo, (used + 1) // 2)
        first = np.int64(halves[used]) if used % 2 else -1
    state[0], state[1] = s_hi, s_lo
    return first


_NONE_F32, _NONE_BOOL = np.empty(0, dtype=F32), np.empty(0, dtype=bool)


def _draw_normals(bits: np.random.PCG64, out: np.ndarray, n: int, block: int, level: np.ndarray,
                  rho: np.float32, scale: np.float32, urban: np.ndarray = _NONE_BOOL,
                  means: np.ndarray = _NONE_F32, earned: np.ndarray = _NONE_F32) -> None:
    """Run :func:`_normals` from ``bits``' state and leave ``bits`` where numpy's draw would."""
    state = bits.state
    now, inc = state["state"]["state"], state["state"]["inc"]
    first = int(state["uinteger"]) & 0xFFFFFFFF if state["has_uint32"] else -1
    halves = np.array([now >> 64, now & _MASK64, inc >> 64, inc & _MASK64], dtype=np.uint64)
    kept = _normals(halves, first, out, n, block, level, rho, scale, urban, means, earned, _ZIG_BOXES, _ZIG_KI_SIGNED,
                    ZIG_WI, ZIG_FI, _ZIG_R, _ZIG_INV_R, _U24)
    state["state"]["state"] = (int(halves[0]) << 64) | int(halves[1])
    state["has_uint32"], state["uinteger"] = (1, kept) if kept >= 0 else (0, 0)
    bits.state = state


def standard_normal32(generator: np.random.Generator, n: int, block: int = 1 << 17) -> np.ndarray:
    """``generator.standard_normal(n, dtype=np.float32)``: the same numbers and the same state
    after, about 2.5 times faster (numpy's ziggurat compiled, its first tries made in the loop
    that makes the PCG64 words, instead of one call per 32-bit half-word). Drawn in blocks so
    the words stay small; other bit generators fall back to numpy."""
    bits = generator.bit_generator
    if not isinstance(bits, np.random.PCG64) or n <= 0:
        return generator.standard_normal(n, dtype=F32)
    out = np.empty(n, dtype=F32)
    _draw_normals(bits, out, n, block, np.empty(0, dtype=F32), F32(0), F32(0))
    return out


def ar1_normal_update(generator: np.random.Generator, level: np.ndarray, rho: np.float32, scale: np.float32,
                      block: int = 1 << 17) -> None:
    """:func:`ar1_update` of ``level`` (float32, in place) with ``standard_normal32(generator,
    len(level))``: the same numbers, each block of normals used as it is made, so that no array
    of them is written and read back."""
    bits, n = generator.bit_generator, level.shape[0]
    if not isinstance(bits, np.random.PCG64) or n <= 0:
        ar1_update(level, standard_normal32(generator, n), rho, scale)
        return
    _draw_normals(bits, _NONE_F32, n, block, level, rho, scale)


def noisy_log_earnings(generator: np.random.Generator, urban: np.ndarray, mean_urban: np.float32,
                       mean_rural: np.float32, level: np.ndarray, sd: np.float32, out: np.ndarray,
                       block: int = 1 << 17) -> None:
    """``log_earnings(urban, mean_urban, mean_rural, level, standard_normal32(generator, n), sd,
    out)``: the same numbers, each block of normals used as it is made, so that no array of
    them is written and read back."""
    bits, n = generator.bit_generator, level.shape[0]
    if not isinstance(bits, np.random.PCG64) or n <= 0:
        log_earnings(urban, mean_urban, mean_rural, level, standard_normal32(generator, n), sd, out)
        return
    _draw_normals(bits, _NONE_F32, n, block, level, F32(0), sd, urban,
                  np.array([mean_rural, mean_urban], dtype=F32), out)


# ---------------------------------------------------------------------------------------------
# Uniforms as raw words, converted where they are used
# ---------------------------------------------------------------------------------------------

def uniform_words(generator: np.random.Generator, n: int) -> tuple[int, np.ndarray]:
    """The 32-bit words behind ``generator.random(n, dtype=np.float32)`` (``aidsim.rng.uniform32``),
    leaving the generator's state as that draw would: ``(first, halves)``, where ``first`` is the
    half-word the generator kept from an earlier draw (-1 if none) and ``halves`` the rest. The
    ``i``-th uniform is ``(word >> 8) · 2**-24`` (as :func:`_u` converts it), so the loops that use
    the uniforms convert them as they read them, without a float32 array of all of them."""
    bits = generator.bit_generator
    if not isinstance(bits, np.random.PCG64) or n <= 0:  # the same words back from the floats
        u = generator.random(max(n, 0), dtype=F32)
        return -1, (u * F32(16777216.0)).astype(np.uint32) << np.uint32(8)
    kept = bits.state
    first = int(kept["uinteger"]) & 0xFFFFFFFF if kept["has_uint32"] else -1
    rest = n - (first >= 0)
    halves = raw_words(bits, (rest + 1) // 2).view(np.uint32)  # little-endian: low half first
    if first >= 0 or rest % 2:  # numpy keeps the high half of an odd last word for the next draw
        state = bits.state
        state["has_uint32"] = rest % 2
        state["uinteger"] = int(halves[rest]) if rest % 2 else 0
        bits.state = state
    return first, halves


# ---------------------------------------------------------------------------------------------
# Thresholds
# ---------------------------------------------------------------------------------------------

def below(rate: float) -> np.float32:
    """The float32 ``t`` with ``u < t`` ⇔ numpy's ``u < rate`` for every float32 ``u``: numpy
    compares a float32 array with a Python float in float32 (the float rounded to nearest), and
    with a float64 scalar in float64 (then ``t`` is the least float32 ≥ ``rate``)."""
    if isinstance(rate, np.float32):
        return rate
    t = F32(rate)
    if isinstance(rate, np.generic) and float(t) < float(rate):
        t = np.nextafter(t, F32(np.inf))
    return t


# ---------------------------------------------------------------------------------------------
# Demography, disability, illness, jobs, persistent incomes
# ---------------------------------------------------------------------------------------------

@intrinsic
def _deaths8(typingctx, ages, words, limits, j, last):
    """Who of the eight rows ``j`` to ``j + 7`` dies, as eight 0/1 bytes (little-endian, row ``j``
    lowest): ``words[row] < limit`` where ``limit = limits[min(ages[row], last)]`` (:func:`_limits32`:
    ``0xFFFFFFFF`` stands for 2**32, below which every word is), side by side in vector registers,
    the limits read by :func:`_gather8`."""
    u16, u32 = types.Array(types.uint16, 1, "C"), types.Array(types.uint32, 1, "C")
    if not (ages == u16 and words == u32 and limits == u32):
        return None
    sig = types.uint64(ages, words, limits, j, last)

    def codegen(context, builder, signature, args):
        i8, i16, i32, i64 = ir.IntType(8), ir.IntType(16), ir.IntType(32), ir.IntType(64)
        v8i = ir.VectorType(i32, 8)

        def at(k, index, lane):  # a pointer to eight of argument k's elements from index
            data = context.make_array(signature.args[k])(context, builder, args[k]).data
            return builder.bitcast(builder.gep(data, [index]), ir.VectorType(lane, 8).as_pointer())
        age = builder.zext(builder.load(at(0, args[3], i16), align=2), v8i)
        top = builder.insert_element(ir.Constant(v8i, ir.Undefined), builder.trunc(args[4], i32) if
                                     args[4].type.width > 32 else builder.zext(args[4], i32), ir.Constant(i32, 0))
        top = builder.shuffle_vector(top, ir.Constant(v8i, ir.Undefined), ir.Constant(v8i, [0] * 8))
        index = builder.select(builder.icmp_unsigned("<", age, top), age, top)
        limit = _gather8(context, builder, at(2, ir.Constant(i64, 0), i32), index)
        word = builder.load(at(1, args[3], i32), align=4)
        dies = builder.or_(builder.icmp_unsigned("<", word, limit),
                           builder.icmp_unsigned("==", limit, ir.Constant(v8i, [0xFFFFFFFF] * 8)))
        return builder.bitcast(builder.zext(dies, ir.VectorType(i8, 8)), i64)
    return sig, codegen


@numba.njit(cache=True)
def _limits32(limits: np.ndarray) -> np.ndarray:
    """:func:`_word_limits` as uint32 for :func:`_deaths8`: a limit is a multiple of 256 up to 2**32,
    so 2**32 (a certain death: every word is below it) is written ``0xFFFFFFFF``, which no other
    limit is."""
    out = np.empty(limits.shape[0], dtype=np.uint32)
    for k in range(limits.shape[0]):
        out[k] = np.uint32(min(limits[k], np.uint64(0xFFFFFFFF)))
    return out


@numba.njit(cache=True)
def _deaths_rows(alive: np.ndarray, age: np.ndarray, words: np.ndarray, limits: np.ndarray,
                 died: np.ndarray) -> None:
    """:func:`deaths_and_ageing` for rows whose uniforms are ``words`` row by row, a death being
    ``word < limit`` with ``limit = limits[age]`` (:func:`_limits32`; ``0xFFFFFFFF``: always). The
    ages are read by their uint16 view (they are never negative). Two loops: the deaths, eight
    rows at a time (:func:`_deaths8`: the limits gathered in vector registers; a loop looking
    each up was not vectorised and took about 1.5 times as long), then the living and their ages
    (vectorised); one loop doing both took twice as long."""
    al, dd, ag = alive.view(np.uint8), died.view(np.uint8), age.view(np.uint16)
    last = limits.shape[0] - 1
    n = al.shape[0]
    whole = n // 8
    al64, dd64 = al[:8 * whole].view(np.uint64), dd[:8 * whole].view(np.uint64)
    for r in range(whole):
        dd64[r] = _deaths8(ag, words, limits, 8 * r, last) & al64[r]
    for i in range(8 * whole, n):  # the last rows, as _deaths8 judges them
        limit = limits[min(ag[i], np.uint16(last))]
        dd[i] = al[i] & np.uint8((words[i] < limit) | (limit == np.uint32(0xFFFFFFFF)))
    for i in range(n):
        lives = al[i] ^ dd[i]
        al[i] = lives
        ag[i] = ag[i] + np.uint16(lives)


@numba.njit(cache=True)
def _word_limits(probability: np.ndarray) -> np.ndarray:
    """For each float32 probability ``p``, the uint64 ``L`` with ``word < L`` ⇔ ``u < p`` for every
    32-bit word, ``u = (word >> 8) · 2**-24`` its uniform (:func:`_u`): ``u < p`` ⇔ ``word >> 8 <
    ⌈p · 2**24⌉`` (both sides exact: a 24-bit integer, and ``p · 2**24`` in float64, ``p`` clipped
    to [0, 1]) ⇔ ``word < ⌈p · 2**24⌉ · 256``. Comparing the words took 0.9 of the time of
    converting each to a float (deaths), 0.4 with a float select avoided (disability)."""
    out = np.empty(probability.shape[0], dtype=np.uint64)
    for k in range(probability.shape[0]):
        p = min(max(np.float64(probability[k]), 0.0), 1.0)
        out[k] = np.uint64(math.ceil(p * 16777216.0)) << np.uint64(8)
    return out


def deaths_and_ageing(alive: np.ndarray, age: np.ndarray, first: int, words: np.ndarray, hazard: np.ndarray,
                      died: np.ndarray) -> None:
    """Deaths, then a month of age for the living (``shocks.demography``): replaces
    ``died = alive & (u < hazard[age]); alive &= ~died; age += alive``. ``hazard`` is the monthly
    death probability by age in months (at most 65,536 entries), its last entry serving all older
    ages; ``u`` the uniforms given by ``(first, words)`` (:func:`uniform_words`): the first person
    takes the kept half-word, if any, the others the words from the first. In place."""
    n = alive.shape[0]
    if n == 0:
        return
    limits = _limits32(_word_limits(hazard))
    if first >= 0:
        _deaths_rows(alive[:1], age[:1], np.array([first], dtype=np.uint32), limits, died[:1])
        _deaths_rows(alive[1:], age[1:], words[:n - 1], limits, died[1:])
    else:
        _deaths_rows(alive, age, words[:n], limits, died)


@numba.njit(cache=True)
def without_pension_at(alive: np.ndarray, age: np.ndarray, pension: np.ndarray, at: int, rows: np.ndarray) -> int:
    """``flatnonzero(alive & (age == at) & (pension == 0))`` into ``rows`` (room for every person),
    returning how many: one pass that reads ``alive`` and ``pension`` only at that age, without
    the masks' person-sized temporaries. One age in about 1,200 is ``at``: the ages are looked at
    64 at a time (a loop the compiler vectorises), and only a stretch with one is searched, so
    the branch is taken about once in 20 stretches, not tested on every row (0.4 of the time)."""
    ag = age.view(np.uint16)  # ages are never negative
    target = np.uint16(at)
    n = ag.shape[0]
    whole = n - n % 64
    k = 0
    for start in range(0, whole, 64):
        found = np.uint16(0)
        for j in range(64):  # a fixed count: vectorised whole
            found |= np.uint16(ag[start + j] == target)
        if found:
            k = _without_pension_in(alive, ag, pension, target, start, start + 64, rows, k)
    return _without_pension_in(alive, ag, pension, target, whole, n, rows, k)


@numba.njit(inline="always")
def _without_pension_in(alive: np.ndarray, ag: np.ndarray, pension: np.ndarray, target: np.uint16, start: int,
                        stop: int, rows: np.ndarray, k: int) -> int:
    """:func:`without_pension_at`'s rows from ``start`` to ``stop``, listed from ``rows[k]``."""
    for i in range(start, stop):
        if ag[i] == target and alive[i] and pension[i] == 0:
            rows[k] = i
            k += 1
    return k


@numba.njit(cache=True)
def _disability_onset(alive: np.ndarray, age: np.ndarray, disability: np.ndarray, selfcare: np.ndarray,
                      words: np.ndarray, older_from: int, hazard: np.ndarray, limits: np.ndarray,
                      grade_bounds: np.ndarray) -> None:
    """``labour.disability_onset``, row ``i``'s uniform from ``words[i]``: an onset is ``word <
    limits[older]`` (:func:`_word_limits` of ``hazard``, by ``age ≥ older_from``). About one row
    in a thousand has one: the rows are screened 64 at a time in a loop the compiler vectorises
    (the limit chosen by an integer select, not looked up), and only a stretch with an onset is
    gone through row by row (:func:`_onsets_in`): 0.3 of the time of one loop over every row,
    which the lookup and the onsets' branch kept from being vectorised."""
    ag, al = age.view(np.uint16), alive.view(np.uint8)  # ages are never negative
    older_from16 = np.uint16(older_from)
    young_limit, older_limit = limits[0], limits[1]
    n = al.shape[0]
    whole = n - n % 64
    for start in range(0, whole, 64):
        found = np.uint8(0)
        for j in range(64):  # a fixed count: vectorised whole
            i = start + j
            limit = older_limit if ag[i] >= older_from16 else young_limit
            found |= al[i] & np.uint8(disability[i] == 0) & np.uint8(np.uint64(words[i]) < limit)
        if found:
            _onsets_in(al, ag, disability, selfcare, words, older_from16, hazard, limits, grade_bounds, start,
                       start + 64)
    _onsets_in(al, ag, disability, selfcare, words, older_from16, hazard, limits, grade_bounds, whole, n)


@numba.njit(inline="always")
def _onsets_in(al: np.ndarray, ag: np.ndarray, disability: np.ndarray, selfcare: np.ndarray, words: np.ndarray,
               older_from16: np.uint16, hazard: np.ndarray, limits: np.ndarray, grade_bounds: np.ndarray,
               start: int, stop: int) -> None:
    """:func:`_disability_onset` of the rows ``start`` to ``stop``: the onsets (a branch, rare),
    each word converted to find the grade."""
    for i in range(start, stop):
        older = np.uint64(ag[i] >= older_from16)
        word = words[i]
        if al[i] & np.uint8(disability[i] == 0) & np.uint8(np.uint64(word) < limits[older]):
            h = hazard[older]
            position = np.float64(_u(word) / max(h, np.float32(1e-12)))
            grade = 1
            for bound in grade_bounds:
                if bound <= position:
                    grade += 1
            disability[i] = grade
            if grade == 2:
                selfcare[i] = max(selfcare[i], 1)
            elif grade == 1:
                selfcare[i] = 2


@numba.njit(cache=True)
def _illness_and_jobs(alive: np.ndarray, age: np.ndarray, disability: np.ndarray, selfcare: np.ndarray,
                      ill: np.ndarray, chronic: np.ndarray, employed: np.ndarray, refuses: np.ndarray,
                      w_i: np.ndarray, w_j: np.ndarray, older_from: int, ih: np.ndarray, recovery: np.float32,
                      severe_bits: int, working_from: int, working_to: int, loss: np.float32, finding: np.float32,
                      onset: np.ndarray, able: np.ndarray, lose: np.ndarray) -> None:
    """Illness transitions, ability to work and jobs, row ``i``'s uniforms from ``w_i[i]`` and
    ``w_j[i]``, without branches (0/1 bytes: the bool arrays as uint8 views), so that the loop
    can be vectorised."""
    one = np.uint8(1)
    h0, h1, h2, h3 = ih[0], ih[1], ih[2], ih[3]
    for i in range(alive.shape[0]):
        a = age[i]
        older = a >= older_from
        live = alive[i]
        u_i = _u(w_i[i])
        was_ill = ill[i]
        hazard = (h3 if older else h2) if chronic[i] else (h1 if older else h0)
        new = live & (was_ill ^ one) & np.uint8(u_i < hazard)
        onset[i] = new
        ill[i] = new | (was_ill & np.uint8(not u_i < recovery) & live)
        ok = (live & np.uint8(a >= working_from) & np.uint8(a < working_to) & np.uint8(selfcare[i] == 0)
              & np.uint8(((severe_bits >> np.int64(disability[i])) & 1) ^ 1))
        able[i] = ok
        u_j = _u(w_j[i])
        worker = employed[i]
        gone = worker & np.uint8((u_j < loss) | (ok == 0))
        found = (worker ^ one) & ok & (refuses[i] ^ one) & np.uint8(u_j < finding)
        lose[i] = gone
        employed[i] = (worker | found) & (gone ^ one)


@numba.njit(inline="always")
def _u(word: np.uint32) -> np.float32:
    return np.float32(word >> np.uint32(8)) * np.float32(1.0 / 16777216.0)


@numba.njit(cache=True)
def disability_illness_jobs(alive: np.ndarray, age: np.ndarray, disability: np.ndarray, selfcare: np.ndarray,
                            ill: np.ndarray, chronic: np.ndarray, employed: np.ndarray, refuses: np.ndarray,
                            first_d: int, u_disability: np.ndarray, first_i: int, u_illness: np.ndarray,
                            first_j: int, u_job: np.ndarray, older_from: int, disability_hazard: np.ndarray,
                            grade_bounds: np.ndarray, illness_hazard: np.ndarray, recovery: np.float32,
                            severe_bits: int, working_from: int, working_to: int, loss: np.float32,
                            finding: np.float32, onset: np.ndarray, able: np.ndarray, lose: np.ndarray) -> None:
    """One person-month of ``labour.disability_onset``, ``health.illness_step`` (its transitions),
    ``events.able_persons`` and ``labour.job_transitions``, in that order (in place): replaces
    their chains of person-sized masks by two passes (the rare onsets of disability, then the rest).

    ``disability_hazard`` and ``illness_hazard`` are float32 by ``older`` (and, for illness,
    ``2·chronic + older``); ``grade_bounds`` the cumulative grade shares but the last (float64,
    as ``searchsorted`` compares them); bit ``g`` of ``severe_bits`` says whether grade ``g``
    counts as severe. Writes the month's illness ``onset``, who is ``able`` to work and who loses
    work (``lose``). The three uniforms come as words (``first_*``, ``u_*``: :func:`uniform_words`):
    the first person may take the half-words the generators kept, the others read shifted rows."""
    n = alive.shape[0]
    if n == 0:
        return
    al, il, ch, em, rf = (alive.view(np.uint8), ill.view(np.uint8), chronic.view(np.uint8),
                          employed.view(np.uint8), refuses.view(np.uint8))
    on, ab, lo = onset.view(np.uint8), able.view(np.uint8), lose.view(np.uint8)
    off_d, off_i, off_j = int(first_d >= 0), int(first_i >= 0), int(first_j >= 0)
    head_d = np.array([np.uint32(first_d) if off_d else u_disability[0]], dtype=np.uint32)
    head_i = np.array([np.uint32(first_i) if off_i else u_illness[0]], dtype=np.uint32)
    head_j = np.array([np.uint32(first_j) if off_j else u_job[0]], dtype=np.uint32)
    limits = _word_limits(disability_hazard)
    _disability_onset(al[:1], age[:1], disability[:1], selfcare[:1], head_d, older_from, disability_hazard, limits,
                      grade_bounds)
    # The other rows as views from row 1, their words from the first after the head's: every
    # index starts at 0, so none needs a check for a negative value (with a row offset in the
    # index, the loops took three times as long).
    words_d, words_i, words_j = u_disability[1 - off_d:n - off_d], u_illness[1 - off_i:n - off_i], u_job[1 - off_j:n - off_j]
    _disability_onset(al[1:], age[1:], disability[1:], selfcare[1:], words_d, older_from, disability_hazard, limits,
                      grade_bounds)
    _illness_and_jobs(al[:1], age[:1], disability[:1], selfcare[:1], il[:1], ch[:1], em[:1], rf[:1], head_i, head_j,
                      older_from, illness_hazard, recovery, severe_bits, working_from, working_to, loss, finding,
                      on[:1], ab[:1], lo[:1])
    _illness_and_jobs(al[1:], age[1:], disability[1:], selfcare[1:], il[1:], ch[1:], em[1:], rf[1:], words_i, words_j,
                      older_from, illness_hazard, recovery, severe_bits, working_from, working_to, loss, finding,
                      on[1:], ab[1:], lo[1:])


@numba.njit(cache=True)
def ar1_update(level: np.ndarray, normal: np.ndarray, rho: np.float32, scale: np.float32) -> None:
    """``income.update_persistent``: ``level *= rho; level += scale * normal`` in one pass, the
    same three float32 roundings."""
    for i in range(level.shape[0]):
        level[i] = level[i] * rho + scale * normal[i]


# ---------------------------------------------------------------------------------------------
# Incomes and household sums (persons stored household by household)
# ---------------------------------------------------------------------------------------------

@numba.njit(cache=True)
def log_earnings(urban: np.ndarray, mean_urban: np.float32, mean_rural: np.float32, level: np.ndarray,
                 transitory: np.ndarray, sd: np.float32, out: np.ndarray) -> None:
    """The log earnings of ``income.earnings``: ``mean_log + level + sd·ε`` (float32, that order);
    the exponential is taken by :func:`earnings_and_own`, for the workers only."""
    for i in range(level.shape[0]):
        mean = mean_urban if urban[i] else mean_rural
        out[i] = (mean + level[i]) + sd * transitory[i]


@numba.njit(cache=True)
def other_income(level: np.ndarray, has_other: np.ndarray, urban: np.ndarray, median_urban: np.float32,
                 median_rural: np.float32, grow_urban: np.float32, grow_rural: np.float32, grown: bool,
                 keep: np.ndarray, struck: bool, out: np.ndarray) -> None:
    """``income.other_income`` with growth and disaster losses (``events.compute_incomes``) into
    ``out``: ``where(has_other, median · exp(level), 0)`` (glibc's float32 ``exp``, as
    :func:`aidsim.libm.exp`), then ``· growth`` by hukou when ``grown``, then ``· keep`` when
    ``struck``. The exponential is taken for every household, four at a time
    (:func:`aidsim.libm.expf_into`), then dropped by :func:`_kept` for those with none (a
    household in three, at random: a branch would be mispredicted)."""
    expf_into(level, out)
    # by hukou by the floats' bits: a float select on a bool is a branch, mispredicted at random
    hukou, has = urban.view(np.uint8), has_other.view(np.uint8)
    for h in range(level.shape[0]):
        u = hukou[h]
        o = _kept(_chosen(median_rural, median_urban, u) * out[h], has[h])
        if grown:
            o = o * _chosen(grow_rural, grow_urban, u)
        if struck:
            o = o * keep[h]
        out[h] = o


@numba.njit(cache=True)
def earnings_and_own(earned: np.ndarray, employed: np.ndarray, alive: np.ndarray, ill: np.ndarray,
                     pension: np.ndarray, urban: np.ndarray, grow_urban: np.float32, grow_rural: np.float32,
                     grown: bool, keep: np.ndarray, struck: bool, household: np.ndarray, own: np.ndarray) -> None:
    """The person part of ``events.compute_incomes``: ``earned`` holds the log earnings
    (:func:`log_earnings`) and becomes the earnings of workers not ill (glibc's float32 ``exp``,
    as :func:`aidsim.libm.exp`; else 0), grown by hukou when ``grown`` and cut by the household's
    ``keep`` share when ``struck``; ``own = earned + pension`` (grown, the living only). The
    exponential is taken for every person, four at a time in a pass of its own
    (:func:`aidsim.libm.expf_into`: 0.8 of the time of one loop calling the C library's, 0.6
    with growth), and dropped by :func:`_kept` for those who do not earn (half the persons, at
    random: a branch around it took 1.2 times as long)."""
    expf_into(earned, earned)
    hukou = urban.view(np.uint8)
    worker, living, sick = employed.view(np.uint8), alive.view(np.uint8), ill.view(np.uint8)
    for i in range(earned.shape[0]):
        live = living[i]
        e = _kept(earned[i], worker[i] & live & (sick[i] ^ np.uint8(1)))
        p = pension[i]
        if grown:
            g = _chosen(grow_rural, grow_urban, hukou[i])
            e = e * g
            p = p * g
        if struck:
            e = e * keep[household[i]]
        earned[i] = e
        own[i] = e + _kept(p, live)


@numba.njit(cache=True)
def household_income_sums(household: np.ndarray, own: np.ndarray, alive: np.ndarray, total: np.ndarray,
                          alive_count: np.ndarray) -> None:
    """``total`` gets each household's float64 sum of ``own`` in row order, as ``np.bincount(household,
    weights=own)`` adds it, and ``alive_count`` its living members (:func:`segment_count` of
    ``alive``). A household's rows are consecutive: the running sums stay in registers and are
    stored at every row, so only households without rows need zeros on entry. Without branches:
    see :func:`assessed_income_sums`."""
    p_run, p_count, run, count = -1.0, -1.0, 0.0, 0.0
    living = alive.view(np.uint8)  # a bool converted to a float is a branch; a byte is not
    for i in range(own.shape[0]):
        row = household[i]
        h = np.uint64(row)  # unsigned: the stores by household need no negative-index check
        h_run = np.float64(row)
        h_count = h_run + 0.5
        run = (run if h_run == p_run else 0.0) + np.float64(own[i])  # bincount's order: 0.0 + first + …
        count = (count if h_count == p_count else 0.0) + np.float64(living[i])
        total[h] = run
        alive_count[h] = np.int64(count)
        p_run, p_count = h_run, h_count


def earnings_and_household_income(earned: np.ndarray, employed: np.ndarray, alive: np.ndarray, ill: np.ndarray,
                                  pension: np.ndarray, urban: np.ndarray, grow_urban: np.float32,
                                  grow_rural: np.float32, grown: bool, keep: np.ndarray, struck: bool,
                                  household: np.ndarray, own: np.ndarray, total: np.ndarray,
                                  alive_count: np.ndarray) -> None:
    """The rest of ``events.compute_incomes``: :func:`earnings_and_own`, then
    :func:`household_income_sums` of ``own`` (the second loop carries the running sums)."""
    earnings_and_own(earned, employed, alive, ill, pension, urban, grow_urban, grow_rural, grown, keep, struck,
                     household, own)
    household_income_sums(household, own, alive, total, alive_count)


@numba.njit(cache=True)
def assessed_persons(assessed: np.ndarray, earned: np.ndarray, weight: np.float32, arrivals: np.ndarray,
                     update: bool, alive: np.ndarray, own: np.ndarray, assessed_earned: np.ndarray,
                     assessed_own: np.ndarray) -> None:
    """``events.assessed_incomes`` for persons: the rows ``arrivals`` first take this month's
    earnings (``assessed[arrivals] = earned[arrivals]``), then with ``update`` the assessed
    earnings move towards this month's (``assessed += weight·(earned − assessed)``);
    ``assessed_earned`` is that for the living (else 0) and ``assessed_own = (own − earned) +
    assessed_earned``. Vectorised; the household sums are :func:`segment_sum` of
    ``assessed_own``, or :func:`assessed_income_sums`."""
    for k in range(arrivals.shape[0]):
        assessed[arrivals[k]] = earned[arrivals[k]]
    for i in range(assessed.shape[0]):
        e = earned[i]
        a = assessed[i]
        if update:
            a = a + weight * (e - a)
            assessed[i] = a
        counted = a if alive[i] else np.float32(0)
        assessed_earned[i] = counted
        assessed_own[i] = (own[i] - e) + counted


@numba.njit(cache=True)
def assessed_income_sums(household: np.ndarray, own: np.ndarray, alive: np.ndarray, assessed_own: np.ndarray,
                         assessed_earned: np.ndarray, formal_job: np.ndarray, formal: np.float32,
                         informal: np.float32, hides: bool, total: np.ndarray, alive_count: np.ndarray,
                         assessed_total: np.ndarray, hidden: np.ndarray) -> None:
    """:func:`household_income_sums` of ``own`` and ``alive``, and in the same pass each household's
    float64 sum of ``assessed_own`` in row order (``assessed_total``); with ``hides``, also of its
    assessed earnings × the hidden share of each person's kind of job (``formal`` or ``informal``
    by ``formal_job``, float32 products) in ``hidden``: ``declaring.hidden_sums`` of the assessed
    earnings.

    Without branches: whether a row starts a household is random, so a branch on it is mispredicted
    about once a household. x86 has no conditional move between float registers, so a float select
    on an integer comparison becomes a branch; on a float comparison it becomes a mask (``cmpsd``,
    ``andpd``). So a running sum restarts by a select on a float comparison of the household
    number, each sum on its own copy of it (``h + 0.25``, ``h + 0.5``…, exact), since selects on
    one comparison are merged into one branch. The living are counted in float64 (exact)."""
    shares = np.array([informal, formal], dtype=np.float32)
    job = formal_job.view(np.uint8)
    living = alive.view(np.uint8)  # a bool converted to a float is a branch; a byte is not
    p_run, p_assessed, p_count, p_hidden = -1.0, -1.0, -1.0, -1.0
    run, run_assessed, count, run_hidden = 0.0, 0.0, 0.0, 0.0
    for i in range(own.shape[0]):
        row = household[i]
        h = np.uint64(row)  # unsigned: the stores by household need no negative-index check
        h_run = np.float64(row)
        h_assessed, h_count, h_hidden = h_run + 0.25, h_run + 0.5, h_run + 0.75
        run = (run if h_run == p_run else 0.0) + np.float64(own[i])
        run_assessed = (run_assessed if h_assessed == p_assessed else 0.0) + np.float64(assessed_own[i])
        count = (count if h_count == p_count else 0.0) + np.float64(living[i])
        total[h] = run
        assessed_total[h] = run_assessed
        alive_count[h] = np.int64(count)
        if hides:
            run_hidden = (run_hidden if h_hidden == p_hidden else 0.0) + np.float64(assessed_earned[i] * shares[job[i]])
            hidden[h] = run_hidden
        p_run, p_assessed, p_count, p_hidden = h_run, h_assessed, h_count, h_hidden


def incomes_and_assessed(earned: np.ndarray, employed: np.ndarray, alive: np.ndarray, ill: np.ndarray,
                         pension: np.ndarray, urban: np.ndarray, grow_urban: np.float32, grow_rural: np.float32,
                         grown: bool, keep: np.ndarray, struck: bool, household: np.ndarray, own: np.ndarray,
                         total: np.ndarray, alive_count: np.ndarray, assessed: np.ndarray, weight: np.float32,
                         arrivals: np.ndarray, assessed_earned: np.ndarray, assessed_own: np.ndarray,
                         assessed_total: np.ndarray, formal_job: np.ndarray, formal: np.float32,
                         informal: np.float32, hides: bool, hidden: np.ndarray) -> None:
    """:func:`earnings_and_household_income` and the assessed incomes' update
    (:func:`assessed_persons` with ``update``, its outputs ``assessed_*``; the rows
    ``arrivals`` first take this month's earnings, as ``assessed[arrivals] = earned[arrivals]``
    before the update does), with ``hides`` also ``declaring.hidden_sums`` of the assessed
    earnings in ``hidden``. Two loops over the persons without carried values
    (:func:`earnings_and_own`, :func:`assessed_persons`, the second vectorised), then one that
    carries every household sum (:func:`assessed_income_sums`): one fused loop, neither
    vectorised nor free of the running sums' latency, took twice as long."""
    earnings_and_own(earned, employed, alive, ill, pension, urban, grow_urban, grow_rural, grown, keep, struck,
                     household, own)
    assessed_persons(assessed, earned, weight, arrivals, True, alive, own, assessed_earned, assessed_own)
    assessed_income_sums(household, own, alive, assessed_own, assessed_earned, formal_job, formal, informal, hides,
                         total, alive_count, assessed_total, hidden)


@numba.njit(cache=True)
def assessed_other_income(assessed: np.ndarray, other: np.ndarray, weight: np.float32, total: np.ndarray,
                          assessed_out: np.ndarray) -> None:
    """``events.month_incomes`` for households: the assessed other income moves towards this
    month's (``assessed += weight·(other − assessed)``, float32), is added to the household
    sums (``total += assessed``, float64) and copied to ``assessed_out``, in one pass."""
    for h in range(assessed.shape[0]):
        a = assessed[h]
        a = a + weight * (other[h] - a)
        assessed[h] = a
        assessed_out[h] = a
        total[h] += np.float64(a)


@numba.njit(cache=True)
def segment_sum(values: np.ndarray, household: np.ndarray, n_households: int) -> np.ndarray:
    """``np.bincount(household, weights=values, minlength=n_households)``: each household's
    float64 sum of its rows, added in row order (one pass, no float64 copy of ``values``)."""
    out = np.zeros(n_households)
    for i in range(values.shape[0]):
        out[household[i]] += np.float64(values[i])
    return out


@numba.njit(cache=True)
def segment_count(mask: np.ndarray, household: np.ndarray, n_households: int) -> np.ndarray:
    """How many rows of each household have ``mask`` (int64); a household's rows are consecutive
    (persons are stored household by household). The running count stays in a register and is
    stored at every row, the last store of a household's run being its count: no row waits for
    the previous row's store to be read back."""
    out = np.zeros(n_households, dtype=np.int64)
    previous, count = -1, np.int64(0)
    for i in range(mask.shape[0]):
        h = household[i]
        count = count * (h == previous) + np.int64(mask[i])
        out[h] = count
        previous = h
    return out
