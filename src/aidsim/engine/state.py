"""SimState: everything that changes during a run, as arrays."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from aidsim.admin.pipeline import Roll
from aidsim.engine.ledger import PROGRAMMES
from aidsim.population.arrays import Population


@dataclass
class SimState:
    """The population plus the programmes' rolls and the cumulative payments to each household."""

    population: Population
    dibao: Roll                   # one unit per household
    tekun: Roll                   # one unit per person
    tekun_institutional: np.ndarray  # bool (n_persons,): supported in an institution
    paid_fen: np.ndarray          # int64 (n_households, n_programmes): paid over reported months, fen
    person_urban: np.ndarray      # bool (n_persons,): urban hukou (cached from the household)
    person_area: np.ndarray       # intp (n_persons,): area of the person's household
    household_area: np.ndarray    # intp (n_households,)

    @classmethod
    def start(cls, population: Population) -> SimState:
        p, h = population.persons, population.households
        area = h.area.astype(np.intp)
        return cls(
            population=population,
            dibao=Roll.empty(h.n),
            tekun=Roll.empty(p.n),
            tekun_institutional=np.zeros(p.n, dtype=bool),
            paid_fen=np.zeros((h.n, len(PROGRAMMES)), dtype=np.int64),
            person_urban=h.urban[p.household],
            person_area=area[p.household],
            household_area=area,
        )

    def nbytes(self) -> int:
        """Memory held by the state's arrays (population included)."""
        arrays = [self.tekun_institutional, self.paid_fen, self.person_urban, self.person_area,
                  self.household_area]
        for roll in (self.dibao, self.tekun):
            arrays += [roll.status, roll.decision_month, roll.next_review, roll.exit_month, roll.assessed]
        return self.population.nbytes() + sum(a.nbytes for a in arrays)
