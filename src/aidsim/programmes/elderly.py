"""Old-age allowance (高龄津贴) for people 80 and over, and purchased home-care services for poor
dependent elders (政府购买居家养老服务, seed 000)."""

from __future__ import annotations

import numpy as np


def allowance(age_months: np.ndarray, alive: np.ndarray, band_ages: list[int],
              amounts: list[float]) -> np.ndarray:
    """The allowance of each person by age band (0 below the first band)."""
    table = np.concatenate(([0.0], np.asarray(amounts, dtype=np.float64)))
    band = np.searchsorted(np.asarray(band_ages) * 12, age_months, side="right")
    return np.where(alive, table[band], 0.0)


def home_care_served(eligible_index: np.ndarray, priority_income: np.ndarray,
                     capacity: int) -> np.ndarray:
    """The eligible people served when places are limited: the lowest incomes first.

    ``eligible_index`` are person rows, ``priority_income`` their household per-capita income.
    A stable sort keeps the choice reproducible among equal incomes.
    """
    order = np.argsort(priority_income, kind="stable")
    return eligible_index[order[:capacity]]
