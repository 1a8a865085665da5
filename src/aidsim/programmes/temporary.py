"""Temporary assistance (临时救助): a one-off payment after a sudden event.

A household hit this month by an event (a hospital episode with a large out-of-pocket cost, a job
lost with no worker left, the death of an earner, a disaster) whose resources — a year's income
less the loss, per member and month — fall below the threshold may receive: months of the dibao standard per member plus a share of
the loss, capped per case, at most a number of cases a year. The township approves up to its limit
(2,000 yuan, raised to 4,000 during the epidemic, seed 002); the county approves larger cases.
"""

from __future__ import annotations

import numpy as np


def eligible(event: np.ndarray, income: np.ndarray, loss: np.ndarray, members: np.ndarray,
             standard: np.ndarray, threshold: float, resource_months: int,
             cases_this_year: np.ndarray, max_per_year: int) -> np.ndarray:
    """An event; resources ``(resource_months × income − loss) / (resource_months × members)``
    (per member and month) below ``threshold × standard``; fewer than ``max_per_year`` cases so
    far this year."""
    resources = (resource_months * income - loss) / (resource_months * np.maximum(members, 1))
    return (event & (members > 0) & (resources < threshold * standard)
            & (cases_this_year < max_per_year))


def amount(standard: np.ndarray, members: np.ndarray, loss: np.ndarray, standard_months: float,
           loss_share: float, cap: float) -> np.ndarray:
    """``min(cap, standard_months × standard × members + loss_share × loss)`` in yuan."""
    return np.minimum(cap, standard_months * standard * members + loss_share * loss)


def county_approves(amount_yuan: np.ndarray, township_limit: float) -> np.ndarray:
    """Cases above the township's approval limit go to the county."""
    return amount_yuan > township_limit
