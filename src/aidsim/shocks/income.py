"""Earnings and other household income: a persistent AR(1) component plus transitory noise."""

from __future__ import annotations

import numpy as np

from aidsim import libm
from aidsim.calendar import calendar_month
from aidsim.scenario.dated import DatedValue


def update_persistent(level: np.ndarray, normal: np.ndarray, rho: float, sd: float) -> None:
    """AR(1) in place, keeping the stationary standard deviation ``sd``:
    ``x ← ρ x + sd √(1 − ρ²) ε``."""
    level *= np.float32(rho)
    level += np.float32(sd * np.sqrt(1.0 - rho * rho)) * normal


def earnings(employed: np.ndarray, ill: np.ndarray, mean_log: np.ndarray, level: np.ndarray,
             transitory: np.ndarray, transitory_sd: float) -> np.ndarray:
    """Monthly earnings in yuan: ``exp(mean + level + sd·ε)`` for workers not in an illness
    episode (a sick worker earns nothing that month), else 0. float32 ``(n_persons,)``."""
    log_e = mean_log + level + np.float32(transitory_sd) * transitory
    return np.where(employed & ~ill, libm.exp(log_e), np.float32(0)).astype(np.float32, copy=False)


def other_income(has_other: np.ndarray, median: np.ndarray, level: np.ndarray) -> np.ndarray:
    """Other household income (farming, rent, family transfers) in yuan/month, float32."""
    return np.where(has_other, median * libm.exp(level), np.float32(0)).astype(np.float32, copy=False)


def growth_index(rate: DatedValue, first: int, month: int) -> float:
    """Income level at ``month`` relative to the month ``first``: the product of ``1 + rate`` in
    force each January after ``first`` up to ``month`` (1 at or before ``first``)."""
    index = 1.0
    january = first + 13 - calendar_month(first)
    while january <= month:
        index *= 1.0 + rate.at(january)
        january += 12
    return index
