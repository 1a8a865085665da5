"""The month's groups of the living and the counts by area made from them give exactly what the
array expressions they replace give."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from aidsim.population.categories import elderly_months, minor_months
from aidsim.population.groups import GROUP_KEYS, age_counts, living_groups
from aidsim.scenario.schema import DatedValue, Definitions, Scenario


def _persons(seed: int, n: int) -> SimpleNamespace:
    rng = np.random.default_rng(seed)
    return SimpleNamespace(alive=rng.random(n) < 0.9, age_months=rng.integers(0, 1300, n).astype(np.int16),
                           disability=np.where(rng.random(n) < 0.1, rng.integers(1, 5, n), 0).astype(np.int8),
                           chronic=rng.random(n) < 0.15)


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 2**31), n=st.integers(0, 3000))
def test_living_groups_match_flatnonzero(seed: int, n: int) -> None:
    p, defs = _persons(seed, n), Scenario().definitions
    got = living_groups(p, defs, 0)
    assert tuple(got) == GROUP_KEYS
    minor, elderly = minor_months(defs, 0), elderly_months(defs, 0)
    for key, mask in (("groups.minors", p.age_months < minor), ("groups.elderly", p.age_months >= elderly),
                      ("groups.disabled", p.disability > 0), ("groups.chronic", p.chronic)):
        assert got[key].dtype == np.int32
        assert np.array_equal(got[key], np.flatnonzero(p.alive & mask)), key


def test_living_groups_compare_whole_month_ages_with_fractional_thresholds() -> None:
    """Thresholds of a fractional number of months (17.55 years is 210.6 months, 60.04 years
    720.48) select whom the rules' direct comparisons select."""
    p = _persons(3, 5000)
    defs = Definitions(age_of_majority=DatedValue.constant(17.55), elderly_age=DatedValue.constant(60.04))
    got = living_groups(p, defs, 0)
    assert np.array_equal(got["groups.minors"], np.flatnonzero(p.alive & (p.age_months < 17.55 * 12)))
    assert np.array_equal(got["groups.elderly"], np.flatnonzero(p.alive & (p.age_months >= 60.04 * 12)))


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 2**31), n=st.integers(0, 3000), n_areas=st.integers(1, 20))
def test_age_counts_match_bincounts(seed: int, n: int, n_areas: int) -> None:
    rng = np.random.default_rng(seed)
    alive, age = rng.random(n) < 0.9, rng.integers(0, 1300, n).astype(np.int16)
    area = np.sort(rng.integers(0, n_areas, n)).astype(np.int16)
    minors = np.flatnonzero(alive & (age < 216)).astype(np.int32)
    elderly = np.flatnonzero(alive & (age >= 720)).astype(np.int32)
    got = age_counts(minors, elderly, age, area, n_areas, 960)
    for counts, rows in zip(got, (age < 216, age >= 720, age >= 960), strict=True):
        assert counts.dtype == np.float64
        assert np.array_equal(counts, np.bincount(area[alive & rows], minlength=n_areas).astype(float))
