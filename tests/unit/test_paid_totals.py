"""The households' payment totals: int32 while they fit, int64 before they could wrap."""

import numpy as np

from aidsim.engine.state import SimState
from aidsim.population.arrays import Households, Persons, Population


def _state(n_households: int = 3) -> SimState:
    one = np.ones(n_households, dtype=bool)
    persons = Persons(**{name: np.zeros(n_households, dtype=dtype) for name, dtype in (
        ("household", np.int32), ("age_months", np.int16), ("female", bool), ("alive", bool),
        ("disability", np.int8), ("chronic", bool), ("ill", bool), ("selfcare", np.int8), ("employed", bool),
        ("earnings_level", np.float32), ("pension", np.float32), ("public_sector", bool),
        ("refuses_work", bool), ("orphan", bool), ("formal_job", bool), ("certified", bool))})
    persons.household[:] = np.arange(n_households)
    persons.alive[:] = True
    households = Households(area=np.zeros(n_households, np.int16), urban=one, vehicle=~one, business=~one,
                            two_dwellings=~one, outside_supporter=~one,
                            other_income_level=np.zeros(n_households, np.float32), has_other_income=~one,
                            office_km=np.ones(n_households, np.float32),
                            connection_u=np.ones(n_households, np.float32),
                            honesty_u=np.ones(n_households, np.float32))
    return SimState.start(Population(persons, households, 1, np.array([True])))


def test_totals_add_exactly_and_stay_int32_while_they_fit():
    state = _state()
    assert state.paid_fen.dtype == np.int32
    state.add_paid(0, np.array([0, 2]), np.array([150_00, 2_000_000_00], dtype=np.int64))
    state.add_paid(0, np.array([2]), np.array([1], dtype=np.int64))
    state.add_paid(1, np.zeros(0, np.intp), np.zeros(0, np.int64))
    assert state.paid_fen.dtype == np.int32
    assert state.paid_fen[0].tolist() == [150_00, 0, 2_000_000_01]
    assert not state.paid_fen[1:].any()


def test_totals_move_to_int64_before_a_month_could_wrap_them():
    state = _state()
    big = np.array([1_500_000_000], dtype=np.int64)  # 15 million yuan in one month: two wrap int32
    state.add_paid(3, np.array([1]), big)
    assert state.paid_fen.dtype == np.int32
    state.add_paid(3, np.array([1]), big)
    assert state.paid_fen.dtype == np.int64
    assert int(state.paid_fen[3, 1]) == 3_000_000_000 and int(state.paid_fen.sum()) == 3_000_000_000
