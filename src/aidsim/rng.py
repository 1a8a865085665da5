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
