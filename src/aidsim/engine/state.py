"""SimState: everything that changes during a run, as arrays."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, fields, is_dataclass
from typing import Any

import numpy as np

from aidsim.engine.ledger import add_payments
from aidsim.population.arrays import Population
from aidsim.programmes import REGISTRY
from aidsim.programmes.registry import Registry


@dataclass
class SimState:
    """The population, each programme's own state and the cumulative payments to each household."""

    population: Population
    registry: Registry
    programmes: dict[str, Any]    # programme name → its state (rolls, counters), see Programme.init_state
    # int32 (n_lines, n_households): paid over the reported months, fen (int64 once a total could
    # pass int32's 21 million yuan, see add_paid)
    paid_fen: np.ndarray
    pre_income_yuan: np.ndarray   # float64 (n_households,): income before transfers over reported months
    person_months: np.ndarray     # int64 (n_households,): living members, summed over reported months
    person_urban: np.ndarray      # bool (n_persons,): urban hukou (cached from the household)
    person_area: np.ndarray       # int16 (n_persons,): area of the person's household
    household_area: np.ndarray    # int16 (n_households,): the households' area (population.households.area)
    disaster_until: np.ndarray    # int32 (n_households,): month the current disaster's loss ends
    disaster_loss: np.ndarray     # float32 (n_households,): share of income lost meanwhile
    assessed_earned: np.ndarray | None = None  # float32 (n_persons,): earnings the means test counts
    assessed_other: np.ndarray | None = None   # float32 (n_households,): other income it counts
    residents_start: int = 0      # living residents when the run starts (the growth path's origin)
    first_month: int | None = None  # the run's first simulated month (set by its first month)
    last_renewal: Any = None      # RenewalOutcome of the last month (births, households formed, departures)
    # per ledger line: the sum of each month's largest payment, a bound on any household's total
    paid_bound: list[int] = field(default_factory=list, repr=False)
    _fixed: dict = field(default_factory=dict, repr=False)  # cache of cached()

    @classmethod
    def start(cls, population: Population, registry: Registry = REGISTRY) -> SimState:
        p, h = population.persons, population.households
        # Areas stay int16 (2 bytes a row, not 8): they index small by-area arrays, and bincount
        # takes them as they are.
        area = h.area
        state = cls(
            population=population,
            registry=registry,
            programmes={},
            paid_fen=np.zeros((len(registry.lines), h.n), dtype=np.int32),
            pre_income_yuan=np.zeros(h.n, dtype=np.float64),
            person_months=np.zeros(h.n, dtype=np.int64),
            person_urban=h.urban[p.household],
            person_area=area[p.household],
            household_area=area,
            disaster_until=np.zeros(h.n, dtype=np.int32),
            disaster_loss=np.zeros(h.n, dtype=np.float32),
            residents_start=int(np.count_nonzero(p.alive)),
        )
        state.programmes = {prog.name: prog.init_state(state) for prog in registry}
        return state

    def add_paid(self, line: int, households: np.ndarray, fen: np.ndarray) -> None:
        """Add one ledger line's payments of the month (``households`` unique, ``fen`` int64) to the
        households' totals. The totals are int32 (4 bytes a household and line, not 8), which holds
        21 million yuan per household and line, decades of any payment; before a month could take
        a total past that (``paid_bound``: the sum of every month's largest payment), they move to
        int64, so they never wrap."""
        if not fen.shape[0]:
            return
        if not self.paid_bound:
            self.paid_bound = [0] * self.paid_fen.shape[0]
        self.paid_bound[line] += max(int(fen.max()), 0) + max(-int(fen.min()), 0)
        if self.paid_fen.dtype != np.int64 and self.paid_bound[line] > np.iinfo(self.paid_fen.dtype).max:
            self.paid_fen = self.paid_fen.astype(np.int64)
        add_payments(self.paid_fen[line], households, fen)

    def resident_target(self, month: int, growth: float | None) -> float | None:
        """Residents the growth path asks for at the end of ``month``:
        ``residents_start × (1 + growth)^(months since the start / 12)`` (``None``: no path)."""
        if self.first_month is None:
            self.first_month = month
        if growth is None:
            return None
        return self.residents_start * (1.0 + growth) ** ((month - self.first_month + 1) / 12.0)

    def persons_changed(self) -> None:
        """Person traits were written (births, moves): drop the arrays cached from them."""
        self._fixed.clear()

    def cached(self, key: tuple, make: Callable[[], np.ndarray]) -> np.ndarray:
        """An array that stays the same for the run as long as ``key`` (the parameters it depends
        on) does, made once by ``make()``. Read only."""
        value = self._fixed.get(key)
        if value is None:
            value = make()
            value.flags.writeable = False
            self._fixed[key] = value
        return value

    def nbytes(self) -> int:
        """Memory held by the state's arrays (population and programme states included)."""
        own = [getattr(self, f.name) for f in fields(self)]
        return self.population.nbytes() + sum(_array_bytes(v) for v in own if isinstance(v, np.ndarray)) \
            + sum(_array_bytes(s) for s in self.programmes.values())


def _array_bytes(value: Any) -> int:
    """Bytes of the numpy arrays in ``value`` (an array, or a dataclass holding arrays)."""
    if isinstance(value, np.ndarray):
        return value.nbytes
    if is_dataclass(value):
        return sum(_array_bytes(getattr(value, f.name)) for f in fields(value))
    return 0

