"""Civil-affairs offices (street offices and townships) as Mesa agents.

Offices are the model's few real agents; households stay rows of arrays. Each month an office
takes its caseload and flows from the vectorised step (one slice of the area sums, no loop over
households), and the model's DataCollector records them per office.
"""

from __future__ import annotations

import mesa
import numpy as np

from aidsim.metrics.indicators import MEASURE_NAMES

#: Office attributes recorded every month (each is also a row of the indicator sums).
CASELOAD_FIELDS: tuple[str, ...] = (
    "households", "persons", "dibao_households", "dibao_persons", "dibao_pending",
    "dibao_applications", "dibao_entries", "dibao_exits", "dibao_cost",
    "tekun_persons", "tekun_applications", "tekun_entries", "tekun_exits", "tekun_cost",
)
_ROWS = np.array([MEASURE_NAMES.index(name) for name in CASELOAD_FIELDS])


class Office(mesa.Agent):
    """A street office (街道, urban) or township (乡镇, rural) civil-affairs office."""

    def __init__(self, model: mesa.Model, area: int, urban: bool):
        super().__init__(model)
        self.area = area
        self.area_type = "urban" if urban else "rural"
        for name in CASELOAD_FIELDS:
            setattr(self, name, 0.0)

    def take_caseload(self, sums: np.ndarray) -> None:
        """Copy this office's column of the month's indicator sums ``(n_measures, n_areas)``."""
        for name, value in zip(CASELOAD_FIELDS, sums[_ROWS, self.area], strict=True):
            setattr(self, name, float(value))
