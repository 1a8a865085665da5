"""Named, reproducible random streams.

One run has one root seed. Each process that draws random numbers (mortality, illness, jobs,
take-up, …) gets its own :class:`numpy.random.Generator`, derived from
``SeedSequence(seed, spawn_key=(replication, crc32(name)))``. Streams are keyed by name and
replication, never by the order in which they are created, and never by the scenario: a baseline
and a reform run with the same seed see the same draws (common random numbers), and a run gives
the same numbers however many worker processes share a batch.

A run that is one county of a province (:mod:`aidsim.runners.province`) adds the county's number
to the key, ``spawn_key=(replication, crc32(name), county)``: each county has streams of its own,
whichever worker simulates it and whichever counties it shares that worker with.
"""

from __future__ import annotations

import zlib

import numba
import numpy as np
from llvmlite import ir
from numba import types
from numba.extending import intrinsic


def stream_key(name: str) -> int:
    """A stable 32-bit key for a stream name (crc32, identical across processes and platforms)."""
    return zlib.crc32(name.encode("utf-8"))


class Streams:
    """The random streams of one run (one seed, one replication).

    Parameters
    ----------
    seed
        The root seed of the run, a non-negative integer.
    replication
        The Monte Carlo replication number; replications of one seed are independent.
    shard
        The county's number when the run is one county of a province (``None``: a run alone).
    """

    def __init__(self, seed: int, replication: int = 0, shard: int | None = None):
        if seed < 0 or replication < 0 or (shard is not None and shard < 0):
            raise ValueError("seed, replication and shard must be non-negative integers")
        self.seed = int(seed)
        self.replication = int(replication)
        self.shard = None if shard is None else int(shard)
        self._generators: dict[str, np.random.Generator] = {}

    def seed_sequence(self, name: str) -> np.random.SeedSequence:
        key = (self.replication, stream_key(name))
        return np.random.SeedSequence(self.seed, spawn_key=key if self.shard is None else (*key, self.shard))

    def __getitem__(self, name: str) -> np.random.Generator:
        gen = self._generators.get(name)
        if gen is None:
            gen = np.random.Generator(np.random.PCG64(self.seed_sequence(name)))
            self._generators[name] = gen
        return gen


_U32_TO_F32 = np.float32(1.0 / 16777216.0)  # 2**-24: numpy's float32 uniforms keep 24 of 32 bits


def uniform32(generator: np.random.Generator, n: int) -> np.ndarray:
    """``generator.random(n, dtype=np.float32)``, the same numbers and the same state after, in a
    third of the time.

    numpy makes each float32 uniform from a 32-bit half of a PCG64 word (the low half first, the
    high half kept for the next draw) as ``(half >> 8) × 2**-24``. Here the words are drawn in one
    ``random_raw`` call and converted with array operations, and the half-word numpy keeps
    between calls is read from and written back to the generator's state, so a stream drawn
    either way, or both ways in turn, gives the same sequence. Other bit generators fall back to
    ``generator.random``.
    """
    bits = generator.bit_generator
    if not isinstance(bits, np.random.PCG64) or n <= 0:
        return generator.random(n, dtype=np.float32)
    out = np.empty(n, dtype=np.float32)
    kept = bits.state
    start = 0
    if kept["has_uint32"]:
        out[0] = np.float32((int(kept["uinteger"]) & 0xFFFFFFFF) >> 8) * _U32_TO_F32
        start = 1
    rest = n - start
    halves = raw_words(bits, (rest + 1) // 2).view(np.uint32)  # little-endian: low half first
    left = int(halves[rest]) if rest % 2 else 0  # the high half numpy would keep for the next draw
    np.right_shift(halves, 8, out=halves)
    out[start:] = halves[:rest]
    out[start:] *= _U32_TO_F32
    if start or rest % 2:
        state = bits.state
        state["has_uint32"] = rest % 2
        state["uinteger"] = left
        bits.state = state
    return out


def skip_uniform32(generator: np.random.Generator, n: int) -> None:
    """Move ``generator`` as ``generator.random(n, dtype=np.float32)`` would, without making the
    numbers: for a PCG64 one jump (:func:`pcg_jump`) and the half-word numpy keeps, the same
    state after. For a draw that is made every month but read only in some."""
    bits = generator.bit_generator
    if not isinstance(bits, np.random.PCG64) or n <= 0:
        generator.random(max(n, 0), dtype=np.float32)
        return
    state = bits.state
    rest = n - state["has_uint32"]  # the kept half-word is used first
    now, inc = state["state"]["state"], state["state"]["inc"]
    after = pcg_jump(now, inc, (rest + 1) // 2)
    state["state"]["state"] = after
    state["has_uint32"] = rest % 2
    if rest:  # numpy keeps the last word's high half (for the next draw when the count is odd)
        state["uinteger"] = pcg_word(after) >> 32
    bits.state = state


# ---------------------------------------------------------------------------------------------
# numpy's PCG64, compiled
# ---------------------------------------------------------------------------------------------
#
# numpy's PCG64 is PCG-XSL-RR 128/64 (O'Neill 2014): a 128-bit linear congruential state,
# ``state ← state × MULTIPLIER + inc``, and the output of the new state ``rotr64(hi ^ lo, hi >> 58)``.
# Its ``random_raw`` gives a word in about 3.8 ns on this project's current machine (2.1 ns on an
# earlier one); most of the month's random numbers are such words. The loop below gives the same
# words in about 2.0 ns here (an earlier version, 1.2 ns there): it runs four stretches of the
# stream side by side (each started by jumping the state ahead, Brown 1994), so the processor
# overlaps the four chains of 128-bit multiplications instead of waiting on one, and each step is
# one 128-bit multiply-add in LLVM's own 128-bit integers.

_MULTIPLIER = 0x2360ED051FC65DA44385DF649FCCF645  # PCG_DEFAULT_MULTIPLIER_128
_MASK64, _MASK128 = (1 << 64) - 1, (1 << 128) - 1
_MULT_HI, _MULT_LO = np.uint64(_MULTIPLIER >> 64), np.uint64(_MULTIPLIER & _MASK64)  # as the loop reads it
_CHAINS = 4
#: Below this many words numpy's own loop is as quick (the jumps cost a few microseconds).
_COMPILED_FROM = 4096


@intrinsic
def _mul_add(typingctx, a_hi, a_lo, b_hi, b_lo, c_hi, c_lo):
    """``a × b + c`` modulo 2**128, each number given by its 64-bit halves (high, low), in LLVM's
    128-bit integers: the compiler lowers it to one widening multiplication, two short ones and
    an add with carry (spelt on the halves, it compiled to two widening multiplications and the
    generator took about a quarter longer)."""
    u64 = types.uint64
    sig = types.UniTuple(u64, 2)(u64, u64, u64, u64, u64, u64)

    def codegen(context, builder, signature, args):
        wide = ir.IntType(128)

        def joined(high, low):
            return builder.or_(builder.shl(builder.zext(high, wide), ir.Constant(wide, 64)), builder.zext(low, wide))
        value = builder.add(builder.mul(joined(args[0], args[1]), joined(args[2], args[3])), joined(args[4], args[5]))
        high = builder.trunc(builder.lshr(value, ir.Constant(wide, 64)), ir.IntType(64))
        return context.make_tuple(builder, signature.return_type, (high, builder.trunc(value, ir.IntType(64))))
    return sig, codegen


@numba.njit(inline="always")
def pcg_step(hi: np.uint64, lo: np.uint64, inc_hi: np.uint64, inc_lo: np.uint64) -> tuple[np.uint64, np.uint64]:
    """``state × MULTIPLIER + inc`` modulo 2**128, on the state's two halves."""
    return _mul_add(hi, lo, _MULT_HI, _MULT_LO, inc_hi, inc_lo)


@numba.njit(inline="always")
def pcg_output(hi: np.uint64, lo: np.uint64) -> np.uint64:
    """XSL-RR: the halves' xor rotated right by the state's top 6 bits."""
    x = hi ^ lo
    r = hi >> np.uint64(58)
    return (x >> r) | (x << ((np.uint64(64) - r) & np.uint64(63)))


@numba.njit(cache=True)
def _pcg_fill(starts: np.ndarray, inc_hi: np.uint64, inc_lo: np.uint64, out: np.ndarray) -> None:
    """Fill ``out`` (length ``4 q``): chain ``j`` starts from ``starts[j]`` (the state ``j q``
    steps on) and writes words ``j q`` to ``(j + 1) q − 1``."""
    q = out.shape[0] // 4
    a_hi, a_lo, b_hi, b_lo = starts[0, 0], starts[0, 1], starts[1, 0], starts[1, 1]
    c_hi, c_lo, d_hi, d_lo = starts[2, 0], starts[2, 1], starts[3, 0], starts[3, 1]
    # a view per chain, indexed from 0: no index needs a check for a negative value
    out_a, out_b, out_c, out_d = out[:q], out[q:2 * q], out[2 * q:3 * q], out[3 * q:4 * q]
    for k in range(q):
        a_hi, a_lo = pcg_step(a_hi, a_lo, inc_hi, inc_lo)
        b_hi, b_lo = pcg_step(b_hi, b_lo, inc_hi, inc_lo)
        c_hi, c_lo = pcg_step(c_hi, c_lo, inc_hi, inc_lo)
        d_hi, d_lo = pcg_step(d_hi, d_lo, inc_hi, inc_lo)
        out_a[k] = pcg_output(a_hi, a_lo)
        out_b[k] = pcg_output(b_hi, b_lo)
        out_c[k] = pcg_output(c_hi, c_lo)
        out_d[k] = pcg_output(d_hi, d_lo)


@numba.njit(inline="always")
def fill_words(s_hi: np.uint64, s_lo: np.uint64, inc_hi: np.uint64, inc_lo: np.uint64, out: np.ndarray) -> None:
    """The next ``len(out)`` words (a multiple of four) of the PCG64 stream whose state is ``s``
    into ``out``, from compiled code: :func:`_pcg_fill`'s four stretches, each started by a jump
    (:func:`jump_halves`)."""
    q = out.shape[0] // _CHAINS
    starts = np.empty((_CHAINS, 2), np.uint64)
    for j in range(_CHAINS):
        starts[j, 0], starts[j, 1] = jump_halves(s_hi, s_lo, inc_hi, inc_lo, j * q)
    _pcg_fill(starts, inc_hi, inc_lo, out)


def pcg_jump(state: int, inc: int, steps: int) -> int:
    """The PCG64 state ``steps`` draws after ``state`` (Brown 1994, "Random number generation
    with arbitrary strides": the LCG's multiplier and increment composed by squaring), compiled
    on the 128-bit numbers' halves (:func:`_jumped`; Python's integers took about 15 µs a jump,
    and a month makes over a hundred)."""
    if not 0 <= steps < 1 << 64:
        raise ValueError(f"a PCG64 jump of {steps} draws is out of range")
    halves = np.array([state >> 64, state & _MASK64, inc >> 64, inc & _MASK64, steps], dtype=np.uint64)
    _jumped(halves)  # one array argument: numba's dispatch of five numpy scalars cost more than the jump
    return (int(halves[0]) << 64) | int(halves[1])


@numba.njit(inline="always")
def _times(a_hi: np.uint64, a_lo: np.uint64, b_hi: np.uint64, b_lo: np.uint64) -> tuple[np.uint64, np.uint64]:
    """``a × b`` modulo 2**128, on the halves."""
    return _mul_add(a_hi, a_lo, b_hi, b_lo, np.uint64(0), np.uint64(0))


@numba.njit(inline="always")
def _plus(a_hi: np.uint64, a_lo: np.uint64, b_hi: np.uint64, b_lo: np.uint64) -> tuple[np.uint64, np.uint64]:
    """``a + b`` modulo 2**128, on the halves."""
    return _mul_add(a_hi, a_lo, np.uint64(0), np.uint64(1), b_hi, b_lo)


@numba.njit(cache=True)
def _jumped(halves: np.ndarray) -> None:
    """:func:`pcg_jump` on the halves: ``halves`` holds the state's high and low words, the
    increment's and the number of draws; the state that many draws on (modulo 2**128) replaces
    the first two."""
    halves[0], halves[1] = jump_halves(halves[0], halves[1], halves[2], halves[3], halves[4])


@numba.njit(inline="always")
def jump_halves(s_hi: np.uint64, s_lo: np.uint64, inc_hi: np.uint64, inc_lo: np.uint64,
                steps: np.uint64) -> tuple[np.uint64, np.uint64]:
    """The PCG64 state ``steps`` draws after ``s`` (:func:`pcg_jump`), on the 128-bit numbers'
    halves, for compiled code."""
    steps = np.uint64(steps)
    acc_m_hi, acc_m_lo, acc_p_hi, acc_p_lo = np.uint64(0), np.uint64(1), np.uint64(0), np.uint64(0)
    cur_m_hi, cur_m_lo, cur_p_hi, cur_p_lo = _MULT_HI, _MULT_LO, inc_hi, inc_lo
    while steps:
        if steps & np.uint64(1):
            acc_m_hi, acc_m_lo = _times(acc_m_hi, acc_m_lo, cur_m_hi, cur_m_lo)
            acc_p_hi, acc_p_lo = _mul_add(acc_p_hi, acc_p_lo, cur_m_hi, cur_m_lo, cur_p_hi, cur_p_lo)
        one_hi, one_lo = _plus(cur_m_hi, cur_m_lo, np.uint64(0), np.uint64(1))
        cur_p_hi, cur_p_lo = _times(one_hi, one_lo, cur_p_hi, cur_p_lo)
        cur_m_hi, cur_m_lo = _times(cur_m_hi, cur_m_lo, cur_m_hi, cur_m_lo)
        steps >>= np.uint64(1)
    return _mul_add(acc_m_hi, acc_m_lo, s_hi, s_lo, acc_p_hi, acc_p_lo)


@numba.njit(cache=True)
def _words_at(s_hi: np.uint64, s_lo: np.uint64, inc_hi: np.uint64, inc_lo: np.uint64, at: np.ndarray,
              out: np.ndarray) -> None:
    """``out[k]`` = word ``at[k]`` (``at`` non-decreasing) of the PCG64 stream whose state is
    ``s``: from each word to the next by one jump of the gap's low 8 bits (the jumps of 0 to 255
    draws made first, one multiplication each: most gaps are under 256) and jumps of ``2**b``
    draws for its higher bits (made by squaring, as :func:`jump_halves`). A jump bit by bit, its
    branch on each bit mispredicted at random, took six times as long."""
    m_hi, m_lo = np.empty(64, np.uint64), np.empty(64, np.uint64)
    c_hi, c_lo = np.empty(64, np.uint64), np.empty(64, np.uint64)
    m_hi[0], m_lo[0], c_hi[0], c_lo[0] = _MULT_HI, _MULT_LO, inc_hi, inc_lo
    for b in range(1, 64):  # 2**b draws: m ← m², c ← c·(m + 1)
        m_hi[b], m_lo[b] = _times(m_hi[b - 1], m_lo[b - 1], m_hi[b - 1], m_lo[b - 1])
        one_hi, one_lo = _plus(m_hi[b - 1], m_lo[b - 1], np.uint64(0), np.uint64(1))
        c_hi[b], c_lo[b] = _times(c_hi[b - 1], c_lo[b - 1], one_hi, one_lo)
    # j draws, j < 256: state·lm[j] + lc[j] (lm[0] = 1, lc[0] = 0; one draw more: ·MULT, then + inc)
    lm_hi, lm_lo = np.empty(256, np.uint64), np.empty(256, np.uint64)
    lc_hi, lc_lo = np.empty(256, np.uint64), np.empty(256, np.uint64)
    lm_hi[0], lm_lo[0], lc_hi[0], lc_lo[0] = np.uint64(0), np.uint64(1), np.uint64(0), np.uint64(0)
    for j in range(1, 256):
        lm_hi[j], lm_lo[j] = _times(lm_hi[j - 1], lm_lo[j - 1], _MULT_HI, _MULT_LO)
        lc_hi[j], lc_lo[j] = _mul_add(lc_hi[j - 1], lc_lo[j - 1], _MULT_HI, _MULT_LO, inc_hi, inc_lo)
    done = np.uint64(0)  # draws made: word k is the output of the state k + 1 draws on
    for k in range(at.shape[0]):
        steps = np.uint64(at[k]) + np.uint64(1) - done
        done += steps
        low = steps & np.uint64(255)
        s_hi, s_lo = _mul_add(s_hi, s_lo, lm_hi[low], lm_lo[low], lc_hi[low], lc_lo[low])
        steps >>= np.uint64(8)
        b = 8
        while steps:
            if steps & np.uint64(1):
                s_hi, s_lo = _mul_add(s_hi, s_lo, m_hi[b], m_lo[b], c_hi[b], c_lo[b])
            steps >>= np.uint64(1)
            b += 1
        out[k] = pcg_output(s_hi, s_lo)


def words_from(state: int, inc: int, at: np.ndarray) -> np.ndarray:
    """The words ``at`` (non-decreasing int64) of the PCG64 stream whose state and increment are
    ``state`` and ``inc`` (Python integers, as ``bits.state`` holds them): ``random_raw``'s words
    at those positions, without making the others (for draws of which few are used); no
    generator is read or moved on."""
    out = np.empty(at.shape[0], dtype=np.uint64)
    _words_at(np.uint64(state >> 64), np.uint64(state & _MASK64), np.uint64(inc >> 64), np.uint64(inc & _MASK64),
              at, out)
    return out


def pcg_word(state: int) -> int:
    """The word PCG64 outputs from ``state`` (XSL-RR, as :func:`pcg_output`)."""
    hi, lo = state >> 64, state & _MASK64
    x, r = hi ^ lo, hi >> 58
    return ((x >> r) | (x << ((64 - r) & 63))) & _MASK64


def raw_words(bits: np.random.BitGenerator, n: int) -> np.ndarray:
    """``bits.random_raw(n)``: the same uint64 words and the same state after, for a PCG64 about
    1.9 times faster (see above); other bit generators, and small draws, use ``random_raw``."""
    if not isinstance(bits, np.random.PCG64) or n < _COMPILED_FROM:
        return bits.random_raw(n)
    state = bits.state
    now, inc = state["state"]["state"], state["state"]["inc"]
    q = -(-n // _CHAINS)
    starts = np.array([[s >> 64, s & _MASK64] for s in (pcg_jump(now, inc, j * q) for j in range(_CHAINS))],
                      dtype=np.uint64)
    out = np.empty(_CHAINS * q, dtype=np.uint64)
    _pcg_fill(starts, np.uint64(inc >> 64), np.uint64(inc & _MASK64), out)
    state["state"]["state"] = pcg_jump(now, inc, n)
    bits.state = state  # the half-word numpy keeps (has_uint32, uinteger) is left as it was
    return out[:n]
