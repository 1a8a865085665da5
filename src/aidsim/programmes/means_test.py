"""The dibao means test's shared parts: per-capita income and the asset and conduct exclusions."""

from __future__ import annotations

import numpy as np

from aidsim.scenario.schema import DibaoExclusions


def per_capita(total: np.ndarray, members: np.ndarray) -> np.ndarray:
    """Household total ÷ members; ``inf`` where a household has no members (never eligible)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(members > 0, total / np.maximum(members, 1), np.inf)


def excluded(switches: DibaoExclusions, *, vehicle: np.ndarray, business: np.ndarray,
             two_dwellings: np.ndarray, public_sector_members: np.ndarray,
             refusing_members: np.ndarray, outside_supporter: np.ndarray,
             members_above_standard: np.ndarray) -> np.ndarray:
    """Households barred from dibao by an asset or conduct rule (seed 001's list), per switch.

    Each argument is ``(n_households,)``: flags, or counts of members concerned.
    """
    out = np.zeros(vehicle.shape, dtype=bool)
    if switches.vehicle:
        out |= vehicle
    if switches.business:
        out |= business
    if switches.two_dwellings:
        out |= two_dwellings
    if switches.public_sector:
        out |= public_sector_members > 0
    if switches.refuses_work:
        out |= refusing_members > 0
    if switches.supporter_not_supporting:
        out |= outside_supporter
    if switches.member_income_above_standard:
        out |= members_above_standard > 0
    return out
