"""Disability subsidies (困难残疾人生活补贴 and 重度残疾人护理补贴, seed 004).

The living subsidy goes to disabled members of dibao and low-income margin households; the care
subsidy to everyone with a grade 1 or 2 (severe) disability.
"""

from __future__ import annotations

import numpy as np


def living_subsidy(disability: np.ndarray, poor_household: np.ndarray, amount: float) -> np.ndarray:
    """``amount`` for each disabled person (any grade) in a dibao or margin household, else 0."""
    return np.where((disability > 0) & poor_household, amount, 0.0)


def care_subsidy(disability: np.ndarray, amount: float) -> np.ndarray:
    """``amount`` for each person with disability grade 1 or 2, else 0."""
    return np.where((disability == 1) | (disability == 2), amount, 0.0)
