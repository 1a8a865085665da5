"""Ageing and deaths (annual death probabilities applied monthly)."""

from __future__ import annotations

import numpy as np

from aidsim import libm


def monthly_death_probability(age_months: np.ndarray, band_starts: list[int],
                              annual_probability: list[float]) -> np.ndarray:
    """Monthly death probability ``1 − (1 − q)^(1/12)`` for the age band of each person."""
    monthly = 1.0 - libm.power(1.0 - np.asarray(annual_probability, dtype=np.float64), 1.0 / 12.0)
    # A table by age in months (a few thousand entries) makes the lookup one gather.
    ages = np.arange(max(int(age_months.max(initial=0)), band_starts[-1] * 12) + 1)
    band = np.searchsorted(np.asarray(band_starts) * 12, ages, side="right") - 1
    table = monthly.astype(np.float32)[np.clip(band, 0, None)]
    return table[age_months]


def deaths(alive: np.ndarray, age_months: np.ndarray, uniform: np.ndarray,
           band_starts: list[int], annual_probability: list[float]) -> np.ndarray:
    """Who dies this month: living people whose draw falls below their monthly hazard."""
    return alive & (uniform < monthly_death_probability(age_months, band_starts, annual_probability))


def age_one_month(age_months: np.ndarray, alive: np.ndarray) -> None:
    """Add one month to the age of the living (in place)."""
    age_months += alive
