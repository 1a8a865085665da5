"""A sparse stream's uniforms, made only where read, are uniform32's, and leave the generator as
uniform32 leaves it."""

import numpy as np
import pytest

from aidsim.programmes.base import LazyUniforms, Stream
from aidsim.rng import uniform32


@pytest.mark.parametrize("n", [1, 2, 3, 4095, 4096, 5001, 100_000, 100_001])
@pytest.mark.parametrize("before", [0, 1, 2, 3])  # an odd draw before leaves numpy a kept half-word
def test_lazy_uniforms_are_uniform32(n: int, before: int) -> None:
    rng = np.random.default_rng(n + before)
    a, b = (np.random.Generator(np.random.PCG64(42)) for _ in range(2))
    if before:
        a.random(before, dtype=np.float32)
        b.random(before, dtype=np.float32)
    full = uniform32(a, n)
    lazy = LazyUniforms(b.bit_generator, n)
    assert a.bit_generator.state == b.bit_generator.state
    rows = np.sort(rng.choice(n, size=min(n, 300), replace=False))
    assert np.array_equal(lazy[rows], full[rows])
    shuffled = rng.permutation(np.concatenate([rows, rows[:5]]))  # any order, repeats
    assert np.array_equal(lazy[shuffled], full[shuffled])
    assert np.array_equal(lazy[np.arange(n)], full)
    assert np.array_equal(np.asarray(lazy), full)
    # the draws after are the same
    assert np.array_equal(uniform32(a, 7), uniform32(b, 7))
    assert np.array_equal(a.random(3), b.random(3))


def test_sparse_stream_draws_lazily() -> None:
    stream = Stream("draws.x", "x", "households", sparse=True)
    a, b = (np.random.Generator(np.random.PCG64(7)) for _ in range(2))
    lazy = stream.draw(a, 1000)
    assert isinstance(lazy, LazyUniforms) and len(lazy) == 1000
    assert np.array_equal(lazy[np.array([3, 999, 0])], uniform32(b, 1000)[[3, 999, 0]])
    with pytest.raises(TypeError):
        lazy[np.ones(1000, bool)]
    with pytest.raises(IndexError):
        lazy[np.array([1000])]
