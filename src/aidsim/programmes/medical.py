"""Medical assistance (医疗救助): what basic medical insurance leaves to the poor.

- Premium subsidy (资助参保): a share of the yearly premium for each person in a category.
- Inpatient aid: a share (by category: 70% dibao and tekun in seed 000, lower for margin
  households) of the in-policy out-of-pocket cost left after insurance, above a deductible, up to
  an annual cap per person.
- Outpatient aid for chronic illness: a monthly amount.
- Catastrophic-illness aid (大病): a share of the yearly out-of-pocket cost above a threshold, for
  households below an income limit.

Categories per person are given as a rate array (the best rate of the categories a person is in,
0 for none), so the rules stay independent of how categories are decided.
"""

from __future__ import annotations

import numpy as np


def inpatient_aid(out_of_pocket: np.ndarray, rate: np.ndarray, deductible: float,
                  used_this_year: np.ndarray, annual_cap: float) -> np.ndarray:
    """``min(cap left this year, rate × max(out_of_pocket − deductible, 0))`` per episode."""
    wanted = rate * np.maximum(out_of_pocket - deductible, 0)
    return np.minimum(wanted, np.maximum(annual_cap - used_this_year, 0))


def catastrophic_aid(out_of_pocket: np.ndarray, spent_before: np.ndarray, threshold: float,
                     rate: float, qualifies: np.ndarray) -> np.ndarray:
    """A share of the part of this month's cost that takes the year's total above the threshold.

    ``spent_before`` is what the person paid earlier this year (after all aid); the aid never
    exceeds this month's out-of-pocket cost.
    """
    above_after = np.maximum(spent_before + out_of_pocket - threshold, 0)
    above_before = np.maximum(spent_before - threshold, 0)
    return np.where(qualifies, rate * (above_after - above_before), 0.0)


def premium_subsidy(premium: float, share: np.ndarray) -> np.ndarray:
    """The part of the yearly premium paid for each person (``share`` 0 outside the categories)."""
    return premium * share
