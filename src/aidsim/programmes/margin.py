"""Low-income margin households (低保边缘户, seed 001).

Not on dibao, not barred by an exclusion, per-capita income at or above the dibao standard but
below a multiple of it (1.5 by default). They are eligible for medical and temporary assistance
and the special subsidies, not for dibao.
"""

from __future__ import annotations

import numpy as np


def margin_household(per_capita_income: np.ndarray, standard: np.ndarray, multiple: float,
                     excluded: np.ndarray, on_dibao: np.ndarray, members: np.ndarray) -> np.ndarray:
    """``standard ≤ income < multiple × standard``, members, no exclusion and not paid dibao."""
    return ((members > 0) & ~excluded & ~on_dibao & (per_capita_income >= standard)
            & (per_capita_income < multiple * standard))
