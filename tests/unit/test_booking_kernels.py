"""The compiled loops that book the month (payments, ledger, measures) against the numpy
formulas they replace: the same numbers, to the bit."""

from types import SimpleNamespace

import numpy as np
import pytest

from aidsim.engine.ledger import add_payments
from aidsim.engine.step import _household_pass, _living
from aidsim.metrics.indicators import _poor_cells
from aidsim.metrics.poverty import gap_sums, poor_before, poverty_sums_paid
from aidsim.programmes.base import area_sums, household_payment, person_payment, to_fen

N_AREAS = 5


def _population(seed: int = 0, n_households: int = 400) -> SimpleNamespace:
    rng = np.random.default_rng(seed)
    size = rng.integers(0, 5, n_households)
    household = np.repeat(np.arange(n_households), size)
    area_h = rng.integers(0, N_AREAS, n_households).astype(np.intp)
    return SimpleNamespace(
        population=SimpleNamespace(persons=SimpleNamespace(household=household), n_areas=N_AREAS,
                                   n_households=n_households),
        person_area=area_h[household], household_area=area_h, size=size,
        urban=rng.random(n_households) < 0.4, rng=rng)


def _person_payment_numpy(sim, persons, yuan):
    """The numpy formulation: to_fen, keep the paid, sort, add up by household, count by area."""
    fen = to_fen(yuan)
    paid = fen > 0
    persons, fen = persons[paid], fen[paid]
    order = np.argsort(persons, kind="stable")
    persons, fen = persons[order], fen[order]
    hh = sim.population.persons.household[persons]
    starts = np.flatnonzero(np.concatenate(([True], hh[1:] != hh[:-1]))) if hh.shape[0] else hh[:0]
    return (hh[starts], np.add.reduceat(fen, starts) if starts.shape[0] else fen,
            np.bincount(sim.person_area[persons], minlength=N_AREAS).astype(float))


@pytest.mark.parametrize("shuffle", [False, True])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_person_payment_matches_numpy(shuffle: bool, dtype: type) -> None:
    sim = _population()
    n_p = sim.population.persons.household.shape[0]
    persons = np.flatnonzero(sim.rng.random(n_p) < 0.5)
    if shuffle:
        persons = sim.rng.permutation(persons)
    yuan = (sim.rng.random(persons.shape[0]) * 300 - 50).astype(dtype)
    yuan[::7] = 0.004  # rounds to no fen
    yuan[::11] = 0.005  # half a fen: rounds to even, 0
    pay = person_payment(sim, persons, yuan)
    households, fen, recipients = _person_payment_numpy(sim, persons, yuan)
    np.testing.assert_array_equal(pay.households, households)
    np.testing.assert_array_equal(pay.fen, fen)
    np.testing.assert_array_equal(pay.recipients, recipients)
    assert pay.households.dtype == np.intp and pay.fen.dtype == np.int64


def test_person_payment_empty() -> None:
    sim = _population()
    pay = person_payment(sim, np.zeros(0, np.intp), np.zeros(0))
    assert pay.households.shape == (0,) and pay.fen.shape == (0,)
    np.testing.assert_array_equal(pay.recipients, np.zeros(N_AREAS))


def test_household_payment_keeps_the_paid() -> None:
    sim = _population()
    households = np.flatnonzero(sim.rng.random(400) < 0.3)
    fen = sim.rng.integers(-5, 500, households.shape[0])
    pay = household_payment(sim, households, fen)
    keep = fen > 0
    np.testing.assert_array_equal(pay.households, households[keep])
    np.testing.assert_array_equal(pay.fen, fen[keep])
    np.testing.assert_array_equal(pay.recipients, np.bincount(sim.household_area[households[keep]],
                                                              minlength=N_AREAS).astype(float))


def test_area_sums_match_bincount() -> None:
    sim = _population()
    area = sim.household_area
    mask = sim.rng.random(area.shape[0]) < 0.2
    f32 = sim.rng.random(area.shape[0]).astype(np.float32)
    ints = sim.rng.integers(0, 9, area.shape[0])
    out = area_sums(area, N_AREAS, mask=mask, f32=f32, ints=ints)
    np.testing.assert_array_equal(out["mask"], np.bincount(area[mask], minlength=N_AREAS).astype(float))
    np.testing.assert_array_equal(out["f32"], np.bincount(area, weights=f32, minlength=N_AREAS))
    np.testing.assert_array_equal(out["ints"], np.bincount(area, weights=ints, minlength=N_AREAS))
    with pytest.raises(ValueError):
        area_sums(area, N_AREAS, short=mask[:-1])


def test_ledger_and_income_accumulate() -> None:
    sim = _population()
    paid_fen = np.zeros(400, np.int64)
    households = np.flatnonzero(sim.rng.random(400) < 0.3)
    fen = sim.rng.integers(1, 10_000, households.shape[0])
    add_payments(paid_fen, households, fen)
    add_payments(paid_fen, households, fen)
    expected = np.zeros(400, np.int64)
    expected[households] += 2 * fen
    np.testing.assert_array_equal(paid_fen, expected)

    alive = sim.size.astype(np.int64)
    pre_pc = np.where(alive > 0, sim.rng.random(400) * 900, np.inf)
    pre_pc[::17] = np.where(sim.urban[::17], 500.0, 400.0)  # at the poverty line: not poor
    dl = np.where(sim.urban, 550.0, 430.0) + sim.rng.random(400) * 50
    income, months = np.zeros(400), np.zeros(400, np.int64)
    cell = np.empty(400, np.int16)
    for add_income in (True, False):  # the second month adds nothing
        households_by_area, persons_by_area, poor = _household_pass(
            sim.household_area, alive, pre_pc, sim.urban, 500.0, 400.0, dl, N_AREAS, add_income, income, months,
            cell)
    reference = np.zeros(400)
    np.multiply(pre_pc, alive, out=reference, where=alive > 0)
    np.testing.assert_array_equal(income, reference)
    np.testing.assert_array_equal(months, alive)

    expected = np.bincount(sim.household_area[alive > 0], minlength=N_AREAS).astype(float), \
        np.bincount(sim.household_area, weights=alive, minlength=N_AREAS)
    for got in ((households_by_area, persons_by_area), _living(sim.household_area, alive, N_AREAS)):
        np.testing.assert_array_equal(got[0], expected[0])
        np.testing.assert_array_equal(got[1], expected[1])
    cells = np.empty(400, np.int16)
    _poor_cells(sim.household_area, pre_pc, sim.urban, 500.0, 400.0, cells)
    np.testing.assert_array_equal(cell, cells)
    np.testing.assert_array_equal(cell, 2 * sim.household_area + (pre_pc < np.where(sim.urban, 500.0, 400.0)))
    np.testing.assert_array_equal(poor, poor_before(pre_pc, alive, sim.urban, 500.0, 400.0, dl))
    np.testing.assert_array_equal(
        poor, np.flatnonzero((np.maximum(np.where(sim.urban, 500.0, 400.0), dl) - pre_pc >= 0.01) & (alive > 0)))


@pytest.mark.parametrize("clawback", [False, True])
def test_poverty_sums_paid_match_gap_sums(clawback: bool) -> None:
    sim = _population(seed=3, n_households=2000)
    n = 2000
    alive = sim.size.astype(np.int64)
    pre_pc = np.where(alive > 0, sim.rng.random(n) * 1200, np.inf)
    pl_urban, pl_rural = 700.0, 450.0
    dl = np.where(sim.urban, 800.0, 520.0) + sim.rng.random(n)
    dl[::13] = 0.0  # no line: the normalised gap is 0
    cash = []
    for share in (0.1, 0.3, 0.05):
        rows = np.flatnonzero(sim.rng.random(n) < share)
        cash.append((rows, sim.rng.integers(1, 60_000, rows.shape[0])))
    cash.append((np.zeros(0, np.intp), np.zeros(0, np.int64)))
    if clawback:  # a negative payment: taken through the dense formula
        cash[0][1][::5] *= -1
    dense = np.zeros(n, np.int64)
    for rows, fen in cash:
        dense[rows] += fen
    post_pc = pre_pc + dense / (100.0 * np.maximum(alive, 1))
    pl = np.where(sim.urban, pl_urban, pl_rural)
    out = poverty_sums_paid(pre_pc, cash, alive, sim.urban, pl_urban, pl_rural, dl, sim.household_area, N_AREAS)
    assert len(out) == 16
    for line_name, line in (("pl", pl), ("dl", dl)):
        for when, pc in (("pre", pre_pc), ("post", post_pc)):
            g = gap_sums(pc, line, alive, sim.household_area, N_AREAS)
            for measure in ("poor", "gap_yuan", "gap1", "gap2"):
                np.testing.assert_array_equal(out[f"{measure}_{when}_{line_name}"], getattr(g, measure))


def test_poverty_sums_paid_refuses_unsorted_payments() -> None:
    sim = _population()
    alive = sim.size.astype(np.int64)
    pre_pc = np.full(400, 100.0)
    with pytest.raises(ValueError):
        poverty_sums_paid(pre_pc, [(np.array([5, 3]), np.array([100, 100]))], alive, sim.urban, 500.0, 400.0,
                          np.full(400, 450.0), sim.household_area, N_AREAS)


def test_tekun_errors_match_the_masks() -> None:
    from aidsim.metrics.targeting import _tekun_errors

    rng = np.random.default_rng(11)
    n = 3000
    area = rng.integers(0, N_AREAS, n).astype(np.int16)
    paid, eligible = rng.random(n) < 0.05, rng.random(n) < 0.08
    paid[:40] = eligible[:40] = True  # both
    out = _tekun_errors(np.flatnonzero(paid), np.flatnonzero(eligible), area, N_AREAS)
    for row, mask in enumerate((eligible, paid & ~eligible, eligible & ~paid)):
        np.testing.assert_array_equal(out[row], np.bincount(area[mask], minlength=N_AREAS).astype(float))
