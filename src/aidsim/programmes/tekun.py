"""Extreme-poverty support (特困人员救助供养; the rural 五保 before 2014).

For people with no ability to work, no income and no one able to support them (三无). The
support is the basic living standard (a multiple of the local dibao standard, 1.3 in seed 002)
plus a care standard that is a share of the local minimum wage by self-care ability (30% or 60%
in seed 002), at home (分散供养) or in an institution (集中供养).
"""

from __future__ import annotations

import numpy as np


def eligible(alive: np.ndarray, able_to_work: np.ndarray, own_income: np.ndarray,
             income_threshold: np.ndarray, has_supporter: np.ndarray) -> np.ndarray:
    """三无: alive, unable to work, own income below the threshold, and no supporter."""
    return alive & ~able_to_work & (own_income < income_threshold) & ~has_supporter


def amount(dibao_standard: np.ndarray, basic_multiplier: float, minimum_wage: np.ndarray,
           care_share: np.ndarray) -> np.ndarray:
    """Monthly support per person in yuan: ``multiplier × dibao standard + care share × minimum wage``.

    ``care_share`` is the share for each person's self-care ability, ``(n,)``.
    """
    return basic_multiplier * dibao_standard + care_share * minimum_wage
