"""The compiled person-level loops give exactly what the numpy expressions they replace give."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from aidsim import libm
from aidsim.admin import declaring
from aidsim.rng import uniform32
from aidsim.shocks import kernels


def _same_state(a: np.random.Generator, b: np.random.Generator) -> bool:
    sa, sb = a.bit_generator.state, b.bit_generator.state
    return (sa["state"] == sb["state"] and sa["has_uint32"] == sb["has_uint32"]
            and (not sa["has_uint32"] or sa["uinteger"] == sb["uinteger"]))


@pytest.mark.parametrize("n", [1, 2, 3, 7, 64, 1001, 300_001])
@pytest.mark.parametrize("odd_start", [False, True])
def test_standard_normal32_is_numpys_float32_normals(n: int, odd_start: bool) -> None:
    ours, numpys = (np.random.Generator(np.random.PCG64(12345)) for _ in range(2))
    if odd_start:  # a half-word kept by the generator from an earlier float32 draw
        uniform32(ours, 3), numpys.random(3, dtype=np.float32)
    got = kernels.standard_normal32(ours, n, block=1 << 16)
    want = numpys.standard_normal(n, dtype=np.float32)
    assert got.dtype == np.float32 and np.array_equal(got, want)
    assert _same_state(ours, numpys)
    assert np.array_equal(ours.random(5, dtype=np.float32), numpys.random(5, dtype=np.float32))


def test_standard_normal32_covers_the_tail_and_the_wedges() -> None:
    # 2·10^6 draws take the slow paths (wedges ~1 %, tail beyond r ~0.03 %) thousands of times.
    ours, numpys = (np.random.Generator(np.random.PCG64(7)) for _ in range(2))
    got = kernels.standard_normal32(ours, 2_000_000)
    assert np.array_equal(got, numpys.standard_normal(2_000_000, dtype=np.float32))
    assert np.abs(got).max() > 3.6541528853610088  # some beyond the ziggurat's last box
    assert abs(got.mean()) < 0.005 and abs(got.var() - 1) < 0.005
    assert stats.kstest(got[:1_000_000], stats.norm.cdf).pvalue > 1e-3


def test_box_table_holds_each_boxs_bound_and_width() -> None:
    # The ziggurat's first tries read a box's bound and width as one 8-byte entry: the bound in
    # the low half, the width's float32 bits in the high half (little-endian).
    boxes = kernels._ZIG_BOXES
    assert boxes.dtype == np.uint64 and boxes.shape == (256,)
    assert np.array_equal((boxes & np.uint64(0xFFFFFFFF)).astype(np.uint32), kernels.ZIG_KI)
    assert np.array_equal((boxes >> np.uint64(32)).astype(np.uint32).view(np.float32), kernels.ZIG_WI)


def test_vector_kernels_without_avx2_give_the_same_numbers(tmp_path) -> None:
    # The ziggurat's first tries and the deaths work on eight rows side by side in vector
    # registers, their tables read entry by entry: compiled for a generic x86-64 (no AVX2), in a
    # process of its own with a cache of its own, the normals are still numpy's and the deaths
    # those of the uniforms under the hazard.
    import os
    import subprocess
    import sys
    code = ("import numpy as np\n"
            "from numba.core.registry import cpu_target\n"
            "from aidsim.shocks import kernels\n"
            "assert '+avx2' not in cpu_target.target_context.codegen()._tm_features\n"
            "a, b = (np.random.Generator(np.random.PCG64(3)) for _ in range(2))\n"
            "assert np.array_equal(kernels.standard_normal32(a, 300_001), b.standard_normal(300_001, dtype=np.float32))\n"
            "assert a.bit_generator.state == b.bit_generator.state\n"
            "rng = np.random.default_rng(5)\n"
            "age, hazard = rng.integers(0, 40, 1001).astype(np.int16), rng.random(30).astype(np.float32) * 0.3\n"
            "u = (rng.integers(0, 2**24, 1001) * 2.0**-24).astype(np.float32)\n"
            "words = (u * np.float32(2**24)).astype(np.uint32) << np.uint32(8)\n"
            "alive, died = np.ones(1001, bool), np.empty(1001, bool)\n"
            "want = u < hazard[np.minimum(age, 29)]\n"
            "kernels.deaths_and_ageing(alive, age, -1, words, hazard, died)\n"
            "assert np.array_equal(died, want) and np.array_equal(alive, ~want)\n")
    env = os.environ | {"NUMBA_CPU_NAME": "generic", "NUMBA_CACHE_DIR": str(tmp_path)}
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]


def uniforms_at(first: int, halves: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """The float32 uniforms of the given rows of a draw given by ``kernels.uniform_words`` (row 0
    is the kept half-word when ``first`` is not -1), as the kernels convert them."""
    if first < 0:
        words = halves[rows]
    else:
        words = np.full(rows.shape[0], first, dtype=np.uint32)
        words[rows > 0] = halves[rows[rows > 0] - 1]
    return (words >> np.uint32(8)).astype(np.float32) * np.float32(1.0 / 16777216.0)


@pytest.mark.parametrize("n", [1, 2, 3, 10, 1001])
@pytest.mark.parametrize("skip", [0, 1, 2])
def test_uniform_words_are_uniform32s(n: int, skip: int) -> None:
    ours, numpys = (np.random.Generator(np.random.PCG64(99)) for _ in range(2))
    uniform32(ours, skip), numpys.random(skip, dtype=np.float32)
    first, words = kernels.uniform_words(ours, n)
    want = numpys.random(n, dtype=np.float32)
    assert np.array_equal(uniforms_at(first, words, np.arange(n)), want)
    assert _same_state(ours, numpys)
    assert np.array_equal(uniform32(ours, 7), numpys.random(7, dtype=np.float32))
    rows = np.array([0, n - 1, n // 2])
    assert np.array_equal(uniforms_at(first, words, rows), want[rows])


def test_uniform_words_of_other_generators() -> None:
    ours, numpys = (np.random.Generator(np.random.MT19937(3)) for _ in range(2))
    first, words = kernels.uniform_words(ours, 101)
    assert np.array_equal(uniforms_at(first, words, np.arange(101)), numpys.random(101, dtype=np.float32))


def test_ziggurat_tables_are_the_standard_ones() -> None:
    assert kernels.ZIG_KI[1] == 0 and kernels.ZIG_KI[0] == 0x7799EC and kernels.ZIG_KI[255] == 0x78D2D2
    assert kernels.ZIG_FI[0] == 1 and np.all(np.diff(kernels.ZIG_FI) < 0)
    assert np.all(np.diff(kernels.ZIG_WI[1:]) > 0)


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 5000), skip=st.integers(0, 3))
def test_standard_normal32_property(seed: int, n: int, skip: int) -> None:
    ours, numpys = (np.random.Generator(np.random.PCG64(seed)) for _ in range(2))
    uniform32(ours, skip), numpys.random(skip, dtype=np.float32)
    assert np.array_equal(kernels.standard_normal32(ours, n, block=977),
                          numpys.standard_normal(n, dtype=np.float32))
    assert _same_state(ours, numpys)


@pytest.mark.parametrize("n", [1, 5, 977, 300_001])
@pytest.mark.parametrize("skip", [0, 1])
def test_ar1_normal_update_is_the_update_with_numpys_normals(n: int, skip: int) -> None:
    """The AR(1) update made block by block as the normals are drawn gives, to the bit, the update
    with numpy's float32 normals, and leaves the generator where numpy's draw leaves it."""
    ours, numpys = (np.random.Generator(np.random.PCG64(4242)) for _ in range(2))
    uniform32(ours, skip), numpys.random(skip, dtype=np.float32)
    start = np.random.default_rng(1).standard_normal(n).astype(np.float32)
    got, want = start.copy(), start.copy()
    rho, scale = np.float32(0.93), np.float32(0.21)
    kernels.ar1_normal_update(ours, got, rho, scale, block=1 << 16)
    kernels.ar1_update(want, numpys.standard_normal(n, dtype=np.float32), rho, scale)
    assert np.array_equal(got, want)
    assert _same_state(ours, numpys)


@pytest.mark.parametrize("n", [1, 2, 977, 300_001])
@pytest.mark.parametrize("skip", [0, 1])
def test_noisy_log_earnings_are_the_log_earnings_with_numpys_normals(n: int, skip: int) -> None:
    """The log earnings made block by block as the transitory normals are drawn are, to the bit,
    ``log_earnings`` with numpy's float32 normals (by hukou), and the generator ends where
    numpy's draw leaves it."""
    ours, numpys = (np.random.Generator(np.random.PCG64(77)) for _ in range(2))
    uniform32(ours, skip), numpys.random(skip, dtype=np.float32)
    rng = np.random.default_rng(n)
    urban, level = rng.random(n) < 0.4, rng.standard_normal(n).astype(np.float32)
    means, sd = (np.float32(8.2), np.float32(7.5)), np.float32(0.35)
    got, want = np.empty(n, np.float32), np.empty(n, np.float32)
    kernels.noisy_log_earnings(ours, urban, *means, level, sd, got, block=1 << 16)
    kernels.log_earnings(urban, *means, level, numpys.standard_normal(n, dtype=np.float32), sd, want)
    assert np.array_equal(got, want)
    assert _same_state(ours, numpys)


# --- person-level loops against the numpy functions they replace --------------------------------

def test_deaths_and_ageing_by_hand() -> None:
    alive = np.array([True, True, False, True])
    age = np.array([10, 10, 10, 2000], dtype=np.int16)
    hazard = np.array([0.5] * 11 + [0.0], dtype=np.float32)  # ages beyond the table: the last entry
    died = np.empty(4, dtype=bool)
    kernels.deaths_and_ageing(alive, age, *_words(np.array([0.125, 0.875, 0.0, 0.125], np.float32)), hazard, died)
    assert died.tolist() == [True, False, False, False]
    assert alive.tolist() == [False, True, False, True]
    assert age.tolist() == [10, 11, 10, 2001]


def test_word_limits_decide_as_the_uniforms_do() -> None:
    """``word < limit`` ⇔ ``u < p`` for the word's float32 uniform, at the limits' edges: every
    probability whose 24-bit multiple is whole or not, 0 and 1, and the words just around each
    limit, whatever their low 8 bits."""
    rng = np.random.default_rng(7)
    exact = (rng.integers(0, 2**24, 50) * 2.0**-24).astype(np.float32)
    p = np.concatenate([exact, np.nextafter(exact, np.float32(1)), np.nextafter(exact, np.float32(0)),
                        rng.random(50, dtype=np.float32), np.array([0.0, 1.0, 2.0**-24, 1 - 2.0**-24], np.float32)])
    limits = kernels._word_limits(p)
    for prob, limit in zip(p, limits, strict=True):
        around = (int(limit) >> 8) + np.arange(-2, 3)
        words = ((np.clip(around, 0, 2**24 - 1)[:, None] << 8) + np.array([0, 1, 127, 255])).ravel()
        words = np.unique(np.concatenate([words, rng.integers(0, 2**32, 20)])).astype(np.uint32)
        u = (words >> np.uint32(8)).astype(np.float32) * np.float32(2.0**-24)
        assert np.array_equal(words.astype(np.uint64) < limit, u < prob), prob


def _words(u: np.ndarray) -> tuple[int, np.ndarray]:
    """The raw words of float32 uniforms (multiples of 2**-24), as kernels.uniform_words gives them."""
    return -1, (u * np.float32(2**24)).astype(np.uint32) << np.uint32(8)


def _small(rng: np.random.Generator, n: int, below: int) -> np.ndarray:
    """Float32 uniforms on [0, 1/below), multiples of 2**-24 like numpy's."""
    return (rng.integers(0, 2**24 // below, n) * 2.0**-24).astype(np.float32)


def _persons(seed: int, n: int) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    return {"alive": rng.random(n) < 0.9, "age": rng.integers(0, 1300, n).astype(np.int16),
            "disability": rng.choice(np.array([0, 0, 0, 1, 2, 3, 4], np.int8), n),
            "selfcare": rng.integers(0, 3, n).astype(np.int8), "ill": rng.random(n) < 0.2,
            "chronic": rng.random(n) < 0.3, "employed": rng.random(n) < 0.5, "refuses": rng.random(n) < 0.1,
            "u1": _small(rng, n, 64), "u2": rng.random(n, dtype=np.float32),
            "u3": rng.random(n, dtype=np.float32), "u4": rng.random(n, dtype=np.float32)}


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 2**31), n=st.integers(0, 3000), kept=st.booleans())
def test_deaths_and_ageing_property(seed: int, n: int, kept: bool) -> None:
    from aidsim.shocks import demography
    x = _persons(seed, n)
    bands, q = [0, 15, 60, 80], [0.001, 0.002, 0.05, 0.3]
    alive, age = x["alive"].copy(), x["age"].copy()
    u = _small(np.random.default_rng(seed), n, 16)
    want = demography.deaths(alive, age, u, bands, q)
    alive &= ~want
    demography.age_one_month(age, alive)
    table = demography.monthly_death_probability(np.arange(80 * 12 + 1), bands, q)
    got_alive, got_age, died = x["alive"].copy(), x["age"].copy(), np.empty(n, dtype=bool)
    kernels.deaths_and_ageing(got_alive, got_age, *_kept(_words(u), kept), table, died)
    assert np.array_equal(died, want) and np.array_equal(got_alive, alive) and np.array_equal(got_age, age)


def test_deaths_at_a_certain_age_take_every_word() -> None:
    # A monthly probability of 1 has the limit 2**32, above every 32-bit word, the largest too;
    # a probability of 0 takes none, the smallest word included. Rows in runs of eight and a tail.
    n = 21
    age = np.where(np.arange(n) % 2 == 0, 5, 2).astype(np.int16)  # the hazard: 1 at age 5, 0 at age 2
    hazard = np.array([0.5, 0.5, 0.0, 0.5, 0.5, 1.0], np.float32)
    words = np.where(np.arange(n) % 4 < 2, np.uint32(0xFFFFFFFF), np.uint32(0))
    alive, died = np.ones(n, bool), np.empty(n, bool)
    alive[6] = False  # dead already: does not die again
    kernels.deaths_and_ageing(alive, age, -1, words, hazard, died)
    assert died.tolist() == [i % 2 == 0 and i != 6 for i in range(n)]
    assert alive.tolist() == [i % 2 == 1 for i in range(n)]


def _kept(words: tuple[int, np.ndarray], keep: bool) -> tuple[int, np.ndarray]:
    """The same words with the first one given as the generator's kept half-word."""
    first, halves = words
    return (int(halves[0]), halves[1:]) if keep and halves.shape[0] else (first, halves)


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 2**31), n=st.integers(0, 3000), loss=st.floats(0, 1), finding=st.floats(0, 1),
       kept=st.tuples(st.booleans(), st.booleans(), st.booleans()))
def test_disability_illness_jobs_property(seed: int, n: int, loss: float, finding: float,
                                          kept: tuple[bool, bool, bool]) -> None:
    import math

    from aidsim.population.arrays import SELFCARE_FULL
    from aidsim.scenario.schema import HealthShocks
    from aidsim.shocks import health, labour
    x = _persons(seed, n)
    params = HealthShocks(illness_onset=0.05, illness_onset_60_plus=0.2, chronic_multiplier=2.5, recovery_rate=0.3)
    grades, old, severe = [0.1, 0.2, 0.3, 0.4], 720.0, [1, 2]
    ref = {k: v.copy() for k, v in x.items()}
    labour.disability_onset(ref["disability"], ref["selfcare"], ref["alive"], ref["age"], ref["u1"], 0.004, 0.008,
                            grades, old)
    ill = health.illness_step(ref["ill"], ref["alive"], ref["chronic"], ref["age"], ref["u2"], ref["u4"], params, old)
    able = (ref["alive"] & (ref["age"] >= 16 * 12) & (ref["age"] < 60 * 12) & (ref["selfcare"] == SELFCARE_FULL)
            & ~np.isin(ref["disability"], severe))
    lose = labour.job_transitions(ref["employed"], able, ref["refuses"], ref["u3"], loss, finding)

    got = {k: v.copy() for k, v in x.items()}
    onset, g_able, g_lose = (np.empty(n, dtype=bool) for _ in range(3))
    kernels.disability_illness_jobs(
        got["alive"], got["age"], got["disability"], got["selfcare"], got["ill"], got["chronic"], got["employed"],
        got["refuses"], *_kept(_words(got["u1"]), kept[0]), *_kept(_words(got["u2"]), kept[1]),
        *_kept(_words(got["u3"]), kept[2]), math.ceil(old), np.array([0.004, 0.008], np.float32),
        np.cumsum(grades)[:-1], np.array([0.05, 0.2, 0.05 * 2.5, 0.2 * 2.5], np.float32),
        kernels.below(params.recovery_rate), sum(1 << g for g in severe), 16 * 12, 60 * 12, kernels.below(loss), kernels.below(finding),
        onset, g_able, g_lose)
    for name in ("disability", "selfcare", "ill", "employed"):
        assert np.array_equal(got[name], ref[name]), name
    assert np.array_equal(onset, ill.onset) and np.array_equal(g_able, able) and np.array_equal(g_lose, lose)


@settings(max_examples=30, deadline=None)
@given(rate=st.floats(0, 1) | st.floats(0, 1).map(np.float64) | st.floats(0, 1).map(np.float32))
def test_below_is_numpys_comparison(rate: float) -> None:
    # the float32 values next to the rate, on both sides
    u = np.nextafter(np.float32(rate), np.float32([-1, 2]))
    u = np.concatenate([u, np.nextafter(u, np.float32([-1, 2])), [np.float32(rate)]]).astype(np.float32)
    assert np.array_equal(u < kernels.below(rate), u < rate)


def test_below_by_hand() -> None:
    r = float(np.float32(0.1)) + 1e-12  # a Python float is compared in float32, a float64 in float64
    u = np.array([np.float32(0.1)])
    assert not (u < kernels.below(r))[0] and (u < kernels.below(np.float64(r)))[0]


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 2**31), n=st.integers(0, 3000), rho=st.floats(0, 1), sd=st.floats(0, 3))
def test_ar1_update_property(seed: int, n: int, rho: float, sd: float) -> None:
    from aidsim.shocks import income
    rng = np.random.default_rng(seed)
    level, z = rng.normal(size=n).astype(np.float32), rng.normal(size=n).astype(np.float32)
    want = level.copy()
    income.update_persistent(want, z, rho, sd)
    kernels.ar1_update(level, z, np.float32(rho), np.float32(sd * np.sqrt(1.0 - rho * rho)))
    assert np.array_equal(level, want)


def _households(seed: int, n_h: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    household = np.repeat(np.arange(n_h), rng.integers(0, 6, n_h))
    return household, rng.random(household.shape[0]).astype(np.float32) * np.float32(5000)


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**31), n_h=st.integers(0, 2000), extreme=st.booleans())
def test_branch_free_household_sums_are_bincounts(seed: int, n_h: int, extreme: bool) -> None:
    # Households without rows, of one row and of several; with ``extreme`` some values are
    # infinite or NaN: a household's sum must never carry them into the next household's.
    household, values = _households(seed, n_h)
    rng = np.random.default_rng(seed + 3)
    if extreme and values.shape[0]:
        values[rng.random(values.shape[0]) < 0.05] = np.inf
        values[rng.random(values.shape[0]) < 0.02] = np.nan
    alive = rng.random(values.shape[0]) < 0.9
    want = np.bincount(household, weights=values, minlength=n_h)
    total, count = np.zeros(n_h), np.zeros(n_h, np.int64)
    kernels.household_income_sums(household, values, alive, total, count)
    assert np.array_equal(total, want, equal_nan=True)
    assert np.array_equal(count, np.bincount(household[alive], minlength=n_h))
    other = (rng.random(values.shape[0]) * 900).astype(np.float32)
    earned = (rng.random(values.shape[0]) * 700).astype(np.float32)
    formal_job = rng.random(values.shape[0]) < 0.4
    out = [np.zeros(n_h), np.zeros(n_h, np.int64), np.zeros(n_h), np.zeros(n_h)]
    kernels.assessed_income_sums(household, values, alive, other, earned, formal_job, np.float32(0.05),
                                 np.float32(0.2), True, *out)
    share = np.where(formal_job, np.float32(0.05), np.float32(0.2))
    for got_, want_ in ((out[0], want), (out[1], np.bincount(household[alive], minlength=n_h)),
                        (out[2], np.bincount(household, weights=other, minlength=n_h)),
                        (out[3], np.bincount(household, weights=earned * share, minlength=n_h))):
        assert np.array_equal(got_, want_, equal_nan=True)


def _earners(seed: int, n_h: int, stream: int) -> tuple[np.ndarray, int, np.random.Generator,
                                                       tuple[np.ndarray, ...], np.ndarray]:
    """:func:`_households` of ``seed`` with random persons: the rows' households, their count, a
    generator (``seed + stream``) for more draws, who is employed, alive, ill and urban, and the
    pensions."""
    household, _ = _households(seed, n_h)
    n = household.shape[0]
    rng = np.random.default_rng(seed + stream)
    flags = tuple(rng.random(n) < s for s in (0.6, 0.9, 0.1, 0.5))
    return household, n, rng, flags, (rng.random(n) * 3000).astype(np.float32)


def test_segment_sum_and_count_by_hand() -> None:
    household = np.array([0, 0, 2, 2, 2])
    values = np.array([1.5, 2.5, 1.0, 2.0, 3.0], np.float32)
    assert kernels.segment_sum(values, household, 4).tolist() == [4.0, 0.0, 6.0, 0.0]
    mask = np.array([True, False, True, True, False])
    assert kernels.segment_count(mask, household, 3).tolist() == [1, 0, 2]


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 2**31), n_h=st.integers(0, 2000))
def test_segment_sum_and_count_property(seed: int, n_h: int) -> None:
    household, values = _households(seed, n_h)
    assert np.array_equal(kernels.segment_sum(values, household, n_h),
                          np.bincount(household, weights=values, minlength=n_h))
    mask = values > 2500
    assert np.array_equal(kernels.segment_count(mask, household, n_h),
                          np.bincount(household[mask], minlength=n_h))


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 2**31), n_h=st.integers(1, 2000), grown=st.booleans(), struck=st.booleans())
def test_earnings_and_household_income_property(seed: int, n_h: int, grown: bool, struck: bool) -> None:
    household, n, rng, (employed, alive, ill, urban), pension = _earners(seed, n_h, 1)
    level, z = rng.normal(size=n).astype(np.float32), rng.normal(size=n).astype(np.float32)
    other = (rng.random(n_h) * 1000).astype(np.float32)
    keep = (1 - rng.random(n_h) * 0.5).astype(np.float32)
    g = (np.float32(1.03), np.float32(1.05))
    # the numpy expression (events.compute_incomes before)
    mean = np.where(urban, np.float32(8.2), np.float32(7.5))
    log_e = mean + level + np.float32(0.2) * z
    earned = np.where(employed & alive & ~ill, libm.exp(log_e), np.float32(0)).astype(np.float32)
    pens = pension
    if grown:
        earned *= np.where(urban, g[0], g[1])
        pens = pension * np.where(urban, g[0], g[1])
    if struck:
        earned *= keep[household]
    own = earned + np.where(alive, pens, np.float32(0))
    total = np.bincount(household, weights=own, minlength=n_h) + other
    # the kernels
    got = np.empty(n, np.float32)
    kernels.log_earnings(urban, np.float32(8.2), np.float32(7.5), level, z, np.float32(0.2), got)
    got_own, got_total, got_alive = np.empty(n, np.float32), np.zeros(n_h), np.zeros(n_h, np.int64)
    kernels.earnings_and_household_income(got, employed, alive, ill, pension, urban, g[0], g[1], grown, keep,
                                          struck, household, got_own, got_total, got_alive)
    got_total += other
    assert np.array_equal(got, earned) and np.array_equal(got_own, own) and np.array_equal(got_total, total)
    assert np.array_equal(got_alive, np.bincount(household, weights=alive, minlength=n_h).astype(np.int64))

    # other household income (income.other_income, grown, less the disaster's share)
    from aidsim.shocks import income
    h_urban, has = rng.random(n_h) < 0.5, rng.random(n_h) < 0.7
    h_level = rng.normal(size=n_h).astype(np.float32)
    median = np.where(h_urban, np.float32(300), np.float32(200))
    want_other = income.other_income(has, median, h_level)
    if grown:
        want_other *= np.where(h_urban, g[0], g[1])
    if struck:
        want_other *= keep
    got_other = np.empty(n_h, np.float32)
    kernels.other_income(h_level, has, h_urban, np.float32(300), np.float32(200), g[0], g[1], grown, keep, struck,
                         got_other)
    assert np.array_equal(got_other, want_other)

    # assessed incomes: moving average, the living's, own and household sums
    assessed = (rng.random(n) * 4000).astype(np.float32)
    weight = np.float32(2 / 7)
    want = assessed.copy()
    want += weight * (earned - want)
    counted = np.where(alive, want, np.float32(0))
    own2 = own - earned + counted
    total2 = np.bincount(household, weights=own2, minlength=n_h) + other
    out_e, out_own = np.empty(n, np.float32), np.empty(n, np.float32)
    kernels.assessed_persons(assessed, earned, weight, np.empty(0, np.intp), True, alive, own, out_e, out_own)
    out_total = kernels.segment_sum(out_own, household, n_h) + other
    assert np.array_equal(assessed, want) and np.array_equal(out_e, counted)
    assert np.array_equal(out_own, own2) and np.array_equal(out_total, total2)


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 2**31), n=st.integers(0, 3000), rare=st.booleans())
def test_without_pension_at_is_flatnonzero(seed: int, n: int, rare: bool) -> None:
    """Ages at 703 one in 8, or one in 500 (most stretches of 64 rows have none: skipped)."""
    x = _persons(seed, n)
    age = (x["age"] % 8 + 700).astype(np.int16)
    if rare:
        age = np.where(x["u4"] < 0.002, 703, 700 + x["age"] % 3).astype(np.int16)
    pension = np.where(x["u2"] < 0.5, np.float32(0), x["u3"])
    rows = np.empty(n, dtype=np.intp)
    got = rows[:kernels.without_pension_at(x["alive"], age, pension, 703, rows)]
    assert np.array_equal(got, np.flatnonzero(x["alive"] & (age == 703) & (pension == 0)))


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 2**31), n_h=st.integers(0, 500), grown=st.booleans(), struck=st.booleans())
def test_incomes_and_assessed_is_the_two_passes(seed: int, n_h: int, grown: bool, struck: bool) -> None:
    household, n, rng, (employed, alive, ill, urban), pension = _earners(seed, n_h, 2)
    log_e = (rng.random(n) * 3 + 6).astype(np.float32)  # log earnings
    keep = (1 - rng.random(n_h) * 0.5).astype(np.float32)
    assessed = (rng.random(n) * 4000).astype(np.float32)
    arrivals = np.flatnonzero(rng.random(n) < 0.05)
    g, weight = (np.float32(1.03), np.float32(1.05)), np.float32(2 / 7)
    # the two passes (events.compute_incomes, then events.assessed_incomes)
    want_e, want_own, want_total, want_alive = log_e.copy(), np.empty(n, np.float32), np.zeros(n_h), np.zeros(n_h, np.int64)
    kernels.earnings_and_household_income(want_e, employed, alive, ill, pension, urban, g[0], g[1], grown, keep,
                                          struck, household, want_own, want_total, want_alive)
    want_a = assessed.copy()  # events.assessed_incomes' arithmetic, in numpy
    want_a[arrivals] = want_e[arrivals]
    want_a += weight * (want_e - want_a)
    want_ae = np.where(alive, want_a, np.float32(0))
    want_ao = (want_own - want_e) + want_ae
    want_at = np.bincount(household, weights=want_ao, minlength=n_h)
    # one pass
    got_e, got_own, got_total, got_alive = log_e.copy(), np.empty(n, np.float32), np.zeros(n_h), np.zeros(n_h, np.int64)
    got_a, got_ae, got_ao, got_at = assessed.copy(), np.empty(n, np.float32), np.empty(n, np.float32), np.zeros(n_h)
    formal_job, got_hidden = rng.random(n) < 0.4, np.zeros(n_h)
    kernels.incomes_and_assessed(got_e, employed, alive, ill, pension, urban, g[0], g[1], grown, keep, struck,
                                 household, got_own, got_total, got_alive, got_a, weight, arrivals, got_ae, got_ao,
                                 got_at, formal_job, np.float32(0.3), np.float32(0.6), True, got_hidden)
    # declaring.hidden_sums of the assessed earnings
    want_hidden = np.zeros(n_h)
    declaring._hidden_sums(household, want_ae, formal_job, np.float32(0.3), np.float32(0.6), want_hidden)
    for got, want in ((got_e, want_e), (got_own, want_own), (got_total, want_total), (got_alive, want_alive),
                      (got_a, want_a), (got_ae, want_ae), (got_ao, want_ao), (got_at, want_at),
                      (got_hidden, want_hidden)):
        assert np.array_equal(got, want)


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 2**31), n_h=st.integers(0, 3000))
def test_assessed_other_income_is_the_array_expressions(seed: int, n_h: int) -> None:
    rng = np.random.default_rng(seed)
    assessed, other = ((rng.random(n_h) * 3000).astype(np.float32) for _ in range(2))
    total, weight = rng.random(n_h) * 1e4, np.float32(2 / 13)
    want, want_total = assessed.copy(), total.copy()
    want += weight * (other - want)
    want_total += want
    out = np.empty(n_h, np.float32)
    kernels.assessed_other_income(assessed, other, weight, total, out)
    assert np.array_equal(assessed, want) and np.array_equal(out, want) and np.array_equal(total, want_total)
