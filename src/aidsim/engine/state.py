"""SimState: everything that changes during a run, as arrays."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, fields

import numpy as np

from aidsim.admin.pipeline import Roll
from aidsim.admin.process import DibaoRoll
from aidsim.population.arrays import Population
from aidsim.programmes import PROGRAMMES


@dataclass
class SimState:
    """The population plus the programmes' rolls and the cumulative payments to each household."""

    population: Population
    dibao: DibaoRoll              # one unit per household
    tekun: Roll                   # one unit per person
    tekun_institutional: np.ndarray  # bool (n_persons,): supported in an institution
    paid_fen: np.ndarray          # int64 (n_programmes, n_households): paid over reported months, fen
    person_urban: np.ndarray      # bool (n_persons,): urban hukou (cached from the household)
    person_area: np.ndarray       # intp (n_persons,): area of the person's household
    household_area: np.ndarray    # intp (n_households,)
    orphan_institutional: np.ndarray  # bool (n_persons,): an orphan placed in an institution
    medical_aid_year: np.ndarray  # float32 (n_persons,): inpatient aid received this calendar year
    medical_spent_year: np.ndarray  # float32 (n_persons,): out-of-pocket paid this year, after aid
    medical_spent_12m: np.ndarray  # float32 (n_households,): out-of-pocket, last 12 months (EWMA)
    temporary_cases_year: np.ndarray  # int8 (n_households,): cases received this calendar year
    temporary_due_fen: np.ndarray  # int64 (n_households,): county-approved case awaiting payment
    temporary_due_month: np.ndarray  # int32 (n_households,): month it is paid
    disaster_until: np.ndarray    # int32 (n_households,): month the current disaster's loss ends
    disaster_loss: np.ndarray     # float32 (n_households,): share of income lost meanwhile
    _per_person: dict = field(default_factory=dict, repr=False)  # cache of by_hukou_per_person
    _fixed: dict = field(default_factory=dict, repr=False)  # cache of cached()

    @classmethod
    def start(cls, population: Population) -> SimState:
        p, h = population.persons, population.households
        area = h.area.astype(np.intp)
        return cls(
            population=population,
            dibao=DibaoRoll.empty(h.n),
            tekun=Roll.empty(p.n),
            tekun_institutional=np.zeros(p.n, dtype=bool),
            paid_fen=np.zeros((len(PROGRAMMES), h.n), dtype=np.int64),
            person_urban=h.urban[p.household],
            person_area=area[p.household],
            household_area=area,
            orphan_institutional=np.zeros(p.n, dtype=bool),
            medical_aid_year=np.zeros(p.n, dtype=np.float32),
            medical_spent_year=np.zeros(p.n, dtype=np.float32),
            medical_spent_12m=np.zeros(h.n, dtype=np.float32),
            temporary_cases_year=np.zeros(h.n, dtype=np.int8),
            temporary_due_fen=np.zeros(h.n, dtype=np.int64),
            temporary_due_month=np.full(h.n, np.iinfo(np.int32).max, dtype=np.int32),
            disaster_until=np.zeros(h.n, dtype=np.int32),
            disaster_loss=np.zeros(h.n, dtype=np.float32),
        )

    def by_hukou_per_person(self, urban_value: float, rural_value: float) -> np.ndarray:
        """A float32 value per person by hukou; reused while the values stay the same (standards
        change rarely, so the month does not rebuild a person-sized array for them). Read only."""
        key = (urban_value, rural_value)
        cached = self._per_person.get(key)
        if cached is None:
            if len(self._per_person) > 8:
                self._per_person.clear()
            cached = np.where(self.person_urban, np.float32(urban_value), np.float32(rural_value))
            cached.flags.writeable = False
            self._per_person[key] = cached
        return cached

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
        """Memory held by the state's arrays (population included)."""
        arrays = [getattr(self, f.name) for f in fields(self)
                  if isinstance(getattr(self, f.name), np.ndarray)]
        arrays += self.dibao.arrays()
        arrays += [self.tekun.status, self.tekun.decision_month, self.tekun.next_review,
                   self.tekun.exit_month, self.tekun.assessed]
        return self.population.nbytes() + sum(a.nbytes for a in arrays)
