"""Draws made when read: a month's stream draw for every unit, of which only the units a rule
reads are made.

Every programme stream draws for every unit every month, used or not, so that a baseline and a
reform meet the same numbers (common random numbers) and a stream's state never depends on the
policy. Most of those numbers are never read: a take-up draw matters for the eligible who are
not on the roll, a case's draws for the cases an office handles, a shock's for the households it
struck. A deferred draw takes the draw's place in the month: it moves the generator on exactly
as the whole draw would (the next month draws what it drew before) and keeps the state the draw
started from; reading rows makes the words of those rows alone, by jumping the PCG64 state from
one to the next (:func:`aidsim.rng.words_from`). The numbers are numpy's, to the bit:
``DeferredUniforms.draw(g, n)[rows]`` is ``g.random(n, dtype=np.float32)[rows]``, and
``DeferredWords.draw(g, n, m).word(j, rows)`` is ``g.bit_generator.random_raw(m n)[j n + rows]``.
"""

from __future__ import annotations

import numpy as np

from aidsim.rng import pcg_jump, raw_words, skip_uniform32, uniform32, words_from

_U24 = np.float32(1.0 / 16777216.0)
_U16 = np.float32(1.0 / 65536.0)
#: A read of more than one row in this many makes every word of the draw instead (quicker then).
_DENSE_FROM = 40


def _rows(rows, n: int) -> np.ndarray:
    """Rows as int64 indices in 0..n-1: an index array (any order, repeats allowed, negative from
    the end), a boolean mask or a slice, as numpy indexing takes them."""
    if isinstance(rows, slice):
        return np.arange(n)[rows]
    rows = np.asarray(rows)
    if rows.dtype == bool:
        if rows.shape != (n,):
            raise IndexError(f"a boolean mask of {rows.shape} for {n} units")
        return np.flatnonzero(rows)
    rows = rows.astype(np.int64, copy=False).ravel()
    if rows.size and (int(rows.min()) < -n or int(rows.max()) >= n):
        raise IndexError(f"a row outside 0..{n - 1}")
    return np.where(rows < 0, rows + n, rows) if rows.size and rows.min() < 0 else rows


class _Start:
    """The PCG64 state a draw starts from, and the words of that draw."""

    def __init__(self, bits: np.random.PCG64):
        state = bits.state
        self.state, self.inc = state["state"]["state"], state["state"]["inc"]

    def generator(self) -> np.random.PCG64:
        bits = np.random.PCG64()
        state = bits.state
        state["state"] = {"state": self.state, "inc": self.inc}
        bits.state = state
        return bits

    def words(self, n_words: int, at: np.ndarray) -> np.ndarray:
        """Words ``at`` (any order) of the ``n_words`` the draw makes. The few are made from the
        start's state without a generator (making one, seeded from the system's entropy, took
        longer than the words)."""
        if at.shape[0] * _DENSE_FROM > n_words:
            return raw_words(self.generator(), n_words)[at]
        if at.shape[0] < 2 or bool(np.all(at[1:] >= at[:-1])):
            return words_from(self.state, self.inc, at)
        order = np.argsort(at, kind="stable")
        out = np.empty(at.shape[0], dtype=np.uint64)
        out[order] = words_from(self.state, self.inc, at[order])
        return out


class DeferredUniforms:
    """``generator.random(n, dtype=np.float32)`` (:func:`aidsim.rng.uniform32`) as a draw made
    when read: ``draws[rows]`` gives those rows' numbers."""

    def __init__(self, start: _Start | None, first: int, n: int, dense: np.ndarray | None = None):
        self._start, self._first, self.n, self._dense = start, first, n, dense

    @classmethod
    def draw(cls, generator: np.random.Generator, n: int) -> DeferredUniforms:
        """Take the draw's place: the generator is left as ``uniform32(generator, n)`` leaves it."""
        bits = generator.bit_generator
        if not isinstance(bits, np.random.PCG64) or n <= 0:
            return cls(None, -1, n, uniform32(generator, n))
        start = _Start(bits)
        kept = bits.state
        first = int(kept["uinteger"]) & 0xFFFFFFFF if kept["has_uint32"] else -1
        skip_uniform32(generator, n)
        return cls(start, first, n)

    def __len__(self) -> int:
        return self.n

    def __getitem__(self, rows) -> np.ndarray:
        if self._dense is not None:
            return self._dense[rows]
        rows = _rows(rows, self.n)
        first = self._first
        half = rows - (first >= 0)  # row 0 is the kept half-word, when there is one
        fresh = half >= 0
        halves = np.full(rows.shape[0], first & 0xFFFFFFFF, dtype=np.uint32)
        rest = self.n - (first >= 0)
        words = self._start.words((rest + 1) // 2, half[fresh] >> 1)
        halves[fresh] = (words >> (np.uint64(32) * (half[fresh] & 1).astype(np.uint64))).astype(np.uint32)
        return (halves >> np.uint32(8)).astype(np.float32) * _U24

    def dense(self) -> np.ndarray:
        """Every row's number (what the whole draw gives)."""
        return self[np.arange(self.n)]


class DeferredWords:
    """``m`` raw words per unit, ``random_raw(m n).reshape(m, n)``, as a draw made when read;
    :meth:`uniform16` decodes them into 16-bit uniforms, four to a word."""

    def __init__(self, start: _Start | None, n: int, m: int, dense: np.ndarray | None = None):
        self._start, self.n, self.m, self._dense = start, n, m, dense
        self._last: tuple[np.ndarray, int, np.ndarray] | None = None

    @classmethod
    def draw(cls, generator: np.random.Generator, n: int, m: int = 2) -> DeferredWords:
        """Take the draw's place: the generator is left as ``random_raw(m n)`` leaves it."""
        bits = generator.bit_generator
        if not isinstance(bits, np.random.PCG64) or n <= 0:
            return cls(None, n, m, raw_words(bits, m * n).reshape(m, n))
        start = _Start(bits)
        state = bits.state
        state["state"]["state"] = pcg_jump(start.state, start.inc, m * n)
        bits.state = state  # the half-word numpy keeps is left as it was
        return cls(start, n, m)

    def word(self, j: int, rows) -> np.ndarray:
        """Word ``j`` (0..m-1) of the rows, uint64."""
        if not 0 <= j < self.m:
            raise IndexError(f"word {j} of {self.m}")
        if self._dense is not None:
            return self._dense[j, rows]
        rows = _rows(rows, self.n)
        last = self._last  # a case's uniforms are read a few at a time for the same rows
        if last is not None and last[1] == j and np.array_equal(last[0], rows):
            return last[2]
        words = self._start.words(self.m * self.n, j * self.n + rows)
        self._last = (rows.copy(), j, words)
        return words

    def uniform16(self, rows, k: int) -> np.ndarray:
        """The ``k``-th 16-bit uniform in (0, 1) of the rows, float32: bits ``16 (k mod 4)`` on of
        word ``k // 4``, plus a half."""
        bits = (self.word(k // 4, rows) >> np.uint64(16 * (k % 4))) & np.uint64(0xFFFF)
        return (bits.astype(np.float32) + np.float32(0.5)) * _U16
