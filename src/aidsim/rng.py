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

import numpy as np


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
    halves = bits.random_raw((rest + 1) // 2).view(np.uint32)  # little-endian: low half first
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
