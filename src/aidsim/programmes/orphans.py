"""Basic living allowance for orphans and children without de facto carers (孤儿基本生活费; seed 002).

A child under 18 is covered when recorded as an orphan or when no adult (18+) is alive in the
household. The standard differs for children living with relatives (分散供养, 900 yuan in seed 002)
and in institutions (集中供养, 1,300).
"""

from __future__ import annotations

import numpy as np


def eligible(alive: np.ndarray, age_months: np.ndarray, orphan: np.ndarray,
             adults_in_household: np.ndarray) -> np.ndarray:
    """Living children under 18 who are orphans or have no living adult in their household."""
    return alive & (age_months < 18 * 12) & (orphan | (adults_in_household == 0))


def amount(institutional: np.ndarray, dispersed: float, institutional_standard: float) -> np.ndarray:
    """The monthly allowance of each covered child by placement."""
    return np.where(institutional, institutional_standard, dispersed)
